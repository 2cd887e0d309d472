//! The year and role a figure inherits from where it stands in the report.
//!
//! extract/structure.rs reads them from headings, but a heading marker that opens a whole body
//! paragraph ("一、助企纾困稳运行,都市经济开门红。面对…") closes the dated section above it
//! ("一、2022年上半年工作回顾") although it is a sub-theme of it. So a paragraph whose own
//! headings give no year or role keeps those of the last dated or role-bearing heading before
//! it, and an intro sentence ("2023年发展目标及重点工作如下:") dates what follows it. A
//! fragment with no dated heading keeps year null (GUIDELINES decision 1).
//!
//! Years in a sentence: the last "2022年" before a figure dates it, except a bound
//! ("2000年前建成", "2020年以来") or a comparison base ("比2019年增长", "与2019年相比").

use std::sync::OnceLock;

use compact_str::{format_compact, CompactString};
use regex::Regex;

use crate::extract::structure::role_of;
use crate::model::{Paragraph, SectionRole, Sentence};

/// Role and year of one paragraph after inheritance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    pub role: SectionRole,
    pub year: Option<i32>,
}

/// One `Section` per paragraph, in the order of `paragraphs`.
///
/// `sentences` are in paragraph order, and each is a piece of its paragraph's text (as the
/// segmenter cuts them): a paragraph whose text lacks "如下" is not searched sentence by
/// sentence, so a sentence that held "如下" its paragraph lacks would be missed. Checked in
/// debug builds and tests.
pub fn inherited(
    paragraphs: &[Paragraph],
    sentences: &[Sentence],
    report_year: Option<i32>,
) -> Vec<Section> {
    let mut year: Option<i32> = None;
    let mut role: Option<SectionRole> = None;
    let mut out = Vec::with_capacity(paragraphs.len());
    // Sentences are in paragraph order: walk them with one cursor (not a scan per paragraph).
    let mut next_sentence = 0;
    for p in paragraphs {
        if p.section_year.is_some() {
            year = p.section_year;
        }
        if p.section_role != SectionRole::Other {
            role = Some(p.section_role);
        }
        out.push(Section {
            role: if p.section_role != SectionRole::Other {
                p.section_role
            } else {
                role.unwrap_or_default()
            },
            year: p.section_year.or(year),
        });
        // "2023年发展目标及重点工作如下:" scopes over the paragraphs after it.
        while next_sentence < sentences.len() && sentences[next_sentence].paragraph_index < p.index {
            next_sentence += 1;
        }
        // The rule the skip below relies on (see the doc); no cost in release builds.
        if cfg!(any(test, debug_assertions)) {
            for s in sentences[next_sentence..].iter().take_while(|s| s.paragraph_index == p.index) {
                let (a, b) = (s.text_bytes.0 as usize, s.text_bytes.1 as usize);
                assert!(p.text.get(a..b).is_some(), "sentence {} is not a piece of paragraph {}: bytes {a}..{b} of {:?}", s.index, p.index, p.text);
            }
        }
        // The segmenter cuts each paragraph's text into its sentences, so a sentence can hold
        // "如下" only when its paragraph does: one search per paragraph spares the search of
        // each sentence in the many paragraphs without it.
        if !p.text.contains("如下") {
            continue;
        }
        let end = sentences[next_sentence..].iter().position(|s| s.paragraph_index != p.index).map_or(sentences.len(), |k| next_sentence + k);
        for s in &sentences[next_sentence..end] {
            let text = s.text(p);
            if let Some(k) = text.find("如下") {
                let head = &text[..k];
                if let Some(y) = crate::numeral::first_year_in(head) {
                    year = Some(y);
                    if let Some(r) = role_of(head, report_year) {
                        role = Some(r);
                    }
                }
            }
        }
    }
    out
}

