//! Indicators: every figure of a report as a typed, traceable row (GUIDELINES.md).
//!
//! Works clause by clause over the segmenter's words: a quantity word ("449.7亿元", "8.2%") is
//! typed by its unit (figure.rs) and its neighbours (增长 → growth, 下降 → negative, 占比 → ratio),
//! named by the noun phrase before it (or after it, for "46个项目"), carried over from the
//! previous figure when the clause only says "增长X%", and dated and given a status from its
//! sentence and section. Ranks ("位列全市第二") come from rank.rs.

pub mod figure;
pub mod rank;
pub mod scope;
pub mod section;
pub mod words;

use std::sync::OnceLock;

use regex::Regex;

use crate::codebook::codebook;
use crate::model::{
    Document, FigureStatus, Indicator, Measure, Paragraph, Qualifier, SectionRole, Stage, Token,
};
use crate::segment::words::is_quantity_tag;
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
        // About two rows for three sentences in the corpus: sized up front, the rows are
        // not copied as the Vec grows.
        let mut out = Vec::with_capacity(doc.sentences.len() * 2 / 3);
        // A sentence's rows before they join `out`, reused from sentence to sentence.
        let mut mentions = Vec::new();
        // The names a figure's rows take (one, or the items of a list), emptied by each
        // figure: one buffer for the document instead of a Vec per figure.
        let mut names = Vec::new();
        // The char offsets of a sentence ([`CharOffsets`]), one buffer for the document.
        let mut offsets = Vec::new();
        let sections = section::inherited(&doc.paragraphs, &doc.sentences, doc.meta.report_year);
        let mut last_paragraph: Option<usize> = None;
        // The paragraph's lead cues, found once per paragraph when a sentence needs them.
        let mut marks: Option<LeadMarks> = None;
        for s in &doc.sentences {
            let Some(pi) = doc.paragraph_position(s.paragraph_index) else { continue };
            let p = &doc.paragraphs[pi];
            if last_paragraph != Some(pi) {
                last_paragraph = Some(pi);
                marks = None;
            }
            // Where the sentence starts in its paragraph's text (the text before it is the
            // paragraph's up to there).
            let para_start = s.text_bytes.0 as usize;
            let text = s.text(p);
            // A sentence without a quantity word or a rank yields nothing: skip its context.
            // (Asked once per sentence: tag_sentence reads the answer too.)
            let may_rank = rank::may_hold_rank(text);
            if !s.has_quantity && !may_rank {
                continue;
            }
            let mut window = para_start.saturating_sub(LEAD_WINDOW_BYTES);
            while !p.text.is_char_boundary(window) {
                window += 1;
            }
            let lead = match p.text.get(window..para_start) {
                // The first sentence of a paragraph has no lead.
                Some(before) if !before.is_empty() => {
                    let m = marks.get_or_insert_with(LeadMarks::default);
                    m.scan_to(&p.text, para_start);
                    m.lead(&p.text, window, para_start)
                }
                _ => String::new(),
            };
            // Segmentation's ranges tile the tokens; a range that does not (a document put
            // together by hand) reads as no tokens, as the walk it replaced would have.
            let toks = doc.tokens.get(s.tokens.0 as usize..s.tokens.1 as usize).unwrap_or(&[]);
            debug_assert!(toks.iter().all(|t| t.sentence_index == s.index), "sentence {} has another's tokens", s.index);
            debug_assert_eq!(s.has_quantity, toks.iter().any(|t| is_quantity_tag(t.pos)));
            let mut ctx = SentenceCtx::with_lead(p, lead, s.char_start, text, s.index, s.source_line);
            ctx.role = sections[pi].role;
            ctx.section_year = sections[pi].year;
            // Each sentence's rows sorted as they come (ranks are pushed before the other
            // figures); the sentences come in order, so the whole is then sorted as a stable
            // sort of it would be, without moving every row of the document.
            let first = out.len();
            tag_sentence(&ctx, toks, may_rank, &mut out, &mut mentions, &mut names, &mut offsets);
            out[first..].sort_by_key(row_order);
        }
        if !out.windows(2).all(|w| row_order(&w[0]) <= row_order(&w[1])) {
            out.sort_by_key(row_order);
        }
        for x in &mut out {
            if let Some(c) = codebook().lookup(&x.indicator) {
                x.indicator_code = Some(c.code.as_str());
                x.indicator_en = Some(c.en.as_str());
            }
        }
        doc.indicators = out;
        Ok(())
    }
}

/// The order of a document's indicator rows.
fn row_order(x: &Indicator) -> (u32, u32, u32) {
    (x.sentence_index, x.char_start, x.char_end)
}

/// How much of a paragraph before a sentence its context cues are read from (预计:, 一是 …).
pub const LEAD_WINDOW_BYTES: usize = 1500;

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
    /// The section's role and year, after section.rs filled gaps the headings left.
    pub role: SectionRole,
    pub section_year: Option<i32>,
    /// The cues of [`Self::lead`] and the sentence, found when the first figure asks.
    cues: std::cell::OnceCell<scope::ScopeCues>,
}

impl<'a> SentenceCtx<'a> {
    /// `para_before` is the paragraph's text before this sentence (the runner passes at most
    /// the last [`LEAD_WINDOW_BYTES`] of it, so that long paragraphs stay linear).
    pub fn new(
        p: &'a Paragraph,
        para_before: &str,
        char_start: u32,
        text: &'a str,
        sentence_index: u32,
        source_line: u32,
    ) -> Self {
        Self::with_lead(p, lead_of(para_before), char_start, text, sentence_index, source_line)
    }

