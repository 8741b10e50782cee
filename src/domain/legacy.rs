//! Vietnamese typed in legacy 8-bit font encodings — TCVN3 (ABC, fonts `.VnTime`,
//! `.VnTimeH`) and VNI-Windows (fonts `VNI-Times`) — recognised and converted to Unicode.
//!
//! Offices still type in these fonts (phông chữ cũ). The text reaches us two ways:
//! - in an XLSX/ODS cell, where the spreadsheet program stored each legacy byte as the
//!   Windows-1252 character with that code (TCVN3 "Nguyễn Văn An" arrives as
//!   "NguyÔn V¨n An"): [`convert`] takes such a string;
//! - in a CSV file, as raw bytes: [`decode_bytes`] takes those, and also reads
//!   Windows-1258, the Windows code page for Vietnamese.
//!
//! Guessing is conservative. A table is believed only when every word that holds a
//! non-ASCII character reads, through that table, as a Vietnamese syllable, and more of
//! those words do than when the text is read as it stands. Genuine Unicode Vietnamese
//! ("Lê Bá Tú") is therefore left alone even where a legacy table would also make
//! syllables of it ("Lờ Bỏ Tỳ"), and a text that both tables read is left alone too.
//! Every string returned is in NFC.

use unicode_normalization::UnicodeNormalization;

/// A legacy Vietnamese 8-bit font encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    /// TCVN 5712:1993 VN3, the "ABC" fonts `.VnTime` / `.VnTimeH` (bảng mã TCVN3).
    Tcvn3,
    /// VNI-Windows, the `VNI-Times` fonts (bảng mã VNI): a base letter, then a byte for
    /// its diacritic.
    Vni,
}

impl Legacy {
    /// The encoding's usual name: "TCVN3", "VNI".
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3",
            Legacy::Vni => "VNI",
        }
    }
}

/// Text that was typed in a legacy font, detected and converted to Unicode NFC; None when the
/// text is not legacy-encoded (plain ASCII, real Unicode Vietnamese, or anything ambiguous).
///
/// The text is the string a spreadsheet cell holds: each legacy byte read as Windows-1252.
/// It is converted when every word holding a non-ASCII character reads through exactly one
/// table as a Vietnamese syllable, some such word has two letters or more, and fewer of
/// those words are already Vietnamese as they stand. So "B¸o c¸o" (`¸` is never in
/// Unicode Vietnamese) is TCVN3 "Báo cáo", while "Bé" stays "Bé" though TCVN3 would read
/// "Bộ". TCVN3 typed with the capitals-only font `.VnTimeH` (codes of small letters drawn
/// as capitals) is recognised by having no small ASCII letter and some word with two
/// capitals (ASCII or Ă Â Ê Ô Ơ Ư Đ), and comes back in capitals.
pub fn convert(text: &str) -> Option<(Legacy, String)> {
    let bytes = encode_cp1252(text)?;
    if bytes.is_ascii() {
        return None;
    }
    let as_is = score(&bytes, Reading::Cp1252);
    let mut found = None;
    for legacy in [Legacy::Tcvn3, Legacy::Vni] {
        let read = score(&bytes, Reading::Legacy(legacy));
        if read.invalid == 0 && read.long > 0 && read.valid > as_is.valid {
            if found.is_some() {
                // Both tables make Vietnamese of it: ambiguous.
                return None;
            }
            found = Some(legacy);
        }
    }
    let legacy = found?;
    Some((legacy, decode_field(&bytes, legacy).0))
}

/// Text known to be typed in `legacy` (say, a column whose other cells [`convert`]
/// recognised), converted without guessing; None when some character has no meaning in that
/// encoding. The `.VnTimeH` rule of [`convert`] applies.
pub fn convert_as(text: &str, legacy: Legacy) -> Option<String> {
    let bytes = encode_cp1252(text)?;
    let (converted, foreign) = decode_field(&bytes, legacy);
    (!foreign).then_some(converted)
}

/// A CSV file's bytes as text: UTF-8 (a BOM dropped) as is; otherwise TCVN3 or VNI bytes when
/// they are detected, else Windows-1258 decoded with encoding_rs. Always NFC. The second value
/// names the encoding converted from (None for UTF-8): "TCVN3", "VNI", "Windows-1258".
///
/// The encoding is decided over the whole file, which is in one encoding: a table is chosen
/// when it reads more of the file's non-ASCII words as Vietnamese syllables than
/// Windows-1258 (or Windows-1252) does, and no more than one word in twenty not. The `.VnTimeH` rule of
/// [`convert`] is applied to each field (text between `,` `;` tab and line breaks).
pub fn decode_bytes(bytes: &[u8]) -> (String, Option<&'static str>) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // The BOM says UTF-8; a damaged sequence becomes U+FFFD.
        return (String::from_utf8_lossy(rest).nfc().collect(), None);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.nfc().collect(), None);
    }
    // What the bytes read as without a legacy table: Windows-1258, or Windows-1252 (a
    // Unicode sheet saved as CSV by a Western-locale Excel).
    let plain = score(bytes, Reading::Cp1258)
        .valid
        .max(score(bytes, Reading::Cp1252).valid);
    let mut best: Option<(Legacy, Score)> = None;
    let mut tied = false;
    for legacy in [Legacy::Tcvn3, Legacy::Vni] {
        let read = score(bytes, Reading::Legacy(legacy));
        let mostly_words = read.invalid * 20 <= read.valid + read.invalid;
        if !(mostly_words && read.long > 0 && read.valid > plain) {
            continue;
        }
        match best {
            Some((_, other)) if other.valid > read.valid => {}
            Some((_, other)) if other.valid == read.valid => tied = true,
            _ => {
                best = Some((legacy, read));
                tied = false;
            }
        }
    }
    if let (Some((legacy, _)), false) = (best, tied) {
        let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
        for field in bytes.split_inclusive(|b| matches!(b, b',' | b';' | b'\t' | b'\r' | b'\n')) {
            out.push_str(&decode_field(field, legacy).0);
        }
        return (out.nfc().collect(), Some(legacy.name()));
    }
    let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
    (text.nfc().collect(), Some("Windows-1258"))
}

// ---------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------

