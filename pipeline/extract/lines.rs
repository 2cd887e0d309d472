//! Decoded text → source lines, numbered as an editor shows them, each char mapped to its bytes.
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

/// Splits decoded text into lines. `char_src` maps each char of `text` to its source byte offset
/// (with one extra entry for the end).
pub fn split_lines(text: &str, char_src: &[u32]) -> Vec<Line> {
    let chars: Vec<char> = text.chars().collect();
    debug_assert_eq!(chars.len() + 1, char_src.len());
    let mut lines = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    let mut number = 1u32;
    let mut push = |from: usize, to: usize, number: u32| {
        let (t, s) = unescape(&chars[from..to], &char_src[from..=to]);
        lines.push(Line { number, text: t, src: s });
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' || c == '\r' {
            let end = i;
            let mut j = i + 1;
            if c == '\r' {
                if chars.get(j) == Some(&'\n') {
                    j += 1;
                } else if chars.get(j) == Some(&'\r') && chars.get(j + 1) == Some(&'\n') {
                    j += 2;
                }
            }
            push(start, end, number);
            number += 1;
            start = j;
            i = j;
        } else {
            i += 1;
        }
    }
    if start < chars.len() {
        push(start, chars.len(), number);
    }
    lines
}

/// Replaces `<U+XXXX>` literals by their character.
fn unescape(chars: &[char], src: &[u32]) -> (String, Vec<u32>) {
    let mut text = String::with_capacity(chars.len());
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
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
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