/// The year a figure after `text` is about, from the text itself.
pub fn year_in_text(text: &str) -> Option<i32> {
    crate::numeral::last_year_in(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_from_text_skip_bounds_and_comparison_bases() {
        assert_eq!(year_in_text("2022年,全区地区生产总值"), Some(2022));
        assert_eq!(
            year_in_text("基本实现2000年前建成交付的城镇老旧小区改造全覆盖,建成"),
            None
        );
        assert_eq!(year_in_text("2022年,比2019年增长"), Some(2022));
        assert_eq!(year_in_text("2020年以来,累计"), None);
        assert_eq!(year_in_text("国内生产总值在2000年的基础上基本实现"), None);
        assert_eq!(year_in_text("一九五三年,全国"), Some(1953));
    }

    fn para(index: u32, text: &str, role: SectionRole, year: Option<i32>) -> Paragraph {
        Paragraph {
            index,
            text: text.into(),
            raw: text.into(),
            section_role: role,
            section_year: year,
            ..Default::default()
        }
    }

    /// Sentence 0: the first `bytes` of paragraph 0 (only its text matters to `inherited`).
    fn first_sentence_of_paragraph_0(bytes: usize) -> Sentence {
        Sentence { index: 0, paragraph_index: 0, source_line: 1, char_start: 0, char_end: 0, text_bytes: (0, bytes as u32), tokens: (0, 0), has_quantity: false }
    }

    #[test]
    fn body_headings_keep_the_dated_section_above_them() {
        // Seed 003: "一、2022年上半年工作回顾" then body paragraphs opening with "一、" of their own.
        let ps = vec![
            para(0, "前江街道", SectionRole::Other, None),
            para(
                1,
                "一、2022年上半年工作回顾",
                SectionRole::Review,
                Some(2022),
            ),
            para(
                2,
                "一、助企纾困稳运行,都市经济开门红。规上工业增加值实现31.3亿元",
                SectionRole::Other,
                None,
            ),
            para(3, "二、2022年下半年重点工作", SectionRole::Plan, Some(2022)),
        ];
        let sec = inherited(&ps, &[], Some(2022));
        assert_eq!(
            sec[0],
            Section {
                role: SectionRole::Other,
                year: None
            }
        );
        assert_eq!(
            sec[2],
            Section {
                role: SectionRole::Review,
                year: Some(2022)
            }
        );
        assert_eq!(sec[3].role, SectionRole::Plan);
    }

    #[test]
    fn an_intro_sentence_dates_what_follows() {
        let ps = vec![
            para(0, "报告指出,2023年发展目标及重点工作如下:", SectionRole::Other, None),
            para(1, "y", SectionRole::Other, None),
        ];
        let ss = vec![first_sentence_of_paragraph_0(ps[0].text.len())];
        let sec = inherited(&ps, &ss, Some(2023));
        assert_eq!(sec[0].year, None);
        assert_eq!(
            sec[1],
            Section {
                role: SectionRole::Plan,
                year: Some(2023)
            }
        );
    }

    /// A sentence that is not a piece of its paragraph (its byte range runs past the
    /// paragraph's text) breaks the rule `inherited` relies on: tests (and debug builds) say so
    /// instead of reading a wrong year.
    #[test]
    #[should_panic(expected = "is not a piece of paragraph 0")]
    fn a_sentence_outside_its_paragraph_is_caught() {
        let ps = vec![
            para(0, "报告指出", SectionRole::Other, None),
            para(1, "y", SectionRole::Other, None),
        ];
        let ss = vec![first_sentence_of_paragraph_0("2023年发展目标及重点工作如下:".len())];
        inherited(&ps, &ss, Some(2023));
    }
}

fn months_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?:^|[^\d])(?P<a>\d{1,2})-(?P<b>\d{1,2})月")
            .expect("month range pattern compiles")
    })
}

/// Each "1-6月" of a text: its byte span and its months as written (1 and 12 stand in for a
/// number that does not read).
pub fn month_marks(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, (u32, u32))> + '_ {
    months_re().captures_iter(text).map(|c| {
        let span = c.get(0).expect("whole match").range();
        (span, (c["a"].parse().unwrap_or(1), c["b"].parse().unwrap_or(12)))
    })
}

/// The words of a half year and of each quarter, in the order [`period_of`] reads them.
pub const HALVES: [&str; 2] = ["上半年", "下半年"];
pub const QUARTERS: [&str; 4] = ["一季度", "二季度", "三季度", "四季度"];

/// The period a figure covers: "2022", "2022-H1" (上半年), "2022-Q1" (一季度), "2022-01/06"
/// ("1-6月", the months as written), from the text before the figure.
pub fn period(scope: &str, year: i32) -> CompactString {
    period_of(
        year,
        month_marks(scope).last().map(|(_, m)| m),
        HALVES.map(|h| scope.contains(h)),
        QUARTERS.iter().position(|q| scope.contains(q)),
    )
}

/// [`period`] from what its scope holds: the months of its last "1-6月", whether it says
/// 上半年 / 下半年, and the first quarter of [`QUARTERS`] it names.
///
/// Inline text (a period is at most a dozen bytes): one per indicator row, none allocates.
pub fn period_of(year: i32, months: Option<(u32, u32)>, halves: [bool; 2], quarter: Option<usize>) -> CompactString {
    if let Some((a, b)) = months {
        if (1..=12).contains(&a) && (a..=12).contains(&b) {
            return format_compact!("{year}-{a:02}/{b:02}");
        }
    }
    if halves[0] {
        format_compact!("{year}-H1")
    } else if halves[1] {
        format_compact!("{year}-H2")
    } else if let Some(q) = quarter {
        format_compact!("{year}-Q{}", q + 1)
    } else {
        format_compact!("{year}")
    }
}

#[cfg(test)]
mod period_tests {
    use super::period;

    #[test]
    fn periods() {
        assert_eq!(period("1-6月,预计:", 2022), "2022-01/06");
        assert_eq!(period("1-11月全区服务业", 2020), "2020-01/11");
        assert_eq!(period("上半年,全区", 2022), "2022-H1");
        assert_eq!(period("一季度,", 2022), "2022-Q1");
        assert_eq!(period("全年", 2022), "2022");
    }
}
