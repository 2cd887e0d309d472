//! Decoded text → source lines, numbered as an editor shows them, each char mapped to its bytes.
//! [`Source`] keeps the whole file (chars, bytes, line numbers) for the formats that cut it
//! differently (CSV fields, HTML blocks).
//!
//! Line ends: LF, CRLF, lone CR, and CR CR LF (a CRLF file converted twice by a Windows tool,
//! which every line of such a file carries) each end one line. Literal escape residue left by R
//! exports (`<U+00A0>`, `<U+200D>`) becomes the character it names, mapped to the whole literal.

use std::cell::OnceCell;

/// One decoded source line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// 1-based line number.
    pub number: u32,
    pub text: String,
    /// Source byte offset of each char of `text`, plus one past the end.
    pub src: Vec<u32>,
}

/// The decoded file as chars, each with its source byte offset and editor line number, after
/// `<U+XXXX>` residue is turned back into characters. Every format reads from this.
///
/// The text is kept as a string; its chars and their line numbers are listed only for the
/// formats that index them (CSV fields, HTML blocks): a plain-text file is cut into lines
/// straight from the string's bytes.
#[derive(Debug, Clone)]
pub struct Source {
    /// The chars, as a string.
    text: String,
    /// Byte offset of each char, plus one past the end (len = chars + 1).
    pub src: Vec<u32>,
    /// Where each char starts in `text`.
    at: TextOffsets,
    chars: OnceCell<Vec<char>>,
    /// 1-based editor line of each char (a line end belongs to the line it ends).
    line: OnceCell<Vec<u32>>,
}

/// Where char `i` starts in [`Source`]'s text.
#[derive(Debug, Clone)]
enum TextOffsets {
    /// Its source offset less this (UTF-8 kept as it is: the source bytes are the text's).
    Shifted(u32),
    /// Listed (any other decode, or residue turned back into chars).
    Listed(Vec<u32>),
}

/// Length of the line end starting at `i`, if one does: LF, CRLF, CR CR LF or a lone CR.
fn line_end_len(chars: &[char], i: usize) -> Option<usize> {
    match chars[i] {
        '\n' => Some(1),
        '\r' if chars.get(i + 1) == Some(&'\n') => Some(2),
        '\r' if chars.get(i + 1) == Some(&'\r') && chars.get(i + 2) == Some(&'\n') => Some(3),
        '\r' => Some(1),
        _ => None,
    }
}

/// [`line_end_len`] on the bytes of a text (line ends are ASCII, so a byte is a char there).
fn line_end_len_bytes(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        b'\n' => Some(1),
        b'\r' if b.get(i + 1) == Some(&b'\n') => Some(2),
        b'\r' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => Some(3),
        b'\r' => Some(1),
        _ => None,
    }
}

/// The 1-based editor line of each char (a line end belongs to the line it ends).
fn line_numbers(chars: &[char]) -> Vec<u32> {
    let mut line = Vec::with_capacity(chars.len());
    let mut number = 1u32;
    let mut i = 0;
    while i < chars.len() {
        if let Some(n) = line_end_len(chars, i) {
            line.extend(std::iter::repeat(number).take(n));
            number += 1;
            i += n;
        } else {
            line.push(number);
            i += 1;
        }
    }
    line
}

/// Each line end of `text`: (byte offset, length), in order.
fn line_ends(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = text.as_bytes();
    let is_end = |x: u8| (x == b'\n') | (x == b'\r');
    // Lines run to a hundred bytes and more: whole blocks are tested without branching
    // (`width::any_byte`), and only a block holding a line end is read byte by byte.
    const BLOCK: usize = 32;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            if i % BLOCK == 0 && i + BLOCK <= b.len() && !crate::normalize::width::any_byte(&b[i..i + BLOCK], is_end) {
                i += BLOCK;
                continue;
            }
            if is_end(b[i]) {
                let len = line_end_len_bytes(b, i).expect("a line end byte");
                let at = i;
                i += len;
                return Some((at, len));
            }
            i += 1;
        }
        None
    })
}

