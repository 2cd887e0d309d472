//! Script detection and traditional → simplified conversion at phrase level, with OpenCC's
//! Apache-2.0 tables through zhconv (its GPL MediaWiki tables are not compiled in).

use zhconv::{get_builtin_converter, Variant};

use crate::model::Script;

/// Converts text to simplified script (OpenCC t2s: phrases first, so 乾隆 stays and 天乾物燥 →
/// 天干物燥).
pub fn to_simplified(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    get_builtin_converter(Variant::ZhHans).convert(text)
}

/// Converts text to traditional script (used by tests and the corpus generator).
pub fn to_traditional(text: &str) -> String {
    get_builtin_converter(Variant::ZhHant).convert(text)
}

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Counts the chars that differ between `a` and its conversion `b` (same length case), or the
/// length difference plus the differing prefix otherwise.
fn changed(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() + a.chars().count().abs_diff(b.chars().count())
}

/// Share of Han characters a conversion has to change before the text counts as written in the
/// other script.
const SCRIPT_SHARE: f64 = 0.02;

/// Detects the script of a sample of text: simplified, traditional or mixed.
pub fn detect(sample: &str) -> Script {
    let han = sample.chars().filter(|&c| is_han(c)).count();
    if han == 0 {
        return Script::Simplified;
    }
    let trad_chars = changed(sample, &to_simplified(sample)) as f64 / han as f64;
    if trad_chars < SCRIPT_SHARE {
        return Script::Simplified;
    }
    let simp_chars = changed(sample, &to_traditional(sample)) as f64 / han as f64;
    if simp_chars < SCRIPT_SHARE * 2.0 {
        Script::Traditional
    } else {
        Script::Mixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_level_conversion() {
        assert_eq!(to_simplified("乾隆"), "乾隆");
        assert_eq!(to_simplified("區委區政府的堅強領導"), "区委区政府的坚强领导");
        // Characters the simpler converters get wrong stay right.
        assert_eq!(to_simplified("疊加"), "叠加");
        assert_eq!(to_simplified("參保"), "参保");
    }

    #[test]
    fn scripts_are_told_apart() {
        assert_eq!(detect("实现社会消费品零售总额449.7亿元,增长8.2%"), Script::Simplified);
        assert_eq!(detect("實現社會消費品零售總額449.7億元，增長8.2%，增速位列全市第二"), Script::Traditional);
        assert_eq!(detect("實現社會消費品零售總額449.7億元。实现社会消费品零售总额449.7亿元"), Script::Mixed);
    }
}