    /// [`Self::new`] with the lead already read (by [`LeadMarks::lead`]).
    fn with_lead(
        p: &'a Paragraph,
        lead: String,
        char_start: u32,
        text: &'a str,
        sentence_index: u32,
        source_line: u32,
    ) -> Self {
        SentenceCtx {
            paragraph: p,
            char_start,
            text,
            sentence_index,
            source_line,
            lead,
            role: p.section_role,
            section_year: p.section_year,
            cues: std::cell::OnceCell::new(),
        }
    }

    /// Status, year and period cues for every figure of the sentence (scope.rs), read up to
    /// byte `cut` of the sentence: where its last figure starts (no figure's scope reaches
    /// further), or its end when it may hold a rank. Every call for a sentence passes the
    /// same `cut`.
    fn cues(&self, cut: usize) -> &scope::ScopeCues {
        self.cues_cut_at(|| cut)
    }

    /// [`Self::cues`], with the cut found only when the cues are not found yet.
    fn cues_cut_at(&self, cut: impl FnOnce() -> usize) -> &scope::ScopeCues {
        self.cues.get_or_init(|| scope::ScopeCues::new(&self.lead, &self.text[..cut()]))
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
}

/// A figure's status in a section of `role`, from whether its scope (the sentence's lead, then
/// the sentence up to the figure) holds an estimate, a target or a strong target cue, and
/// whether its sentence before it says it is done (words.rs lists the cues).
fn status_of(
    role: SectionRole,
    estimate: bool,
    target: bool,
    strong_target: bool,
    done: bool,
) -> FigureStatus {
    if estimate {
        return FigureStatus::Estimate;
    }
    if target && role != SectionRole::Review {
        return FigureStatus::Target;
    }
    if strong_target {
        return FigureStatus::Target;
    }
    match role {
        SectionRole::Plan if !done => FigureStatus::Target,
        _ => FigureStatus::Actual,
    }
}

/// Byte offsets of the marks [`lead_of`] reads in one paragraph (full stops, 是, colons), each
/// part of the paragraph searched once (a regex search for the three-byte marks, a memchr
/// search for the ASCII ones, and a sort of what the two found, when the second found any): the
/// lead of each sentence is then read by binary search instead of by scanning the window
/// before it again for every sentence. The search goes only as far as a sentence that needs
/// its lead (the rest of a long paragraph is often never asked about).
#[derive(Default)]
struct LeadMarks {
    /// The text before this offset has been scanned.
    scanned: usize,
    /// Start and end of each full stop.
    stops: Vec<(usize, usize)>,
    shi: Vec<usize>,
    colons: Vec<usize>,
}

impl LeadMarks {
    /// Finds the marks of `text` before `end` (a char boundary) not found yet.
    fn scan_to(&mut self, text: &str, end: usize) {
        if end <= self.scanned {
            return;
        }
        let from = self.scanned;
        let (stops_before, colons_before) = (self.stops.len(), self.colons.len());
        // The marks are rare: the regex crate's literal search (SIMD where the CPU has it)
        // finds them faster than a decode of every char. The wide marks and the ASCII ones
        // are searched apart: with "!", "?" and ":" in one set, the search could only filter
        // candidates by their first byte, and every char of the U+6xxx block (lead byte E6,
        // as 是) stopped it; three-byte marks alone are filtered by all three bytes.
        static WIDE_MARKS: OnceLock<Regex> = OnceLock::new();
        let wide = WIDE_MARKS.get_or_init(|| Regex::new("[。！？是：]").expect("marks compile"));
        for m in wide.find_iter(&text[from..end]) {
            let i = from + m.start();
            match m.as_str() {
                "是" => self.shi.push(i),
                "：" => self.colons.push(i),
                _ => self.stops.push((i, from + m.end())),
            }
        }
        // An ASCII byte is never part of a wider char.
        let mut found_ascii = false;
        for k in memchr::memchr3_iter(b'!', b'?', b':', &text.as_bytes()[from..end]) {
            let i = from + k;
            found_ascii = true;
            match text.as_bytes()[i] {
                b':' => self.colons.push(i),
                _ => self.stops.push((i, i + 1)),
            }
        }
        // Both searches appended in their own order: the marks found now follow all found
        // before, and only they need sorting.
        if found_ascii {
            self.stops[stops_before..].sort_unstable();
            self.colons[colons_before..].sort_unstable();
        }
        self.scanned = end;
    }

