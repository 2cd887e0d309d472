//! Chinese numerals: "三" 3, "十二" 12, "一百零五" 105, "两万" 20000, "三十六点九" 36.9,
//! "一九五三" (digit by digit, for years), and adjacent numerals that state an approximate
//! range ("七八千万" 70-80 million, written as its lower bound).

fn digit(c: char) -> Option<u64> {
    match c {
        '零' | '〇' | '○' => Some(0),
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
        .try_fold(0u64, |acc, c| Some(acc * 10 + digit(c)?))
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
                total = (total + section + num.unwrap_or(0)) * 10_000;
                section = 0;
                num = None;
                continue;
            }
            '亿' => {
                total = (total + section + num.unwrap_or(0)) * 100_000_000;
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
        section += n * place;
        num = None;
    }
    Some(total + section + num.unwrap_or(0))
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

#[cfg(test)]
mod tests {
    use super::*;

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