/// Whether `text` may hold `<U+XXXX>` residue.
fn has_residue(text: &str) -> bool {
    text.contains("<U+")
}

impl Source {
    pub fn new(text: &str, char_src: &[u32]) -> Source {
        let pos: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
        Source::build(text.to_string(), char_src.to_vec(), TextOffsets::Listed(pos))
    }

    /// The source of a decoded file, taking over its text and offsets (no copy).
    pub fn from_decoded(d: crate::extract::decode::Decoded) -> Source {
        let at = match d.text_shift {
            Some(k) => TextOffsets::Shifted(k),
            None => TextOffsets::Listed(d.text.char_indices().map(|(i, _)| i as u32).collect()),
        };
        Source::build(d.text, d.char_src, at)
    }

    fn build(text: String, src: Vec<u32>, at: TextOffsets) -> Source {
        debug_assert_eq!(text.chars().count() + 1, src.len());
        // Residue is rare: without "<U+" the chars and offsets stay as they are.
        if has_residue(&text) {
            let chars: Vec<char> = text.chars().collect();
            let (chars, src) = unescape(&chars, &src);
            let mut text = String::with_capacity(text.len());
            let mut pos = Vec::with_capacity(chars.len());
            for &c in &chars {
                pos.push(text.len() as u32);
                text.push(c);
            }
            let source = Source { text, src, at: TextOffsets::Listed(pos), chars: OnceCell::new(), line: OnceCell::new() };
            let _ = source.chars.set(chars);
            return source;
        }
        Source { text, src, at, chars: OnceCell::new(), line: OnceCell::new() }
    }

    /// The text (after residue is turned back into chars).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The chars of the text.
    pub fn chars(&self) -> &[char] {
        self.chars.get_or_init(|| self.text.chars().collect())
    }

    /// Number of chars.
    pub fn len(&self) -> usize {
        self.src.len() - 1
    }

    /// 1-based editor line of each char (a line end belongs to the line it ends).
    pub fn line(&self) -> &[u32] {
        self.line.get_or_init(|| line_numbers(self.chars()))
    }

    /// Byte offset in the text of char `i` (`i` up to the char count).
    fn byte_at(&self, i: usize) -> usize {
        match &self.at {
            TextOffsets::Shifted(k) => (self.src[i] - k) as usize,
            TextOffsets::Listed(pos) => pos.get(i).map_or(self.text.len(), |&p| p as usize),
        }
    }

    /// The text of chars `[a, b)`.
    fn text_of(&self, a: usize, b: usize) -> String {
        self.text[self.byte_at(a)..self.byte_at(b)].to_string()
    }

    /// Number of editor lines.
    pub fn n_lines(&self) -> u32 {
        // A final line end does not open a line of its own here: the count is the number of
        // the last line that has a character.
        if self.text.is_empty() {
            return 0;
        }
        let mut n = 0u32;
        let mut last_end = 0;
        for (at, len) in line_ends(&self.text) {
            n += 1;
            last_end = at + len;
        }
        if last_end == self.text.len() { n } else { n + 1 }
    }

    /// The chars at `idx` (increasing positions, e.g. a CSV field without its escape quotes)
    /// split into lines at line ends; each line keeps its editor number and source bytes.
    pub fn lines_at(&self, idx: &[usize]) -> Vec<Line> {
        let chars = self.chars();
        let lines = self.line();
        let mut out = Vec::new();
        let mut k = 0;
        let mut cur: Vec<usize> = Vec::new();
        let flush = |cur: &mut Vec<usize>, end: u32, number: u32, out: &mut Vec<Line>| {
            let text: String = cur.iter().map(|&i| chars[i]).collect();
            let mut src: Vec<u32> = cur.iter().map(|&i| self.src[i]).collect();
            src.push(end);
            out.push(Line { number, text, src });
            cur.clear();
        };
        while k < idx.len() {
            let i = idx[k];
            if let Some(n) = line_end_len(chars, i) {
                let number = lines[i];
                flush(&mut cur, self.src[i], number, &mut out);
                k += n;
            } else {
                cur.push(i);
                k += 1;
            }
        }
        if let Some(&last) = cur.last() {
            let number = lines[last];
            flush(&mut cur, self.src[last + 1], number, &mut out);
        }
        out
    }