/// TCVN3 (TCVN 5712:1993 VN3) bytes 0xA0..=0xFF; '\0' where VN3 assigns nothing (a
/// symbol there, ¯ ° ± ² ³ ´ º ¿, passes through; a letter there, À Á Â …, is not TCVN3).
/// Bytes below 0x80 are ASCII; 0x80..=0x9F are kept as their Windows-1252 characters
/// (quotes, dashes, …), as Unikey's converter keeps them.
///
/// Made from glibc's `iconv -f TCVN5712-1` (VN1), whose upper half coincides with VN3 except
/// where VN1 puts what VN3 leaves out: the five combining tone marks (0xB0..=0xB4) and the
/// sixteen capitals with a tone (0xAF, 0xBA, 0xBF, 0xC0..=0xC5, 0xCD, 0xD9..=0xDB, 0xE0,
/// 0xF0, 0xFF), blanked here. VN3 is thus NBSP, 7 capitals and 67 small letters: the 75
/// characters Wikipedia's "VSCII" article counts, and Dik Winter's code-table pages
/// (homepages.cwi.nl/~dik/english/codes) likewise say VN3 drops the toned capitals and the
/// tone marks. The 74 letters were checked byte for byte against three converters that list
/// them independently: Unikey's VnConv tables (github fcitx/fcitx5-unikey,
/// `unikey/data.cpp`, "TCVN3", commit 6ea3b37), github khiemdoan/VBKey
/// (`Modules/mdlCodeTable.bas`, `TCVN3_TABLE`) and github duydev/vietnamese-conversion
/// (`src/charsets.ts`, commit 46413a0).
#[rustfmt::skip]
const TCVN3: [char; 96] = [
    '\u{a0}', 'Ă', 'Â', 'Ê', 'Ô', 'Ơ', 'Ư', 'Đ',  // A0..=A7
    'ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ', '\0',      // A8..=AF
    '\0', '\0', '\0', '\0', '\0', 'à', 'ả', 'ã',  // B0..=B7
    'á', 'ạ', '\0', 'ằ', 'ẳ', 'ẵ', 'ắ', '\0',     // B8..=BF
    '\0', '\0', '\0', '\0', '\0', '\0', 'ặ', 'ầ', // C0..=C7
    'ẩ', 'ẫ', 'ấ', 'ậ', 'è', '\0', 'ẻ', 'ẽ',      // C8..=CF
    'é', 'ẹ', 'ề', 'ể', 'ễ', 'ế', 'ệ', 'ì',       // D0..=D7
    'ỉ', '\0', '\0', '\0', 'ĩ', 'í', 'ị', 'ò',    // D8..=DF
    '\0', 'ỏ', 'õ', 'ó', 'ọ', 'ồ', 'ổ', 'ỗ',      // E0..=E7
    'ố', 'ộ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ', 'ù',       // E8..=EF
    '\0', 'ủ', 'ũ', 'ú', 'ụ', 'ừ', 'ử', 'ữ',      // F0..=F7
    'ứ', 'ự', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ', '\0',      // F8..=FF
];

/// VNI-Windows letters written with one byte: đ, the i's and ỵ, and ơ, ư (which take a
/// tone byte after them).
///
/// Source of this table and of [`VNI_PAIRS`]: Unikey's VnConv table "VNI-WIN" (github
/// fcitx/fcitx5-unikey, `unikey/data.cpp`, `DoubleByteTables`, commit 6ea3b37; each entry
/// is base byte | diacritic byte << 8). Cross-checked, all 134 letters, against github
/// duydev/vietnamese-conversion (`src/charsets.ts` at its first commit 46413a0; later
/// versions of that file give ỷ/ỹ wrongly as "ë"/"ì") and github khiemdoan/VBKey
/// (`Modules/mdlCodeTable.bas`, `VNI_WINDOWS_TABLE`).
#[rustfmt::skip]
const VNI_SINGLES: [(u8, char); 18] = [
    (0xC6, 'Ỉ'), (0xCC, 'Ì'), (0xCD, 'Í'), (0xCE, 'Ỵ'), (0xD1, 'Đ'), (0xD2, 'Ị'),
    (0xD3, 'Ĩ'), (0xD4, 'Ơ'), (0xD6, 'Ư'), (0xE6, 'ỉ'), (0xEC, 'ì'), (0xED, 'í'),
    (0xEE, 'ỵ'), (0xF1, 'đ'), (0xF2, 'ị'), (0xF3, 'ĩ'), (0xF4, 'ơ'), (0xF6, 'ư'),
];