    /// `lead_of(&text[window..end])`, for a `text` these marks were found in up to `end`.
    fn lead(&self, text: &str, window: usize, end: usize) -> String {
        let last_in = |v: &[usize]| {
            let k = v.partition_point(|&x| x < end);
            (k > 0 && v[k - 1] >= window).then(|| v[k - 1])
        };
        let k = self.stops.partition_point(|&(x, _)| x < end);
        let from = if k > 0 && self.stops[k - 1].0 >= window {
            self.stops[k - 1].1
        } else {
            window
        };
        let point = last_in(&self.shi)
            .filter(|&k| {
                k - window >= 3
                    && "一二三四五六七八九十".contains(text[..k].chars().last().unwrap_or(' '))
            })
            .unwrap_or(window);
        let a = self.colons.partition_point(|&x| x < point);
        let b = self.colons.partition_point(|&x| x < end);
        let colons = &self.colons[a..b];
        let colon_cue = if colons.is_empty() {
            None
        } else {
            ESTIMATE_WORDS
                .iter()
                .find(|w| colons.iter().any(|&c| text[point..c].ends_with(*w)))
        };
        let rest = &text[from..end];
        match colon_cue {
            Some(w) => format!("{w}{rest}"),
            None => rest.to_string(),
        }
    }
}

/// The lead of a sentence from the paragraph text before it: the text after the last full
/// stop, preceded by an estimate cue written with a colon ("1-6月,预计:A…;B…。C…。二是…")
/// since the last point of the paragraph's enumeration ("二是"). Works on byte offsets, without
/// copying the window: it runs for every sentence that has a figure.
pub fn lead_of(para_before: &str) -> String {
    // One backward memchr-driven search per stop (the window is up to 1500 bytes; decoding it
    // char by char per sentence was the cost).
    let from = ['。', '！', '？', '!', '?']
        .iter()
        .filter_map(|&c| para_before.rfind(c).map(|i| i + c.len_utf8()))
        .max()
        .unwrap_or(0);
    // Only the last 是 counts, and only after an ordinal numeral ("二是").
    let point = para_before
        .rfind('是')
        .filter(|&k| {
            k >= 3
                && "一二三四五六七八九十"
                    .contains(para_before[..k].chars().last().unwrap_or(' '))
        })
        .unwrap_or(0);
    let scope = &para_before[point..];
    // "预计:" is the cue followed by a colon: look at the text before each colon (colons are
    // rare), keeping the word list's order for which cue wins.
    let mut colon_cue = None;
    if scope.contains(':') || scope.contains('：') {
        let colons: Vec<usize> = scope.match_indices([':', '：']).map(|(k, _)| k).collect();
        colon_cue = ESTIMATE_WORDS
            .iter()
            .find(|w| colons.iter().any(|&k| scope[..k].ends_with(*w)));
    }
    let rest = &para_before[from..];
    match colon_cue {
        Some(w) => format!("{w}{rest}"),
        None => rest.to_string(),
    }
}

/// A word of the sentence with its position, and its figure parsed once (quantity words only:
/// the name finders ask "is this a figure?" of the same words many times). The figure lives
/// in the sentence's list of figures ([`tag_sentence`] parses them into one Vec): a Box per
/// figure cost an allocation and a free per quantity word, and a small W keeps the
/// sentence's word list small.
struct W<'t> {
    tok: &'t Token,
    /// The token's word, read out of its inline string once: the tagger compares words many
    /// times per figure.
    word: &'t str,
    fig: Option<&'t figure::Figure>,
}

/// The figures of a sentence's quantity words, with the position of their word, in one Vec.
fn figures_of(toks: &[Token]) -> Vec<(usize, figure::Figure)> {
    toks.iter()
        .enumerate()
        .filter(|(_, tok)| is_quantity_tag(tok.pos))
        .filter_map(|(i, tok)| figure::parse(&tok.word).map(|f| (i, f)))
        .collect()
}

/// The sentence's words, each with its figure from `figs` ([`figures_of`] of the same words).
fn words_of<'t>(toks: &'t [Token], figs: &'t [(usize, figure::Figure)]) -> Vec<W<'t>> {
    let mut figs = figs.iter().peekable();
    toks.iter()
        .enumerate()
        .map(|(i, tok)| W {
            tok,
            word: tok.word.as_str(),
            fig: figs.next_if(|(k, _)| *k == i).map(|(_, f)| f),
        })
        .collect()
}

impl W<'_> {
    fn word(&self) -> &str {
        self.word
    }
    fn pos(&self) -> &str {
        &self.tok.pos
    }
}

fn is_boundary(w: &str) -> bool {
    // Every boundary is one ASCII byte or a three-byte mark of the CJK punctuation or
    // fullwidth blocks (lead byte E3 or EF): the words of the text (lead bytes E4..E9) are
    // told apart by their first byte, without a string compare per mark. Runs on every word.
    match w.as_bytes() {
        [_] | [0xE3 | 0xEF, _, _] => {}
        _ => return false,
    }
    matches!(
        w,
        "，" | ","
            | "；"
            | ";"
            | "："
            | ":"
            | "。"
            | "！"
            | "？"
            | "!"
            | "?"
            | "（"
            | "）"
            | "("
            | ")"
    )
}

fn is_nounish(pos: &str) -> bool {
    pos.starts_with('n')
        || matches!(
            pos,
            "vn" | "eng" | "j" | "nz" | "an" | "b" | "l" | "i" | "s"
        )
}

/// A name found for a figure: text and the sentence-relative token range it came from.
#[derive(Clone)]
struct Name {
    text: String,
    first: usize,
    last: usize,
}

fn join(ws: &[W]) -> String {
    // Sized once instead of grown word by word.
    let mut text = String::with_capacity(ws.iter().map(|w| w.word().len()).sum());
    ws.iter().for_each(|w| text.push_str(w.word()));
    text
}

/// `text.chars().count() >= 2`, without counting past two.
fn has_two_chars(text: &str) -> bool {
    text.chars().nth(1).is_some()
}

/// A quantity word that is a real figure (not a bare number such as "50" in "前50强").
fn is_figure(w: &W) -> bool {
    w.pos() == "m" && w.fig.as_ref().is_some_and(|f| f.kind != FigureKind::Bare)
}

fn is_open_quote(w: &str) -> bool {
    matches!(w, "“" | "‘" | "《" | "「")
}

fn is_close_quote(w: &str) -> bool {
    matches!(w, "”" | "’" | "》" | "」")
}

/// A word between a name and its figure that only says how it changed or compares
/// ("同比增加", "较上年", "高于全市").
fn is_link_word(w: &str) -> bool {
    if TRAILING_STRIP_SET.contains(w) {
        return true;
    }
    let n = w.chars().count();
    (n <= 4 && n > 1 && (GROWTH_UP_ENDS.any_ends(w) || GROWTH_DOWN_ENDS.any_ends(w)))
        || (n <= 5
            && ["同比", "环比", "比上年", "较上年", "比去年", "较去年"]
                .iter()
                .any(|p| w.starts_with(p)))
}

