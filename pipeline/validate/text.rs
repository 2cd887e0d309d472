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

/// A pinyin gloss: a Han char, a parenthesis, letters with one tone-marked vowel, and a
/// closing parenthesis. The Han chars are the set normalize strips glosses after
/// ([`crate::normalize::width::HAN_CLASS`]).
fn gloss_pattern() -> String {
    format!(r"[{}][(（]([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*)[)）]", crate::normalize::width::HAN_CLASS)
}

/// The gloss pattern searched for anywhere: what [`gloss_count`] counts is what counting its
/// matches counts (test `glosses_counted_from_each_parenthesis_are_those_of_the_search`).
#[cfg(test)]
fn gloss_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&gloss_pattern()).unwrap())
}

/// The gloss pattern anchored at the start of the text it is given.
fn gloss_at_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^(?:{})", gloss_pattern())).unwrap())
}

/// How many pinyin glosses with a toned syllable `text` holds.
///
/// Every gloss starts on the char before an opening parenthesis, and no two share a
/// parenthesis (only letters lie between a gloss's two), so the pattern is tried once,
/// anchored, from the char before each opening parenthesis. Searching for it anywhere instead,
/// starting with a class of 28 000 Han chars, ran the regex over every byte of every paragraph
/// holding a parenthesis: half of the text check's time.
fn gloss_count(text: &str) -> usize {
    // Only a Han char before the parenthesis can start a gloss (`is_han` is the pattern's class).
    let gloss_before = |p: usize| match text[..p].chars().next_back() {
        Some(c) if crate::normalize::width::is_han(c) => {
            gloss_at_re().captures(&text[p - c.len_utf8()..]).is_some_and(|c| crate::normalize::gloss::is_toned_syllable(&c[1]))
        }
        _ => false,
    };
    let ascii = memchr::memchr_iter(b'(', text.as_bytes()).filter(|&p| gloss_before(p)).count();
    let wide = memchr::memmem::find_iter(text.as_bytes(), "（".as_bytes()).filter(|&p| gloss_before(p)).count();
    ascii + wide
}

/// The flaws of one normalized paragraph, with a count each.
pub fn flaws(text: &str) -> Vec<(Flaw, usize)> {
    let mut out = Vec::new();
    let fffd = memchr::memmem::find_iter(text.as_bytes(), "\u{FFFD}".as_bytes()).count();
    if fffd > 0 {
        out.push((Flaw::Replacement, fffd));
    }
    let moji = mojibake_re().find_iter(text).count();
    if moji > 0 {
        out.push((Flaw::Mojibake, moji));
    }
    let glosses = gloss_count(text);
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
    /// One paragraph normalization kept (`removed` is null), with its [`flaws`] (worked out
    /// beforehand, on any thread); paragraphs are recorded in table order, so the first place
    /// and example of each flaw are those of one pass.
    pub fn record(&mut self, id: &str, line: Option<i64>, t: &str, found: Vec<(Flaw, usize)>) {
        for (flaw, n) in found {
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
        assert_eq!(kinds("全区（qū）经济"), vec![Flaw::PinyinGloss]);
        let t = flaws("經濟發展區域");
        assert_eq!(t[0].0, Flaw::Traditional);
        assert!(t[0].1 >= 3, "{t:?}");
    }

    /// The old count: every match of the unanchored pattern.
    fn gloss_search(text: &str) -> usize {
        gloss_re().captures_iter(text).filter(|c| crate::normalize::gloss::is_toned_syllable(&c[1])).count()
    }

    #[test]
    fn glosses_counted_from_each_parenthesis_are_those_of_the_search() {
        for t in [
            "全区(qū)经济", "全区（qū）经济", "(qū)", "区(qū)(qū)", "区(qū)区(xià)城", "a(qū)", "区((qū))", "区(qū", "区(qūqū)",
            "区(Qū)", "区（qū)", "区(qū）", "区(qu)", "区()", "（", "(", "区(", "区(lǜ)", "ü(lǜ)", "區(qū)", "\u{3400}(qū)",
            "\u{4DBF}(qū)\u{9FFF}（yī）", "é(qū)", "区 (qū)", "全区(qū)(一)稳增长(核准)经济区(qū)", "",
        ] {
            assert_eq!(gloss_count(t), gloss_search(t), "{t}");
        }
        // Every string of up to five pieces over an alphabet of the pattern's parts.
        let pieces = ["区", "(", "（", ")", "）", "q", "ū", "a", "é", " ", "區"];
        let mut stack = vec![String::new()];
        while let Some(t) = stack.pop() {
            assert_eq!(gloss_count(&t), gloss_search(&t), "{t}");
            if t.chars().count() < 5 {
                stack.extend(pieces.iter().map(|p| format!("{t}{p}")));
            }
        }
    }

    #[test]
    fn glosses_and_replacement_chars_of_real_paragraphs_are_those_of_the_search() {
        // Every normalized paragraph of the seeds and of the shared corpus (GOVREPORT_CORPUS), every raw line of
        // them (glosses such as 區(qū) still in, and replacement chars where GBK was read as
        // UTF-8), and each with a gloss put after each of its first Han chars in turn.
        use crate::extract::{Extractor, SourceFile};
        use crate::model::Stage;
        let mut texts: Vec<String> = crate::segment::test_texts::seed_and_corpus_texts().iter().flat_map(|t| t.lines().map(str::to_string)).collect();
        for path in crate::segment::test_texts::seed_and_corpus_files() {
            let f = SourceFile { rel_path: path.file_name().unwrap().to_string_lossy().into_owned(), bytes: Ok(std::fs::read(&path).unwrap()) };
            for mut d in Extractor.extract(&f) {
                crate::normalize::Normalizer.process(&mut d).unwrap();
                texts.extend(d.paragraphs.into_iter().map(|p| p.text));
            }
        }
        // The seeds alone give about 650 texts.
        assert!(texts.len() > 500, "{} paragraphs", texts.len());
        assert!(texts.iter().any(|t| gloss_search(t) > 0), "no raw line with a gloss");
        let mut glossed = 0;
        for t in &texts {
            assert_eq!(gloss_count(t), gloss_search(t), "{t}");
            assert_eq!(memchr::memmem::find_iter(t.as_bytes(), "\u{FFFD}".as_bytes()).count(), t.matches('\u{FFFD}').count());
            for (i, c) in t.char_indices().take(40).filter(|(_, c)| ('\u{4E00}'..='\u{9FFF}').contains(c)) {
                let at = i + c.len_utf8();
                let g = format!("{}(qū){}", &t[..at], &t[at..]);
                assert_eq!(gloss_count(&g), gloss_search(&g), "{g}");
                glossed += usize::from(gloss_count(&g) > 0);
            }
        }
        assert!(glossed > 1000, "{glossed}");
    }
}
