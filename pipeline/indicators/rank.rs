//! Ranks: "位列全市第二", "居全省首位", "排名全区前二", "信息宣传全区第二".

use std::sync::OnceLock;

use regex::Regex;

use super::SentenceCtx;
use crate::model::{Indicator, Measure, Qualifier};

fn rank_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?: (?P<verb>位列|位居|居于|居|排名|排在|名列|列|取得了?|获得|夺得|保持)
                (?P<scope>全国|全省|全市|全区|全县)?
              | (?P<scope2>全国|全省|全市|全区|全县) )
            (?P<mid>[^，,；;。第前首]{0,12}?)
            (?: 第(?P<n>[一二三四五六七八九十\d]{1,3})(?:名|位)?
              | (?P<first>首位)
              | 前(?P<top>[一二三四五六七八九十\d]{1,2})(?:名|位)? )",
        )
        .expect("rank pattern compiles")
    })
}

/// Whether a text can hold a rank at all: every rank ends in 第…, 首位 or 前…, after a verb
/// or a scope word, each of which has one of the chars of `RANK_LEAD_CHARS`. A cheap test
/// (memchr per char) that spares the rank pattern the many sentences without a rank.
pub fn may_hold_rank(text: &str) -> bool {
    // Each test is one pass of the regex crate's literal search (SIMD where the CPU has it)
    // instead of one `contains` per char: this runs on every sentence of the corpus.
    fn any_of(chars: &[char]) -> Regex {
        Regex::new(&format!("[{}]", chars.iter().collect::<String>())).expect("char class compiles")
    }
    static ENDS: OnceLock<Regex> = OnceLock::new();
    static LEADS: OnceLock<Regex> = OnceLock::new();
    ENDS.get_or_init(|| any_of(&RANK_END_CHARS)).is_match(text)
        && LEADS.get_or_init(|| any_of(&RANK_LEAD_CHARS)).is_match(text)
}

/// The chars a rank ends with: 第…, 首位, 前….
const RANK_END_CHARS: [char; 3] = ['第', '首', '前'];

/// One char of each verb and scope word of the rank pattern: 位列, 位居, 居于, 居 (居); 排名,
/// 排在 (排); 名列, 列 (列); 取得 (取); 获得 (获); 夺得 (夺); 保持 (保); 全国 … 全县 (全).
/// The test `rank_lead_chars_cover_the_pattern` keeps it in step with the pattern.
const RANK_LEAD_CHARS: [char; 8] = ['居', '排', '列', '取', '获', '夺', '保', '全'];

/// A rank written in digits or Chinese numerals ("3", "二", "十二").
pub fn small_number(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    crate::numeral::value(s).filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < 1000.0).map(|v| v as u32)
}