/// The noun phrase before position `q` in `clause` (token indices into the clause). With
/// `list`, "、" and "和" stay inside (the names a "分别" list distributes over).
fn name_before(clause: &[W], q: usize, list: bool) -> Option<Name> {
    // "国内生产总值在2000年的基础上基本实现翻一番": the adverbial "在…基础上" is not the name.
    if let Some(b) = (0..q).rev().find(|&i| {
        clause[i].word() == "基础上"
            || (clause[i].word() == "基础" && clause.get(i + 1).is_some_and(|w| w.word() == "上"))
    }) {
        if let Some(at) = clause[..b].iter().rposition(|w| w.word() == "在") {
            return name_before(clause, at, list);
        }
    }
    let mut end = q;
    while end > 0 {
        let w = &clause[end - 1];
        let keep_quote =
            is_close_quote(w.word()) && clause[..end - 1].iter().any(|x| is_open_quote(x.word()));
        if !keep_quote
            && (matches!(w.pos(), "d" | "p" | "u" | "uj" | "ul" | "c" | "x")
                || is_link_word(w.word()))
        {
            end -= 1;
        } else {
            break;
        }
    }
    let mut start = 0;
    // Only the words after the last figure, date or list break belong to this name.
    for i in (0..end).rev() {
        let w = &clause[i];
        if is_figure(w)
            || w.pos() == "t"
            || (!list && w.word() == "、")
            || w.word().contains(['<', '>'])
        {
            start = i + 1;
            break;
        }
    }
    // Leading connectives, scope words and verbs ("适时启动", "重点做好") are not part of the
    // name; a verb stays when no noun follows it, and "新增…" names keep their verb.
    while start < end {
        let w = &clause[start];
        // "对欧盟、美国的出口": the preposition belongs to every item of the list.
        if list && w.word() == "对" {
            break;
        }
        let strip = matches!(
            w.pos(),
            "d" | "c" | "p" | "r" | "u" | "uj" | "ul" | "m" | "t" | "f" | "q"
        ) || LEADING_STRIP_SET.contains(w.word())
            || (w.pos() == "x"
                && !(is_open_quote(w.word())
                    && clause[start + 1..end]
                        .iter()
                        .any(|x| is_close_quote(x.word()))))
            || (matches!(w.pos(), "v" | "vd" | "vi" | "ad")
                && !w.word().starts_with('新')
                && clause[start + 1..end]
                    .iter()
                    .any(|x| is_nounish(x.pos()) && x.pos() != "vn"));
        if !strip {
            break;
        }
        start += 1;
    }
    if start >= end {
        return None;
    }
    // "高于全市3.4个百分点": a gap to another area, named by the indicator before it.
    if is_one_of(COMPARE_WORDS, clause[start].word()) {
        return None;
    }
    // Keep the name short: at most MAX_NAME_CHARS, dropping words from the left.
    // (Counted once, then word by word: a join per step was quadratic in the clause.)
    let mut s = start;
    // (A name of at most MAX_NAME_CHARS bytes has at most as many chars: no count needed.)
    let bytes: usize = clause[s..end].iter().map(|w| w.word().len()).sum();
    let mut chars = if bytes <= MAX_NAME_CHARS {
        bytes
    } else {
        clause[s..end].iter().map(|w| w.word().chars().count()).sum()
    };
    while s + 1 < end && chars > MAX_NAME_CHARS {
        chars -= clause[s].word().chars().count();
        s += 1;
    }
    // 的 goes, except in a list, where split_names reads the shared head after it.
    let kept = || {
        clause[s..end]
            .iter()
            .filter(|w| !is_one_of(INNER_DROP, w.word()) && (list || w.pos() != "uj"))
    };
    // Sized once: the words before `s` counted in `bytes` only make it roomier.
    let mut text = String::with_capacity(bytes);
    kept().for_each(|w| text.push_str(w.word()));
    if !has_two_chars(&text) || !kept().any(|w| is_nounish(w.pos()) || w.pos().starts_with('v')) {
        return None;
    }
    Some(Name {
        text,
        first: s,
        last: end - 1,
    })
}

/// The noun phrase right after a figure: "46个项目开工建设" → 项目, "发放1.46亿元消费券" → 消费券,
/// "70个“15分钟品质文化生活圈”" → the quoted name, "1家5A级居家养老服务中心".
fn name_after(clause: &[W], q: usize, money: bool) -> Option<Name> {
    let mut end = q + 1;
    // "5条断头路打通", "21万方拆除任务": a verb-noun compound names what is counted.
    if !money
        && clause
            .get(end)
            .is_some_and(|w| w.pos() == "v" && !is_one_of(AFTER_NOT_NAME, w.word()))
        && clause
            .get(end + 1)
            .is_some_and(|w| w.pos().starts_with('n') && w.pos() != "vn")
    {
        end += 1;
    }
    let mut has_noun = false;
    while end < clause.len() {
        let w = &clause[end];
        if is_open_quote(w.word()) {
            match clause[end + 1..]
                .iter()
                .position(|x| is_close_quote(x.word()))
            {
                Some(k) => {
                    end += k + 2;
                    has_noun = true;
                    continue;
                }
                None => break,
            }
        }
        let next_nounish = clause
            .get(end + 1)
            .is_some_and(|x| is_nounish(x.pos()) || x.pos() == "q");
        // A noun ends the phrase before a verbal noun ("街道干部定期上门").
        let verbal_stop =
            has_noun && w.pos() == "vn" && clause.get(end + 1).is_none_or(|x| x.pos() != "n");
        let ok = (is_nounish(w.pos())
            && !(end == q + 1 && AFTER_NOT_NAME.contains(&w.word()))
            && !verbal_stop)
            || (matches!(w.pos(), "a" | "eng") && next_nounish)
            || (w.pos() == "m"
                && !is_figure(w)
                && clause.get(end + 1).is_some_and(|x| x.pos() == "eng"))
            || (w.pos() == "q" && end > q + 1 && clause[end - 1].pos() == "eng");
        if !ok {
            break;
        }
        has_noun |= is_nounish(w.pos());
        end += 1;
    }
    if end == q + 1 || !has_noun {
        return None;
    }
    // "296名老年人高龄津贴9.7万元": the words right before the next figure name that figure.
    if clause.get(end).is_some_and(is_figure) && end > q + 2 {
        end = q + 2;
    }
    let text = join(&clause[q + 1..end]);
    has_two_chars(&text).then_some(Name {
        text,
        first: q + 1,
        last: end - 1,
    })
}

