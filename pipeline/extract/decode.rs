//! Bytes → text: BOM sniffing, strict UTF-8, then chardetng's guess among the Chinese legacy
//! encodings (GB18030 ⊃ GBK ⊃ GB2312, Big5), decoded with encoding_rs.
//!
//! A file is refused (and later quarantined) rather than decoded into garbage: binary content,
//! or legacy bytes that no candidate decodes cleanly.

use encoding_rs::{Encoding, BIG5, GB18030, UTF_16BE, UTF_16LE, UTF_8};

/// Decoded text and how each char maps back to the source bytes.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// The encoding's canonical name (UTF-8, UTF-16LE, UTF-16BE, GB18030, Big5).
    pub encoding: &'static str,
    /// Byte offset in the source of each char of `text`, plus one past the end.
    pub char_src: Vec<u32>,
    /// Malformed sequences replaced by U+FFFD (a warning, not silent).
    pub replacements: usize,
    /// `Some(k)` when every char's source offset is its byte offset in `text` plus `k` (UTF-8
    /// kept as it is, after a BOM of `k` bytes): the offsets in the text need no list of their own.
    pub text_shift: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    Binary(String),
    TooLarge(u64),
    Undecodable(String),
}

impl DecodeError {
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty_file",
            DecodeError::Binary(_) => "binary_file",
            DecodeError::TooLarge(_) => "file_too_large",
            DecodeError::Undecodable(_) => "undecodable",
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "the file is empty (0 bytes or only a byte-order mark); nothing to extract"),
            DecodeError::Binary(why) => write!(f, "the file is not text ({why}); remove it from the input folder or convert it to text"),
            DecodeError::TooLarge(n) => write!(f, "the file has {n} bytes, more than the 4 GiB a source offset can address; split it"),
            DecodeError::Undecodable(why) => write!(f, "the bytes are not valid UTF-8, UTF-16, GB18030 or Big5 ({why}); re-save the file as UTF-8"),
        }
    }
}

/// Bytes given to the encoding detector.
const DETECT_SAMPLE_BYTES: usize = 16 * 1024;

/// Highest share of malformed sequences a legacy decode may have and still be accepted.
const MAX_LEGACY_ERROR_RATE: f64 = 0.002;
/// A UTF-8 file with at most this many malformed sequences (a truncated tail, a stray byte) is
/// decoded as UTF-8 with replacement characters and a warning.
const MAX_UTF8_ERRORS: usize = 8;

fn magic(bytes: &[u8]) -> Option<&'static str> {
    const SIGS: &[(&[u8], &str)] = &[
        (b"\x89PNG", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"%PDF", "PDF document"),
        (b"PK\x03\x04", "ZIP archive or Office document"),
        (b"\x1F\x8B", "gzip archive"),
        (b"\xD0\xCF\x11\xE0", "legacy Office document"),
        (b"\x7FELF", "executable"),
    ];
    SIGS.iter().find(|(s, _)| bytes.starts_with(s)).map(|(_, n)| *n)
}

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.len() as u64 >= u32::MAX as u64 {
        return Err(DecodeError::TooLarge(bytes.len() as u64));
    }
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom..];
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(DecodeError::Empty);
        }
        return Ok(decode_with(enc, body, bom));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DecodeError::Empty);
    }
    if let Some(kind) = magic(bytes) {
        return Err(DecodeError::Binary(kind.to_string()));
    }
    let nuls = count_nuls(bytes);
    if nuls * 100 > bytes.len() {
        return Err(DecodeError::Binary(format!("{nuls} NUL bytes")));
    }
    if let Some(d) = utf8_as_is(bytes, 0) {
        return Ok(d);
    }
    // A GBK file is not decoded as UTF-8 just to count its errors: the count stops as soon as
    // it rules UTF-8 out, and the text is decoded only when it is kept.
    let n = utf8_replacements(bytes, MAX_UTF8_ERRORS + 1);
    if n <= MAX_UTF8_ERRORS && n * 1000 <= bytes.len().max(1000) {
        let (utf8, n) = decode_text(UTF_8, bytes);
        return Ok(with_offsets(UTF_8, bytes, 0, utf8, n));
    }
    // Legacy Chinese encodings: a clean decode (no malformed sequence) wins; chardetng's
    // ranking of GB18030 against Big5 decides only when both decode cleanly, or when both
    // fail equally. It reads a few MB/s, so it runs only then: most GBK files stop being Big5
    // within their first few characters.
    let gb = decode_text(GB18030, bytes);
    if gb.1 == 0 {
        let big5_clean = BIG5
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some_and(|t| !t.contains('\u{FFFD}'));
        if big5_clean && detector_prefers_big5(bytes) {
            return Ok(decode_with(BIG5, bytes, 0));
        }
        return Ok(with_offsets(GB18030, bytes, 0, gb.0, gb.1));
    }
    let big5 = decode_text(BIG5, bytes);
    let best = if big5.1 < gb.1 || (big5.1 == gb.1 && detector_prefers_big5(bytes)) {
        with_offsets(BIG5, bytes, 0, big5.0, big5.1)
    } else {
        with_offsets(GB18030, bytes, 0, gb.0, gb.1)
    };
    let rate = best.replacements as f64 / bytes.len() as f64;
    if rate <= MAX_LEGACY_ERROR_RATE {
        return Ok(best);
    }
    Err(DecodeError::Undecodable(format!(
        "best candidate {} leaves {} malformed sequences in {} bytes",
        best.encoding, best.replacements, bytes.len()
    )))
}

