//! Pinyin glosses inserted after characters by some scrapers ("區(qū)", "發(fā)"): a Han
//! character followed by one tone-marked pinyin syllable in parentheses. Only real syllables
//! with a tone mark go; "(核准)", "(一)", "(庄桥)" and "(qu)" stay.

use super::width::is_han;

/// Tone-marked vowels (and ü), which a gloss must contain.
const TONED: &str = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ";

fn strip_tone(c: char) -> char {
    match c {
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'ü' => 'v',
        'ń' | 'ň' | 'ǹ' => 'n',
        'ḿ' => 'm',
        c => c,
    }
}

/// Whether `s` is one Mandarin syllable (initial + final) carrying a tone mark.
pub fn is_toned_syllable(s: &str) -> bool {
    if s.is_empty() || s.chars().count() > 7 || !s.chars().any(|c| TONED.contains(c)) {
        return false;
    }
    let plain: String = s.chars().map(strip_tone).collect();
    if !plain.chars().all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    if matches!(plain.as_str(), "n" | "ng" | "m" | "hm" | "hng") {
        return true;
    }
    const INITIALS: [&str; 23] = ["zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w"];
    const FINALS: [&str; 39] = [
        "a", "o", "e", "i", "u", "v", "ai", "ei", "ui", "ao", "ou", "iu", "ie", "ve", "er", "an", "en", "in", "un", "vn",
        "ang", "eng", "ing", "ong", "ia", "iao", "ian", "iang", "iong", "ua", "uo", "uai", "uan", "uang", "ueng", "ue",
        "van", "io", "r",
    ];
    let rest = INITIALS.iter().find(|i| plain.starts_with(*i)).map_or(plain.as_str(), |i| &plain[i.len()..]);
    FINALS.contains(&rest)
}

/// Whether `s` may hold a gloss: [`find`] needs an opening parenthesis and a tone-marked vowel
/// ([`is_toned_syllable`]), which report text almost never has. The vowels are read off their
/// UTF-8 lead bytes first (0xC3–0xC7, and 0xE1 for ḿ; Chinese text has none of them), in blocks
/// tested without branching.
pub fn may_hold(s: &str) -> bool {
    super::width::any_byte(s.as_bytes(), |x| (x.wrapping_sub(0xC3) < 5) | (x == 0xE1))
        && s.contains(['(', '（'])
        && s.contains(is_toned)
}

/// A tone-marked vowel, one of those a gloss must contain (U+00E0–U+1E3F).
pub fn is_toned(c: char) -> bool {
    ('\u{E0}'..='\u{1E3F}').contains(&c) && TONED.contains(c)
}

/// Positions (in `chars`) of glosses to drop: each range covers "(", the syllable and ")".
pub fn find(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < chars.len() {
        let open = chars[i];
        if (open == '(' || open == '（') && is_han(chars[i - 1]) {
            let close = if open == '(' { ')' } else { '）' };
            if let Some(len) = chars[i + 1..].iter().take(8).position(|&c| c == close) {
                let syl: String = chars[i + 1..i + 1 + len].iter().collect();
                if is_toned_syllable(&syl) {
                    out.push((i, i + len + 2));
                    i += len + 2;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// `chars` with their glosses dropped (for text that needs no map back to the source).
pub fn strip(chars: &[char]) -> Vec<char> {
    without(chars, &find(chars))
}

/// `items` without the ranges [`find`] returned for them (sorted, not overlapping); works on
/// plain chars and on normalize's (char, source range) items alike.
pub fn without<T: Copy>(items: &[T], drops: &[(usize, usize)]) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    let mut d = drops.iter().peekable();
    let mut i = 0;
    while i < items.len() {
        if let Some(&&(a, b)) = d.peek() {
            if i == a {
                i = b;
                d.next();
                continue;
            }
        }
        out.push(items[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        super::strip(&s.chars().collect::<Vec<_>>()).into_iter().collect()
    }

    #[test]
    fn glosses_go_other_parentheses_stay() {
        assert_eq!(strip("發(fā)布機構"), "發布機構");
        assert_eq!(strip("區(qū)委區(qū)政府"), "區委區政府");
        assert_eq!(strip("企業(yè)研發(fā)"), "企業研發");
        assert_eq!(strip("環(huán)境"), "環境");
        assert_eq!(strip("備案(核准)中方投資額"), "備案(核准)中方投資額");
        assert_eq!(strip("(一)穩運行"), "(一)穩運行");
        assert_eq!(strip("慈城(庄桥)"), "慈城(庄桥)");
        assert_eq!(strip("區(qu)"), "區(qu)");
        assert_eq!(strip("模式(Mode)"), "模式(Mode)");
    }

    /// A line the check turns away has no gloss: every line of the seeds (and their
    /// traditional form, which carries glosses), each tone-marked vowel in and out of
    /// parentheses, and every char from U+0000 to U+2000 after a Han char and a parenthesis.
    #[test]
    fn lines_without_a_possible_gloss_have_none() {
        let mut lines: Vec<String> = crate::normalize::script::seed_lines_in_both_scripts().collect();
        for v in TONED.chars() {
            for (o, c) in [('(', ')'), ('（', '）')] {
                lines.push(format!("區{o}q{v}{c}"));
                lines.push(format!("區q{v}"));
                lines.push(format!("{}區{o}q{v}{c}", "字".repeat(13)));
            }
        }
        lines.extend((0..0x2000).filter_map(char::from_u32).map(|c| format!("區(q{c})")));
        let mut glossed = 0;
        for l in &lines {
            let found = !find(&l.chars().collect::<Vec<_>>()).is_empty();
            if !may_hold(l) {
                assert!(!found, "{l}");
            }
            glossed += found as usize;
        }
        assert!(glossed > 50, "{glossed}");
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(is_toned(c), TONED.contains(c), "{c:?}");
        }
    }

    #[test]
    fn syllables() {
        for s in ["qū", "fā", "yè", "zhōng", "lǜ", "nǚ", "ér", "huán", "zhàn"] {
            assert!(is_toned_syllable(s), "{s}");
        }
        for s in ["qu", "abc", "fāx", "ǎbcdefgh"] {
            assert!(!is_toned_syllable(s), "{s}");
        }
    }
}
