//! The cues a figure reads from the text before it (status words such as 预计 and 力争, the
//! last year, the period), found once per sentence instead of once per figure.
//!
//! A figure's scope is its sentence's lead (the paragraph's text since the last full stop)
//! followed by the sentence up to the figure, so the scopes of a sentence's figures are
//! prefixes of one text. A word is in a prefix when its first occurrence ends inside it. The
//! year and month patterns neither anchor at the end nor look past their match, so the
//! matches that end inside a prefix are the prefix's own first matches, and the prefix has no
//! other match unless one of the whole text's matches straddles the prefix's end: only then
//! is the prefix read again.

use std::ops::Range;

use super::section::{self, find_word, HALVES, QUARTERS};
use super::words::{DONE_WORDS, ESTIMATE_WORDS, STRONG_TARGET_WORDS, TARGET_WORDS};
use super::status_of;
use crate::model::{FigureStatus, SectionRole};

/// Where the cues first end in a sentence's lead and text (byte offsets into that text).
pub struct ScopeCues {
    /// The lead, then the sentence.
    full: String,
    lead_len: usize,
    estimate: usize,
    target: usize,
    strong_target: usize,
    /// In the sentence alone: a plan figure is done when its sentence (not its lead) says so.
    done: usize,
    halves: [usize; 2],
    quarters: [usize; 4],
    years: Vec<(Range<usize>, Option<i32>)>,
    months: Vec<(Range<usize>, (u32, u32))>,
}

/// End of the first occurrence of any of `words` in `text` (`usize::MAX` when none occurs).
fn first_end(text: &str, words: &[&str]) -> usize {
    words
        .iter()
        .filter_map(|w| find_word(text, w).map(|i| i + w.len()))
        .min()
        .unwrap_or(usize::MAX)
}

/// The last of `marks` in the prefix `..end`, or Err when a mark straddles `end` (the
/// prefix must be read again).
fn last_in<T>(marks: &[(Range<usize>, T)], end: usize) -> Result<&[(Range<usize>, T)], ()> {
    let k = marks.partition_point(|(r, _)| r.end <= end);
    match marks.get(k) {
        Some((r, _)) if r.start < end => Err(()),
        _ => Ok(&marks[..k]),
    }
}

impl ScopeCues {
    pub fn new(lead: &str, text: &str) -> Self {
        let mut full = String::with_capacity(lead.len() + text.len());
        full.push_str(lead);
        full.push_str(text);
        ScopeCues {
            lead_len: lead.len(),
            estimate: first_end(&full, ESTIMATE_WORDS),
            target: first_end(&full, TARGET_WORDS),
            strong_target: first_end(&full, STRONG_TARGET_WORDS),
            done: first_end(text, DONE_WORDS),
            halves: HALVES.map(|h| first_end(&full, &[h])),
            quarters: QUARTERS.map(|q| first_end(&full, &[q])),
            years: crate::numeral::year_marks(&full).collect(),
            months: section::month_marks(&full).collect(),
            full,
        }
    }

    /// The scope of a figure at byte `at` of the sentence.
    fn scope_end(&self, at: usize) -> usize {
        self.lead_len + at
    }

    /// [`super::SentenceCtx::status_in`] for the figure at byte `at` of the sentence.
    pub fn status(&self, at: usize, role: SectionRole) -> FigureStatus {
        let end = self.scope_end(at);
        status_of(
            role,
            self.estimate <= end,
            self.target <= end,
            self.strong_target <= end,
            self.done <= at,
        )
    }

    /// The last year the scope of the figure at byte `at` states ([`section::year_in_text`]).
    pub fn year(&self, at: usize) -> Option<i32> {
        let end = self.scope_end(at);
        match last_in(&self.years, end) {
            Ok(marks) => marks.iter().rev().find_map(|(_, y)| *y),
            Err(()) => section::year_in_text(&self.full[..end]),
        }
    }

    /// [`section::period`] of the scope of the figure at byte `at`.
    pub fn period(&self, at: usize, year: i32) -> String {
        let end = self.scope_end(at);
        let months = match last_in(&self.months, end) {
            Ok(marks) => marks.last().map(|(_, m)| *m),
            Err(()) => section::month_marks(&self.full[..end]).last().map(|(_, m)| m),
        };
        section::period_of(
            year,
            months,
            self.halves.map(|h| h <= end),
            self.quarters.iter().position(|&q| q <= end),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prefix of crafted texts: the cues found once agree with reading each prefix.
    #[test]
    fn cues_found_once_agree_with_each_prefix() {
        let cases = [
            ("", "2022年,全区地区生产总值增长5%,比2019年增长12%,预计全年增长6%"),
            ("1-6月,预计:", "规上工业增加值31.3亿元,上半年增长3%"),
            ("二是", "力争2023年实现营收1-11月增长8%,2020年以来累计12亿元"),
            ("2020年以", "来累计完成投资12亿元,一季度增长3%,三季度增长4%"),
            ("预", "计2022年12-3月增长13-5月增长二〇二二年以来增长,已经完成了目标"),
            ("", "下半年要确保增长,到2025年达到100亿元,1-13月增长,12-3月"),
        ];
        for (lead, text) in cases {
            let cues = ScopeCues::new(lead, text);
            for (at, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
                let scope = format!("{lead}{}", &text[..at]);
                let before = &text[..at];
                for role in [SectionRole::Review, SectionRole::Plan, SectionRole::Other] {
                    let want = status_of(
                        role,
                        ESTIMATE_WORDS.iter().any(|w| scope.contains(w)),
                        TARGET_WORDS.iter().any(|w| scope.contains(w)),
                        STRONG_TARGET_WORDS.iter().any(|w| scope.contains(w)),
                        DONE_WORDS.iter().any(|w| before.contains(w)),
                    );
                    assert_eq!(cues.status(at, role), want, "{scope}");
                }
                assert_eq!(cues.year(at), section::year_in_text(&scope), "{scope}");
                assert_eq!(cues.period(at, 2022), section::period(&scope, 2022), "{scope}");
            }
        }
    }

    #[test]
    fn a_match_across_the_figure_start_is_read_again() {
        // "2020年以来" ends after the figure's start: the prefix "2020年以" states 2020.
        let cues = ScopeCues::new("", "2020年以来");
        assert_eq!(cues.year("2020年以".len()), Some(2020));
        assert_eq!(cues.year("2020年以来".len()), None);
        // "1-6月" cut before 月 is no month range.
        let cues = ScopeCues::new("", "1-6月增长");
        assert_eq!(cues.period("1-6".len(), 2022), "2022");
        assert_eq!(cues.period("1-6月".len(), 2022), "2022-01/06");
    }
}