/// Splits the subject of a list into the names it distributes over (GUIDELINES decisions 3
/// and 11): "城乡居民人均可支配收入" → 城镇居民…, 农村居民…; "满意率和效能指数"; "金属材料类、
/// 化工材料类等重点行业销售额" → 金属材料类销售额, 化工材料类销售额; "对欧盟、美国、东盟的出口"
/// → 对欧盟出口 …
pub fn split_names(name: &str) -> Vec<String> {
    if let Some(rest) = name.strip_prefix("城乡居民") {
        return vec![format!("城镇居民{rest}"), format!("农村居民{rest}")];
    }
    // "A、B等重点行业销售额": the items are A and B; a measured head noun after 等 is shared.
    let (items, etc_head) = match name.rsplit_once('等') {
        Some((items, after)) if items.contains(['、', '和', '及', '与']) => {
            let head = MEASURED_HEADS
                .iter()
                .find(|h| after.ends_with(*h))
                .map(|h| h.to_string());
            (items.to_string(), head)
        }
        _ => (name.to_string(), None),
    };
    let parts: Vec<&str> = items
        .split(['和', '、', '及', '与'])
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() < 2 {
        return vec![name.to_string()];
    }
    let last = parts[parts.len() - 1];
    // "…沿线国家的出口": the words after the last 的 are the head every item shares.
    let (last_own, de_head) = match last.rsplit_once('的') {
        Some((own, head)) if !head.is_empty() => (own, Some(head)),
        _ => (last, None),
    };
    let lead: String = parts[0]
        .chars()
        .take_while(|c| matches!(c, '对' | '向' | '从'))
        .collect();
    let n = parts.len();
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let own = if i == n - 1 { last_own } else { p };
            let own = if i > 0 && !lead.is_empty() && !own.starts_with(&lead) {
                format!("{lead}{own}")
            } else {
                own.to_string()
            };
            if let Some(h) = etc_head.as_deref().or(de_head) {
                return if own.ends_with(h) {
                    own
                } else {
                    format!("{own}{h}")
                };
            }
            // "城镇居民" before "农村居民人均可支配收入" shares the head noun.
            let tail: String = own
                .chars()
                .rev()
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if i != n - 1 && tail.chars().count() == 2 {
                if let Some(k) = last.find(&tail) {
                    let shared = &last[k + tail.len()..];
                    if !shared.is_empty() && !own.ends_with(shared) {
                        return format!("{own}{shared}");
                    }
                }
            }
            own
        })
        .collect()
}

fn qualifier_before(clause: &[W], q: usize) -> Option<Qualifier> {
    // The two words before the figure, so that "不/超过" reads as "不超过" (read as one text
    // without joining them).
    let (a, b) = match &clause[q.saturating_sub(2)..q] {
        [a, b] => (a.word().as_bytes(), b.word().as_bytes()),
        [b] => (&[][..], b.word().as_bytes()),
        _ => return None,
    };
    if a.is_empty() && b.is_empty() {
        return None;
    }
    let ends_with = |k: &[u8]| {
        if k.len() <= b.len() {
            b.ends_with(k)
        } else {
            k.ends_with(b) && a.ends_with(&k[..k.len() - b.len()])
        }
    };
    // Longest cue first: "不超过" before "超过".
    QUALIFIER_BEFORE
        .iter()
        .filter(|(k, _)| ends_with(k.as_bytes()))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, q)| *q)
}

fn qualifier_after(clause: &[W], q: usize) -> Option<Qualifier> {
    let w = clause.get(q + 1)?.word();
    QUALIFIER_AFTER
        .iter()
        .find(|(k, _)| w == *k)
        .map(|(_, q)| *q)
}

/// Direction of a change stated right before a figure: Some(+1) for 增长, Some(-1) for 下降.
fn change_direction(clause: &[W], q: usize) -> Option<f64> {
    for back in 1..=3 {
        let Some(i) = q.checked_sub(back) else { break };
        let w = clause[i].word();
        if w.ends_with('至')
            || w.ends_with('到')
            || w == "为"
                && back == 1
                && i > 0
                && RATIO_WORDS
                    .iter()
                    .any(|r| clause[i - 1].word().ends_with(r))
        {
            return None;
        }
        if GROWTH_DOWN_ENDS.any_ends(w) {
            return Some(-1.0);
        }
        if GROWTH_UP_ENDS.any_ends(w) {
            return Some(1.0);
        }
        if !(matches!(clause[i].pos(), "d" | "u" | "uj" | "ul" | "p")
            || SKIPPABLE_BEFORE_FIGURE_SET.contains(w))
        {
            break;
        }
    }
    None
}

fn basis(before: &str) -> Option<&'static str> {
    if before.contains("同比") {
        Some("yoy")
    } else if before.contains("环比") {
        Some("mom")
    } else {
        [
            "比上年",
            "较上年",
            "比去年",
            "较去年",
            "较一季度",
            "比一季度",
            "较年初",
            "比年初",
        ]
        .into_iter()
        .find(|b| before.contains(b))
    }
}

