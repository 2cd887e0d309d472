//! Script detection and traditional → simplified conversion at phrase level, with OpenCC's
//! Apache-2.0 tables through zhconv (its GPL MediaWiki tables are not compiled in).
//!
//! zhconv leaves a character with several OpenCC candidates (乾 → "干 乾", 劃 → "划 劃",
//! 戰 → "战 戰") unconverted; OpenCC's t2s takes the first candidate. `data/opencc_t2s_multi.txt`
//! (derived from OpenCC's TSCharacters and TSPhrases) adds those first candidates together with
//! every OpenCC phrase holding such a character, and one converter is built from zhconv's tables
//! plus these rules, so leftmost-longest matching lets phrases win: 乾隆 stays, 天乾物燥 → 天干物燥.

use super::width::is_han;

use std::sync::OnceLock;

use zhconv::{get_builtin_converter, get_builtin_tables, Variant, ZhConverter, ZhConverterBuilder};

use crate::model::Script;

/// OpenCC rules for multi-candidate characters and the phrases that protect them.
pub const MULTI_CANDIDATE_RULES: &str = include_str!("../../data/opencc_t2s_multi.txt");

/// The project's own phrase additions (著 → 着 where the reading is certain: 着力, 随着).
pub const EXTRA_PHRASES: &str = include_str!("../../data/t2s_phrases_extra.txt");

/// The (source, target) pairs of [`MULTI_CANDIDATE_RULES`].
fn multi_candidate_pairs() -> impl Iterator<Item = (&'static str, &'static str)> {
    rule_pairs(MULTI_CANDIDATE_RULES, "data/opencc_t2s_multi.txt")
}

fn rule_pairs(data: &'static str, file: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    data.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('[') && !l.trim().is_empty())
        .map(move |l| l.split_once('\t').unwrap_or_else(|| panic!("{file}: every rule line is source<TAB>target, not {l:?}")))
}

/// The process-wide t2s converter: zhconv's OpenCC tables plus the multi-candidate rules.
fn t2s() -> &'static ZhConverter {
    static CONV: OnceLock<ZhConverter> = OnceLock::new();
    CONV.get_or_init(|| {
        ZhConverterBuilder::new()
            .target(Variant::ZhHans)
            .tables(get_builtin_tables(Variant::ZhHans))
            .conv_pairs(multi_candidate_pairs())
            .conv_pairs(rule_pairs(EXTRA_PHRASES, "data/t2s_phrases_extra.txt"))
            .build()
    })
}

/// Converts text to simplified script (OpenCC t2s: phrases first, so 乾隆 stays and 天乾物燥 →
/// 天干物燥).
pub fn to_simplified(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    t2s().convert(text)
}

/// Converts text to traditional script (used by tests and the corpus generator).
pub fn to_traditional(text: &str) -> String {
    get_builtin_converter(Variant::ZhHant).convert(text)
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
    fn multi_candidate_characters_take_opencc_first_candidate_unless_a_phrase_protects_them() {
        assert_eq!(to_simplified("天乾物燥"), "天干物燥");
        assert_eq!(to_simplified("乾隆年間"), "乾隆年间");
        assert_eq!(to_simplified("乾坤"), "乾坤");
        assert_eq!(to_simplified("戰略定位，劃定成果"), "战略定位，划定成果");
        assert_eq!(to_simplified("疊加參保"), "叠加参保");
        // 著 → 着 only where the reading is certain.
        assert_eq!(to_simplified("隨著四個城中村改造，著力提升，顯著提升，見微知著，著名"), "随着四个城中村改造，着力提升，显著提升，见微知著，著名");
        // Already simplified text is left alone.
        assert_eq!(to_simplified("天干物燥，叠加参保，乾隆"), "天干物燥，叠加参保，乾隆");
        // Every rule of the data file parses.
        assert!(multi_candidate_pairs().count() > 200);
    }

    #[test]
    fn scripts_are_told_apart() {
        assert_eq!(detect("实现社会消费品零售总额449.7亿元,增长8.2%"), Script::Simplified);
        assert_eq!(detect("實現社會消費品零售總額449.7億元，增長8.2%，增速位列全市第二"), Script::Traditional);
        assert_eq!(detect("實現社會消費品零售總額449.7億元。实现社会消费品零售总额449.7亿元"), Script::Mixed);
    }
}