/// The NUL bytes of `bytes`, counted per block of 128 into a byte-wide sum (which the compiler
/// vectorises; a block cannot overflow it).
fn count_nuls(bytes: &[u8]) -> usize {
    bytes.chunks(128).map(|c| c.iter().fold(0u8, |n, &b| n + (b == 0) as u8) as usize).sum()
}

/// Whether chardetng ranks Big5 above GB18030 for these bytes.
fn detector_prefers_big5(bytes: &[u8]) -> bool {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    // A sample is enough to rank GB18030 against Big5.
    det.feed(&bytes[..bytes.len().min(DETECT_SAMPLE_BYTES)], true);
    det.guess(None, chardetng::Utf8Detection::Deny) == BIG5
}

/// Byte length of each character sequence of valid GB18030 or Big5 bytes, from their structure:
/// ASCII (and GB18030's single 0x80) is one byte; a lead byte 0x81–0xFE starts a two-byte
/// sequence, or in GB18030 a four-byte one when the second byte is a digit 0x30–0x39.
fn sequence_lengths(enc: &'static Encoding, bytes: &[u8]) -> Option<Vec<u8>> {
    let gb = enc == GB18030 || enc == encoding_rs::GBK;
    if !gb && enc != BIG5 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let len = if b < 0x80 || (gb && b == 0x80) {
            1
        } else if (0x81..=0xFE).contains(&b) {
            if gb && bytes.get(i + 1).is_some_and(|n| (0x30..=0x39).contains(n)) { 4 } else { 2 }
        } else {
            return None;
        };
        if i + len > bytes.len() {
            return None;
        }
        out.push(len as u8);
        i += len;
    }
    Some(out)
}

fn name(enc: &'static Encoding) -> &'static str {
    if enc == GB18030 || enc == encoding_rs::GBK {
        "GB18030"
    } else {
        enc.name()
    }
}

/// `body` decoded with replacement, and the number of U+FFFD in the result (a U+FFFD the
/// source spells out counts too, as it always has).
fn decode_text(enc: &'static Encoding, body: &[u8]) -> (String, usize) {
    let (text, _) = enc.decode_without_bom_handling(body);
    let text = text.into_owned();
    let replacements = text.matches('\u{FFFD}').count();
    (text, replacements)
}

/// The U+FFFD count [`decode_text`] gives for UTF-8 (a malformed sequence becomes one U+FFFD,
/// as with [`with_offsets`]' walk; a U+FFFD written in the source counts too), or any number
/// from `limit` up once it reaches `limit`.
fn utf8_replacements(bytes: &[u8], limit: usize) -> usize {
    let mut n = 0;
    let mut rest = bytes;
    while n < limit {
        match std::str::from_utf8(rest) {
            Ok(s) => return n + s.matches('\u{FFFD}').count(),
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                n += std::str::from_utf8(good).expect("valid prefix").matches('\u{FFFD}').count() + 1;
                rest = &bad[e.error_len().unwrap_or(bad.len())..];
            }
        }
    }
    n
}

