//! Indicators: every figure of a report as a typed, traceable row (GUIDELINES.md).
//!
//! Works clause by clause over the segmenter's words: a quantity word ("449.7亿元", "8.2%") is
//! typed by its unit (figure.rs) and its neighbours (增长 → growth, 下降 → negative, 占比 → ratio),
//! named by the noun phrase before it (or after it, for "46个项目"), carried over from the
//! previous figure when the clause only says "增长X%", and dated and given a status from its
//! sentence and section. Ranks ("位列全市第二") come from rank.rs.

pub mod figure;
pub mod rank;
pub mod words;

use crate::codebook::codebook;
use crate::model::{Document, FigureStatus, Indicator, Measure, Paragraph, Qualifier, SectionRole, Stage, Token};
use figure::FigureKind;
use words::*;

pub const STAGE: &str = "indicators";

#[derive(Debug, Default, Clone)]
pub struct Tagger;

impl Stage for Tagger {
    fn name(&self) -> &'static str {
        STAGE
    }

    fn process(&self, doc: &mut Document) -> anyhow::Result<()> {
        let mut out = Vec::new();
        let mut t = 0;
        for s in &doc.sentences {
            let start = t;
            while t < doc.tokens.len() && doc.tokens[t].sentence_index == s.index {
                t += 1;
            }
            let p = doc.paragraphs.iter().find(|p| p.index == s.paragraph_index).expect("sentence paragraph exists");
            let ctx = SentenceCtx::new(p, s.char_start, &s.text, s.index, s.source_line);
            tag_sentence(&ctx, &doc.tokens[start..t], &mut out);
        }
        out.sort_by_key(|x| (x.sentence_index, x.char_start, x.char_end));
        for x in &mut out {
            if let Some(c) = codebook().lookup(&x.indicator) {
                x.indicator_code = Some(c.code.clone());
                x.indicator_en = Some(c.en.clone());
            }
        }
        doc.indicators = out;
        Ok(())
    }
}

/// What a sentence's figures inherit from where they stand.
pub struct SentenceCtx<'a> {
    pub paragraph: &'a Paragraph,
    /// Start of the sentence in the document's normalized text.
    pub char_start: u32,
    pub text: &'a str,
    pub sentence_index: u32,
    pub source_line: u32,
    /// The paragraph's text from the last full stop before this sentence up to its start:
    /// "1-6月,预计:" scopes over the clauses that follow until the 。.
    pub lead: String,
}

impl<'a> SentenceCtx<'a> {
    pub fn new(p: &'a Paragraph, char_start: u32, text: &'a str, sentence_index: u32, source_line: u32) -> Self {
        let local = (char_start - p.char_start.unwrap_or(0)) as usize;
        let before: Vec<char> = p.text.chars().take(local).collect();
        let from = before.iter().rposition(|&c| matches!(c, '。' | '！' | '？' | '!' | '?')).map_or(0, |i| i + 1);
        SentenceCtx { paragraph: p, char_start, text, sentence_index, source_line, lead: before[from..].iter().collect() }
    }

    /// Maps a span of the sentence (chars) to source bytes.
    fn source_bytes(&self, start: u32, end: u32) -> (u64, u64) {
        let p = self.paragraph;
        let base = p.char_start.unwrap_or(0);
        let a = (start - base) as usize;
        let b = ((end - base) as usize).max(a + 1);
        let s = p.src_start.get(a).copied().unwrap_or(0);
        let e = p.src_end.get(b - 1).copied().unwrap_or(s);
        (s as u64, e as u64)
    }

    fn flagged(&self, start: u32, end: u32) -> bool {
        let base = self.paragraph.char_start.unwrap_or(0);
        let (a, b) = (start - base, end - base);
        self.paragraph.flagged.iter().any(|&(x, y)| x < b && a < y)
    }

    /// Status of a figure whose clause text up to the figure is `before`.
    fn status(&self, before: &str) -> FigureStatus {
        let scope = format!("{}{}", self.lead, before);
        if ESTIMATE_WORDS.iter().any(|w| scope.contains(w)) {
            return FigureStatus::Estimate;
        }
        let role = self.paragraph.section_role;
        if TARGET_WORDS.iter().any(|w| scope.contains(w)) && role != SectionRole::Review {
            return FigureStatus::Target;
        }
        if STRONG_TARGET_WORDS.iter().any(|w| scope.contains(w)) {
            return FigureStatus::Target;
        }
        match role {
            SectionRole::Plan if !DONE_WORDS.iter().any(|w| before.contains(w)) => FigureStatus::Target,
            _ => FigureStatus::Actual,
        }
    }

