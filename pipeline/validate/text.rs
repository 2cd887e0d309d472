//! Text quality of the normalized paragraphs: what normalization should have removed but did
//! not — traditional characters, pinyin glosses, mojibake, and U+FFFD replacement characters.
//! One finding per document and kind, with the count and the first place.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::{doc_finding, Finding};
use crate::model::Severity;
use crate::normalize::script::{may_change, to_simplified};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flaw {
    Replacement,
    Mojibake,
    Traditional,
    PinyinGloss,
}

impl Flaw {
    fn code(self) -> &'static str {
        match self {
            Flaw::Replacement => "replacement_chars",
            Flaw::Mojibake => "mojibake",
            Flaw::Traditional => "residual_traditional",
            Flaw::PinyinGloss => "residual_pinyin_gloss",
        }
    }
    fn what(self) -> &'static str {
        match self {
            Flaw::Replacement => "U+FFFD replacement characters (bytes lost in decoding)",
            Flaw::Mojibake => "mojibake sequences (text decoded with the wrong encoding)",
            Flaw::Traditional => "traditional characters left after conversion",
            Flaw::PinyinGloss => "pinyin glosses left after normalization",
        }
    }
}

fn mojibake_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // UTF-8 read as GBK (锟斤拷, 鈥, 銆, 锛 stand for U+FFFD, “”—, 。、 and ，：), or as
    // Latin-1/cp1252 (Ã©, â€œ, å¸‚ …): a lead-byte letter followed by a continuation-byte char.
    RE.get_or_init(|| {
        Regex::new(r"锟斤拷|烫烫烫|屯屯屯|[鈥銆锛][\p{Han}\p{P}]|[ÃÂâäåæçèéï][\u{80}-\u{BF}\u{152}\u{153}\u{160}\u{161}\u{178}\u{17D}\u{17E}\u{192}\u{2C6}\u{2DC}\u{2013}\u{2014}\u{2018}-\u{201E}\u{2020}-\u{2022}\u{2026}\u{2030}\u{2039}\u{203A}\u{20AC}\u{2122}]").unwrap()
    })
}

fn gloss_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // The same Han set normalize strips glosses after, so the two can never disagree.
        Regex::new(&format!(r"[{}][(（]([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*)[)）]", crate::normalize::width::HAN_CLASS)).unwrap()
    })
}

/// The flaws of one normalized paragraph, with a count each.
pub fn flaws(text: &str) -> Vec<(Flaw, usize)> {
    let mut out = Vec::new();
    let fffd = text.matches('\u{FFFD}').count();
    if fffd > 0 {
        out.push((Flaw::Replacement, fffd));
    }
    let moji = mojibake_re().find_iter(text).count();
    if moji > 0 {
        out.push((Flaw::Mojibake, moji));
    }
    // A gloss needs a parenthesis: most paragraphs have none, and skip the regex.
    let glosses = if has_parenthesis(text) {
        gloss_re().captures_iter(text).filter(|c| crate::normalize::gloss::is_toned_syllable(&c[1])).count()
    } else {
        0
    };
    if glosses > 0 {
        out.push((Flaw::PinyinGloss, glosses));
    }
    // Only text with a char the conversion may change is converted (to_simplified would
    // otherwise copy it, to an equal string).
    if may_change(text) {
        let simple = to_simplified(text);
        if simple != text {
            let n = text.chars().zip(simple.chars()).filter(|(a, b)| a != b).count().max(1);
            out.push((Flaw::Traditional, n));
        }
    }
    out
}

/// `text.contains(['(', '（'])` as two searches for one char each, which skip through the
/// bytes (memchr) instead of decoding every char of the paragraph.
fn has_parenthesis(text: &str) -> bool {
    text.as_bytes().contains(&b'(') || text.contains('（')
}

/// Residual traditional characters are reported from this many on: OpenCC maps a few
/// characters that simplified text also uses (e.g. 著 in 著作 is kept, but alone may change).
const MIN_TRADITIONAL: usize = 3;

/// The columns of `paragraphs` the check reads.
pub const COLUMNS: [&str; 4] = ["doc_id", "source_line", "text", "removed"];

/// The check fed one kept paragraph at a time (so that one pass over `paragraphs` can serve
/// other checks too); holds one entry per document and flaw.
#[derive(Default)]
pub struct TextCheck {
    /// (doc, flaw) → (count, first line, first example)
    found: BTreeMap<(String, Flaw), (usize, i64, String)>,
}

impl TextCheck {
    /// One paragraph normalization kept (`removed` is null).
    pub fn paragraph(&mut self, id: &str, line: Option<i64>, t: &str) {
        for (flaw, n) in flaws(t) {
            let e = self.found.entry((id.to_string(), flaw)).or_insert_with(|| (0, line.unwrap_or(0), t.chars().take(40).collect()));
            e.0 += n;
        }
    }

    /// The findings, by source file.
    pub fn finish(self, doc_files: &BTreeMap<String, String>, out: &mut Vec<Finding>) {
        let mut rows: Vec<_> = self.found.into_iter().collect();
        rows.sort_by(|a, b| (doc_files.get(&a.0 .0), &a.0).cmp(&(doc_files.get(&b.0 .0), &b.0)));
        for ((doc, flaw), (n, line, example)) in rows {
            if flaw == Flaw::Traditional && n < MIN_TRADITIONAL {
                continue;
            }
            let file = doc_files.get(&doc).cloned().unwrap_or_default();
            out.push(doc_finding(
                &doc,
                &file,
                Severity::Warning,
                flaw.code(),
                format!("{n} {} in the normalized text, first at line {line}: \"{example}\"", flaw.what()),
                line,
                format!("paragraphs of {doc}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<Flaw> {
        flaws(t).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn each_flaw_is_found_and_clean_text_passes() {
        assert!(kinds("全市地区生产总值完成449.7亿元，增长6.5%。").is_empty());
        assert_eq!(kinds("增长\u{FFFD}\u{FFFD}6.5%"), vec![Flaw::Replacement]);
        assert!(kinds("鍦板尯鐢熶骇鎬诲€硷紝鈥滃崄鍥涗簲鈥").contains(&Flaw::Mojibake));
        assert!(kinds("锟斤拷锟斤拷").contains(&Flaw::Mojibake));
        assert_eq!(kinds("Ã©conomie â€œ"), vec![Flaw::Mojibake]);
        assert_eq!(kinds("全区(qū)经济"), vec![Flaw::PinyinGloss]);
        assert!(kinds("(一)稳增长(核准)").is_empty());
        for t in ["(", "（", "全区（qū）", "a(b", "全区）", "", "ＥＦ", "\u{FF08}", "\u{FF09}（"] {
            assert_eq!(has_parenthesis(t), t.contains(['(', '（']), "{t}");
        }
        let t = flaws("經濟發展區域");
        assert_eq!(t[0].0, Flaw::Traditional);
        assert!(t[0].1 >= 3, "{t:?}");
    }
}
