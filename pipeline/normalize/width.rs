//! Character widths and spaces: full-width digits, Latin letters, %, and decimal points become
//! ASCII; Chinese punctuation (，。、；：“”（）《》) stays; zero-width characters go; whitespace
//! between Chinese characters (letter-spacing, ideographic spaces) goes, other runs become one
//! space.

/// The ASCII form of a full-width character that must be narrowed, if any.
pub fn narrow(c: char) -> Option<char> {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0),
        '％' => Some('%'),
        '．' => Some('.'),
        '＋' => Some('+'),
        '－' => Some('-'),
        '／' => Some('/'),
        '＝' => Some('='),
        '＜' => Some('<'),
        '＞' => Some('>'),
        '＆' => Some('&'),
        '＃' => Some('#'),
        '＠' => Some('@'),
        _ => None,
    }
}

/// Zero-width and invisible format characters, dropped.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// Whitespace of any width (ASCII, NBSP, ideographic space, tabs).
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{A0}'
}

/// Whether `s` holds a char [`is_space`] accepts (the same answer as `s.contains(is_space)`).
/// Read from the bytes, without decoding: every whitespace char is told by its whole UTF-8
/// form (ASCII 0x09–0x0D and space; U+0085, U+00A0; U+1680; U+2000–U+200A, U+2028, U+2029,
/// U+202F, U+205F; U+3000), and since a lead byte never occurs inside another char, a match at
/// any byte is a whitespace char. Chinese punctuation shares lead bytes with these (。、 are
/// E3 80 8x, “”— are E2 80 xx), so all three bytes are compared, 32 positions at a time
/// without branching (which the compiler vectorises).
pub fn has_space(s: &str) -> bool {
    let b = s.as_bytes();
    let at = |x: u8, y: u8, z: u8| -> bool {
        (x.wrapping_sub(0x09) < 5)
            | (x == b' ')
            | ((x == 0xC2) & ((y == 0x85) | (y == 0xA0)))
            | ((x == 0xE1) & (y == 0x9A) & (z == 0x80))
            | ((x == 0xE2) & (y == 0x80) & ((z <= 0x8A) | (z == 0xA8) | (z == 0xA9) | (z == 0xAF)))
            | ((x == 0xE2) & (y == 0x81) & (z == 0x9F))
            | ((x == 0xE3) & (y == 0x80) & (z == 0x80))
    };
    any_window(b, at)
}

/// A set of chars, for walks over text that decode none of the common ones: ASCII is told by
/// a 128-bit mask and three-byte chars (U+0800–U+FFFF: all of CJK and its punctuation) by a
/// bitmap indexed straight from their bytes (the lead byte's low four bits and the second
/// byte's low six pick the word, the third byte's low six the bit: the code point's bits
/// without assembling it); two- and four-byte chars go through the test the set was made
/// from. (A branch-free test of every byte position, as [`any_window`] makes, took about
/// three times the instructions on Chinese text: few of its blocks are free of the lead
/// bytes of common punctuation, so every test has to look at all three bytes.)
pub struct CharSet {
    ascii: u128,
    bmp: Box<[u64; 1024]>,
    member: Box<dyn Fn(char) -> bool + Send + Sync>,
}

impl CharSet {
    pub fn new(member: impl Fn(char) -> bool + Send + Sync + 'static) -> CharSet {
        let ascii = (0..128u32).filter(|&u| member(char::from_u32(u).expect("ASCII"))).fold(0u128, |m, u| m | 1 << u);
        let mut bmp = Box::new([0u64; 1024]);
        for c in (0x800..0x10000u32).filter_map(char::from_u32).filter(|&c| member(c)) {
            let u = c as usize;
            bmp[u >> 6 & 1023] |= 1 << (u & 63);
        }
        CharSet { ascii, bmp, member: Box::new(member) }
    }