    fn year(&self, before: &str) -> Option<i32> {
        let scope = format!("{}{}", self.lead, before);
        crate::extract::structure::last_year_in(&scope).or(self.paragraph.section_year)
    }

    fn period(&self, before: &str, year: Option<i32>) -> Option<String> {
        let y = year?;
        let scope = format!("{}{}", self.lead, before);
        Some(if scope.contains("1-6月") || scope.contains("上半年") {
            format!("{y}-H1")
        } else if scope.contains("一季度") || scope.contains("1-3月") {
            format!("{y}-Q1")
        } else {
            y.to_string()
        })
    }
}

/// A word of the sentence with its position.
struct W<'t> {
    tok: &'t Token,
}

impl W<'_> {
    fn word(&self) -> &str {
        &self.tok.word
    }
    fn pos(&self) -> &str {
        &self.tok.pos
    }
}

fn is_boundary(w: &str) -> bool {
    matches!(w, "，" | "," | "；" | ";" | "：" | ":" | "。" | "！" | "？" | "!" | "?" | "（" | "）" | "(" | ")")
}

fn is_nounish(pos: &str) -> bool {
    pos.starts_with('n') || matches!(pos, "vn" | "eng" | "j" | "nz" | "an" | "b" | "l" | "i" | "s")
}

/// A name found for a figure: text and the sentence-relative token range it came from.
#[derive(Clone)]
struct Name {
    text: String,
    first: usize,
    last: usize,
}

fn join(ws: &[W]) -> String {
    ws.iter().map(|w| w.word()).collect()
}

/// The noun phrase before position `q` in `clause` (token indices into the clause).
fn name_before(clause: &[W], q: usize) -> Option<Name> {
    let mut end = q;
    while end > 0 && (TRAILING_STRIP.contains(&clause[end - 1].word()) || matches!(clause[end - 1].pos(), "d" | "p" | "u" | "uj" | "ul" | "c" | "x")) {
        end -= 1;
    }
    let mut start = 0;
    // Only the words after the last list-internal break or figure belong to this name.
    for i in (0..end).rev() {
        if clause[i].pos() == "m" || clause[i].pos() == "t" || clause[i].word() == "、" {
            start = i + 1;
            break;
        }
    }
    while start < end
        && (LEADING_STRIP.contains(&clause[start].word())
            || matches!(clause[start].pos(), "d" | "c" | "p" | "r" | "u" | "uj" | "ul" | "x" | "m" | "t" | "f" | "q"))
    {
        start += 1;
    }
    if start >= end {
        return None;
    }
    // Keep the name short: at most MAX_NAME_CHARS, dropping words from the left.
    let mut s = start;
    while s + 1 < end && join(&clause[s..end]).chars().count() > MAX_NAME_CHARS {
        s += 1;
    }
    let text = join(&clause[s..end]);
    if text.chars().count() < 2 || !clause[s..end].iter().any(|w| is_nounish(w.pos()) || w.pos().starts_with('v')) {
        return None;
    }
    Some(Name { text, first: s, last: end - 1 })
}

/// The noun phrase right after a count ("46个项目开工建设" → 项目).
fn name_after(clause: &[W], q: usize) -> Option<Name> {
    let mut end = q + 1;
    while end < clause.len() && (is_nounish(clause[end].pos()) || matches!(clause[end].word(), "“" | "”" | "\"")) {
        end += 1;
    }
    if end == q + 1 {
        return None;
    }
    let text = join(&clause[q + 1..end]);
    (text.chars().count() >= 2).then_some(Name { text, first: q + 1, last: end - 1 })
}

/// Splits "城镇居民和农村居民人均可支配收入" / "满意率和效能指数" into the names a list distributes
/// over (GUIDELINES decision 3 and 11).
pub fn split_names(name: &str) -> Vec<String> {
    if let Some(rest) = name.strip_prefix("城乡居民") {
        return vec![format!("城镇居民{rest}"), format!("农村居民{rest}")];
    }
    let parts: Vec<&str> = name.split(['和', '、', '及', '与']).filter(|s| !s.is_empty()).collect();
    if parts.len() < 2 {
        return vec![name.to_string()];
    }
    let last = parts[parts.len() - 1];
    parts
        .iter()
        .map(|p| {
            // "城镇居民" before "农村居民人均可支配收入" shares the head noun.
            let tail: String = p.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect();
            if *p != last && tail.chars().count() == 2 {
                if let Some(k) = last.find(&tail) {
                    let shared = &last[k + tail.len()..];
                    if !shared.is_empty() && !p.ends_with(shared) {
                        return format!("{p}{shared}");
                    }
                }
            }
            p.to_string()
        })
        .collect()
}

