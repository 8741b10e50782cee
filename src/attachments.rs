//! Files people attach (a written answer to a recommendation): checked by
//! their first bytes as well as their name, limited in size, stored under a
//! content hash in `DATA_DIR/attachments/`, and served only as downloads.

use std::collections::HashMap;

use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

use actix_multipart::Multipart;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::domain::search::fold;

/// Largest file accepted: 10 MB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest text field in a multipart form.
const MAX_FIELD: usize = 64 * 1024;

/// Allowed kinds: extension, content type, how the file starts.
const KINDS: [(&str, &str, &[u8]); 6] = [
    ("pdf", "application/pdf", b"%PDF-"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
    ("jpg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("jpeg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("png", "image/png", b"\x89PNG\r\n\x1a\n"),
];

/// A multipart form: its text fields and its one file, if any.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// Reads a multipart form; the file field is `file`. A file over the limit
/// is refused with a translation key.
pub async fn read(mut payload: Multipart) -> Result<Upload, &'static str> {
    let mut out = Upload::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| "upload-error")?;
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let limit = if file_name.is_some() {
            MAX_BYTES
        } else {
            MAX_FIELD
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| "upload-error")?;
            if bytes.len() + chunk.len() > limit {
                return Err("upload-error-too-large");
            }
            bytes.extend_from_slice(&chunk);
        }
        match file_name {
            Some(f) if name == "file" => {
                if !bytes.is_empty() {
                    out.file = Some((f, bytes));
                }
            }
            _ => {
                // In NFC, as the text of every other form (`routes::nfc_form`).
                let text = String::from_utf8(bytes).map_err(|_| "upload-error")?;
                out.fields.insert(name, text.nfc().collect());
            }
        }
    }
    Ok(out)
}

/// A file fit to keep: its safe name and content type, or why not.
pub fn check(name: &str, bytes: &[u8]) -> Result<(String, &'static str), &'static str> {
    if bytes.is_empty() {
        return Err("upload-error-empty");
    }
    if bytes.len() > MAX_BYTES {
        return Err("upload-error-too-large");
    }
    let safe = safe_name(name);
    let ext = safe
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, content_type, magic)) = KINDS.iter().find(|(e, _, _)| *e == ext) else {
        return Err("upload-error-type");
    };
    if !bytes.starts_with(magic) {
        return Err("upload-error-content");
    }
    Ok((safe, content_type))
}

/// The last path segment, accents folded, anything but letters, digits,
/// dots, dashes and underscores replaced, at most 100 characters.
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let folded: String = fold(last)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = folded.trim_start_matches('.');
    let mut out: String = trimmed
        .chars()
        .rev()
        .take(100)
        .collect::<String>()
        .chars()
        .rev()
        .collect();
    if out.is_empty() {
        out = "tep".into();
    }
    out
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("attachments")
}

/// Stores the bytes under their SHA-256 and returns it; the same file twice is
/// stored once. Written to a temporary name first, so a crash leaves no half file.
pub fn store(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let dir = dir(data_dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(&sha);
    if !path.exists() {
        let tmp = dir.join(format!("{sha}.part"));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(sha)
}

pub fn load(data_dir: &Path, sha: &str) -> std::io::Result<Vec<u8>> {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "bad name",
        ));
    }
    std::fs::read(dir(data_dir).join(sha))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_name("C:\\temp\\Công văn số 15.pdf"),
            "cong_van_so_15.pdf"
        );
        assert_eq!(safe_name(".htaccess"), "htaccess");
        assert_eq!(safe_name(""), "tep");
        assert!(safe_name(&format!("{}.pdf", "a".repeat(300))).len() <= 100);
        assert!(safe_name(&format!("{}.pdf", "a".repeat(300))).ends_with(".pdf"));
    }

    #[test]
    fn only_known_kinds_whose_bytes_match() {
        assert_eq!(
            check("tra-loi.pdf", b"%PDF-1.7 ...").unwrap().1,
            "application/pdf"
        );
        assert_eq!(
            check("anh.PNG", b"\x89PNG\r\n\x1a\n...").unwrap().1,
            "image/png"
        );
        assert_eq!(check("script.html", b"<script>"), Err("upload-error-type"));
        assert_eq!(
            check("tra-loi.pdf", b"<html><script>"),
            Err("upload-error-content")
        );
        assert_eq!(check("x.exe", b"MZ"), Err("upload-error-type"));
        assert_eq!(check("empty.pdf", b""), Err("upload-error-empty"));
    }

    #[test]
    fn stored_once_under_the_hash_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), b"%PDF-1.4 hello").unwrap();
        let b = store(dir.path(), b"%PDF-1.4 hello").unwrap();
        assert_eq!(a, b);
        assert_eq!(load(dir.path(), &a).unwrap(), b"%PDF-1.4 hello");
        assert!(load(dir.path(), "../secret").is_err());
    }
}
