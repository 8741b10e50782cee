//! Files people attach (a written answer to a recommendation): checked by
//! their name and by the structure their kind promises (a PDF's trailer and
//! cross-reference, an Office file's package parts, an image's chunks or
//! segments up to its end), limited in size, stored under a content hash in
//! `DATA_DIR/attachments/`, and served only as downloads.

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

/// Files one form may carry besides `file` (a visit's photos).
pub const MAX_FILES: usize = 5;

/// A multipart form: its text fields (each kept in order in `pairs`, the
/// last of a name in `fields`), its one `file`, the other files by field
/// name, and why a part was refused (too large, too many), if one was: the
/// rest of the form is read all the same, so nothing typed is lost.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub pairs: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
    pub files: Vec<(String, Vec<u8>)>,
    pub refused: Option<&'static str>,
}

impl Upload {
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// Reads a multipart form; the one file field is `file`, others go to
/// `files` (at most `MAX_FILES`). A part over its limit is left unread and
/// named in `refused`; a broken stream is refused whole.
pub async fn read(payload: Multipart) -> Result<Upload, &'static str> {
    read_within(payload, MAX_BYTES).await
}

/// `read` with files of at most `max_file` bytes (a larger one is
/// `refused`).
pub async fn read_within(mut payload: Multipart, max_file: usize) -> Result<Upload, &'static str> {
    // The whole request is bounded too: the files a form may carry, and
    // room for its text; parts past these stop the reading.
    let max_total: usize = (MAX_FILES + 1) * max_file + 1024 * 1024;
    const MAX_PARTS: usize = 300;
    let mut out = Upload::default();
    let (mut total, mut parts) = (0usize, 0usize);
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| "upload-error")?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err("upload-error-too-many");
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let limit = if file_name.is_some() {
            max_file
        } else {
            MAX_FIELD
        };
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| "upload-error")?;
            total += chunk.len();
            if total > max_total {
                return Err("upload-error-too-large");
            }
            // Past the limit the part is read to its end and dropped.
            over |= bytes.len() + chunk.len() > limit;
            if over {
                bytes = Vec::new();
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        if over {
            out.refused = Some("upload-error-too-large");
            continue;
        }
        match file_name {
            Some(f) if name == "file" => {
                if !bytes.is_empty() {
                    out.file = Some((f, bytes));
                }
            }
            Some(_) if bytes.is_empty() => {}
            Some(_) if out.files.len() >= MAX_FILES => out.refused = Some("upload-error-too-many"),
            Some(_) => out.files.push((name, bytes)),
            None => {
                // In NFC, as the text of every other form (`routes::nfc_form`).
                let text: String = String::from_utf8(bytes)
                    .map_err(|_| "upload-error")?
                    .nfc()
                    .collect();
                out.fields.insert(name.clone(), text.clone());
                out.pairs.push((name, text));
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
    if !bytes.starts_with(magic) || !well_formed(&ext, bytes) {
        return Err("upload-error-content");
    }
    Ok((safe, content_type))
}

/// A picture's kind (extension, content type) read from its content alone,
/// and its structure checked, whatever its name says.
pub fn image_kind(bytes: &[u8]) -> Result<(&'static str, &'static str), &'static str> {
    if bytes.is_empty() {
        return Err("upload-error-empty");
    }
    if bytes.len() > MAX_BYTES {
        return Err("upload-error-too-large");
    }
    let (ext, content_type) = if bytes.starts_with(b"\xFF\xD8\xFF") {
        ("jpg", "image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("png", "image/png")
    } else {
        return Err("upload-error-type");
    };
    if !well_formed(ext, bytes) {
        return Err("upload-error-content");
    }
    Ok((ext, content_type))
}

/// Whether the file has the structure its kind promises, beyond its first
/// bytes: something else behind a `%PDF-` or PNG header is refused.
fn well_formed(ext: &str, bytes: &[u8]) -> bool {
    match ext {
        "pdf" => pdf_ok(bytes),
        "docx" => package_ok(bytes, "word/document.xml"),
        "xlsx" => package_ok(bytes, "xl/workbook.xml"),
        "jpg" | "jpeg" => jpeg_ok(bytes),
        "png" => png_ok(bytes),
        _ => false,
    }
}

/// A PDF ends with `startxref`, the offset of its cross-reference (a table
/// `xref` or a stream object `N G obj`), and `%%EOF`.
fn pdf_ok(bytes: &[u8]) -> bool {
    let find_last = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
    let tail_from = bytes.len().saturating_sub(1024);
    let Some(eof) = find_last(b"%%EOF") else {
        return false;
    };
    let Some(startxref) = find_last(b"startxref") else {
        return false;
    };
    if eof < tail_from || startxref > eof {
        return false;
    }
    let digits: String = bytes[startxref + 9..eof]
        .iter()
        .map(|b| *b as char)
        .filter(|c| !c.is_whitespace())
        .collect();
    let Ok(offset) = digits.parse::<usize>() else {
        return false;
    };
    let Some(at) = bytes.get(offset..startxref) else {
        return false;
    };
    // Some writers point at the line end just before.
    let at = &at[at.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    if at.starts_with(b"xref") {
        return true;
    }
    // `12 0 obj`: a cross-reference stream.
    let head: String = at.iter().take(32).map(|b| *b as char).collect();
    let mut words = head.split_whitespace();
    matches!(
        (words.next(), words.next(), words.next()),
        (Some(n), Some(g), Some(obj))
            if n.bytes().all(|b| b.is_ascii_digit())
                && g.bytes().all(|b| b.is_ascii_digit())
                && obj.starts_with("obj")
    )
}

/// An Office Open XML package: a zip whose directory lists its content
/// types and its main part.
fn package_ok(bytes: &[u8], main_part: &str) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok_and(|z| {
        z.index_for_name("[Content_Types].xml").is_some() && z.index_for_name(main_part).is_some()
    })
}

/// A PNG: its header chunk first with a size, then chunks whose lengths
/// lead exactly to `IEND` at the end of the file.
fn png_ok(bytes: &[u8]) -> bool {
    let mut at = 8;
    let mut first = true;
    while let Some(head) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        if first {
            let size = bytes.get(at + 8..at + 16);
            let sized = size.is_some_and(|s| s[..4] != [0; 4] && s[4..] != [0; 4]);
            if kind != b"IHDR" || len != 13 || !sized {
                return false;
            }
            first = false;
        }
        let Some(next) = at.checked_add(12).and_then(|n| n.checked_add(len)) else {
            return false;
        };
        if kind == b"IEND" {
            // Some programs append data after the image; it is never read.
            return next <= bytes.len();
        }
        at = next;
    }
    false
}

/// A JPEG: segments from its start, a frame header with a size before the
/// scan, and the end-of-image marker at the end (a camera may pad after it).
fn jpeg_ok(bytes: &[u8]) -> bool {
    let mut at = 2;
    let mut sized = false;
    loop {
        let Some(&[0xFF, marker]) = bytes.get(at..at + 2) else {
            return false;
        };
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let Some(len) = bytes
            .get(at + 2..at + 4)
            .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize)
        else {
            return false;
        };
        // Frame headers (SOF0–SOF15 but DHT, JPG, DAC): height and width.
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            sized = bytes
                .get(at + 5..at + 9)
                .is_some_and(|hw| hw[..2] != [0, 0] && hw[2..] != [0, 0]);
        }
        // A segment's length counts its own two bytes.
        if len < 2 {
            return false;
        }
        if marker == 0xDA {
            // The scan runs to an end-of-image marker (phones may append a
            // video after it).
            let scan = bytes.get(at..).unwrap_or_default();
            return sized && scan.windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        at += 2 + len;
    }
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

/// The name a file is stored under.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores the bytes under their SHA-256 and returns it; the same file twice is
/// stored once. Written to a temporary name first, so a crash leaves no half file.
pub fn store(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let sha = sha256(bytes);
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

/// Removes a file no attachment names any more (a file already gone is fine).
pub fn remove(data_dir: &Path, sha: &str) -> std::io::Result<()> {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(());
    }
    match std::fs::remove_file(dir(data_dir).join(sha)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
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

    /// The smallest files of each kind as their programs make them.
    pub(crate) fn minimal_pdf() -> Vec<u8> {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        let obj = pdf.len();
        pdf.extend_from_slice(b"1 0 obj\n<< /Type /Catalog >>\nendobj\n");
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\n0 2\n0000000000 65535 f \n{obj:010} 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        pdf
    }

    fn png(width: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            png.extend_from_slice(kind);
            png.extend_from_slice(data);
            png.extend_from_slice(&[0, 0, 0, 0]);
        };
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", b"x");
        chunk(b"IEND", b"");
        png
    }

    fn jpeg(height: u16) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend_from_slice(&[0xFF, 0xE0, 0, 4, 0, 0]);
        j.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
        j.extend_from_slice(&height.to_be_bytes());
        j.extend_from_slice(&[0, 1, 1, 1, 0x11, 0]);
        j.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x12, 0x34, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn only_known_kinds_whose_structure_holds() {
        assert_eq!(
            check("tra-loi.pdf", &minimal_pdf()).unwrap().1,
            "application/pdf"
        );
        assert_eq!(check("anh.PNG", &png(1)).unwrap().1, "image/png");
        assert_eq!(check("anh.jpg", &jpeg(1)).unwrap().1, "image/jpeg");
        // Trailing bytes after an image, and a startxref pointing at the line
        // end before `xref`, as some programs write them.
        let mut motion = jpeg(1);
        motion.extend_from_slice(&[0u8; 10_000]);
        assert!(check("anh.jpg", &motion).is_ok());
        let mut padded = png(1);
        padded.extend_from_slice(b"trailer");
        assert!(check("anh.png", &padded).is_ok());
        let pdf = minimal_pdf();
        let text = String::from_utf8(pdf).unwrap();
        let xref = text.find("xref\n").unwrap();
        let shifted = text.replace(
            &format!("startxref\n{xref}"),
            &format!("startxref\n{}", xref - 1),
        );
        assert!(check("a.pdf", shifted.as_bytes()).is_ok());
        // An executable behind a PDF header, with or without a fake ending.
        let mut exe = b"%PDF-1.7\nMZ\x90\x00".to_vec();
        exe.extend_from_slice(&[0u8; 2000]);
        assert_eq!(check("x.pdf", &exe), Err("upload-error-content"));
        exe.extend_from_slice(b"startxref\n12\n%%EOF");
        assert_eq!(check("x.pdf", &exe), Err("upload-error-content"));
        // Images that end early or have no size.
        let mut cut = png(1);
        cut.truncate(30);
        assert_eq!(check("a.png", &cut), Err("upload-error-content"));
        assert_eq!(check("a.png", &png(0)), Err("upload-error-content"));
        assert_eq!(check("a.jpg", &jpeg(0)), Err("upload-error-content"));
        assert_eq!(
            check("a.jpg", b"\xFF\xD8\xFF\xE0"),
            Err("upload-error-content")
        );
        // A zip that is no Office document.
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet();
        let xlsx = book.save_to_buffer().unwrap();
        assert!(check("bang.xlsx", &xlsx).is_ok());
        assert_eq!(check("bang.docx", &xlsx), Err("upload-error-content"));
        assert_eq!(
            check("a.xlsx", b"PK\x03\x04junk"),
            Err("upload-error-content")
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