    /// The chars of `ranges` (inclusive), their bits set range by range rather than by asking
    /// about every char of the Basic Multilingual Plane (a scan of the ranges for each of
    /// 63 000 chars took 14 M instructions at start-up for the label ends of `extract`).
    pub fn from_ranges(ranges: Vec<(char, char)>) -> CharSet {
        let (mut ascii, mut bmp) = (0u128, Box::new([0u64; 1024]));
        for &(lo, hi) in &ranges {
            for u in lo as usize..=(hi as usize).min(0xFFFF) {
                match u {
                    0..0x80 => ascii |= 1 << u,
                    0x800.. => bmp[u >> 6 & 1023] |= 1 << (u & 63),
                    _ => {}
                }
            }
        }
        CharSet { ascii, bmp, member: Box::new(move |c| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)) }
    }

    /// Whether `c` is in the set: `member(c)`, from the bitmaps for ASCII and three-byte chars.
    #[inline]
    pub fn contains(&self, c: char) -> bool {
        let u = c as usize;
        match u {
            0..0x80 => self.ascii >> u & 1 == 1,
            0x800..0x1_0000 => self.bmp[u >> 6 & 1023] >> (u & 63) & 1 == 1,
            _ => (self.member)(c),
        }
    }

    /// Whether every char of `s` is in the set: `s.chars().all(member)`.
    pub fn holds_all(&self, s: &str) -> bool {
        self.first_outside(s, 0).is_none()
    }

    /// The byte offset of the first char of `s` from byte `from` on (a char boundary) that
    /// is not in the set.
    pub fn first_outside(&self, s: &str, from: usize) -> Option<usize> {
        let b = s.as_bytes();
        let mut rest = &b[from..];
        loop {
            match *rest {
                // `s` is valid UTF-8 and `rest` starts at a char: a lead byte 0xE0–0xEF has
                // its two continuation bytes after it.
                [x, y, z, ..] if x & 0xF0 == 0xE0 => {
                    if self.bmp[(x as usize & 0x0F) << 6 | (y as usize & 0x3F)] >> (z & 0x3F) & 1 == 0 {
                        return Some(b.len() - rest.len());
                    }
                    rest = &rest[3..];
                }
                [x, ..] if x < 0x80 => {
                    if self.ascii >> x & 1 == 0 {
                        return Some(b.len() - rest.len());
                    }
                    rest = &rest[1..];
                }
                [] => return None,
                _ => {
                    let at = b.len() - rest.len();
                    let c = s[at..].chars().next().expect("a char boundary before the end");
                    if !(self.member)(c) {
                        return Some(at);
                    }
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
    }
}

/// Whether `hit` accepts some position of `b`, given the byte there and the two after it (0
/// past the end). For telling chars from their UTF-8 bytes without decoding: a lead byte
/// never occurs inside another char, so a hit at any byte is a hit at a char. Blocks of 32
/// positions are folded without branching, which the compiler vectorises (`hit` should join
/// its comparisons with `|`/`&`, not `||`/`&&`, so that it has no branch either).
#[inline(always)]
pub fn any_window(b: &[u8], hit: impl Fn(u8, u8, u8) -> bool) -> bool {
    const BLOCK: usize = 32;
    let mut i = 0;
    while i + BLOCK + 2 <= b.len() {
        let (x, y, z) = (&b[i..i + BLOCK], &b[i + 1..i + BLOCK + 1], &b[i + 2..i + BLOCK + 2]);
        let mut acc = 0u8;
        for k in 0..BLOCK {
            acc |= hit(x[k], y[k], z[k]) as u8;
        }
        if acc != 0 {
            return true;
        }
        i += BLOCK;
    }
    while i < b.len() {
        if hit(b[i], b.get(i + 1).copied().unwrap_or(0), b.get(i + 2).copied().unwrap_or(0)) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether some byte of `b` is one `hit` accepts. Blocks of 32 bytes are folded into a byte
/// without branching, which the compiler vectorises (`hit` should join its comparisons with
/// `|`, not `||`, so that it has no branch either); a block with a hit ends the search.
#[inline(always)]
pub fn any_byte(b: &[u8], hit: impl Fn(u8) -> bool) -> bool {
    let mut blocks = b.chunks_exact(32);
    for block in &mut blocks {
        if block.iter().fold(0u8, |acc, &x| acc | hit(x) as u8) != 0 {
            return true;
        }
    }
    blocks.remainder().iter().fold(0u8, |acc, &x| acc | hit(x) as u8) != 0
}

/// Chars every width step leaves alone (not a space, not invisible, nothing to narrow): ASCII
/// letters, digits and signs, U+3001–U+FEFE (Chinese characters and punctuation), quotes and
/// dashes (U+2010–U+2027: “”—…), Latin letters with accents, and the full-width forms that
/// stay (，：；（）！？), i.e. nearly every char of a report, recognised with a few comparisons.
pub fn is_plain(c: char) -> bool {
    let u = c as u32;
    (0x21..=0x7E).contains(&u)
        || (0x3001..=0xFEFE).contains(&u)
        || (0x2010..=0x2027).contains(&u)
        || (0xA1..=0xAC).contains(&u)
        || (0xAE..=0x167F).contains(&u)
        || ((0xFF00..=0xFFEF).contains(&u) && narrow(c).is_none())
}

/// Chinese characters and full-width punctuation, next to which a space carries no meaning.
pub fn is_wide(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || ('\u{3400}'..='\u{4DBF}').contains(&c)
        || ('\u{3000}'..='\u{303F}').contains(&c)
        || ('\u{FF01}'..='\u{FF60}').contains(&c)
        || matches!(c, '“' | '”' | '‘' | '’' | '—' | '…' | '·')
}

/// The one test for a Chinese character used across the pipeline: CJK Unified Ideographs and
/// Extension A (every character a report of this corpus uses; the validator's checks use the
/// same set through [`HAN_CLASS`]).
pub fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// [`is_han`] as a regex character class body.
pub const HAN_CLASS: &str = r"\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}";

#[cfg(test)]
mod tests {
    use super::*;

    /// [`CharSet::first_outside`] finds what a char search finds, and [`CharSet::contains`]
    /// answers as the test or ranges it was made from, for a set with members of
    /// every UTF-8 length, on every char alone and after chars of each length.
    #[test]
    fn char_set_walk_agrees_with_a_char_search() {
        let member = |c: char| c != '|' && c != '锟' && (c.is_ascii_graphic() || is_han(c) || ('\u{80}'..'\u{800}').contains(&c) || c > '\u{10000}');
        let set = CharSet::new(member);
        let ranges = vec![('0', '9'), ('a', 'f'), ('é', 'é'), ('\u{7FF}', '\u{801}'), ('甲', '申'), ('\u{FFFE}', '\u{10001}'), ('\u{10FFFE}', '\u{10FFFF}')];
        let in_ranges = CharSet::from_ranges(ranges.clone());
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(set.contains(c), member(c), "{c:?}");
            assert_eq!(in_ranges.contains(c), ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi), "{c:?}");
            assert_eq!(in_ranges.holds_all(&c.to_string()), in_ranges.contains(c), "{c:?}");
            for s in [c.to_string(), format!("a甲é𠀀{c}乙"), format!("{c}{c}")] {
                let want = s.char_indices().find(|&(_, c)| !member(c)).map(|x| x.0);
                assert_eq!(set.first_outside(&s, 0), want, "{c:?} in {s:?}");
                assert_eq!(set.holds_all(&s), want.is_none());
                if let Some((k, _)) = s.char_indices().nth(1) {
                    let want = s[k..].char_indices().find(|&(_, c)| !member(c)).map(|x| x.0 + k);
                    assert_eq!(set.first_outside(&s, k), want, "{c:?} in {s:?} from {k}");
                }
            }
        }
    }

    #[test]
    fn has_space_agrees_with_a_char_search() {
        let mut cases: Vec<String> = ["", "政府工作报告", "政 府", "a\tb", "报告\u{3000}", "\u{A0}", "x\u{85}", "\u{1680}", "\u{2003}",
            "\u{2028}", "\u{202F}", "\u{205F}", "、。「」…—", "\u{200B}\u{2060}", "ÀÁ\u{1E00}\u{2010}", "\u{FEFF}"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Every char from U+0000 to U+3100 on its own, and at every place of a 32-byte block.
        cases.extend((0..0x3100).filter_map(char::from_u32).map(|c| format!("甲{c}乙")));
        for pad in 0..40 {
            for c in [' ', '\u{3000}', '\u{A0}', '\u{2003}', '、', 'x'] {
                cases.push(format!("{}{c}{}", "a".repeat(pad), "报告".repeat(pad % 7)));
            }
        }
        // Inside the 32-byte blocks: every char after a few padding bytes (all three bytes of
        // a block's last positions are read from the next one), and the first U+3100 at every
        // offset around a block's end.
        let tail = "告".repeat(15);
        cases.extend((0..0x11_0000).filter_map(char::from_u32).map(|c| format!("ab{c}{tail}")));
        for pad in 25..40 {
            cases.extend((0..0x3100).filter_map(char::from_u32).map(|c| format!("{}{c}{tail}", "a".repeat(pad))));
        }
        for s in cases {
            assert_eq!(has_space(&s), s.contains(is_space), "{s:?}");
        }
    }

    #[test]
    fn any_byte_is_a_plain_search() {
        for n in [0, 1, 31, 32, 33, 64, 100] {
            for at in 0..n {
                let mut b = vec![b'a'; n];
                b[at] = 0xE1;
                assert!(any_byte(&b, |x| x == 0xE1), "{n} {at}");
                assert!(!any_byte(&b, |x| x == 0xE2));
            }
            assert!(!any_byte(&vec![b'a'; n], |x| x == 0xE1));
        }
    }

    #[test]
    fn plain_chars_need_no_width_step() {
        for c in (0..0x11_0000).filter_map(char::from_u32).filter(|&c| is_plain(c)) {
            assert!(!is_space(c) && !is_invisible(c) && narrow(c).is_none(), "{c:?}");
        }
        assert!(is_plain('国') && is_plain('。') && is_plain('a') && is_plain('|'));
        assert!(is_plain('，') && is_plain('（') && !is_plain('％'));
        assert!(is_plain('“') && is_plain('·') && !is_plain('\u{2028}') && !is_plain('\u{1680}'));
        assert!(!is_plain(' ') && !is_plain('\u{3000}') && !is_plain('８') && !is_plain('\u{FEFF}'));
    }
}
