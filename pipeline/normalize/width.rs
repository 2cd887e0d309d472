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