/// VNI-Windows base byte + diacritic byte → letter, sorted for binary search (source: see
/// [`VNI_SINGLES`]). Diacritic bytes for small letters (capitals: the byte − 0x20):
/// F9 ù sắc, F8 ø huyền, FB û hỏi, F5 õ ngã, EF ï nặng; E2 â mũ, E1 á mũ+sắc, E0 à mũ+huyền,
/// E5 å mũ+hỏi, E3 ã mũ+ngã, E4 ä mũ+nặng; EA ê trăng, E9 é trăng+sắc, E8 è trăng+huyền,
/// FA ú trăng+hỏi, FC ü trăng+ngã, EB ë trăng+nặng.
#[rustfmt::skip]
const VNI_PAIRS: [(u8, u8, char); 116] = [
    (0x41, 0xC0, 'Ầ'), (0x41, 0xC1, 'Ấ'), (0x41, 0xC2, 'Â'), (0x41, 0xC3, 'Ẫ'), (0x41, 0xC4, 'Ậ'), (0x41, 0xC5, 'Ẩ'),
    (0x41, 0xC8, 'Ằ'), (0x41, 0xC9, 'Ắ'), (0x41, 0xCA, 'Ă'), (0x41, 0xCB, 'Ặ'), (0x41, 0xCF, 'Ạ'), (0x41, 0xD5, 'Ã'),
    (0x41, 0xD8, 'À'), (0x41, 0xD9, 'Á'), (0x41, 0xDA, 'Ẳ'), (0x41, 0xDB, 'Ả'), (0x41, 0xDC, 'Ẵ'), (0x45, 0xC0, 'Ề'),
    (0x45, 0xC1, 'Ế'), (0x45, 0xC2, 'Ê'), (0x45, 0xC3, 'Ễ'), (0x45, 0xC4, 'Ệ'), (0x45, 0xC5, 'Ể'), (0x45, 0xCF, 'Ẹ'),
    (0x45, 0xD5, 'Ẽ'), (0x45, 0xD8, 'È'), (0x45, 0xD9, 'É'), (0x45, 0xDB, 'Ẻ'), (0x4F, 0xC0, 'Ồ'), (0x4F, 0xC1, 'Ố'),
    (0x4F, 0xC2, 'Ô'), (0x4F, 0xC3, 'Ỗ'), (0x4F, 0xC4, 'Ộ'), (0x4F, 0xC5, 'Ổ'), (0x4F, 0xCF, 'Ọ'), (0x4F, 0xD5, 'Õ'),
    (0x4F, 0xD8, 'Ò'), (0x4F, 0xD9, 'Ó'), (0x4F, 0xDB, 'Ỏ'), (0x55, 0xCF, 'Ụ'), (0x55, 0xD5, 'Ũ'), (0x55, 0xD8, 'Ù'),
    (0x55, 0xD9, 'Ú'), (0x55, 0xDB, 'Ủ'), (0x59, 0xD5, 'Ỹ'), (0x59, 0xD8, 'Ỳ'), (0x59, 0xD9, 'Ý'), (0x59, 0xDB, 'Ỷ'),
    (0x61, 0xE0, 'ầ'), (0x61, 0xE1, 'ấ'), (0x61, 0xE2, 'â'), (0x61, 0xE3, 'ẫ'), (0x61, 0xE4, 'ậ'), (0x61, 0xE5, 'ẩ'),
    (0x61, 0xE8, 'ằ'), (0x61, 0xE9, 'ắ'), (0x61, 0xEA, 'ă'), (0x61, 0xEB, 'ặ'), (0x61, 0xEF, 'ạ'), (0x61, 0xF5, 'ã'),
    (0x61, 0xF8, 'à'), (0x61, 0xF9, 'á'), (0x61, 0xFA, 'ẳ'), (0x61, 0xFB, 'ả'), (0x61, 0xFC, 'ẵ'), (0x65, 0xE0, 'ề'),
    (0x65, 0xE1, 'ế'), (0x65, 0xE2, 'ê'), (0x65, 0xE3, 'ễ'), (0x65, 0xE4, 'ệ'), (0x65, 0xE5, 'ể'), (0x65, 0xEF, 'ẹ'),
    (0x65, 0xF5, 'ẽ'), (0x65, 0xF8, 'è'), (0x65, 0xF9, 'é'), (0x65, 0xFB, 'ẻ'), (0x6F, 0xE0, 'ồ'), (0x6F, 0xE1, 'ố'),
    (0x6F, 0xE2, 'ô'), (0x6F, 0xE3, 'ỗ'), (0x6F, 0xE4, 'ộ'), (0x6F, 0xE5, 'ổ'), (0x6F, 0xEF, 'ọ'), (0x6F, 0xF5, 'õ'),
    (0x6F, 0xF8, 'ò'), (0x6F, 0xF9, 'ó'), (0x6F, 0xFB, 'ỏ'), (0x75, 0xEF, 'ụ'), (0x75, 0xF5, 'ũ'), (0x75, 0xF8, 'ù'),
    (0x75, 0xF9, 'ú'), (0x75, 0xFB, 'ủ'), (0x79, 0xF5, 'ỹ'), (0x79, 0xF8, 'ỳ'), (0x79, 0xF9, 'ý'), (0x79, 0xFB, 'ỷ'),
    (0xD4, 0xCF, 'Ợ'), (0xD4, 0xD5, 'Ỡ'), (0xD4, 0xD8, 'Ờ'), (0xD4, 0xD9, 'Ớ'), (0xD4, 0xDB, 'Ở'), (0xD6, 0xCF, 'Ự'),
    (0xD6, 0xD5, 'Ữ'), (0xD6, 0xD8, 'Ừ'), (0xD6, 0xD9, 'Ứ'), (0xD6, 0xDB, 'Ử'), (0xF4, 0xEF, 'ợ'), (0xF4, 0xF5, 'ỡ'),
    (0xF4, 0xF8, 'ờ'), (0xF4, 0xF9, 'ớ'), (0xF4, 0xFB, 'ở'), (0xF6, 0xEF, 'ự'), (0xF6, 0xF5, 'ữ'), (0xF6, 0xF8, 'ừ'),
    (0xF6, 0xF9, 'ứ'), (0xF6, 0xFB, 'ử'),
];

/// Windows-1252 bytes 0x80..=0x9F (the five it leaves undefined as the C1 control with that
/// code, as encoding_rs decodes them); 0xA0..=0xFF are U+00A0..=U+00FF.
#[rustfmt::skip]
const CP1252_80: [char; 32] = [
    '\u{20ac}', '\u{0081}', '\u{201a}', '\u{0192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02c6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008d}', '\u{017d}', '\u{008f}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02dc}', '\u{2122}', '\u{0161}', '\u{203a}', '\u{0153}', '\u{009d}', '\u{017e}', '\u{0178}',
];