    /// Every line of the file: [`Source::lines_at`] on all positions, cut straight from the
    /// text between line ends (found in its bytes; the char count of each line keeps the
    /// char index).
    pub fn all_lines(&self) -> Vec<Line> {
        let line = |a: usize, b: usize, end: u32, number: u32| {
            let mut src = Vec::with_capacity(b - a + 1);
            src.extend_from_slice(&self.src[a..b]);
            src.push(end);
            Line { number, text: self.text_of(a, b), src }
        };
        let mut out = Vec::new();
        let (mut start_byte, mut start) = (0, 0);
        let mut number = 1u32;
        for (at, len) in line_ends(&self.text) {
            let end = start + self.text[start_byte..at].chars().count();
            out.push(line(start, end, self.src[end], number));
            number += 1;
            start = end + len;
            start_byte = at + len;
        }
        let n = self.len();
        if start < n {
            out.push(line(start, n, self.src[n], number));
        }
        out
    }
}

/// Splits decoded text into lines. `char_src` maps each char of `text` to its source byte offset
/// (with one extra entry for the end).
pub fn split_lines(text: &str, char_src: &[u32]) -> Vec<Line> {
    Source::new(text, char_src).all_lines()
}

/// Replaces `<U+XXXX>` literals by their character (line breaks named this way stay literal,
/// so that line numbering still matches the editor).
fn unescape(chars: &[char], src: &[u32]) -> (Vec<char>, Vec<u32>) {
    let mut text = Vec::with_capacity(chars.len());
    let mut out_src = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '<' && chars.get(i + 1) == Some(&'U') && chars.get(i + 2) == Some(&'+') {
            let mut j = i + 3;
            while j < chars.len() && j < i + 9 && chars[j].is_ascii_hexdigit() {
                j += 1;
            }
            if j - (i + 3) >= 4 && chars.get(j) == Some(&'>') {
                let hex: String = chars[i + 3..j].iter().collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).filter(|c| *c != '\n' && *c != '\r') {
                    text.push(ch);
                    out_src.push(src[i]);
                    i = j + 1;
                    continue;
                }
            }
        }
        text.push(chars[i]);
        out_src.push(src[i]);
        i += 1;
    }
    out_src.push(src[chars.len()]);
    (text, out_src)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(s: &str) -> Vec<(u32, String)> {
        let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        src.push(s.len() as u32);
        split_lines(s, &src).into_iter().map(|l| (l.number, l.text)).collect()
    }

    #[test]
    fn every_line_end_kind_numbers_like_an_editor() {
        let want = vec![(1, "甲".to_string()), (2, "".to_string()), (3, "乙".to_string())];
        assert_eq!(lines_of("甲\n\n乙"), want);
        assert_eq!(lines_of("甲\r\n\r\n乙\r\n"), want);
        assert_eq!(lines_of("甲\r\r乙"), want);
        assert_eq!(lines_of("甲\r\r\n\r\r\n乙\r\r\n"), want);
    }

    #[test]
    fn offsets_point_at_the_source_bytes() {
        let s = "ab\r\n增长8.2%";
        let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        src.push(s.len() as u32);
        let lines = split_lines(s, &src);
        let l = &lines[1];
        assert_eq!(l.text, "增长8.2%");
        assert_eq!(&s[l.src[0] as usize..*l.src.last().unwrap() as usize], "增长8.2%");
    }

    #[test]
    fn all_lines_is_lines_at_every_position() {
        for s in ["甲\n\n乙", "甲\r\n\r\n乙\r\n", "甲\r\r乙", "甲\r\r\n\r\r\n乙\r\r\n", "\n", "\r", "a", "", "a\n\rb\r\n", "x<U+00A0>y\nz"] {
            let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
            src.push(s.len() as u32);
            let source = Source::new(s, &src);
            let idx: Vec<usize> = (0..source.chars().len()).collect();
            assert_eq!(source.all_lines(), source.lines_at(&idx), "{s:?}");
        }
    }

    /// The char-by-char reading the byte-level one replaced: chars, offsets and line numbers
    /// listed for every char, lines cut at line ends found among the chars.
    fn lines_by_char(text: &str, char_src: &[u32]) -> (Vec<Line>, u32) {
        let chars: Vec<char> = text.chars().collect();
        let (chars, src) = if text.contains("<U+") { unescape(&chars, char_src) } else { (chars, char_src.to_vec()) };
        let line = line_numbers(&chars);
        let mut out = Vec::new();
        let (mut start, mut i) = (0, 0);
        let cut = |a: usize, b: usize, end: u32, number: u32| {
            let mut s = src[a..b].to_vec();
            s.push(end);
            Line { number, text: chars[a..b].iter().collect(), src: s }
        };
        while i < chars.len() {
            if let Some(len) = line_end_len(&chars, i) {
                out.push(cut(start, i, src[i], line[i]));
                i += len;
                start = i;
            } else {
                i += 1;
            }
        }
        if start < chars.len() {
            out.push(cut(start, chars.len(), src[chars.len()], line[chars.len() - 1]));
        }
        (out, line.last().copied().unwrap_or(0))
    }

    /// Lines cut from the bytes, and sources taken over from the decoder, are what the char
    /// listing gives: on the seeds (as decoded, with a BOM, in GB18030) and on every line-end
    /// kind, residue, and text without a final line end.
    #[test]
    fn lines_from_bytes_match_the_char_listing() {
        let mut files: Vec<Vec<u8>> = Vec::new();
        for e in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds")).unwrap() {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            let mut bom = b"\xEF\xBB\xBF".to_vec();
            bom.extend_from_slice(&bytes);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let gbk = encoding_rs::GB18030.encode(&text).0.into_owned();
            files.extend([bytes, bom, gbk]);
        }
        for s in ["甲\n\n乙", "甲\r\n\r\n乙\r\n", "甲\r\r乙", "甲\r\r\n\r\r\n乙\r\r\n", "\n", "\r", "\r\r", "a", "a\n\rb\r\n",
            "x<U+00A0>y\nz", "<U+000A>\n<U+3000>甲\r", "末行\n", "末行\r\r"] {
            files.push(s.as_bytes().to_vec());
        }
        files.push(b"ab\xFFcd\n\xE5\r\n".to_vec());
        for bytes in files {
            let Ok(d) = crate::extract::decode::decode(&bytes) else { continue };
            let (want, want_n) = lines_by_char(&d.text, &d.char_src);
            let by_new = Source::new(&d.text, &d.char_src);
            assert_eq!(by_new.all_lines(), want);
            assert_eq!(by_new.n_lines(), want_n);
            let taken = Source::from_decoded(d);
            assert_eq!(taken.all_lines(), want);
            assert_eq!(taken.n_lines(), want_n);
            assert_eq!(taken.src, by_new.src);
            assert_eq!(taken.line(), by_new.line());
            let idx: Vec<usize> = (0..taken.len()).collect();
            assert_eq!(taken.lines_at(&idx), want);
        }
    }

    #[test]
    fn escape_residue_becomes_the_character() {
        let s = "国务院总理<U+00A0>李克强<U+200D>";
        let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        src.push(s.len() as u32);
        let l = &split_lines(s, &src)[0];
        assert_eq!(l.text, "国务院总理\u{A0}李克强\u{200D}");
        assert_eq!(l.src.len(), l.text.chars().count() + 1);
        // 李 maps to its own bytes, after the 8-byte literal.
        let li = l.text.chars().position(|c| c == '李').unwrap();
        assert_eq!(&s[l.src[li] as usize..l.src[li + 1] as usize], "李");
        // "<U+12>" (too short) stays as text.
        assert_eq!(lines_of("a<U+12>b")[0].1, "a<U+12>b");
    }
}