/// Decodes `body` (which starts `offset` bytes into the file) and maps every char to its bytes.
fn decode_with(enc: &'static Encoding, body: &[u8], offset: usize) -> Decoded {
    if enc == UTF_8 {
        if let Some(d) = utf8_as_is(body, offset) {
            return d;
        }
    }
    let (text, replacements) = decode_text(enc, body);
    with_offsets(enc, body, offset, text, replacements)
}

/// Valid UTF-8 (nearly every file), kept as it is: each char's source offset is its own
/// byte offset (plus the BOM's length). `None` when `body` is not valid UTF-8.
///
/// One walk validates the bytes and lists the offsets, where `str::from_utf8` and the offset
/// walk each read the whole file (a tenth of extract's time). The checks are those of the UTF-8 standard (no overlong
/// forms, no surrogates, nothing past U+10FFFF), as `str::from_utf8` makes them; the test
/// `utf8_walk_accepts_what_from_utf8_accepts` compares the two.
fn utf8_as_is(body: &[u8], offset: usize) -> Option<Decoded> {
    // Sized by the char count (the bytes that are no continuation byte), not the byte count:
    // Chinese text has a third as many chars as bytes, and the buffer is not three times too large.
    let n_chars = count_chars(body);
    let mut char_src = Vec::with_capacity(n_chars + 1);
    let cont = |i: usize| body.get(i).is_some_and(|&b| b & 0xC0 == 0x80);
    let mut i = 0;
    while i < body.len() {
        char_src.push((offset + i) as u32);
        let x = body[i];
        // The common cases first, in few steps: ASCII, and a CJK char (lead byte E1–EC or
        // EE–EF, whose second byte is any continuation byte) with both its bytes in reach.
        if x < 0x80 {
            i += 1;
            continue;
        }
        if (x & 0xF0 == 0xE0) & (x != 0xE0) & (x != 0xED) & (i + 2 < body.len()) {
            let (y, z) = (body[i + 1], body[i + 2]);
            if (y & 0xC0 == 0x80) & (z & 0xC0 == 0x80) {
                i += 3;
                continue;
            }
            return None;
        }
        i += match x {
            0xC2..=0xDF if cont(i + 1) => 2,
            0xE0 | 0xED => {
                let y = *body.get(i + 1)?;
                let second = if x == 0xE0 { (0xA0..=0xBF).contains(&y) } else { (0x80..=0x9F).contains(&y) };
                if !second || !cont(i + 2) {
                    return None;
                }
                3
            }
            0xF0..=0xF4 => {
                let y = *body.get(i + 1)?;
                let second = match x {
                    0xF0 => (0x90..=0xBF).contains(&y),
                    0xF4 => (0x80..=0x8F).contains(&y),
                    _ => y & 0xC0 == 0x80,
                };
                if !second || !cont(i + 2) || !cont(i + 3) {
                    return None;
                }
                4
            }
            _ => return None,
        };
    }
    char_src.push((offset + body.len()) as u32);
    debug_assert!(std::str::from_utf8(body).is_ok());
    // SAFETY: every char of `body` was checked above as `str::from_utf8` checks it.
    let text = unsafe { String::from_utf8_unchecked(body.to_vec()) };
    // U+FFFD written in the source counts, as it always has (searched for after the walk:
    // a vectorised search costs less than a test at every char).
    let replacements = count_replacement_chars(&text);
    Some(Decoded { text, encoding: name(UTF_8), char_src, replacements, text_shift: Some(offset as u32) })
}

/// The bytes of `body` that are no UTF-8 continuation byte (its char count, when it is
/// UTF-8), counted per block of 32 into a byte-wide sum (which the compiler vectorises; a
/// block cannot overflow it), as `str::chars().count()` does.
fn count_chars(body: &[u8]) -> usize {
    let lead = |b: u8| ((b as i8) >= -0x40) as u8;
    let mut blocks = body.chunks_exact(32);
    let mut n: usize = (&mut blocks).map(|block| block.iter().fold(0u8, |acc, &b| acc + lead(b)) as usize).sum();
    n += blocks.remainder().iter().map(|&b| lead(b) as usize).sum::<usize>();
    n
}

/// [`utf8_as_is`] as it was first written (`str::from_utf8`, then the offsets, then the
/// U+FFFD count): the reference the single walk is tested against.
#[cfg(test)]
fn valid_utf8(s: &str, offset: usize) -> Decoded {
    let char_src = s.char_indices().map(|(i, _)| (offset + i) as u32).chain([(offset + s.len()) as u32]).collect();
    let replacements = count_replacement_chars(s);
    Decoded { text: s.to_string(), encoding: name(UTF_8), char_src, replacements, text_shift: Some(offset as u32) }
}

