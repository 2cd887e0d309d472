//! Headings, section paths and section roles of a report's body.
//!
//! Levels: 1 `一、`, 2 `(一)`/`（一）`, 3 `1.`/`1、` (full-width digits too), 4 `(1)`/`（1）`,
//! 5 the inline `一是`/`二是` items. A heading's role is read from its
//! words (回顾, 执行情况 → review; 计划, 目标, 任务, 安排 → plan); sub-headings inherit it. The year a
//! heading names ("一、2022年工作回顾") is inherited too, so figures under it get that year.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Paragraph, SectionRole};

fn heading_re() -> &'static [(u8, Regex); 5] {
    static RE: OnceLock<[(u8, Regex); 5]> = OnceLock::new();
    RE.get_or_init(|| {
        [
            (1, Regex::new(r"^[一二三四五六七八九十]{1,3}、").unwrap()),
            (2, Regex::new(r"^[(（][一二三四五六七八九十]{1,3}[)）]").unwrap()),
            (3, Regex::new(r"^[0-9０-９]{1,2}(?:[.．、]|\s)[^0-9０-９%％]").unwrap()),
            (4, Regex::new(r"^[(（][0-9０-９]{1,2}[)）]").unwrap()),
            // "一是…，二是…": an inline level that opens a paragraph of the list it heads.
            (INLINE_LEVEL, Regex::new(r"^[一二三四五六七八九十]{1,3}是[^的否]").unwrap()),
        ]
    })
}

/// Level of the inline "一是 / 二是" list items.
pub const INLINE_LEVEL: u8 = 5;