fn qualifier_before(clause: &[W], q: usize) -> Option<Qualifier> {
    let w = clause.get(q.checked_sub(1)?)?.word();
    QUALIFIER_BEFORE.iter().find(|(k, _)| w == *k || w.ends_with(k)).map(|(_, q)| *q)
}

fn qualifier_after(clause: &[W], q: usize) -> Option<Qualifier> {
    let w = clause.get(q + 1)?.word();
    QUALIFIER_AFTER.iter().find(|(k, _)| w == *k).map(|(_, q)| *q)
}

/// Direction of a change stated right before a figure: Some(+1) for 增长, Some(-1) for 下降.
fn change_direction(clause: &[W], q: usize) -> Option<f64> {
    for back in 1..=3 {
        let Some(i) = q.checked_sub(back) else { break };
        let w = clause[i].word();
        if w.ends_with('至') || w.ends_with('到') || w == "为" && back == 1 && i > 0 && RATIO_WORDS.iter().any(|r| clause[i - 1].word().ends_with(r)) {
            return None;
        }
        if GROWTH_DOWN.iter().any(|g| w.ends_with(g)) {
            return Some(-1.0);
        }
        if GROWTH_UP.iter().any(|g| w.ends_with(g)) {
            return Some(1.0);
        }
        if !(SKIPPABLE_BEFORE_FIGURE.contains(&w) || matches!(clause[i].pos(), "d" | "u" | "uj" | "ul" | "p")) {
            break;
        }
    }
    None
}

fn basis(before: &str) -> Option<String> {
    if before.contains("同比") {
        Some("yoy".into())
    } else if before.contains("环比") {
        Some("mom".into())
    } else {
        ["比上年", "较上年", "比去年", "较去年"].iter().find(|b| before.contains(*b)).map(|b| b.to_string())
    }
}

fn tag_sentence(ctx: &SentenceCtx, toks: &[Token], out: &mut Vec<Indicator>) {
    let words: Vec<W> = toks.iter().map(|tok| W { tok }).collect();
    let mut last_name: Option<String> = None;
    let mut clause_start = 0;
    let sentence_chars: Vec<char> = ctx.text.chars().collect();
    let rel = |pos: u32| (pos - ctx.char_start) as usize;
    let mut i = 0;
    let mut mentions: Vec<Indicator> = Vec::new();
    while i <= words.len() {
        if i < words.len() && !is_boundary(words[i].word()) {
            i += 1;
            continue;
        }
        let clause = &words[clause_start..i];
        tag_clause(ctx, clause, &sentence_chars, &rel, &mut last_name, &mut mentions);
        i += 1;
        clause_start = i;
    }
    rank::tag_ranks(ctx, &mentions, out);
    out.extend(mentions);
}