/// Tags a sentence into `out`; `may_rank` is [`rank::may_hold_rank`] of its text, `mentions`
/// an empty buffer it leaves empty, and `names` and `offsets` buffers for [`tag_clause`].
fn tag_sentence(
    ctx: &SentenceCtx,
    toks: &[Token],
    may_rank: bool,
    out: &mut Vec<Indicator>,
    mentions: &mut Vec<Indicator>,
    names: &mut Vec<String>,
    offsets: &mut Vec<u32>,
) {
    debug_assert!(mentions.is_empty());
    let figs = figures_of(toks);
    let words = words_of(toks, &figs);
    let mut last_name: Option<String> = None;
    let mut clause_start = 0;
    let mut sentence_chars = CharOffsets::new(ctx.text, offsets);
    let rel = |pos: u32| (pos - ctx.char_start) as usize;
    // Where the sentence's last figure starts (chars): the end of every figure's scope.
    let last_figure = words
        .iter()
        .filter(|w| w.fig.is_some())
        .map(|w| rel(w.tok.char_start))
        .max()
        .unwrap_or(0);
    let mut i = 0;
    while i <= words.len() {
        if i < words.len() && !is_boundary(words[i].word()) {
            i += 1;
            continue;
        }
        let clause = &words[clause_start..i];
        // A clause without a figure yields nothing and changes nothing.
        if clause.iter().any(|w| w.fig.is_some()) {
            tag_clause(
                ctx,
                clause,
                &mut sentence_chars,
                last_figure,
                may_rank,
                &mut last_name,
                names,
                mentions,
            );
        }
        i += 1;
        clause_start = i;
    }
    if may_rank {
        rank::tag_ranks(ctx, mentions, out);
    }
    out.append(mentions);
}

/// Byte offset of each char of a sentence (and of its end): spans are in chars, and slicing
/// the text by them needs no copy. Built when a figure first needs one, into a buffer the
/// document's sentences share (a table allocated and freed per sentence was one of the
/// tagger's most frequent allocations).
struct CharOffsets<'a> {
    text: &'a str,
    /// The table, once built for this sentence.
    offsets: &'a mut Vec<u32>,
    built: bool,
}