/// Heading level of a paragraph's text, if it opens with a heading marker.
pub fn heading_level(text: &str) -> Option<u8> {
    let t = text.trim_start();
    // Every marker opens with a numeral, a digit or a parenthesis: most paragraphs open with
    // none of them and skip the five patterns.
    if !t.starts_with(|c: char| {
        c.is_ascii_digit() || ('０'..='９').contains(&c) || matches!(c, '(' | '（' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十')
    }) {
        return None;
    }
    heading_re().iter().find(|(_, re)| re.is_match(t)).map(|(l, _)| *l)
}

/// The heading's own title: up to its first full stop, at most 40 characters.
fn heading_title(text: &str) -> String {
    let t = text.trim();
    let end = if heading_level(t) == Some(INLINE_LEVEL) { t.find(['。', ':', '：', '，', '；']) } else { t.find(['。', ':', '：']) }.unwrap_or(t.len());
    t[..end].chars().take(40).collect()
}

/// The role a heading's words give its section, if any. `simplified` is the heading in
/// simplified script; `report_year` lets "2023年工作安排" in a 2023 report read as plan.
pub fn role_of(simplified: &str, report_year: Option<i32>) -> Option<SectionRole> {
    const REVIEW: [&str; 10] = ["回顾", "执行情况", "过去", "工作总结", "上半年工作", "完成情况", "主要成效", "取得的成绩", "主要工作", "成绩"];
    const PLAN: [&str; 12] = ["计划", "目标", "任务", "安排", "打算", "思路", "总体要求", "下半年", "展望", "今年工作", "工作建议", "草案"];
    let has = |words: &[&str]| words.iter().any(|w| simplified.contains(w));
    if has(&REVIEW) && !simplified.contains("下半年") {
        return Some(SectionRole::Review);
    }
    if has(&PLAN) {
        return Some(SectionRole::Plan);
    }
    if let (Some(y), Some(hy)) = (report_year, year_in(simplified)) {
        if hy < y {
            return Some(SectionRole::Review);
        }
    }
    None
}

/// The year a heading names ("一、2022年工作回顾", "一、二〇二二年工作回顾"); comparison bases
/// ("与2019年相比") and open spans ("2020年以来") are not the section's year.
pub fn year_in(text: &str) -> Option<i32> {
    crate::numeral::first_year_in(text)
}

/// Fills heading level, section path, role and year of the kept paragraphs.
/// `simplify` converts a heading to simplified script for keyword matching.
pub fn annotate(paragraphs: &mut [Paragraph], report_year: Option<i32>, simplify: impl Fn(&str) -> String) {
    // Stack of open headings: (level, title, role, year).
    let mut stack: Vec<(u8, String, Option<SectionRole>, Option<i32>)> = Vec::new();
    for p in paragraphs.iter_mut().filter(|p| p.is_kept()) {
        if let Some(level) = heading_level(&p.raw) {
            while stack.last().is_some_and(|(l, ..)| *l >= level) {
                stack.pop();
            }
            let s = simplify(&heading_title(&p.raw));
            // An inline 一是 item names a task, not a section: it never changes the role.
            let role = if level == INLINE_LEVEL { None } else { role_of(&s, report_year) };
            let year = if level == INLINE_LEVEL { None } else { year_in(&s) };
            stack.push((level, heading_title(&p.raw), role, year));
            p.heading_level = Some(level);
        }
        if !stack.is_empty() {
            p.section_path = Some(stack.iter().map(|(_, t, ..)| t.as_str()).collect::<Vec<_>>().join(" > "));
        }
        p.section_role = stack.iter().rev().find_map(|(_, _, r, _)| *r).unwrap_or_default();
        p.section_year = stack.iter().rev().find_map(|(.., y)| *y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(text: &str) -> Paragraph {
        Paragraph { raw: text.to_string(), text: text.to_string(), ..Default::default() }
    }

    /// The first-char test turns away only paragraphs no marker pattern matches: every line of
    /// the seeds and every char at the start of a marker-like text.
    #[test]
    fn first_char_test_keeps_every_heading() {
        let by_patterns = |text: &str| {
            let t = text.trim_start();
            heading_re().iter().find(|(_, re)| re.is_match(t)).map(|(l, _)| *l)
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for e in std::fs::read_dir(dir).unwrap() {
            for t in std::fs::read_to_string(e.unwrap().path()).unwrap().lines() {
                assert_eq!(heading_level(t), by_patterns(t), "{t:?}");
            }
        }
        // Every char in front of heading-like text, checked as it is built (not collected:
        // that would be millions of strings at once).
        let mut t = String::new();
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            for rest in ["一、x", "1.x", "1 x", "(1)", "一是x", "）x"] {
                t.clear();
                t.push(c);
                t.push_str(rest);
                assert_eq!(heading_level(&t), by_patterns(&t), "{t:?}");
            }
        }
    }

    #[test]
    fn heading_markers_and_levels() {
        assert_eq!(heading_level("一、2022年工作回顾"), Some(1));
        assert_eq!(heading_level("(四)全力实施开放带动,内外循环持续畅通"), Some(2));
        assert_eq!(heading_level("（一）三驾马车持续回暖"), Some(2));
        assert_eq!(heading_level("1.坚持创新驱动"), Some(3));
        assert_eq!(heading_level("（2）优化营商环境"), Some(4));
        assert_eq!(heading_level("2022年是本届政府的起始之年。"), None);
        assert_eq!(heading_level("1-6月,预计规上工业增加值实现31.3亿元"), None);
        assert_eq!(heading_level("3.4%的增速"), None);
        assert_eq!(heading_level("１、应对国际金融危机的一揽子计划"), Some(3));
        assert_eq!(heading_level("一是在区间调控基础上实施定向调控，保持经济稳定增长。"), Some(INLINE_LEVEL));
        assert_eq!(heading_level("一是一，二是二"), Some(INLINE_LEVEL));
        assert_eq!(heading_level("一是否"), None);
    }

    #[test]
    fn sections_carry_role_year_and_path() {
        let mut ps = vec![
            para("各位代表:"),
            para("一、2022年工作回顾"),
            para("(一)稳主体扩投资"),
            para("固定资产投资增长13.3%。"),
            para("二、2023年工作安排"),
            para("地区生产总值增长6%以上。"),
        ];
        annotate(&mut ps, Some(2023), |s| s.to_string());
        assert_eq!(ps[0].section_role, SectionRole::Other);
        assert_eq!(ps[3].section_role, SectionRole::Review);
        assert_eq!(ps[3].section_year, Some(2022));
        assert_eq!(ps[3].section_path.as_deref(), Some("一、2022年工作回顾 > (一)稳主体扩投资"));
        assert_eq!(ps[5].section_role, SectionRole::Plan);
        assert_eq!(ps[5].section_year, Some(2023));
        assert_eq!(ps[4].heading_level, Some(1));
        // An inline item joins the path but keeps the section's role.
        let mut ps = vec![para("二、2023年工作安排"), para("一是提高完成情况的回顾质量，推动增长。"), para("投资增长6%。")];
        annotate(&mut ps, Some(2023), |s| s.to_string());
        assert_eq!(ps[1].heading_level, Some(INLINE_LEVEL));
        assert_eq!(ps[2].section_role, SectionRole::Plan);
        assert_eq!(ps[2].section_path.as_deref(), Some("二、2023年工作安排 > 一是提高完成情况的回顾质量"));
    }

    #[test]
    fn heading_years_in_chinese_numerals_and_comparisons() {
        let mut ps = vec![para("一、二〇二二年工作回顾"), para("固定资产投资增长13.3%。"), para("二、与2019年相比的主要变化"), para("地区生产总值增长6%。")];
        annotate(&mut ps, Some(2023), |s| s.to_string());
        assert_eq!(ps[1].section_year, Some(2022));
        assert_eq!(ps[1].section_role, SectionRole::Review);
        assert_eq!(ps[3].section_year, None, "a comparison base is not the section's year");
    }
}
