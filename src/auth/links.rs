//! Links that work without an account — a citizen's feedback link, a rota's
//! calendar feed — carry an HMAC of what they open, so they cannot be forged
//! or pointed at another record. The key is derived from the session key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC kept in a link: 12 (96 bits) keeps links short.
const MAC_LEN: usize = 12;

#[derive(Clone)]
pub struct LinkKey(Vec<u8>);

impl LinkKey {
    /// A key for links, separate from the cookie keys it is derived from.
    pub fn derive(master: &[u8]) -> LinkKey {
        let mut mac = HmacSha256::new_from_slice(master).expect("HMAC takes any key length");
        mac.update(b"danvan public links v1");
        LinkKey(mac.finalize().into_bytes().to_vec())
    }

    fn mac(&self, purpose: &str, id: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(format!("{purpose}:{id}").as_bytes());
        mac
    }

    /// `{id}-{mac}` for `purpose`, e.g. `feedback`.
    pub fn sign(&self, purpose: &str, id: i64) -> String {
        let tag = self.mac(purpose, id).finalize().into_bytes();
        format!("{id}-{}", URL_SAFE_NO_PAD.encode(&tag[..MAC_LEN]))
    }

    /// The id a token opens for `purpose`, if the token is genuine.
    pub fn verify(&self, purpose: &str, token: &str) -> Option<i64> {
        let (id, tag) = token.split_once('-')?;
        let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != MAC_LEN {
            return None;
        }
        self.mac(purpose, id)
            .verify_truncated_left(&tag)
            .ok()
            .map(|_| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_link_opens_its_own_record_and_nothing_else() {
        let key = LinkKey::derive(&[7; 64]);
        let token = key.sign("feedback", 42);
        assert!(token.starts_with("42-") && token.len() < 24, "{token}");
        assert_eq!(key.verify("feedback", &token), Some(42));
        // Another record, another purpose, another key, a changed tag: refused.
        let forged = token.replacen("42-", "43-", 1);
        assert_eq!(key.verify("feedback", &forged), None);
        assert_eq!(key.verify("rota", &token), None);
        assert_eq!(LinkKey::derive(&[8; 64]).verify("feedback", &token), None);
        let mut chars: Vec<char> = token.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        assert_eq!(
            key.verify("feedback", &chars.into_iter().collect::<String>()),
            None
        );
        for bad in ["", "42", "42-", "x-abc", "-5-abc", "42-!!!"] {
            assert_eq!(key.verify("feedback", bad), None, "{bad}");
        }
    }
}
