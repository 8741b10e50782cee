//! Photos taken at the door (the signed paper, the site, the house): their
//! kind read from their content, never from their name, and what the camera
//! wrote about where it was taken removed unless the member chose to record
//! the place. A phone's camera writes the place in the picture's Exif block
//! (and sometimes in XMP, or in a second picture after the first): the
//! blocks that can hold it go, the picture's turn (Exif orientation) stays.

use crate::attachments;

/// Photos a visit may carry.
pub const MAX_PER_VISIT: usize = 5;

/// A photo fit to keep: its bytes, its kind and the file extension.
#[derive(Debug, Clone)]
pub struct Photo {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub ext: &'static str,
}

/// Checks a photo by its content and, unless `keep_place`, removes what
/// could say where it was taken. Errors are translation keys.
pub fn clean(bytes: &[u8], keep_place: bool) -> Result<Photo, &'static str> {
    let (ext, content_type) = attachments::image_kind(bytes).map_err(|e| match e {
        "upload-error-type" => "photos-error-type",
        other => other,
    })?;
    let bytes = match (keep_place, ext) {
        (true, _) => bytes.to_vec(),
        (false, "jpg") => jpeg_without_place(bytes).ok_or("upload-error-content")?,
        (false, _) => png_without_place(bytes).ok_or("upload-error-content")?,
    };
    Ok(Photo {
        bytes,
        content_type,
        ext,
    })
}

/// A JPEG's segments up to its scan, less the application blocks that carry
/// metadata (Exif, XMP, Photoshop's IPTC, a multi-picture index, comments),
/// then the scan up to the end-of-image marker (what a phone appends after
/// it, a preview with its own Exif, goes). The orientation comes back as
/// the only Exif entry.
fn jpeg_without_place(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut kept = Vec::with_capacity(bytes.len());
    let mut orientation = None;
    let mut at = 2;
    loop {
        let marker = *bytes.get(at + 1)?;
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]) as usize;
        if marker == 0xDA {
            let scan = bytes.get(at..)?;
            let end = scan.windows(2).position(|w| w == [0xFF, 0xD9])?;
            kept.extend_from_slice(scan.get(..end + 2)?);
            break;
        }
        // A segment's length counts its own two bytes.
        let segment = bytes.get(at..at + 2 + len).filter(|_| len >= 2)?;
        let body = segment.get(4..)?;
        let metadata = match marker {
            0xE1 => {
                if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                    orientation = orientation.or_else(|| orientation_of(tiff));
                }
                true
            }
            0xE2 => body.starts_with(b"MPF\0"),
            0xED | 0xFE => true,
            _ => false,
        };
        if !metadata {
            kept.extend_from_slice(segment);
        }
        at += 2 + len;
    }
    let mut out = Vec::with_capacity(kept.len() + 40);
    out.extend_from_slice(&[0xFF, 0xD8]);
    if let Some(o) = orientation.filter(|o| (2..=8).contains(o)) {
        out.extend_from_slice(&orientation_block(o));
    }
    out.extend_from_slice(&kept);
    Some(out)
}

/// The picture's turn, from its Exif block.
fn orientation_of(tiff: &[u8]) -> Option<u16> {
    let exif = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    field.value.get_uint(0).and_then(|v| u16::try_from(v).ok())
}

/// An Exif block with one entry, the orientation: big-endian TIFF header,
/// one directory of one SHORT, no next directory.
fn orientation_block(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let len = (2 + 6 + tiff.len()) as u16;
    let mut block = vec![0xFF, 0xE1];
    block.extend_from_slice(&len.to_be_bytes());
    block.extend_from_slice(b"Exif\0\0");
    block.extend_from_slice(&tiff);
    block
}