fn cp1252_char(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_80[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The Windows-1252 bytes of a string; None when a character has none.
fn encode_cp1252(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| match u32::from(c) {
            n @ (0..=0x7F | 0xA0..=0xFF) => u8::try_from(n).ok(),
            _ => CP1252_80
                .iter()
                .position(|&x| x == c)
                .and_then(|i| u8::try_from(i + 0x80).ok()),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Reading bytes
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Reading {
    /// The bytes as the Windows-1252 characters a spreadsheet cell shows.
    Cp1252,
    /// Windows-1258 (tones as combining marks), composed to NFC.
    Cp1258,
    Legacy(Legacy),
}

/// Bytes that make up words: ASCII letters and digits, and every non-ASCII byte but those
/// that are symbols in Windows-1252 and letters in neither TCVN3 nor VNI (the no-break
/// space, quotes, dashes, ¯ ° ± ² ³ ´ º ¿ …). The others pass through either table as
/// their Windows-1252 characters.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            0x81 | 0x83 | 0x8A | 0x8C..=0x90 | 0x9A | 0x9C..=0x9F
                | 0xA1..=0xAE | 0xB5..=0xB9 | 0xBB..=0xBE | 0xC0..=0xFF
        )
}

/// Runs of word bytes and of other bytes, in order.
fn runs(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.chunk_by(|a, b| is_word_byte(*a) == is_word_byte(*b))
}

/// Words of a reading that hold a non-ASCII byte: how many read as a Vietnamese syllable,
/// how many of those have two letters or more (a lone "ó" from "où", or "ã" from a "·",
/// proves nothing), and how many do not read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Score {
    valid: usize,
    long: usize,
    invalid: usize,
}

fn score(bytes: &[u8], reading: Reading) -> Score {
    let mut score = Score::default();
    for word in runs(bytes) {
        if word.is_ascii() || !word.first().is_some_and(|&b| is_word_byte(b)) || is_micro_unit(word)
        {
            continue;
        }
        let (text, foreign) = match reading {
            Reading::Cp1252 => (word.iter().map(|&b| cp1252_char(b)).collect(), false),
            Reading::Cp1258 => {
                let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(word);
                (text.nfc().collect(), false)
            }
            Reading::Legacy(legacy) => decode_raw(word, legacy),
        };
        // In TCVN3 a small letter's code may stand for a capital (`.VnTimeH`), so only the
        // other readings must have their case in order.
        let cased = matches!(reading, Reading::Legacy(Legacy::Tcvn3)) || natural_case(&text);
        if !foreign && cased && is_syllable(&text) {
            score.valid += 1;
            if text.chars().nth(1).is_some() {
                score.long += 1;
            }
        } else {
            score.invalid += 1;
        }
    }
    score
}

/// "µm", "µg", "µmol": a unit, not a TCVN3 word ("àm"), whatever the rest of the text is.
fn is_micro_unit(word: &[u8]) -> bool {
    matches!(word, [0xB5, rest @ ..]
        if (1..=3).contains(&rest.len()) && rest.iter().all(u8::is_ascii_alphabetic))
}

/// A word in small letters, in capitals, or with a capital first: not "đY".
fn natural_case(word: &str) -> bool {
    let mut letters = word.chars().filter(|c| c.is_alphabetic());
    let first_upper = letters.next().is_some_and(char::is_uppercase);
    let (mut lower, mut upper) = (false, false);
    for c in letters {
        lower |= c.is_lowercase();
        upper |= c.is_uppercase();
    }
    match (lower, upper) {
        (true, true) => false,
        (false, true) => first_upper,
        _ => true,
    }
}

/// Bytes through a legacy table, and whether some byte had no meaning there (it is then
/// kept as its Windows-1252 character).
fn decode_raw(bytes: &[u8], legacy: Legacy) -> (String, bool) {
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut foreign = false;
    match legacy {
        Legacy::Tcvn3 => {
            for &b in bytes {
                match b {
                    0xA0..=0xFF => match TCVN3[usize::from(b - 0xA0)] {
                        '\0' => {
                            foreign |= is_word_byte(b);
                            out.push(cp1252_char(b));
                        }
                        c => out.push(c),
                    },
                    _ => out.push(cp1252_char(b)),
                }
            }
        }
        Legacy::Vni => {
            // The byte that made the last letter, while a diacritic may still follow it.
            let mut base: Option<u8> = None;
            for &b in bytes {
                if let Some(c) = vni_mark_of(base, b) {
                    out.pop();
                    out.push(c);
                    base = None;
                } else if let Some(&(_, c)) = VNI_SINGLES.iter().find(|(x, _)| *x == b) {
                    out.push(c);
                    base = Some(b);
                } else {
                    foreign |= b >= 0x80 && is_word_byte(b);
                    out.push(cp1252_char(b));
                    base = b.is_ascii_alphabetic().then_some(b);
                }
            }
        }
    }
    (out, foreign)
}

/// The letter a VNI diacritic byte makes with the base byte before it, if it is one that
/// base takes. A diacritic's case follows its base's (`Aù` is read as `AÙ`).
fn vni_mark_of(base: Option<u8>, mark: u8) -> Option<char> {
    let base = base?;
    if !(0xC0..=0xFC).contains(&mark) {
        return None;
    }
    let mark = if base.is_ascii_uppercase() || matches!(base, 0xD4 | 0xD6) {
        mark & !0x20
    } else {
        mark | 0x20
    };
    VNI_PAIRS
        .binary_search_by(|&(b, m, _)| (b, m).cmp(&(base, mark)))
        .ok()
        .and_then(|i| VNI_PAIRS.get(i))
        .map(|&(_, _, c)| c)
}

/// One field (a cell, or the text between CSV separators) through a legacy table, with the
/// `.VnTimeH` rule applied, in NFC; and whether some byte had no meaning in the table.
fn decode_field(bytes: &[u8], legacy: Legacy) -> (String, bool) {
    let (text, foreign) = decode_raw(bytes, legacy);
    let text = if legacy == Legacy::Tcvn3 && typed_in_capitals_font(bytes) {
        text.to_uppercase()
    } else {
        text
    };
    (text.nfc().collect(), foreign)
}

/// TCVN3 has no capitals with a tone: they were typed in `.VnTimeH`, whose small-letter
/// codes are drawn as capitals. Such text shows its ASCII letters all as capitals. One
/// capital alone is no sign (a name like "Lª" is "Lê" in `.VnTime`), so some word must
/// hold two capitals (ASCII, or TCVN3's Ă Â Ê Ô Ơ Ư Đ).
fn typed_in_capitals_font(bytes: &[u8]) -> bool {
    let capital = |b: &&u8| b.is_ascii_uppercase() || (0xA1..=0xA7).contains(*b);
    !bytes.iter().any(u8::is_ascii_lowercase)
        && runs(bytes).any(|w| w.iter().filter(capital).count() >= 2)
}

// ---------------------------------------------------------------------------------------
// Vietnamese syllables
// ---------------------------------------------------------------------------------------

/// Tones (thanh điệu) as marked on a vowel.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tone {
    Level, // ngang
    Grave, // huyền
    Acute, // sắc
    Hook,  // hỏi
    Tilde, // ngã
    Dot,   // nặng
}

/// Initial consonants (phụ âm đầu), with none. "kr", "đr" are for Tây Nguyên place names
/// (Krông Pắc, M'Đrắk).
const INITIALS: &[&str] = &[
    "", "b", "c", "ch", "d", "đ", "đr", "g", "gh", "gi", "h", "k", "kh", "kr", "l", "m", "n", "ng",
    "ngh", "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
];