/// `s.matches('\u{FFFD}').count()`, with a vectorised search first: nearly every file has none,
/// and the char search stops at every 0xBD byte, which Chinese text is full of.
fn count_replacement_chars(s: &str) -> usize {
    if s.contains("\u{FFFD}") { s.matches('\u{FFFD}').count() } else { 0 }
}

/// The decoded `text` of `body` with each char mapped to its source bytes.
fn with_offsets(enc: &'static Encoding, body: &[u8], offset: usize, text: String, replacements: usize) -> Decoded {
    let mut char_src = Vec::with_capacity(text.len() + 1);
    let mut pos = offset as u32;
    if enc == UTF_8 {
        // Offsets straight from the bytes: valid chars keep their length; a U+FFFD stands for
        // the malformed bytes encoding_rs replaced, which we walk with the same rule.
        let mut rest = body;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    for ch in s.chars() {
                        char_src.push(pos);
                        pos += ch.len_utf8() as u32;
                    }
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    for ch in std::str::from_utf8(good).expect("valid prefix").chars() {
                        char_src.push(pos);
                        pos += ch.len_utf8() as u32;
                    }
                    let skip = e.error_len().unwrap_or(bad.len());
                    char_src.push(pos);
                    pos += skip as u32;
                    rest = &bad[skip..];
                }
            }
        }
    } else if enc == UTF_16LE || enc == UTF_16BE {
        for ch in text.chars() {
            char_src.push(pos);
            pos += (ch.len_utf16() * 2) as u32;
        }
    } else {
        // Legacy multi-byte: read each char's length off the byte structure (fast); where that
        // does not line up with the decoded chars (malformed bytes, Big5's few two-char
        // sequences), fall back to the length of each char's encoding.
        if replacements == 0 {
            if let Some(lens) = sequence_lengths(enc, body) {
                if lens.len() == text.chars().count() {
                    for len in lens {
                        char_src.push(pos);
                        pos += len as u32;
                    }
                    char_src.push((offset + body.len()) as u32);
                    return Decoded { text, encoding: name(enc), char_src, replacements, text_shift: None };
                }
            }
        }
        let mut buf = [0u8; 4];
        for ch in text.chars() {
            char_src.push(pos);
            let len = if ch.is_ascii() {
                1
            } else if ch == '\u{FFFD}' {
                1
            } else {
                let s = ch.encode_utf8(&mut buf);
                let (bytes, _, _) = enc.encode(s);
                bytes.len().max(1)
            };
            pos += len as u32;
        }
    }
    debug_assert_eq!(char_src.len(), text.chars().count());
    char_src.push((offset + body.len()) as u32);
    Decoded { text, encoding: name(enc), char_src, replacements, text_shift: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "实现社会消费品零售总额449.7亿元,增长8.2%。国务院总理朱镕基";

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode(SAMPLE.as_bytes()).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (SAMPLE, "UTF-8"));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(SAMPLE.as_bytes());
        let d = decode(&bom).unwrap();
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.char_src[0], 3, "offsets count the BOM");
    }

    /// The early-stopping count is the lossy decode's count wherever it is below the limit:
    /// malformed sequences of every length, truncated tails, U+FFFD written in the source, and
    /// whole GBK files.
    #[test]
    fn utf8_error_count_matches_the_lossy_decode() {
        let (gbk, _, _) = GB18030.encode(SAMPLE);
        let mut cases: Vec<Vec<u8>> = vec![
            SAMPLE.as_bytes().to_vec(),
            b"ab\xFFcd\xE5\xA2".to_vec(),
            b"\xF0\x9F\x98x\xC0\xAF\xED\xA0\x80\xE5".to_vec(),
            "甲\u{FFFD}乙".as_bytes().to_vec(),
            gbk.into_owned(),
        ];
        let mut truncated = SAMPLE.as_bytes().to_vec();
        truncated.pop();
        cases.push(truncated);
        for bytes in cases {
            let n = decode_text(UTF_8, &bytes).1;
            for limit in [1, 3, 9, 1000] {
                assert_eq!(utf8_replacements(&bytes, limit).min(limit), n.min(limit), "{bytes:?} limit {limit}");
            }
        }
    }

    #[test]
    fn gbk_including_a_gbk_only_character() {
        // 镕 is not in GB2312: a GB2312-only decoder would fail here.
        let (bytes, _, _) = GB18030.encode(SAMPLE);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.encoding, "GB18030");
        assert_eq!(*d.char_src.last().unwrap() as usize, bytes.len());
        // 实 is two bytes, 4 is one.
        assert_eq!(d.char_src[1] - d.char_src[0], 2);
    }

    #[test]
    fn byte_structure_gives_the_same_map_as_re_encoding() {
        // Four-byte GB18030 sequences (€ is one byte 0x80 in GBK mode; 𠀀 needs four bytes).
        let text = "增长8.2%,𠀀字与€符号,镕";
        let (bytes, _, _) = GB18030.encode(text);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, text);
        let mut pos = 0u32;
        for (k, ch) in text.chars().enumerate() {
            assert_eq!(d.char_src[k], pos, "char {k} {ch}");
            let mut buf = [0u8; 4];
            pos += GB18030.encode(ch.encode_utf8(&mut buf)).0.len() as u32;
        }
        assert_eq!(*d.char_src.last().unwrap(), pos);
    }

    #[test]
    fn big5() {
        let trad = "實現社會消費品零售總額449.7億元，增長8.2%。各位代表：現在，我代表區人民政府向大會報告工作。";
        let (bytes, _, _) = BIG5.encode(trad);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "Big5");
        assert_eq!(d.text, trad);
    }

    /// The choice as it was made before chardetng was skipped: its ranking first, the first
    /// clean decode wins, else the fewest malformed sequences (the earlier on a tie).
    fn ranked_choice(bytes: &[u8]) -> (&'static str, usize, String) {
        let order = if detector_prefers_big5(bytes) { [BIG5, GB18030] } else { [GB18030, BIG5] };
        let mut best: Option<(&'static str, usize, String)> = None;
        for enc in order {
            let (text, n) = decode_text(enc, bytes);
            if n == 0 {
                return (name(enc), 0, text);
            }
            if best.as_ref().map_or(true, |b| n < b.1) {
                best = Some((name(enc), n, text));
            }
        }
        best.unwrap()
    }

    #[test]
    fn legacy_choice_is_the_ranked_one_without_always_ranking() {
        let simp = "各位代表：现在，我代表区人民政府向大会报告工作，请予审议。全年实现地区生产总值449.7亿元，增长8.2%。";
        let trad = "各位代表：現在，我代表區人民政府向大會報告工作，請予審議。全年實現地區生產總值449.7億元，增長8.2%。";
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for text in [simp, trad] {
            for enc in [GB18030, BIG5] {
                let (b, _, _) = enc.encode(text);
                let b = b.into_owned();
                cases.push(b.clone());
                // Damaged: cut in a character, a stray byte, a run of high bytes.
                cases.push(b[..b.len() - 1].to_vec());
                let mut stray = b.clone();
                stray.insert(10, 0xFF);
                cases.push(stray);
                let mut run = b.clone();
                run.extend_from_slice(&[0x81, 0x30, 0xFF, 0xA1]);
                cases.push(run);
            }
        }
        for bytes in &cases {
            let (enc, n, text) = ranked_choice(bytes);
            match decode(bytes) {
                Ok(d) => assert_eq!((d.encoding, d.replacements, d.text.as_str()), (enc, n, text.as_str())),
                Err(DecodeError::Undecodable(why)) => assert!(why.starts_with(&format!("best candidate {enc} leaves {n} ")), "{why}"),
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// The stepped offsets are those of `char_indices`, on the seeds and on chars of every width.
    #[test]
    fn valid_utf8_offsets_are_the_char_indices() {
        let mut texts = vec![String::new(), "a".into(), "aé国😀\u{FFFD}\r\n".into(), (0..0x11_0000).filter_map(char::from_u32).collect()];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for e in std::fs::read_dir(dir).unwrap() {
            texts.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
        }
        for t in &texts {
            for offset in [0, 3] {
                let d = valid_utf8(t, offset);
                let want: Vec<u32> =
                    t.char_indices().map(|(i, _)| (offset + i) as u32).chain([(offset + t.len()) as u32]).collect();
                assert_eq!(d.char_src, want);
            }
        }
    }

    /// The single walk accepts exactly the bytes `str::from_utf8` accepts, and gives what
    /// [`valid_utf8`] gives on them: on the seeds, on every char, and on every sequence of one
    /// to three bytes (and every four-byte one from a lead byte F0–F7 with a few tails) between
    /// ASCII, where validity is decided.
    #[test]
    fn utf8_walk_accepts_what_from_utf8_accepts() {
        let check = |b: &[u8]| {
            assert_eq!(count_chars(b), b.iter().filter(|&&x| (x as i8) >= -0x40).count());
            let walked = utf8_as_is(b, 3);
            match std::str::from_utf8(b) {
                Ok(s) => {
                    let (w, v) = (walked.expect("valid UTF-8 walked"), valid_utf8(s, 3));
                    assert_eq!((w.text, w.char_src, w.replacements, w.text_shift), (v.text, v.char_src, v.replacements, v.text_shift));
                }
                Err(_) => assert!(walked.is_none(), "{b:?}"),
            }
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for e in std::fs::read_dir(dir).unwrap() {
            check(&std::fs::read(e.unwrap().path()).unwrap());
        }
        let all: String = (0..0x11_0000).filter_map(char::from_u32).collect();
        check(all.as_bytes());
        check("a\u{FFFD}实\u{FFFD}".as_bytes());
        check(b"");
        for x in 0..=255u8 {
            check(&[x]);
            check(&[b'a', x, b'b']);
            for y in 0..=255u8 {
                check(&[x, y]);
                check(&[b'a', x, y, b'b']);
                if x >= 0xC0 {
                    for z in 0..=255u8 {
                        check(&[x, y, z]);
                        check(&[b'a', x, y, z, b'b']);
                    }
                }
                if x >= 0xF0 && x <= 0xF7 {
                    for z in [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF] {
                        for w in [0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xFF] {
                            check(&[x, y, z, w]);
                            check(&[b'a', x, y, z, w, b'b']);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn valid_utf8_offsets_and_spelled_out_replacement_chars() {
        let s = "a实\u{FFFD}𠀀b";
        let d = decode(s.as_bytes()).unwrap();
        assert_eq!(d.char_src, vec![0, 1, 4, 7, 11, 12]);
        assert_eq!(d.replacements, 1, "a U+FFFD in the source counts, as before");
    }

    #[test]
    fn utf16_with_bom() {
        for (bom, le) in [([0xFF, 0xFE], true), ([0xFE, 0xFF], false)] {
            let mut bytes = bom.to_vec();
            for u in SAMPLE.encode_utf16() {
                bytes.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            let d = decode(&bytes).unwrap();
            assert_eq!(d.text, SAMPLE);
            assert_eq!(d.encoding, if le { "UTF-16LE" } else { "UTF-16BE" });
        }
    }

    #[test]
    fn nul_count_is_the_plain_count() {
        for n in [0, 1, 127, 128, 129, 255, 256, 1000] {
            for every in [1, 2, 3, 7, 200] {
                let bytes: Vec<u8> = (0..n).map(|i| if i % every == 0 { 0 } else { b'a' }).collect();
                assert_eq!(count_nuls(&bytes), bytes.iter().filter(|&&b| b == 0).count(), "{n} {every}");
            }
        }
    }

    #[test]
    fn empty_binary_and_garbage_are_refused() {
        assert_eq!(decode(b"").unwrap_err(), DecodeError::Empty);
        assert_eq!(decode(b"\xEF\xBB\xBF \n").unwrap_err(), DecodeError::Empty);
        assert!(matches!(decode(b"\x89PNG\r\n\x1a\n\0\0\0").unwrap_err(), DecodeError::Binary(_)));
        let nul: Vec<u8> = (0..400u32).map(|i| if i % 3 == 0 { 0 } else { b'a' }).collect();
        assert!(matches!(decode(&nul).unwrap_err(), DecodeError::Binary(_)));
        let garbage: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8 | 0x80).collect();
        assert!(decode(&garbage).is_err());
    }

    #[test]
    fn truncated_utf8_keeps_the_text_and_counts_the_damage() {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        bytes.truncate(bytes.len() - 1); // cut the last char in half
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.replacements, 1);
        assert!(d.text.starts_with("实现社会消费品零售总额449.7亿元"));
        assert_eq!(*d.char_src.last().unwrap() as usize, bytes.len());
    }
}