fn tag_clause(
    ctx: &SentenceCtx,
    clause: &[W],
    sentence_chars: &[char],
    rel: &dyn Fn(u32) -> usize,
    last_name: &mut Option<String>,
    out: &mut Vec<Indicator>,
) {
    if clause.is_empty() {
        return;
    }
    let clause_text_start = rel(clause[0].tok.char_start);
    let has_respectively = clause.iter().any(|w| w.word() == "分别");
    let has_all = clause.iter().any(|w| w.word() == "均" || w.word() == "均为");
    let mut list_names: Option<Vec<String>> = None;
    let mut list_pos = 0;
    let mut prev_direction: Option<f64> = None;
    for q in 0..clause.len() {
        if clause[q].pos() != words_tag_quantity() {
            continue;
        }
        let Some(fig) = figure::parse(clause[q].word()) else { continue };
        if fig.kind == FigureKind::Bare || (fig.needs_scale && fig.scale == 1.0) {
            continue;
        }
        let tok = clause[q].tok;
        // Ordinals, durations and category thresholds are not figures.
        if q > 0 && clause[q - 1].word().ends_with('第') {
            continue;
        }
        if let Some(next) = clause.get(q + 1) {
            if fig.kind == FigureKind::Amount && NOT_AFTER_COUNT.iter().any(|w| next.word().starts_with(w)) {
                continue;
            }
            if next.word() == "以上" && clause.get(q + 2).is_some_and(|w| is_nounish(w.pos())) {
                continue;
            }
        }
        if ctx.flagged(tok.char_start, tok.char_end) {
            continue;
        }
        let before_text: String = sentence_chars[..rel(tok.char_start)].iter().collect();
        let clause_before: String = sentence_chars[clause_text_start..rel(tok.char_start)].iter().collect();
        let in_list = q > 0 && matches!(clause[q - 1].word(), "、" | "和" | "及" | "与");
        let direction = if in_list && prev_direction.is_some() { prev_direction } else { change_direction(clause, q) };
        prev_direction = direction;
        let (measure, value, multiplier, unit, rule) = match fig.kind {
            FigureKind::Amount => (Measure::Level, figure::scaled(&fig.value_text, fig.scale), fig.scale, fig.unit.clone(), "level"),
            FigureKind::Percent | FigureKind::PerMille => {
                let v = if fig.kind == FigureKind::PerMille { fig.number / 10.0 } else { fig.number };
                match direction {
                    Some(d) => (Measure::Growth, d * v, 1.0, "%".to_string(), "growth_percent"),
                    None => (Measure::Ratio, v, 1.0, "%".to_string(), "ratio_percent"),
                }
            }
            FigureKind::Points => {
                let d = if GROWTH_DOWN.iter().any(|g| clause_before.contains(g)) { -1.0 } else { 1.0 };
                (Measure::PpChange, d * fig.number, 1.0, "pp".to_string(), "pp_change")
            }
            FigureKind::Times => match direction {
                Some(d) => (Measure::Growth, d * fig.number * 100.0, 100.0, "%".to_string(), "growth_times"),
                None => continue,
            },
            FigureKind::Bare => continue,
        };
        // The name: before the figure, after it for counts introduced by a verb, or carried over.
        let before = name_before(clause, q);
        let before_is_verb_only = before.as_ref().map_or(true, |n| clause[n.first..=n.last].iter().all(|w| w.pos().starts_with('v') && w.pos() != "vn"));
        let mut name = before.clone();
        if fig.family == "count" && before_is_verb_only {
            if let Some(after) = name_after(clause, q) {
                name = Some(after);
            }
        }
        let carried = name.is_none();
        let name_text = match &name {
            Some(n) => {
                let t = n.text.clone();
                if matches!(measure, Measure::Growth | Measure::PpChange) && GROWTH_SUBJECT_ONLY.contains(&t.as_str()) {
                    last_name.clone().unwrap_or(t)
                } else {
                    t
                }
            }
            None => match last_name.clone() {
                Some(n) => n,
                None => continue,
            },
        };
        // Lists: "A和B分别增长x%、y%" and "A和B均为100%".
        let mut names = vec![name_text.clone()];
        if has_respectively {
            let list = list_names.get_or_insert_with(|| split_names(&name_text));
            if list.len() > 1 {
                names = vec![list.get(list_pos).cloned().unwrap_or_else(|| name_text.clone())];
                list_pos += 1;
            }
        } else if has_all && !carried {
            names = split_names(&name_text);
        }
        if !carried && !has_respectively {
            *last_name = Some(name_text.clone());
        } else if !carried && list_pos <= 1 {
            *last_name = Some(names[0].clone());
        }
        let qualifier = fig.qualifier.or_else(|| qualifier_before(clause, q)).or_else(|| qualifier_after(clause, q));
        let (span_start, span_end) = match (&name, carried) {
            (Some(n), false) if n.first < q => (clause[n.first].tok.char_start, tok.char_end),
            (Some(n), false) => (tok.char_start, clause[n.last].tok.char_end),
            _ => (clause[q.saturating_sub(2).max(0)].tok.char_start.min(tok.char_start), tok.char_end),
        };
        let span_end = if qualifier_after(clause, q).is_some() { clause[q + 1].tok.char_end.max(span_end) } else { span_end };
        let text: String = sentence_chars[rel(span_start)..rel(span_end)].iter().collect();
        let (bs, be) = ctx.source_bytes(span_start, span_end);
        let status = ctx.status(&before_text);
        let year = ctx.year(&before_text);
        for n in names {
            out.push(Indicator {
                sentence_index: ctx.sentence_index,
                source_line: ctx.source_line,
                char_start: span_start,
                char_end: span_end,
                source_byte_start: bs,
                source_byte_end: be,
                text: text.clone(),
                indicator: n,
                indicator_code: None,
                indicator_en: None,
                measure,
                value,
                value_text: fig.value_text.clone(),
                unit: unit.clone(),
                unit_text: fig.unit_text.clone(),
                multiplier,
                qualifier,
                basis: if matches!(measure, Measure::Growth | Measure::PpChange) { basis(&clause_before) } else { None },
                status,
                year,
                period: ctx.period(&before_text, year),
                rank_scope: None,
                rule,
            });
        }
    }
}

fn words_tag_quantity() -> &'static str {
    crate::segment::words::TAG_QUANTITY
}

#[cfg(test)]
mod tests;
