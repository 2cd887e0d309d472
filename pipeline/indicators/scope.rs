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
//!
//! The cue words are found in one pass over the text's chars (a search per word cost more
//! than the rest of the tagger), and the year and month patterns only run on a text that
//! has their 年 or 月.

use std::ops::Range;
use std::sync::OnceLock;

use super::section::{self, HALVES, QUARTERS};
use super::status_of;
use super::words::{DONE_WORDS, ESTIMATE_WORDS, STRONG_TARGET_WORDS, TARGET_WORDS};
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

/// What a cue word tells.
#[derive(Clone, Copy)]
enum Cue {
    Estimate,
    Target,
    StrongTarget,
    Done,
    Half(usize),
    Quarter(usize),
}

/// Size of [`CueWords::firsts`] in u64 words (4096 bits).
const FIRSTS_WORDS: usize = 64;

/// The bit of [`CueWords::firsts`] for a char.
fn first_key(c: char) -> usize {
    c as usize % (FIRSTS_WORDS * 64)
}

/// Every cue word with its cue, sorted by first char, and a filter on first chars.
struct CueWords {
    words: Vec<(char, &'static str, Cue)>,
    /// Bit `c % 4096` is set for the first char `c` of some cue word: most chars of a text
    /// are no cue's first char, and this tells them apart with one test. (With 128 bits,
    /// one common ideograph in seven passed by its residue alone and was looked up.)
    firsts: [u64; FIRSTS_WORDS],
}

fn cue_words() -> &'static CueWords {
    static WORDS: OnceLock<CueWords> = OnceLock::new();
    WORDS.get_or_init(|| {
        let lists: [(&[&'static str], fn(usize) -> Cue); 6] = [
            (ESTIMATE_WORDS, |_| Cue::Estimate),
            (TARGET_WORDS, |_| Cue::Target),
            (STRONG_TARGET_WORDS, |_| Cue::StrongTarget),
            (DONE_WORDS, |_| Cue::Done),
            (&HALVES, Cue::Half),
            (&QUARTERS, Cue::Quarter),
        ];
        let mut words = Vec::new();
        for (list, cue) in lists {
            for (i, w) in list.iter().enumerate() {
                let first = w.chars().next().expect("cue words are not empty");
                words.push((first, *w, cue(i)));
            }
        }
        words.sort_by_key(|&(c, _, _)| c);
        let mut firsts = [0u64; FIRSTS_WORDS];
        for &(c, _, _) in &words {
            let k = first_key(c);
            firsts[k / 64] |= 1 << (k % 64);
        }
        CueWords { words, firsts }
    })
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
        let lead_len = lead.len();
        let mut c = ScopeCues {
            lead_len,
            estimate: usize::MAX,
            target: usize::MAX,
            strong_target: usize::MAX,
            done: usize::MAX,
            halves: [usize::MAX; 2],
            quarters: [usize::MAX; 4],
            years: Vec::new(),
            months: Vec::new(),
            full: String::new(),
        };
        let cues = cue_words();
        for (i, ch) in full.char_indices() {
            let k = first_key(ch);
            if cues.firsts[k / 64] & (1 << (k % 64)) == 0 {
                continue;
            }
            let from = cues.words.partition_point(|&(f, _, _)| f < ch);
            for &(_, w, cue) in cues.words[from..].iter().take_while(|&&(f, _, _)| f == ch) {
                if !full[i..].starts_with(w) {
                    continue;
                }
                // Ends of the first occurrence of each word: the least is the first end of a
                // cue (a later start can end sooner when its word is shorter).
                let end = i + w.len();
                let slot = match cue {
                    Cue::Estimate => &mut c.estimate,
                    Cue::Target => &mut c.target,
                    Cue::StrongTarget => &mut c.strong_target,
                    // In the sentence alone, as an offset into it.
                    Cue::Done if i >= lead_len => {
                        c.done = c.done.min(end - lead_len);
                        continue;
                    }
                    Cue::Done => continue,
                    Cue::Half(k) => &mut c.halves[k],
                    Cue::Quarter(k) => &mut c.quarters[k],
                };
                *slot = (*slot).min(end);
            }
        }
        // Both patterns need their char: a text without it has no match. (One search for
        // each, not a test of every char in the loop above.)
        if full.contains('年') {
            c.years = crate::numeral::year_marks(&full).collect();
        }
        if full.contains('月') && full.contains('-') {
            c.months = section::month_marks(&full).collect();
        }
        c.full = full;
        c
    }

    /// The scope of a figure at byte `at` of the sentence.
    fn scope_end(&self, at: usize) -> usize {
        self.lead_len + at
    }

    /// `status_of` the figure at byte `at` of the sentence.
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
    pub fn period(&self, at: usize, year: i32) -> compact_str::CompactString {
        let end = self.scope_end(at);
        let months = match last_in(&self.months, end) {
            Ok(marks) => marks.last().map(|(_, m)| *m),
            Err(()) => section::month_marks(&self.full[..end])
                .last()
                .map(|(_, m)| m),
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
            (
                "",
                "2022年,全区地区生产总值增长5%,比2019年增长12%,预计全年增长6%",
            ),
            ("1-6月,预计:", "规上工业增加值31.3亿元,上半年增长3%"),
            (
                "二是",
                "力争2023年实现营收1-11月增长8%,2020年以来累计12亿元",
            ),
            ("2020年以", "来累计完成投资12亿元,一季度增长3%,三季度增长4%"),
            (
                "预",
                "计2022年12-3月增长13-5月增长二〇二二年以来增长,已经完成了目标",
            ),
            ("", "下半年要确保增长,到2025年达到100亿元,1-13月增长,12-3月"),
            ("已经", "预期目标是增长5%,四季度一季度二季度,上半年下半年"),
            ("完成", "了任务,已完成了,计划2023年1-6月"),
        ];
        for (lead, text) in cases {
            let cues = ScopeCues::new(lead, text);
            for (at, _) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
            {
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
                assert_eq!(
                    cues.period(at, 2022),
                    section::period(&scope, 2022),
                    "{scope}"
                );
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
