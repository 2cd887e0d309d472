//! Decoded text → source lines, numbered as an editor shows them, each char mapped to its bytes.
//! [`Source`] keeps the whole file (chars, bytes, line numbers) for the formats that cut it
//! differently (CSV fields, HTML blocks).
//!
//! Line ends: LF, CRLF, lone CR, and CR CR LF (a CRLF file converted twice by a Windows tool,
//! which every line of such a file carries) each end one line. Literal escape residue left by R
//! exports (`<U+00A0>`, `<U+200D>`) becomes the character it names, mapped to the whole literal.

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
#[derive(Debug, Clone)]
pub struct Source {
    pub chars: Vec<char>,
    /// Byte offset of each char, plus one past the end (len = chars + 1).
    pub src: Vec<u32>,
    /// 1-based editor line of each char (a line end belongs to the line it ends).
    pub line: Vec<u32>,
    /// The decoded text and the byte offset of each char in it, when `chars` are its chars
    /// (no residue was turned back): a line's text is then a slice copied, not re-encoded
    /// char by char.
    utf8: Option<(String, Vec<u32>)>,
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

impl Source {
    pub fn new(text: &str, char_src: &[u32]) -> Source {
        // `char_src` has one entry per char plus one: both buffers are allocated once.
        let n = char_src.len().saturating_sub(1);
        let mut chars = Vec::with_capacity(n);
        let mut pos = Vec::with_capacity(n);
        for (i, c) in text.char_indices() {
            chars.push(c);
            pos.push(i as u32);
        }
        debug_assert_eq!(chars.len() + 1, char_src.len());
        // Residue is rare: without "<U+" the chars and offsets stay as they are.
        let (chars, src, utf8) = if text.match_indices('<').any(|(i, _)| text[i..].starts_with("<U+")) {
            let (chars, src) = unescape(&chars, char_src);
            (chars, src, None)
        } else {
            (chars, char_src.to_vec(), Some((text.to_string(), pos)))
        };
        let mut line = Vec::with_capacity(chars.len());
        let mut number = 1u32;
        let mut i = 0;
        while i < chars.len() {
            if let Some(n) = line_end_len(&chars, i) {
                line.extend(std::iter::repeat(number).take(n));
                number += 1;
                i += n;
            } else {
                line.push(number);
                i += 1;
            }
        }
        Source { chars, src, line, utf8 }
    }

    /// The text of chars `[a, b)`.
    fn text_of(&self, a: usize, b: usize) -> String {
        match &self.utf8 {
            Some((text, pos)) => {
                let at = |i: usize| pos.get(i).map_or(text.len(), |&p| p as usize);
                text[at(a)..at(b)].to_string()
            }
            None => self.chars[a..b].iter().collect(),
        }
    }

    /// Number of editor lines.
    pub fn n_lines(&self) -> u32 {
        // A final line end does not open a line of its own here: the count is the number of
        // the last line that has a character.
        if self.chars.is_empty() { 0 } else { *self.line.last().expect("a line per char") }
    }

    /// The chars at `idx` (increasing positions, e.g. a CSV field without its escape quotes)
    /// split into lines at line ends; each line keeps its editor number and source bytes.
    pub fn lines_at(&self, idx: &[usize]) -> Vec<Line> {
        let mut out = Vec::new();
        let mut k = 0;
        let mut cur: Vec<usize> = Vec::new();
        let flush = |cur: &mut Vec<usize>, end: u32, number: u32, out: &mut Vec<Line>| {
            let text: String = cur.iter().map(|&i| self.chars[i]).collect();
            let mut src: Vec<u32> = cur.iter().map(|&i| self.src[i]).collect();
            src.push(end);
            out.push(Line { number, text, src });
            cur.clear();
        };
        while k < idx.len() {
            let i = idx[k];
            if let Some(n) = line_end_len(&self.chars, i) {
                let number = self.line[i];
                flush(&mut cur, self.src[i], number, &mut out);
                k += n;
            } else {
                cur.push(i);
                k += 1;
            }
        }
        if let Some(&last) = cur.last() {
            let number = self.line[last];
            flush(&mut cur, self.src[last + 1], number, &mut out);
        }
        out
    }

    /// Every line of the file: [`Source::lines_at`] on all positions, cut straight from the
    /// contiguous runs between line ends.
    pub fn all_lines(&self) -> Vec<Line> {
        let n = self.chars.len();
        let line = |a: usize, b: usize, end: u32, number: u32| {
            let mut src = Vec::with_capacity(b - a + 1);
            src.extend_from_slice(&self.src[a..b]);
            src.push(end);
            Line { number, text: self.text_of(a, b), src }
        };
        let mut out = Vec::new();
        let (mut start, mut i) = (0, 0);
        while i < n {
            if let Some(len) = line_end_len(&self.chars, i) {
                out.push(line(start, i, self.src[i], self.line[i]));
                i += len;
                start = i;
            } else {
                i += 1;
            }
        }
        if start < n {
            out.push(line(start, n, self.src[n], self.line[n - 1]));
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
            let idx: Vec<usize> = (0..source.chars.len()).collect();
            assert_eq!(source.all_lines(), source.lines_at(&idx), "{s:?}");
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