/// Rimes (vần) without their tone. After "qu" the "u" belongs to the initial, hence "ynh",
/// "yt", "ych" (quỳnh, quýt, quých).
#[rustfmt::skip]
const RIMES: &[&str] = &[
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay",
    "ăc", "ăm", "ăn", "ăng", "ăp", "ăt",
    "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây",
    "e", "ec", "em", "en", "eng", "eo", "ep", "et",
    "ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu",
    "i", "ia", "ich", "im", "in", "inh", "ip", "it", "iu",
    "iêc", "iêm", "iên", "iêng", "iêp", "iêt", "iêu",
    "o", "oc", "oi", "om", "on", "ong", "op", "ot",
    "oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay",
    "oăc", "oăm", "oăn", "oăng", "oăt", "oe", "oen", "oeo", "oet", "ooc", "oong",
    "ô", "ôc", "ôi", "ôm", "ôn", "ông", "ôp", "ôt",
    "ơ", "ơi", "ơm", "ơn", "ơp", "ơt",
    "u", "ua", "uc", "ui", "um", "un", "ung", "up", "ut",
    "uân", "uâng", "uât", "uây", "uê", "uêch", "uênh", "uơ",
    "uy", "uya", "uych", "uyên", "uyêt", "uynh", "uyt", "uyu",
    "uôc", "uôi", "uôm", "uôn", "uông", "uôt",
    "ư", "ưa", "ưc", "ưi", "ưm", "ưn", "ưng", "ưt", "ưu",
    "ươc", "ươi", "ươm", "ươn", "ương", "ươp", "ươt", "ươu",
    "y", "yêm", "yên", "yêt", "yêu", "ych", "ynh", "yt",
];

/// Whether a word (any case, NFC) is one Vietnamese syllable: an initial, a rime, at most
/// one tone, on the vowel where Vietnamese spelling puts it (old or new style: "hoà" and
/// "hòa" both pass), and after a stop (-c, -ch, -p, -t; -k in Tây Nguyên names) only sắc
/// or nặng.
fn is_syllable(word: &str) -> bool {
    let mut letters = Vec::with_capacity(word.len());
    let mut tone = Tone::Level;
    let mut tone_at = 0;
    for c in word.chars() {
        let Some((base, mark)) = vietnamese_letter(c) else {
            return false;
        };
        if mark != Tone::Level {
            if tone != Tone::Level {
                return false;
            }
            tone = mark;
            tone_at = letters.len();
        }
        letters.push(base);
    }
    INITIALS.iter().any(|initial| {
        let n = initial.chars().count();
        initial.chars().eq(letters.iter().copied().take(n))
            && letters
                .get(n..)
                .is_some_and(|rime| !rime.is_empty() && is_rime(rime, tone, tone_at.checked_sub(n)))
    })
}

/// Final consonants (phụ âm cuối), longest first.
const FINALS: [&str; 9] = ["ch", "nh", "ng", "c", "k", "m", "n", "p", "t"];

/// Whether `rime` is a rime that can carry `tone` on its letter `at` (None: on the initial).
fn is_rime(rime: &[char], tone: Tone, at: Option<usize>) -> bool {
    let text: String = rime.iter().collect();
    let known = match text.strip_suffix('k') {
        Some(stem) => RIMES.iter().any(|r| r.strip_suffix('c') == Some(stem)),
        None => RIMES.contains(&text.as_str()),
    };
    if !known {
        return false;
    }
    let last = FINALS.iter().find(|f| text.ends_with(*f));
    let stop = last.is_some_and(|f| matches!(*f, "c" | "ch" | "p" | "t" | "k"));
    if stop && !matches!(tone, Tone::Acute | Tone::Dot) {
        return false;
    }
    if tone == Tone::Level {
        return true;
    }
    let Some(at) = at else {
        return false;
    };
    let vowels = &rime[..rime
        .len()
        .saturating_sub(last.map_or(0, |f| f.chars().count()))];
    let shaped = vowels.iter().position(|c| "ăâêôơư".contains(*c));
    match (vowels, last) {
        ([_], _) => at == 0,
        // Before a final consonant the tone sits on the last vowel (hoàng, nguyễn, được).
        (_, Some(_)) => at + 1 == vowels.len(),
        // Without one, a shaped vowel takes it (mưa, thuở, huế, cây).
        ([_, _], None) if shaped.is_some() => Some(at) == shaped,
        // oa, oe, uy: on either vowel (hòa / hoà, thủy / thuỷ).
        (['o', 'a'] | ['o', 'e'] | ['u', 'y'], None) => at <= 1,
        ([_, _], None) => at == 0,
        // Three vowels: the middle one (người, ngoài, khuỷu, yêu).
        (_, None) => at == 1,
    }
}