/// A PNG's chunks less those that carry metadata (Exif and text, where XMP
/// lives), up to `IEND`.
fn png_without_place(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = bytes.get(..8)?.to_vec();
    let mut at = 8;
    loop {
        let head = bytes.get(at..at + 8)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = at.checked_add(12)?.checked_add(len)?;
        let chunk = bytes.get(at..end)?;
        let kind = &head[4..8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt") {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Some(out);
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The photo a phone takes: made by ImageMagick, its Exif written by
    /// ExifTool (place, camera, orientation 6), an XMP block with the place
    /// again and a comment (see tests/fixtures/photos/README.md).
    const PHONE: &[u8] = include_bytes!("../tests/fixtures/photos/phone.jpg");

    fn gps_of(jpeg: &[u8]) -> Option<String> {
        let exif = exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(jpeg))
            .ok()?;
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .map(|f| f.display_value().to_string())
    }

    fn orientation(jpeg: &[u8]) -> Option<u32> {
        let exif = exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(jpeg))
            .ok()?;
        exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0))
    }

    #[test]
    fn the_place_goes_and_the_turn_stays() {
        assert!(gps_of(PHONE).is_some(), "the fixture carries a place");
        let clean = clean(PHONE, false).unwrap();
        assert_eq!(clean.content_type, "image/jpeg");
        assert_eq!(gps_of(&clean.bytes), None);
        assert_eq!(orientation(&clean.bytes), Some(6));
        let text = String::from_utf8_lossy(&clean.bytes);
        for trace in ["GPS", "xmp", "Canon", "Nguyen", "21.07", "105.8"] {
            assert!(!text.contains(trace), "{trace} left in the photo");
        }
        // Still a whole picture.
        assert!(attachments::image_kind(&clean.bytes).is_ok());
        assert!(clean.bytes.len() < PHONE.len());
    }

    #[test]
    fn the_place_stays_when_the_member_chose_it() {
        let kept = clean(PHONE, true).unwrap();
        assert_eq!(kept.bytes, PHONE);
        assert!(gps_of(&kept.bytes).is_some());
    }

    #[test]
    fn a_second_picture_after_the_end_goes() {
        let mut two = PHONE.to_vec();
        two.extend_from_slice(PHONE);
        let clean = clean(&two, false).unwrap();
        assert_eq!(gps_of(&clean.bytes), None);
        assert!(clean.bytes.ends_with(&[0xFF, 0xD9]));
        assert!(clean.bytes.len() < PHONE.len());
    }

    #[test]
    fn no_cut_or_flipped_byte_makes_it_panic() {
        for cut in 0..PHONE.len() {
            let _ = clean(&PHONE[..cut], false);
        }
        for at in 0..PHONE.len() {
            let mut bad = PHONE.to_vec();
            bad[at] ^= 0xFF;
            let _ = clean(&bad, false);
            let _ = clean(&bad, true);
        }
    }

    /// Segments whose length is shorter than its own two bytes, before the
    /// scan or as the scan: refused, never a panic.
    #[test]
    fn short_segments_are_refused() {
        let frame = [0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0];
        for marker in [0xDA, 0xE1, 0xFE, 0xC4] {
            for len in [0u8, 1] {
                let mut j = vec![0xFF, 0xD8];
                j.extend_from_slice(&frame);
                j.extend_from_slice(&[0xFF, marker, 0, len, 0x12, 0xFF, 0xD9]);
                for keep in [false, true] {
                    assert!(clean(&j, keep).is_err(), "{marker:x} {len}");
                }
            }
        }
    }

    #[test]
    fn the_kind_is_read_from_the_content() {
        assert_eq!(
            clean(b"GIF89a....", false).unwrap_err(),
            "photos-error-type"
        );
        assert_eq!(clean(b"", false).unwrap_err(), "upload-error-empty");
        let mut cut = PHONE.to_vec();
        cut.truncate(PHONE.len() / 2);
        assert_eq!(clean(&cut, false).unwrap_err(), "upload-error-content");
        let png = include_bytes!("../tests/fixtures/photos/text.png");
        let clean = clean(png, false).unwrap();
        assert_eq!(clean.content_type, "image/png");
        assert!(!String::from_utf8_lossy(&clean.bytes).contains("Hanoi"));
    }
}