/// Adds rank rows found in the sentence; `mentions` are the sentence's other figures, whose
/// names a rank of "增速" refers back to. The caller runs it only on a sentence that
/// [`may_hold_rank`], and reads that sentence's cues over its whole text.
pub fn tag_ranks(ctx: &SentenceCtx, mentions: &[Indicator], out: &mut Vec<Indicator>) {
    debug_assert!(may_hold_rank(ctx.text));
    // Only built once a rank is found.
    let mut chars: Option<Vec<char>> = None;
    let byte_to_char = |b: usize| ctx.text[..b].chars().count();
    for c in rank_re().captures_iter(ctx.text) {
        let m = c.get(0).unwrap();
        let has_verb = c.name("verb").is_some();
        let scope = c
            .name("scope")
            .or(c.name("scope2"))
            .map(|s| s.as_str().to_string());
        if !has_verb && scope.is_none() {
            continue;
        }
        // "第一批", "第十二届": an ordinal name, not a rank.
        let after = ctx.text[m.end()..].chars().next();
        if after.is_some_and(|a| "批届次期个季产大家轮项条类号位年天".contains(a))
            && c.name("n").is_some()
            && !m.as_str().ends_with(['名', '位'])
        {
            continue;
        }
        let mid = c.name("mid").map_or("", |x| x.as_str());
        if mid.contains(['、', '和']) || mid.chars().any(|ch| ch.is_ascii_digit()) {
            continue;
        }
        let (value, qualifier) = if let Some(n) = c.name("n") {
            match small_number(n.as_str()) {
                Some(v) => (v, None),
                None => continue,
            }
        } else if c.name("first").is_some() {
            (1, None)
        } else {
            match c.name("top").and_then(|t| small_number(t.as_str())) {
                Some(v) => (v, Some(Qualifier::Under)),
                None => continue,
            }
        };
        if value == 0 {
            continue;
        }
        let chars: &[char] = chars.get_or_insert_with(|| ctx.text.chars().collect());
        let start = byte_to_char(m.start());
        let end = byte_to_char(m.end());
        // Name: the words of the clause before the rank.
        let clause_start = chars[..start]
            .iter()
            .rposition(|&ch| matches!(ch, '，' | ',' | '；' | ';' | '：' | ':' | '。'))
            .map_or(0, |i| i + 1);
        let name: String = chars[clause_start..start].iter().collect();
        let mut trimmed = name.as_str();
        for p in ["的", "稳定", "继续", "持续", "均", "都", "已", "在", "中"] {
            trimmed = trimmed.trim_end_matches(p);
        }
        for p in ["其中", "并", "且", "同时", "全年"] {
            trimmed = trimmed.trim_start_matches(p);
        }
        let name = trimmed.to_string();
        let prev = mentions
            .iter()
            .rev()
            .find(|x| x.char_start < ctx.char_start + start as u32)
            .map(|x| x.indicator.clone());
        let name = if name.is_empty()
            || matches!(name.as_str(), "增速" | "增幅" | "增长" | "总量" | "规模")
        {
            match prev {
                Some(p) => p,
                None if !mid.is_empty() => mid.to_string(),
                None => continue,
            }
        } else if name.chars().count() <= 3 && prev.is_some() {
            format!("{}{}", prev.unwrap(), name)
        } else {
            name
        };
        // "实际到位外资、结构性投资多项指标夺得全市第一": one rank row for each named indicator
        // (GUIDELINES decision 6).
        let names: Vec<String> = match MANY_INDICATORS.iter().find_map(|m| name.strip_suffix(m)) {
            Some(items) if items.contains(['、', '和']) => items
                .split(['、', '和'])
                .map(|x| x.trim_end_matches('等').to_string())
                .filter(|x| x.chars().count() >= 2)
                .collect(),
            _ => vec![name],
        };
        let span_start = ctx.char_start + start as u32;
        let span_end = ctx.char_start + end as u32;
        let (bs, be) = ctx.source_bytes(span_start, span_end);
        // Status, year and period as a figure at the rank's start reads them.
        let cues = ctx.cues(ctx.text.len());
        let status = cues.status(m.start(), ctx.role);
        let year = cues.year(m.start()).or(ctx.section_year);
        let period = year.map(|y| cues.period(m.start(), y));
        for name in names {
            out.push(Indicator {
                sentence_index: ctx.sentence_index,
                source_line: ctx.source_line,
                char_start: span_start,
                char_end: span_end,
                source_byte_start: bs,
                source_byte_end: be,
                text: m.as_str().to_string(),
                indicator: name,
                indicator_code: None,
                indicator_en: None,
                measure: Measure::Rank,
                value: value as f64,
                value_text: c
                    .name("n")
                    .or(c.name("top"))
                    .or(c.name("first"))
                    .map_or(Default::default(), |x| x.as_str().into()),
                unit: "rank",
                unit_text: "rank".into(),
                multiplier: 1.0,
                basis: None,
                status,
                year,
                period: period.clone(),
                rank_scope: scope.clone(),
                rule: "rank",
                qualifier,
            });
        }
    }
}

/// Endings of a name that stands for several indicators ranked together.
const MANY_INDICATORS: [&str; 4] = ["等多项指标", "多项指标", "等指标", "等多项"];

#[cfg(test)]
mod tests {
    use super::small_number;

    #[test]
    fn rank_lead_chars_cover_the_pattern() {
        // Every verb and scope alternative of the pattern holds one of the lead chars.
        let src = super::rank_re().as_str().to_string();
        for group in ["verb", "scope", "scope2"] {
            let at = src.find(&format!("(?P<{group}>")).unwrap();
            let body = &src[at + group.len() + 5..];
            let body = &body[..body.find(')').unwrap()];
            for alt in body.split('|') {
                assert!(
                    super::RANK_LEAD_CHARS.iter().any(|&c| alt.contains(c)),
                    "{alt} has no lead char"
                );
            }
        }
        assert!(super::may_hold_rank("位列全市第二"));
        assert!(super::may_hold_rank("信息宣传全区第二"));
        assert!(super::may_hold_rank("居首位"));
        assert!(!super::may_hold_rank("前三季度增长8%"));
        assert!(!super::may_hold_rank("全区增长8%"));
    }

    #[test]
    fn numerals() {
        assert_eq!(small_number("二"), Some(2));
        assert_eq!(small_number("十二"), Some(12));
        assert_eq!(small_number("二十"), Some(20));
        assert_eq!(small_number("3"), Some(3));
        assert_eq!(small_number("百"), None);
    }
}