/// A Vietnamese letter as its small toneless letter and its tone; None for anything else.
fn vietnamese_letter(c: char) -> Option<(char, Tone)> {
    let mut lower = c.to_lowercase();
    let c = lower.next()?;
    if lower.next().is_some() {
        return None;
    }
    if c.is_ascii_lowercase() || c == 'đ' {
        return Some((c, Tone::Level));
    }
    let mut base = None;
    let mut shape = None;
    let mut tone = Tone::Level;
    let mut other = false;
    unicode_normalization::char::decompose_canonical(c, |d| match d {
        'a'..='z' if base.is_none() => base = Some(d),
        '\u{302}' | '\u{306}' | '\u{31B}' if shape.is_none() => shape = Some(d),
        '\u{300}' if tone == Tone::Level => tone = Tone::Grave,
        '\u{301}' if tone == Tone::Level => tone = Tone::Acute,
        '\u{309}' if tone == Tone::Level => tone = Tone::Hook,
        '\u{303}' if tone == Tone::Level => tone = Tone::Tilde,
        '\u{323}' if tone == Tone::Level => tone = Tone::Dot,
        _ => other = true,
    });
    let base = base?;
    if other || ((shape.is_some() || tone != Tone::Level) && !"aeiouy".contains(base)) {
        return None;
    }
    let letter = match (base, shape) {
        (b, None) => b,
        ('a', Some('\u{302}')) => 'â',
        ('a', Some('\u{306}')) => 'ă',
        ('e', Some('\u{302}')) => 'ê',
        ('o', Some('\u{302}')) => 'ô',
        ('o', Some('\u{31B}')) => 'ơ',
        ('u', Some('\u{31B}')) => 'ư',
        _ => return None,
    };
    Some((letter, tone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::is_nfc;

    /// A string through the table alone, checked to be all TCVN3 and NFC.
    fn table(text: &str, legacy: Legacy) -> String {
        let (out, foreign) = decode_raw(&encode_cp1252(text).unwrap(), legacy);
        assert!(!foreign, "{text:?} is not all {}", legacy.name());
        assert!(is_nfc(&out), "{out:?} is not NFC");
        out
    }

    fn tcvn3(text: &str) -> String {
        table(text, Legacy::Tcvn3)
    }

    fn vni(text: &str) -> String {
        table(text, Legacy::Vni)
    }

    fn detected(text: &str) -> (Legacy, String) {
        let (legacy, out) = convert(text).unwrap_or_else(|| panic!("{text:?} not detected"));
        assert!(is_nfc(&out), "{out:?} is not NFC");
        (legacy, out)
    }

    fn bytes_of(bytes: &[u8]) -> (String, Option<&'static str>) {
        let (out, from) = decode_bytes(bytes);
        assert!(is_nfc(&out), "{out:?} is not NFC");
        (out, from)
    }

    // Expected strings below were made once with `iconv -f TCVN5712-1 -t UTF-8`.

    #[test]
    fn tcvn3_capitals_and_toneless_small_letters_convert() {
        assert_eq!(tcvn3("¡¢£¤¥¦§¨©ª«¬\u{ad}®"), "ĂÂÊÔƠƯĐăâêôơưđ");
    }

    #[test]
    fn tcvn3_lowercase_vowels_with_every_tone_convert() {
        assert_eq!(
            tcvn3("µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþ"),
            "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
        );
    }

    #[test]
    fn tcvn3_no_break_space_and_windows_punctuation_pass_through() {
        assert_eq!(tcvn3("\u{a0}“B¸o” – c¸o"), "\u{a0}“Báo” – cáo");
    }

    #[test]
    fn tcvn3_has_no_capitals_with_a_tone_where_vn1_has_them() {
        for c in "ÀÁÂÃÄÅÍÙÚÛàðÿ".chars() {
            assert_eq!(convert_as(&format!("B{c}"), Legacy::Tcvn3), None, "{c}");
        }
    }

    #[test]
    fn tcvn3_leaves_symbols_where_vn1_has_tone_marks_and_capitals() {
        assert_eq!(
            convert_as("DiÖn tÝch 50 m² (±2), 30°C ¯´º¿", Legacy::Tcvn3),
            Some("Diện tích 50 m² (±2), 30°C ¯´º¿".into())
        );
        assert_eq!(
            detected("Tæng diÖn tÝch (m²)"),
            (Legacy::Tcvn3, "Tổng diện tích (m²)".into())
        );
    }

    #[test]
    fn tcvn3_table_has_the_75_characters_of_vn3() {
        assert_eq!(TCVN3.iter().filter(|&&c| c != '\0').count(), 75);
    }

    #[test]
    fn tcvn3_names_and_phrases_are_detected() {
        for (legacy, unicode) in [
            ("NguyÔn V¨n An", "Nguyễn Văn An"),
            ("TrÇn ThÞ B×nh", "Trần Thị Bình"),
            ("Tæng céng", "Tổng cộng"),
            ("Thöa ®Êt sè", "Thửa đất số"),
            (
                "§\u{ad}êng ¢u C¬, ph\u{ad}êng Tø Liªn",
                "Đường Âu Cơ, phường Tứ Liên",
            ),
            ("Lª V¨n C\u{ad}êng", "Lê Văn Cường"),
            ("Hµ Néi", "Hà Nội"),
            ("Ngµy sinh", "Ngày sinh"),
            (
                "Uû ban nh©n d©n ph\u{ad}êng Phó Th\u{ad}îng",
                "Uỷ ban nhân dân phường Phú Thượng",
            ),
            ("§¾k L¾k", "Đắk Lắk"),
        ] {
            assert_eq!(
                detected(legacy),
                (Legacy::Tcvn3, unicode.to_string()),
                "{legacy}"
            );
        }
    }

    #[test]
    fn tcvn3_typed_in_vntimeh_comes_back_in_capitals() {
        assert_eq!(detected("TæNG CéNG"), (Legacy::Tcvn3, "TỔNG CỘNG".into()));
        assert_eq!(detected("Hä Vµ TªN"), (Legacy::Tcvn3, "HỌ VÀ TÊN".into()));
        assert_eq!(
            detected("UBND Hµ NéI"),
            (Legacy::Tcvn3, "UBND HÀ NỘI".into())
        );
        assert_eq!(convert_as("§¦êNG", Legacy::Tcvn3), Some("ĐƯỜNG".into()));
    }

    #[test]
    fn tcvn3_vntimeh_words_mixing_small_codes_and_capitals_are_not_vni() {
        // VNI would read "ñY" as "đY" and "CHó" as "CHĩ".
        assert_eq!(detected("ñY BAN"), (Legacy::Tcvn3, "ỦY BAN".into()));
        assert_eq!(detected("GHI CHó"), (Legacy::Tcvn3, "GHI CHÚ".into()));
        assert_eq!(detected("SöA"), (Legacy::Tcvn3, "SỬA".into()));
    }

    #[test]
    fn tcvn3_single_capitals_are_not_the_capitals_font() {
        assert_eq!(detected("Lª"), (Legacy::Tcvn3, "Lê".into()));
        assert_eq!(detected("Hµ"), (Legacy::Tcvn3, "Hà".into()));
        assert_eq!(detected("Lª Vò"), (Legacy::Tcvn3, "Lê Vũ".into()));
    }

    // VNI inputs below were taken from github duydev/vietnamese-conversion (src/charsets.ts,
    // commit 46413a0), a different source from the table's.

    #[test]
    fn vni_vowels_with_every_tone_convert() {
        // a e o u y, circumflex, horned, i (one byte), breve a: each with its six tones
        for (legacy, unicode) in [
            ("a aø aù aû aõ aï", "a à á ả ã ạ"),
            ("A AØ AÙ AÛ AÕ AÏ", "A À Á Ả Ã Ạ"),
            ("e eø eù eû eõ eï", "e è é ẻ ẽ ẹ"),
            ("E EØ EÙ EÛ EÕ EÏ", "E È É Ẻ Ẽ Ẹ"),
            ("o oø où oû oõ oï", "o ò ó ỏ õ ọ"),
            ("O OØ OÙ OÛ OÕ OÏ", "O Ò Ó Ỏ Õ Ọ"),
            ("u uø uù uû uõ uï", "u ù ú ủ ũ ụ"),
            ("U UØ UÙ UÛ UÕ UÏ", "U Ù Ú Ủ Ũ Ụ"),
            ("y yø yù yû yõ î", "y ỳ ý ỷ ỹ ỵ"),
            ("Y YØ YÙ YÛ YÕ Î", "Y Ỳ Ý Ỷ Ỹ Ỵ"),
            ("aâ aà aá aå aã aä", "â ầ ấ ẩ ẫ ậ"),
            ("AÂ AÀ AÁ AÅ AÃ AÄ", "Â Ầ Ấ Ẩ Ẫ Ậ"),
            ("eâ eà eá eå eã eä", "ê ề ế ể ễ ệ"),
            ("EÂ EÀ EÁ EÅ EÃ EÄ", "Ê Ề Ế Ể Ễ Ệ"),
            ("oâ oà oá oå oã oä", "ô ồ ố ổ ỗ ộ"),
            ("OÂ OÀ OÁ OÅ OÃ OÄ", "Ô Ồ Ố Ổ Ỗ Ộ"),
            ("ô ôø ôù ôû ôõ ôï", "ơ ờ ớ ở ỡ ợ"),
            ("Ô ÔØ ÔÙ ÔÛ ÔÕ ÔÏ", "Ơ Ờ Ớ Ở Ỡ Ợ"),
            ("ö öø öù öû öõ öï", "ư ừ ứ ử ữ ự"),
            ("Ö ÖØ ÖÙ ÖÛ ÖÕ ÖÏ", "Ư Ừ Ứ Ử Ữ Ự"),
            ("i ì í æ ó ò", "i ì í ỉ ĩ ị"),
            ("I Ì Í Æ Ó Ò", "I Ì Í Ỉ Ĩ Ị"),
            ("aê aè aé aú aü aë", "ă ằ ắ ẳ ẵ ặ"),
            ("AÊ AÈ AÉ AÚ AÜ AË", "Ă Ằ Ắ Ẳ Ẵ Ặ"),
        ] {
            assert_eq!(vni(legacy), unicode, "{legacy}");
        }
    }

    #[test]
    fn vni_d_with_stroke_converts() {
        assert_eq!(vni("ñ Ñ"), "đ Đ");
    }

    #[test]
    fn vni_diacritic_without_a_base_it_fits_is_not_vni() {
        assert_eq!(convert_as("lâ", Legacy::Vni), None);
        assert_eq!(convert_as("iù", Legacy::Vni), None);
        assert_eq!(convert_as("aùù", Legacy::Vni), None);
        assert_eq!(convert_as("uâ", Legacy::Vni), None);
        assert_eq!(convert_as("ù", Legacy::Vni), None);
    }

    #[test]
    fn vni_diacritic_takes_the_case_of_its_base() {
        assert_eq!(vni("Aù"), "Á");
        assert_eq!(vni("aÙ"), "á");
    }

    #[test]
    fn vni_names_and_phrases_are_detected() {
        for (legacy, unicode) in [
            ("Nguyeãn Vaên An", "Nguyễn Văn An"),
            ("Traàn Thò Bình", "Trần Thị Bình"),
            ("Toång coäng", "Tổng cộng"),
            ("Thöûa ñaát soá", "Thửa đất số"),
            (
                "Ñöôøng AÂu Cô, phöôøng Töù Lieân",
                "Đường Âu Cơ, phường Tứ Liên",
            ),
            ("NGUYEÃN VAÊN AN", "NGUYỄN VĂN AN"),
            ("Quoác loä 1A", "Quốc lộ 1A"),
        ] {
            assert_eq!(
                detected(legacy),
                (Legacy::Vni, unicode.to_string()),
                "{legacy}"
            );
        }
    }

    #[test]
    fn vni_wins_where_tcvn3_would_misplace_a_tone() {
        // TCVN3 reads "Leâ" as "Leõ", a tone on the wrong vowel of "eo".
        assert_eq!(detected("Leâ Thò An"), (Legacy::Vni, "Lê Thị An".into()));
    }

    #[test]
    fn genuine_unicode_vietnamese_is_not_legacy() {
        for text in [
            "Nguyễn Văn An",
            "Đặng Thị Hường",
            "Ủy ban nhân dân phường Phú Thượng",
            "Lê Văn Cường",
            "TỔNG CỘNG",
            // Only Latin-1 letters: a legacy table would also make syllables of these.
            "Lê",
            "Tô",
            "Bé",
            "Hà",
            "Bình",
            "Lê Bá Tú",
            "HOÀNG",
            "Hoà Bình",
            "Ông Bà",
            "Ý",
        ] {
            assert_eq!(convert(text), None, "{text}");
        }
    }

    #[test]
    fn ascii_and_western_text_is_not_legacy() {
        for text in [
            "Café",
            "Số 5 ngõ 12",
            "ODT",
            "12.300",
            "A",
            "",
            "Noël",
            "Français",
            "garçon",
            "naïve",
            "Müller",
            "Zürich",
            "Señor",
            "Niño",
            "crème brûlée",
            "déjà",
            "être",
            "là",
            "Hôtel",
            "5×20",
            "30°C",
            "m²",
            "© 2024",
            "½",
            "§ 5",
            "€ 12",
            "“Quote”",
            "São Paulo",
            "Ångström",
            "Bjørn",
            "5 µm",
            "où",
            "·",
            "ª",
            "µ",
        ] {
            assert_eq!(convert(text), None, "{text}");
        }
    }

    #[test]
    fn text_that_both_tables_read_is_ambiguous() {
        // TCVN3 "Tổ", VNI "Tỉ".
        assert_eq!(convert("Tæ"), None);
    }

    #[test]
    fn utf8_files_are_read_as_is_without_their_bom() {
        assert_eq!(bytes_of("Tổng cộng".as_bytes()), ("Tổng cộng".into(), None));
        assert_eq!(
            bytes_of(b"\xEF\xBB\xBFH\xE1\xBB\x8D v\xC3\xA0 t\xC3\xAAn"),
            ("Họ và tên".into(), None)
        );
        // Decomposed UTF-8 comes back composed.
        assert_eq!(
            bytes_of("Tie\u{302}\u{301}ng".as_bytes()),
            ("Tiếng".into(), None)
        );
    }

    #[test]
    fn tcvn3_csv_bytes_are_detected_over_the_whole_file() {
        // Made with `iconv -t TCVN5712-1`; "Bé" alone would be ambiguous, not in this file.
        let file = b"STT,H\xE4 v\xB5 t\xAAn,Ghi ch\xF3\r\n\
            1,Nguy\xD4n V\xA8n An,B\xE9\r\n\
            2,Tr\xC7n Th\xDE B\xD7nh,\xA7\xAD\xEAng \xA2u C\xAC\r\n";
        assert_eq!(
            bytes_of(file),
            (
                "STT,Họ và tên,Ghi chú\r\n1,Nguyễn Văn An,Bộ\r\n2,Trần Thị Bình,Đường Âu Cơ\r\n"
                    .into(),
                Some("TCVN3")
            )
        );
    }

    #[test]
    fn tcvn3_csv_with_a_stray_byte_among_twenty_words_is_still_tcvn3() {
        // 0xC0 has no meaning in TCVN3 and is kept as "À".
        let file = b"H\xE4 v\xB5 t\xAAn,Ghi ch\xF3\n\
            Nguy\xD4n V\xA8n An,B\xE9\n\
            Tr\xC7n Th\xDE B\xD7nh,\xA7\xAD\xEAng \xA2u C\xAC\n\
            L\xAA V\xA8n C\xAD\xEAng,H\xB5 N\xE9i\n\
            Th\xF6a \xAE\xCAt s\xE8,T\xE6ng c\xE9ng \xC0\n";
        assert_eq!(
            bytes_of(file),
            (
                "Họ và tên,Ghi chú\nNguyễn Văn An,Bộ\nTrần Thị Bình,Đường Âu Cơ\n\
                 Lê Văn Cường,Hà Nội\nThửa đất số,Tổng cộng À\n"
                    .into(),
                Some("TCVN3")
            )
        );
    }

    #[test]
    fn tcvn3_csv_fields_typed_in_vntimeh_come_back_in_capitals() {
        let file = b"STT;H\xE4 V\xB5 T\xAAN;T\xE6NG C\xE9NG\n1;Nguy\xD4n V\xA8n An;H\xB5\n";
        assert_eq!(
            bytes_of(file),
            (
                "STT;HỌ VÀ TÊN;TỔNG CỘNG\n1;Nguyễn Văn An;Hà\n".into(),
                Some("TCVN3")
            )
        );
    }

    #[test]
    fn vni_csv_bytes_are_detected() {
        // "Nguyeãn Vaên An,Thöûa ñaát soá 12" in VNI bytes.
        let file = b"Nguye\xE3n Va\xEAn An,Th\xF6\xFBa \xF1a\xE1t so\xE1 12\n";
        assert_eq!(
            bytes_of(file),
            ("Nguyễn Văn An,Thửa đất số 12\n".into(), Some("VNI"))
        );
    }

    #[test]
    fn windows_1258_bytes_are_composed() {
        // Made with `iconv -t CP1258`.
        for (bytes, unicode) in [
            (&b"Nguy\xEA\xDEn V\xE3n An"[..], "Nguyễn Văn An"),
            (b"Tr\xE2\xCCn Thi\xF2 Bi\xCCnh", "Trần Thị Bình"),
            (b"T\xF4\xD2ng c\xF4\xF2ng", "Tổng cộng"),
            (b"Th\xFD\xD2a \xF0\xE2\xECt s\xF4\xEC", "Thửa đất số"),
            (
                b"\xD0\xFD\xF5\xCCng \xC2u C\xF5, ph\xFD\xF5\xCCng T\xFD\xEC Li\xEAn",
                "Đường Âu Cơ, phường Tứ Liên",
            ),
            (b"L\xEA V\xE3n C\xFD\xF5\xCCng", "Lê Văn Cường"),
            (b"H\xE0 N\xF4\xF2i", "Hà Nội"),
        ] {
            assert_eq!(bytes_of(bytes), (unicode.to_string(), Some("Windows-1258")));
        }
    }

    #[test]
    fn latin1_only_words_in_a_windows_1258_file_stay_windows_1258() {
        // "Lê Bá Tú" reads as TCVN3 syllables too ("Lờ Bỏ Tỳ"), but no better.
        assert_eq!(
            bytes_of(b"L\xEA B\xE1 T\xFA"),
            ("Lê Bá Tú".into(), Some("Windows-1258"))
        );
    }

    #[test]
    fn every_single_byte_and_random_bytes_do_not_panic() {
        for b in 0..=255u8 {
            let (text, _) = decode_bytes(&[b]);
            assert!(is_nfc(&text));
            let _ = decode_bytes(&[b'a', b]);
            let _ = decode_bytes(&[0xD4, b]);
            let cell = cp1252_char(b).to_string();
            let _ = convert(&cell);
            let _ = convert(&format!("a{cell}"));
            let _ = convert_as(&cell, Legacy::Tcvn3);
            let _ = convert_as(&cell, Legacy::Vni);
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 56) as u8
                })
                .collect();
            let (text, _) = decode_bytes(&bytes);
            assert!(is_nfc(&text));
            let cell: String = bytes.iter().map(|&b| cp1252_char(b)).collect();
            if let Some((_, out)) = convert(&cell) {
                assert!(is_nfc(&out));
            }
            let _ = convert(&String::from_utf8_lossy(&bytes));
            let _ = convert_as(&cell, Legacy::Tcvn3);
            let _ = convert_as(&cell, Legacy::Vni);
        }
    }

    #[test]
    fn legacy_names_are_the_usual_ones() {
        assert_eq!(Legacy::Tcvn3.name(), "TCVN3");
        assert_eq!(Legacy::Vni.name(), "VNI");
    }

    #[test]
    fn syllables_are_told_from_other_words() {
        for word in [
            "nguyễn",
            "Đường",
            "quốc",
            "giữa",
            "gì",
            "khuya",
            "Khuỷu",
            "người",
            "Việt",
            "oái",
            "ĐẮK",
            "xoong",
        ] {
            assert!(is_syllable(word), "{word}");
        }
        // Both spellings of the tone's place pass; a tone elsewhere does not.
        for word in [
            "hoà", "hòa", "thuỷ", "thủy", "khoẻ", "khỏe", "lẽo", "múa", "thuở",
        ] {
            assert!(is_syllable(word), "{word}");
        }
        for word in ["leõ", "muá", "thúơ", "nguỹên", "ngưòi"] {
            assert!(!is_syllable(word), "{word}");
        }
        for word in [
            "café", "tỉng", "bác̀", "cát̀", "bàc", "ă", "xyz", "ç", "müller", "ña",
        ] {
            assert!(!is_syllable(word), "{word}");
        }
    }
}
