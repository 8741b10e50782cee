//! Unguessable tokens: CSRF tokens, session ids, API token secrets.

use rand::RngCore;

/// 256 random bits as 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
