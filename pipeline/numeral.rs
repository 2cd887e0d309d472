//! Chinese numerals: "三" 3, "十二" 12, "一百零五" 105, "两万" 20000, "三十六点九" 36.9,
//! "一九五三" (digit by digit, for years), and adjacent numerals that state an approximate
//! range ("七八千万" 70-80 million, written as its lower bound); and the year a text states
//! ("2022年", "二〇二二年"), shared by the heading reader (extract) and the tagger.

use std::sync::OnceLock;

use regex::Regex;

fn digit(c: char) -> Option<u64> {
    match c {
        // Scraped copies also write 〇 as a Cyrillic О or a digit 0 (二0二二年).
        '零' | '〇' | '○' | 'О' | '0' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

/// "一九五三" → 1953: a string of digit characters read one by one.
pub fn digit_string(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.chars()
        .try_fold(0u64, |acc, c| acc.checked_mul(10)?.checked_add(digit(c)?))
}

/// The integer value of a Chinese numeral with place words (十百千万亿).
fn integer(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (mut total, mut section, mut num) = (0u64, 0u64, None::<u64>);
    for c in s.chars() {
        if let Some(d) = digit(c) {
            if num.is_some_and(|n| n != 0) && d != 0 {
                return None; // two digits in a row: not a place-value numeral
            }
            num = Some(d);
            continue;
        }
        let place = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => {
                total = total.checked_add(section)?.checked_add(num.unwrap_or(0))?.checked_mul(10_000)?;
                section = 0;
                num = None;
                continue;
            }
            '亿' => {
                total = total.checked_add(section)?.checked_add(num.unwrap_or(0))?.checked_mul(100_000_000)?;
                section = 0;
                num = None;
                continue;
            }
            _ => return None,
        };
        // "十二": a leading 十 means one ten.
        let n = match num {
            Some(n) => n,
            None if place == 10 => 1,
            None => return None,
        };
        section = section.checked_add(n.checked_mul(place)?)?;
        num = None;
    }
    total.checked_add(section)?.checked_add(num.unwrap_or(0))
}

/// A Chinese numeral, with an optional decimal part after 点.
pub fn value(s: &str) -> Option<f64> {
    let (int, frac) = match s.split_once('点') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let mut v = integer(int)? as f64;
    if let Some(f) = frac {
        let mut scale = 0.1;
        for c in f.chars() {
            v += digit(c)? as f64 * scale;
            scale /= 10.0;
        }
        // Round away binary noise: 36.9 stays 36.9.
        let k = 10f64.powi(f.chars().count() as i32);
        v = (v * k).round() / k;
    }
    Some(v)
}

/// "七八千万" → (70000000, true): adjacent digits give an approximate range, read as its lower
/// bound. Plain numerals give (value, false).
pub fn value_or_range(s: &str) -> Option<(f64, bool)> {
    if let Some(v) = value(s) {
        return Some((v, false));
    }
    let chars: Vec<char> = s.chars().collect();
    let k = chars.windows(2).position(
        |w| matches!((digit(w[0]), digit(w[1])), (Some(a), Some(b)) if a != 0 && b == a + 1),
    )?;
    // Drop the upper digit: "七八千万" → "七千万", "十七八" → "十七".
    let lower: String = chars
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != k + 1)
        .map(|(_, c)| c)
        .collect();
    value(&lower).map(|v| (v, true))
}

fn year_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?P<before>比|较|与|同|相比|对比|和)?(?P<y>(?:19|20)\d{2}|[一二][〇○零一二三四五六七八九]{3})\s*年(?P<after>前|以前|之前|以来|起|后|以后|底前|至今|的基础上|基础上)?")
            .expect("year pattern compiles")
    })
}

/// The years a text states as the time it is about, in order: "2022年" and "二〇二二年", but
/// not comparison bases ("比2019年") or open spans ("2020年以来", "2000年前").
pub fn years_in(text: &str) -> impl Iterator<Item = i32> + '_ {
    year_marks(text).filter_map(|(_, y)| y)
}

/// Every match of the year pattern in a text, in order: its byte span, and the year when it
/// is one [`years_in`] gives (None for a base, a span or an unreadable year). For callers
/// that ask for the last year of many prefixes of one text (the indicators tagger, once per
/// figure): the matches that end inside a prefix are the prefix's own.
pub fn year_marks(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, Option<i32>)> + '_ {
    year_re().captures_iter(text).map(|c| {
        let span = c.get(0).expect("whole match").range();
        let year = if c.name("before").is_none() && c.name("after").is_none() {
            let y = c.name("y").expect("year group").as_str();
            y.parse().ok().or_else(|| digit_string(y).map(|v| v as i32))
        } else {
            None
        };
        (span, year)
    })
}

/// Every year written in a text, whatever stands around it (a title's "2020年…与2021年…").
pub fn all_years_in(text: &str) -> impl Iterator<Item = i32> + '_ {
    year_re().captures_iter(text).filter_map(|c| {
        let y = c.name("y").expect("year group").as_str();
        y.parse().ok().or_else(|| digit_string(y).map(|v| v as i32))
    })
}

/// The last year a text states (the year a figure after it is about).
pub fn last_year_in(text: &str) -> Option<i32> {
    years_in(text).last()
}

/// The first year a text states (the year a heading names).
pub fn first_year_in(text: &str) -> Option<i32> {
    years_in(text).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_numerals_are_refused_not_overflowed() {
        assert_eq!(value("九亿亿亿亿"), None);
        assert_eq!(digit_string("九九九九九九九九九九九九九九九九九九九九九"), None);
    }

    #[test]
    fn years_skip_bases_and_spans() {
        assert_eq!(first_year_in("一、二〇二二年工作回顾"), Some(2022));
        assert_eq!(first_year_in("二、与2019年相比的主要变化"), None);
        assert_eq!(last_year_in("2022年,比2019年增长"), Some(2022));
        assert_eq!(last_year_in("2020年以来,累计"), None);
    }

    #[test]
    fn place_value_numerals() {
        assert_eq!(value("三"), Some(3.0));
        assert_eq!(value("十二"), Some(12.0));
        assert_eq!(value("二十"), Some(20.0));
        assert_eq!(value("一百零五"), Some(105.0));
        assert_eq!(value("两"), Some(2.0));
        assert_eq!(value("两万"), Some(20_000.0));
        assert_eq!(value("三千万"), Some(30_000_000.0));
        assert_eq!(value("一万二千"), Some(12_000.0));
        assert_eq!(value("三十六点九"), Some(36.9));
        assert_eq!(
            value("一九五三"),
            None,
            "digit strings are not place-value numerals"
        );
        assert_eq!(value("百"), None);
    }

    #[test]
    fn digit_strings_and_ranges() {
        assert_eq!(digit_string("一九五三"), Some(1953));
        assert_eq!(digit_string("二〇二二"), Some(2022));
        assert_eq!(value_or_range("七八千万"), Some((70_000_000.0, true)));
        assert_eq!(value_or_range("三四"), Some((3.0, true)));
        assert_eq!(value_or_range("八"), Some((8.0, false)));
    }
}