impl<'a> CharOffsets<'a> {
    /// The offsets of `text`, built in `buffer` when first asked for.
    fn new(text: &'a str, buffer: &'a mut Vec<u32>) -> Self {
        CharOffsets {
            text,
            offsets: buffer,
            built: false,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        self.offsets()[char_index] as usize
    }

    /// [`Self::byte`], or the end of the text for an index past it.
    fn byte_or_end(&mut self, char_index: usize) -> usize {
        let end = self.text.len();
        self.offsets().get(char_index).map_or(end, |&b| b as usize)
    }

    fn offsets(&mut self) -> &[u32] {
        if !self.built {
            self.built = true;
            // Each char's lead byte tells its width: one step per char (a third of the bytes
            // of Chinese text), not a test of every byte. (Sentences are far shorter than
            // 4 GiB: u32 halves the table.)
            let bytes = self.text.as_bytes();
            let v = &mut *self.offsets;
            v.clear();
            v.reserve(bytes.len() + 1);
            let mut i = 0;
            while i < bytes.len() {
                v.push(i as u32);
                i += match bytes[i] {
                    0x00..=0x7F => 1,
                    0x80..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    _ => 4,
                };
            }
            v.push(self.text.len() as u32);
        }
        self.offsets
    }
}

/// Why a quantity word is not a mention (GUIDELINES "Not a mention" and decision 4), if it is not.
fn not_a_mention(ctx: &SentenceCtx, clause: &[W], q: usize, fig: &figure::Figure) -> bool {
    let prev = q.checked_sub(1).map(|i| clause[i].word());
    let next = clause.get(q + 1).map(|w| w.word());
    // Ordinals ("第三批"), durations ("9个月"), category thresholds ("亿元以上项目").
    if prev.is_some_and(|p| p.ends_with('第')) {
        return true;
    }
    if fig.kind == FigureKind::Amount
        && next.is_some_and(|n| NOT_AFTER_COUNT.iter().any(|w| n.starts_with(w)))
    {
        return true;
    }
    if next == Some("以上") && clause.get(q + 2).is_some_and(|w| is_nounish(w.pos())) {
        return true;
    }
    // Counts that lay out the report's own structure: "以下五方面工作", "六个方面".
    if fig.unit == "方面"
        && (next.is_none_or(|n| STRUCTURE_NOUNS.contains(&n))
            || prev.is_some_and(|p| STRUCTURE_LEADS.contains(&p)))
    {
        return true;
    }
    if next == Some("方面") {
        return true;
    }
    let tok = clause[q].tok;
    if ctx.flagged(tok.char_start, tok.char_end) {
        return true;
    }
    if fig.kind == FigureKind::Amount {
        // Slogans and programme names in quotes ("“三个务必”", "“最后1公里”").
        let opens = clause[..q]
            .iter()
            .filter(|w| is_open_quote(w.word()))
            .count();
        let closes = clause[..q]
            .iter()
            .filter(|w| is_close_quote(w.word()))
            .count();
        if opens > closes {
            return true;
        }
    }
    if fig.chinese && fig.kind == FigureKind::Amount {
        // Fixed names that open with a numeral ("八项规定", "两个确立").
        let rest: String = clause[q..].iter().take(3).map(|w| w.word()).collect();
        if NUMERAL_NAMES.iter().any(|n| rest.starts_with(n)) {
            return true;
        }
        // "四类自建房屋": a category, not a count.
        if CATEGORY_UNITS.contains(&fig.unit) {
            return true;
        }
        // "二期", "十二届": ordinal names; "二次会议".
        if ORDINAL_UNITS.contains(&fig.unit)
            || next.is_some_and(|n| n.starts_with("会议") || n.starts_with("全会"))
        {
            return true;
        }
        // "一" is mostly an article ("一批", "一个"): a count only after a verb of delivery.
        if fig.base == 1.0 {
            let delivered = clause[q.saturating_sub(2)..q]
                .iter()
                .any(|w| DELIVERY_VERBS.iter().any(|v| w.word().ends_with(v)));
            if !delivered || VAGUE_UNITS.contains(&fig.unit) {
                return true;
            }
        }
    }
    false
}

fn tag_clause(
    ctx: &SentenceCtx,
    clause: &[W],
    sentence_chars: &mut CharOffsets,
    last_figure: usize,
    may_rank: bool,
    last_name: &mut Option<String>,
    names: &mut Vec<String>,
    out: &mut Vec<Indicator>,
) {
    if clause.is_empty() {
        return;
    }
    let rel = |pos: u32| (pos - ctx.char_start) as usize;
    let clause_text_start = rel(clause[0].tok.char_start);
    let respectively_at = clause.iter().position(|w| w.word() == "分别");
    let has_all = clause
        .iter()
        .any(|w| w.word() == "均" || w.word() == "均为");
    let mut list_names: Option<Vec<String>> = None;
    let mut list_pos = 0;
    let mut prev_direction: Option<f64> = None;
    let mentions_before = out.len();
    for q in 0..clause.len() {
        if !is_quantity_tag(clause[q].pos()) {
            continue;
        }
        let Some(fig) = clause[q].fig else {
            continue;
        };
        if fig.kind == FigureKind::Bare || (fig.needs_scale && fig.scale == 1.0) {
            continue;
        }
        // Copied only when the list below changes its unit.
        let mut fig = std::borrow::Cow::Borrowed(fig);
        // "收窄24.1个、28.8个百分点": a list takes the unit of its last item.
        if fig.kind == FigureKind::Amount
            && fig.unit_text == "个"
            && clause.get(q + 1).is_some_and(|w| w.word() == "、")
        {
            if let Some(last) = clause[q + 2..]
                .iter()
                .take_while(|w| w.pos() == "m" || w.word() == "、")
                .filter_map(|w| w.fig.as_ref())
                .last()
            {
                if last.kind == FigureKind::Points {
                    let fig = fig.to_mut();
                    fig.kind = FigureKind::Points;
                    fig.unit = "pp";
                }
            }
        }
        if not_a_mention(ctx, clause, q, &fig) {
            continue;
        }
        let tok = clause[q].tok;
        let at = sentence_chars.byte(rel(tok.char_start));
        let clause_before = &ctx.text[sentence_chars.byte(clause_text_start)..at];
        let in_list = q > 0 && matches!(clause[q - 1].word(), "、" | "和" | "及" | "与");
        let direction = if in_list && prev_direction.is_some() {
            prev_direction
        } else {
            change_direction(clause, q)
        };
        prev_direction = direction;
        let (measure, value, multiplier, unit, rule) = match fig.kind {
            FigureKind::Amount => (
                Measure::Level,
                fig.base,
                fig.scale,
                fig.unit,
                if fig.chinese {
                    "level_chinese"
                } else {
                    "level"
                },
            ),
            FigureKind::Percent | FigureKind::PerMille => {
                let v = if fig.kind == FigureKind::PerMille {
                    fig.number / 10.0
                } else {
                    fig.number
                };
                match direction {
                    Some(d) => (
                        Measure::Growth,
                        d * v,
                        1.0,
                        "%",
                        "growth_percent",
                    ),
                    None => (Measure::Ratio, v, 1.0, "%", "ratio_percent"),
                }
            }
            FigureKind::Share => (
                Measure::Ratio,
                fig.base,
                1.0,
                "%",
                "ratio_share",
            ),
            FigureKind::Points => {
                // "回落1.5个百分点" is negative; "降幅收窄24.1个百分点" is a positive change.
                let d = direction.unwrap_or(1.0);
                (
                    Measure::PpChange,
                    d * fig.number,
                    1.0,
                    "pp",
                    "pp_change",
                )
            }
            FigureKind::Times => match direction {
                Some(d) => (
                    Measure::Growth,
                    d * fig.number * 100.0,
                    100.0,
                    "%",
                    "growth_times",
                ),
                None => continue,
            },
            FigureKind::Doubling => (
                Measure::Growth,
                fig.base,
                1.0,
                "%",
                "growth_doubling",
            ),
            FigureKind::Bare => continue,
        };
        let rule = if fig.range { range_rule(rule) } else { rule };
        let list = respectively_at.is_some_and(|r| r < q);
        // The name: after the figure when a noun follows it ("46个项目"), else before it, else
        // carried over from the clause before.
        let after = if fig.kind == FigureKind::Amount {
            name_after(clause, q, fig.family == "money")
        } else {
            None
        };
        let mut name = after.or_else(|| name_before(clause, q, list && list_names.is_none()));
        let carried = name.is_none();
        // The text moves out of the name (only its word range is read below).
        let mut name_text = match &mut name {
            Some(n) => {
                let t = std::mem::take(&mut n.text);
                if is_one_of(GROWTH_SUBJECT_ONLY, &t) {
                    last_name.clone().unwrap_or(t)
                } else {
                    t
                }
            }
            None => match last_name.clone().or_else(|| {
                // "组织三批次100余家外贸企业": batches of the things counted next.
                clause
                    .get(q + 1)
                    .filter(|w| is_figure(w))
                    .and_then(|_| name_after(clause, q + 1, false))
                    .map(|n| n.text)
            }) {
                Some(n) => n,
                None => continue,
            },
        };
        // "完成年度计划的106%": the completion rate of the subject named before.
        let completion =
            measure == Measure::Ratio && COMPLETION_CUES.iter().any(|c| clause_before.contains(c));
        // Lists: "A和B分别增长x%、y%", "A和B均为100%", and "分别完成年度计划的67.3%、120%" after
        // figures of A and B.
        names.clear();
        names.push(name_text.clone());
        if list {
            let list_vec = list_names.get_or_insert_with(|| {
                let own = if carried || completion {
                    Vec::new()
                } else {
                    split_names(&name_text)
                };
                // "办理人大建议198件、政协提案169件,办理结果满意率分别达96.9%和98.2%": the
                // clause's own name is the measure of each earlier item.
                let suffix = if !carried && !completion && measure == Measure::Ratio {
                    name_text.clone()
                } else {
                    String::new()
                };
                if own.len() > 1 {
                    own
                } else {
                    let n = clause[q..].iter().filter(|w| is_figure(w)).count();
                    let mut prev: Vec<String> = Vec::new();
                    for m in out[..mentions_before].iter().rev() {
                        if !prev.contains(&m.indicator) {
                            prev.push(m.indicator.clone());
                        }
                    }
                    prev.truncate(n);
                    prev.reverse();
                    if prev.len() == n && n > 1 {
                        prev.into_iter()
                            .map(|p| {
                                if suffix.is_empty() || p.ends_with(&suffix) {
                                    p
                                } else {
                                    format!("{p}{suffix}")
                                }
                            })
                            .collect()
                    } else {
                        own
                    }
                }
            });
            if list_vec.len() > 1 {
                let name = list_vec
                    .get(list_pos)
                    .cloned()
                    .unwrap_or_else(|| name_text.clone());
                names.clear();
                names.push(name);
                list_pos += 1;
            }
        } else if has_all && !carried {
            *names = split_names(&name_text);
        } else if completion {
            names.clear();
            names.push(last_name.clone().unwrap_or_default());
        }
        if completion {
            let suffix = if clause_before.contains("年度") {
                "年度计划完成率"
            } else {
                "计划完成率"
            };
            for n in names.iter_mut() {
                if !n.ends_with("完成率") {
                    *n = format!("{n}{suffix}");
                }
            }
            name_text = names[0].clone();
        }
        // "外贸自营出口额443.4亿元,份额占全国比提升至万分之24.7,同比增长19.8%": a share of the
        // subject keeps the subject for the growth after it.
        let share_of_subject = measure == Measure::Ratio
            && SHARE_WORDS.iter().any(|w| name_text.starts_with(w))
            && last_name.as_ref().is_some_and(|l| {
                !l.ends_with(name_text.as_str()) && !name_text.starts_with(l.as_str())
            });
        if share_of_subject {
            let subject = last_name.clone().unwrap_or_default();
            for n in names.iter_mut() {
                *n = format!("{subject}{n}");
            }
        }
        if !carried && !list && !completion && !share_of_subject {
            // The name's last use: moved, not copied.
            *last_name = Some(name_text);
        } else if !carried && list && list_pos <= 1 && !completion {
            *last_name = Some(names[0].clone());
        }
        let qualifier = fig
            .qualifier
            .or_else(|| qualifier_before(clause, q))
            .or_else(|| qualifier_after(clause, q));
        let (span_start, span_end) = match (&name, carried) {
            (Some(n), false) if n.first < q => (clause[n.first].tok.char_start, tok.char_end),
            (Some(n), false) => (tok.char_start, clause[n.last].tok.char_end),
            _ => (
                clause[q.saturating_sub(2)]
                    .tok
                    .char_start
                    .min(tok.char_start),
                tok.char_end,
            ),
        };
        let span_end = if qualifier_after(clause, q).is_some() {
            clause[q + 1].tok.char_end.max(span_end)
        } else {
            span_end
        };
        let text = ctx.text[sentence_chars.byte(rel(span_start))..sentence_chars.byte(rel(span_end))]
            .to_string();
        let (bs, be) = ctx.source_bytes(span_start, span_end);
        let cues = ctx.cues_cut_at(|| {
            if may_rank {
                ctx.text.len()
            } else {
                sentence_chars.byte_or_end(last_figure)
            }
        });
        let status = cues.status(at, ctx.role);
        let year = cues.year(at).or(ctx.section_year);
        let period = year.map(|y| cues.period(at, y));
        // The last row takes the span text instead of a copy (the period is inline text).
        let mut text = text;
        let n_names = names.len();
        for (k, n) in names.drain(..).enumerate() {
            if !has_two_chars(&n) {
                continue;
            }
            let text = if k + 1 == n_names { std::mem::take(&mut text) } else { text.clone() };
            out.push(Indicator {
                sentence_index: ctx.sentence_index,
                source_line: ctx.source_line,
                char_start: span_start,
                char_end: span_end,
                source_byte_start: bs,
                source_byte_end: be,
                text,
                indicator: n,
                indicator_code: None,
                indicator_en: None,
                measure,
                value,
                value_text: fig.value_text.clone(),
                unit,
                unit_text: fig.unit_text.clone(),
                multiplier,
                qualifier,
                basis: if matches!(measure, Measure::Growth | Measure::PpChange) {
                    basis(clause_before)
                } else {
                    None
                },
                status,
                year,
                period: period.clone(),
                rank_scope: None,
                rule,
            });
        }
    }
}

fn range_rule(rule: &'static str) -> &'static str {
    match rule {
        "level" | "level_chinese" => "level_range",
        "growth_percent" => "growth_range",
        "ratio_percent" => "ratio_range",
        "pp_change" => "pp_change_range",
        r => r,
    }
}

#[cfg(test)]
mod tests;
