//! Page-chrome lines (breadcrumbs, share widgets, footers …) recognised by the rules in
//! `data/chrome.toml`; each removed line keeps its reason so nothing vanishes untraced.

use std::sync::OnceLock;

use regex::{Regex, RegexSet, RegexSetBuilder};
use rustc_hash::FxHashMap;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Lazy-DFA cache limit of the chrome rule set (per thread).
const CHROME_DFA_CACHE_BYTES: usize = 16 << 20;
use serde::Deserialize;

pub const CHROME_TOML: &str = include_str!("../../data/chrome.toml");

#[derive(Deserialize)]
struct Rule {
    reason: String,
    pattern: String,
}

#[derive(Deserialize)]
struct Rules {
    rule: Vec<Rule>,
}

struct Chrome {
    set: RegexSet,
    reasons: Vec<&'static str>,
    /// What a line must look like for some rule to match it (see [`Shapes`]); a line that fits
    /// none skips the rule set. `None` when a rule could match any line.
    shapes: Option<Shapes>,
}

/// Strings one of which every match of `hir` contains; `None` when no finite set is needed
/// (an optional part, a character class, an empty branch). Conservative by construction: a
/// concatenation needs what any one of its parts needs (the part with the longest shortest
/// word is taken), an alternation needs what each branch needs.
fn required_words(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Literal(l) => String::from_utf8(l.0.to_vec()).ok().map(|s| vec![s]),
        HirKind::Capture(c) => required_words(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required_words(&r.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required_words)
            .max_by_key(|words| words.iter().map(|w| w.len()).min().unwrap_or(0)),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(required_words(b)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// What a trimmed line must look like for one rule (or one branch of a rule that is an
/// alternation of whole lines, `^(a|b)$`) to match it. Every condition is necessary, none
/// sufficient: a line that fits some shape still goes through the rule set.
#[derive(Debug)]
struct Shape {
    /// Length bounds of a whole-line match, in bytes.
    min: usize,
    max: usize,
    /// Chars the line may open with (any number of them) before one of `starts`.
    skip: Vec<(char, char)>,
    /// The line, past any `skip` chars, opens with one of these (empty: any opening).
    starts: Vec<String>,
    /// The line ends with one of these (empty: any ending).
    ends: Vec<String>,
    /// The line holds one of these (empty: no word is needed).
    words: Vec<String>,
    /// One of `words` lies within the first this many bytes of the line (`usize::MAX`: anywhere).
    window: usize,
}

/// The literals every match of `hir` opens (or ends) with; empty when there is no finite set,
/// or when one of them is empty (which says nothing).
fn affixes(hir: &Hir, kind: ExtractKind) -> Vec<String> {
    let seq = Extractor::new().kind(kind).extract(hir);
    let Some(lits) = seq.literals() else { return Vec::new() };
    let strs: Option<Vec<String>> =
        lits.iter().map(|l| String::from_utf8(l.as_bytes().to_vec()).ok().filter(|s| !s.is_empty())).collect();
    strs.unwrap_or_default()
}

/// The chars a single-char class or literal matches.
fn char_ranges(hir: &Hir) -> Option<Vec<(char, char)>> {
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => Some(c.ranges().iter().map(|r| (r.start(), r.end())).collect()),
        HirKind::Literal(l) => {
            let mut cs = std::str::from_utf8(&l.0).ok()?.chars();
            let c = cs.next()?;
            cs.next().is_none().then_some(vec![(c, c)])
        }
        _ => None,
    }
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

fn concat_parts(hir: &Hir) -> Vec<Hir> {
    match hir.kind() {
        HirKind::Concat(p) => p.clone(),
        _ => vec![hir.clone()],
    }
}

/// How a match opens, given the parts after `^`: optional single chars, skipped (`[【\[]?\s*`),
/// then one of the literals what follows opens with. A group alone, or repeated at least once
/// (`(…)+`), opens with what opens its contents.
fn opening(mut rest: Vec<Hir>) -> (Vec<(char, char)>, Vec<String>) {
    let mut skip = Vec::new();
    while rest.last().is_some_and(|h| matches!(h.kind(), HirKind::Look(Look::End))) {
        rest.pop();
    }
    loop {
        let Some(first) = rest.first() else { return (Vec::new(), Vec::new()) };
        match first.kind() {
            HirKind::Repetition(r) if r.min == 0 => match char_ranges(&r.sub) {
                Some(chars) => {
                    skip.extend(chars);
                    rest.remove(0);
                }
                None => break,
            },
            HirKind::Capture(c) if rest.len() == 1 => rest = concat_parts(&c.sub),
            HirKind::Repetition(r) if r.min >= 1 && rest.len() == 1 => rest = concat_parts(&r.sub),
            _ => break,
        }
    }
    let starts = affixes(&Hir::concat(rest), ExtractKind::Prefix);
    // Skipping runs on while chars are skippable: a start opening with one would be eaten.
    if starts.iter().any(|s| s.chars().next().is_some_and(|c| in_ranges(&skip, c))) {
        return (Vec::new(), Vec::new());
    }
    (skip, starts)
}

/// Where a rule anchored at the start finds its words: the bytes of the line that the parts
/// up to the one that needs them can span (`.{0,40}(发布时间|…)`: 4 × 40 + 12). `usize::MAX`
/// when one of those parts has no bound or no part alone needs `words`.
fn words_window(parts: &[Hir], words: &[String]) -> usize {
    let mut span: usize = 0;
    for p in parts {
        let Some(len) = p.properties().maximum_len() else { return usize::MAX };
        span = span.saturating_add(len);
        if required_words(p).is_some_and(|w| w == words) {
            return span;
        }
    }
    usize::MAX
}

impl Shape {
    fn of(hir: &Hir) -> Shape {
        let p = hir.properties();
        let (start, end) = (p.look_set_prefix().contains(Look::Start), p.look_set_suffix().contains(Look::End));
        // Only a match of the whole line tells the line's length.
        let whole = start && end;
        let parts = concat_parts(hir);
        let anchored = parts.first().is_some_and(|p| matches!(p.kind(), HirKind::Look(Look::Start)));
        let (skip, starts) = if anchored { opening(parts[1..].to_vec()) } else { (Vec::new(), Vec::new()) };
        let words = required_words(hir).unwrap_or_default();
        Shape {
            min: if whole { p.minimum_len().unwrap_or(0) } else { 0 },
            max: if whole { p.maximum_len().unwrap_or(usize::MAX) } else { usize::MAX },
            skip,
            starts,
            ends: if end { affixes(hir, ExtractKind::Suffix) } else { Vec::new() },
            window: if anchored && !words.is_empty() { words_window(&parts, &words) } else { usize::MAX },
            words,
        }
    }

    /// Whether `t` fits every condition.
    fn admits(&self, t: &str) -> bool {
        (self.min..=self.max).contains(&t.len())
            && (self.starts.is_empty() || {
                let opened = t.trim_start_matches(|c| in_ranges(&self.skip, c));
                self.starts.iter().any(|s| opened.starts_with(s.as_str()))
            })
            && (self.ends.is_empty() || self.ends.iter().any(|s| t.ends_with(s.as_str())))
            && (self.words.is_empty() || self.words.iter().any(|w| t.contains(w.as_str())))
    }
}

/// The rule's branches when it is an alternation of whole lines (`^(a|b|c)$`), else the rule.
fn branches(hir: &Hir) -> Vec<Hir> {
    if let HirKind::Concat(ps) = hir.kind() {
        if let [start, mid, end] = &ps[..] {
            let mut mid = mid.kind();
            while let HirKind::Capture(c) = mid {
                mid = c.sub.kind();
            }
            let anchored = matches!(start.kind(), HirKind::Look(Look::Start)) && matches!(end.kind(), HirKind::Look(Look::End));
            if let (true, HirKind::Alternation(bs)) = (anchored, mid) {
                return bs.iter().map(|b| Hir::concat(vec![Hir::look(Look::Start), b.clone(), Hir::look(Look::End)])).collect();
            }
        }
    }
    vec![hir.clone()]
}

/// The first two chars of `s` (the second `None` when there is only one).
fn opening_pair(s: &str) -> Option<(char, Option<char>)> {
    let mut cs = s.chars();
    Some((cs.next()?, cs.next()))
}

/// The last two chars of `s`, in order (the first `None` when there is only one).
fn ending_pair(s: &str) -> Option<(Option<char>, char)> {
    let mut cs = s.chars();
    let last = cs.next_back()?;
    Some((cs.next_back(), last))
}

/// Lines that may be chrome, told by the shapes of the rules: a line whose opening or ending
/// fits no rule's literal one, and that holds none of the words of the rules without such an
/// opening or ending, is no chrome.
struct Shapes {
    shapes: Vec<Shape>,
    /// Shapes that open with a literal (nothing skipped), by its first two chars (the second
    /// `None` for a one-char literal).
    by_opening: FxHashMap<(char, Option<char>), Vec<usize>>,
    /// Shapes that end with a literal (and open with none), by its last two chars.
    by_ending: FxHashMap<(Option<char>, char), Vec<usize>>,
    /// Shapes that skip chars before their opening literal, with the first chars of those
    /// literals: tried on lines opening with one of them or with a skipped char.
    skipping: Vec<(usize, Vec<char>)>,
    /// The words of the other shapes (neither opening nor ending with a literal), one search
    /// over the first `words_window` bytes of a line (past them, no such shape finds its words).
    words: Option<Regex>,
    words_window: usize,
    worded: Vec<usize>,
    /// Bits of the chars (by their low 12 bits) some shape may open, or end, with: most lines
    /// are told apart by one bit each.
    opening_bits: Box<[u64; 64]>,
    ending_bits: Box<[u64; 64]>,
}

/// The first `n` bytes of `t` (or all of it), run on to the end of a char cut through.
fn within(t: &str, n: usize) -> &str {
    let mut end = n.min(t.len());
    while !t.is_char_boundary(end) {
        end += 1;
    }
    &t[..end]
}

fn set_bit(bits: &mut [u64; 64], c: char) {
    let k = c as usize & 4095;
    bits[k / 64] |= 1 << (k % 64);
}

fn bit(bits: &[u64; 64], c: char) -> bool {
    let k = c as usize & 4095;
    bits[k / 64] >> (k % 64) & 1 == 1
}

impl Shapes {
    /// `None` when some rule has no shape (it could match any line).
    fn new(rules: &[Hir]) -> Option<Shapes> {
        let shapes: Vec<Shape> = rules.iter().flat_map(branches).map(|b| Shape::of(&b)).collect();
        let mut by_opening: FxHashMap<(char, Option<char>), Vec<usize>> = FxHashMap::default();
        let mut by_ending: FxHashMap<(Option<char>, char), Vec<usize>> = FxHashMap::default();
        let (mut skipping, mut worded, mut words) = (Vec::new(), Vec::new(), Vec::new());
        let mut words_window = 0;
        for (i, s) in shapes.iter().enumerate() {
            if !s.starts.is_empty() && s.skip.is_empty() {
                s.starts.iter().filter_map(|x| opening_pair(x)).for_each(|k| by_opening.entry(k).or_default().push(i));
            } else if !s.starts.is_empty() {
                let mut firsts: Vec<char> = s.starts.iter().filter_map(|x| x.chars().next()).collect();
                firsts.sort();
                firsts.dedup();
                skipping.push((i, firsts));
            } else if !s.ends.is_empty() {
                s.ends.iter().filter_map(|x| ending_pair(x)).for_each(|k| by_ending.entry(k).or_default().push(i));
            } else if !s.words.is_empty() {
                worded.push(i);
                words.extend(s.words.iter().cloned());
                words_window = words_window.max(s.window);
            } else {
                return None;
            }
        }
        for v in by_opening.values_mut().chain(by_ending.values_mut()) {
            v.dedup();
        }
        words.sort();
        words.dedup();
        let words = (!words.is_empty())
            .then(|| Regex::new(&words.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|")).expect("chrome words"));
        let (mut opening_bits, mut ending_bits) = (Box::new([0; 64]), Box::new([0; 64]));
        by_opening.keys().for_each(|k| set_bit(&mut opening_bits, k.0));
        by_ending.keys().for_each(|k| set_bit(&mut ending_bits, k.1));
        for (i, firsts) in &skipping {
            firsts.iter().for_each(|&c| set_bit(&mut opening_bits, c));
            for &(lo, hi) in &shapes[*i].skip {
                // A range of 4096 code points or more covers every bit (a bit stands for the low
                // 12 bits of a char). Counted in code points, not chars: iterating the chars of a
                // range skips the surrogate gap, and would leave bits unset across it.
                if hi as u32 - lo as u32 >= 4095 {
                    opening_bits.fill(!0);
                } else {
                    (lo..=hi).for_each(|c| set_bit(&mut opening_bits, c));
                }
            }
        }
        Some(Shapes { shapes, by_opening, by_ending, skipping, words, words_window, worded, opening_bits, ending_bits })
    }

    /// Whether a trimmed line fits the shape of some rule: its opening (by the first char's
    /// bit, then its first two chars), its ending (likewise), or, for the rules with neither,
    /// one search for all their words.
    fn admit(&self, t: &str) -> bool {
        let (Some((a, b)), Some((y, z))) = (opening_pair(t), ending_pair(t)) else { return false };
        let at = |k| self.by_opening.get(&k).is_some_and(|is| self.fits(t, is));
        let to = |k| self.by_ending.get(&k).is_some_and(|is| self.fits(t, is));
        let skipped = || {
            self.skipping.iter().any(|(i, firsts)| {
                let s = &self.shapes[*i];
                (in_ranges(&s.skip, a) || firsts.binary_search(&a).is_ok()) && s.admits(t)
            })
        };
        (bit(&self.opening_bits, a) && (at((a, b)) || at((a, None)) || skipped()))
            || (bit(&self.ending_bits, z) && (to((y, z)) || to((None, z))))
            || (self.words.as_ref().is_some_and(|w| w.is_match(within(t, self.words_window))) && self.fits(t, &self.worded))
    }

    fn fits(&self, t: &str, shapes: &[usize]) -> bool {
        shapes.iter().any(|&i| self.shapes[i].admits(t))
    }
}

fn rules() -> &'static Chrome {
    static CHROME: OnceLock<Chrome> = OnceLock::new();
    CHROME.get_or_init(|| {
        let r: Rules = toml::from_str(CHROME_TOML).expect("data/chrome.toml parses");
        // The bounded repeats (`.{0,160}`) of twenty rules make a large DFA: with the default
        // 2 MiB cache the lazy DFA keeps clearing it, gives up and falls back to the PikeVM
        // (20x slower per line). A larger cache holds the states real lines reach; it grows
        // only as far as they need.
        let set = RegexSetBuilder::new(r.rule.iter().map(|x| x.pattern.as_str()))
            .dfa_size_limit(CHROME_DFA_CACHE_BYTES)
            .build()
            .expect("chrome patterns compile");
        let hirs: Option<Vec<Hir>> = r.rule.iter().map(|x| regex_syntax::Parser::new().parse(&x.pattern).ok()).collect();
        let shapes = hirs.and_then(|h| Shapes::new(&h));
        let reasons = r.rule.into_iter().map(|x| &*Box::leak(x.reason.into_boxed_str())).collect();
        Chrome { set, reasons, shapes }
    })
}

/// The removal reason when the whole (trimmed) line is page chrome.
pub fn classify(line: &str) -> Option<&'static str> {
    let t = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{A0}');
    if t.is_empty() {
        return None;
    }
    // Site furniture is short; a long line is body text, and matching ~20 patterns over a
    // paragraph of thousands of characters would cost more than the rest of extract.
    if t.len() > MAX_CHROME_LINE_BYTES {
        return None;
    }
    let c = rules();
    // Most lines open and end like no rule and hold none of the words of the rules that
    // open and end with no literal: told cheaply, they skip the rule set, whose DFA is large
    // enough to miss the CPU cache on every byte. (Telling them by all the rules' words alone
    // let through every line holding a common one: 加大, 场景, "-".)
    if c.shapes.as_ref().is_some_and(|s| !s.admit(t)) {
        return None;
    }
    // `is_match` runs a lazy DFA; `matches` (which rule) needs the slower overlapping search,
    // so it only runs on the few lines that are chrome at all.
    if !c.set.is_match(t) {
        return None;
    }
    c.set.matches(t).iter().next().map(|i| c.reasons[i])
}

/// Longest line (in bytes, about 200 Chinese characters) that can be page chrome (a 相关报道
/// list of headlines on one line runs to 150 characters in the corpus).
pub const MAX_CHROME_LINE_BYTES: usize = 600;

fn trimmed(line: &str) -> &str {
    line.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{A0}' || c == '\u{FEFF}')
}

/// Lines a report's heading block needs (title, byline, session, address): never taken as
/// one-word navigation even when short.
fn is_report_line(t: &str) -> bool {
    let joined = crate::extract::metadata::join_letter_spacing(t);
    ["报告", "報告", "会议", "會議", "代表", "各位", "工作总结"].iter().any(|w| joined.contains(w))
        || crate::extract::structure::heading_level(t).is_some()
}

/// A short link-like line: a menu entry, a link-list item, a separator.
fn is_nav_like(t: &str) -> bool {
    // At most 16 chars, counted no further than that (most lines are long).
    !t.is_empty()
        && t.chars().nth(16).is_none()
        && !t.contains(['。', '！', '？', '；', '，', '：', ':', '!', '?', ','])
        && !t.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && !is_report_line(t)
}

/// Only punctuation, brackets or separators ("】", "）", "|", ">>", "©", "："): a piece of a
/// widget split over lines.
fn is_fragment(t: &str) -> bool {
    !t.is_empty() && t.chars().nth(3).is_none() && t.chars().all(|c| !c.is_alphanumeric())
}

/// [`mark`], with reasons the format already fixed (front matter) kept as they are.
/// `spaceless` says which lines are known to hold no space of any width (`false`: unknown).
pub fn marks_for(lines: &[&str], header: &[bool], pre: &[Option<&'static str>], spaceless: &[bool]) -> Marks {
    let mut m = mark_with(lines, header, spaceless);
    for (r, p) in m.removed.iter_mut().zip(pre) {
        if p.is_some() {
            *r = *p;
        }
    }
    m
}

/// What [`mark`] found: a removal reason per line, and lines kept but worth a look.
#[derive(Debug, Default)]
pub struct Marks {
    pub removed: Vec<Option<&'static str>>,
    pub unsure: Vec<(usize, String)>,
}

/// A line as the duplicate-copy check compares it: without spaces. Most lines have none, and
/// their key borrows the line instead of copying it; a line already known to have none
/// (`spaceless`) is not searched for one.
fn dedup_key(s: &str, spaceless: bool) -> std::borrow::Cow<'_, str> {
    let is_gap = crate::normalize::width::is_space;
    if !spaceless && crate::normalize::width::has_space(s) {
        std::borrow::Cow::Owned(s.chars().filter(|&c| !is_gap(c)).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Marks the page chrome of a whole document. `lines` are the non-blank lines in order;
/// `header` says which of them are metadata header rows (read, then removed).
///
/// Besides whole-line rules: widgets split over lines (【 / 字体： / 大 / 中 / 小 / 】),
/// breadcrumbs split over lines (当前位置： / 首页 / >> / …), navigation menus dumped one
/// word per line (four or more link-like lines in a row), punctuation fragments next to
/// chrome, and a second copy of the body (a run of paragraphs that all appeared before).
pub fn mark(lines: &[&str], header: &[bool]) -> Marks {
    mark_with(lines, header, &vec![false; lines.len()])
}

/// [`mark`], told which lines are known to hold no space (`spaceless`; the head lines found
/// plain while their metadata was read), whose duplicate-copy keys then need no search.
fn mark_with(lines: &[&str], header: &[bool], spaceless: &[bool]) -> Marks {
    let n = lines.len();
    let t: Vec<&str> = lines.iter().map(|l| trimmed(l)).collect();
    let mut removed: Vec<Option<&'static str>> = t.iter().map(|l| classify(l)).collect();
    let mut unsure = Vec::new();
    for i in 0..n {
        if header[i] && removed[i].is_none() {
            removed[i] = Some("metadata_header");
        }
    }
    // Widgets split over lines: join short pieces up to a closing bracket.
    for i in 0..n {
        if !(t[i].starts_with('【') || t[i].starts_with("字体") || t[i].starts_with("字号")) || t[i].chars().count() > 6 {
            continue;
        }
        let mut joined = t[i].to_string();
        for j in i + 1..n.min(i + 10) {
            if t[j].chars().count() > 4 {
                break;
            }
            joined.push(' ');
            joined.push_str(t[j]);
            if t[j] == "】" || t[j] == "]" {
                if let Some(r) = classify(&joined) {
                    for k in i..=j {
                        removed[k] = Some(r);
                    }
                }
                break;
            }
        }
    }
    // Breadcrumbs split over lines: 当前位置： / 首页 / >> / item / >> / item.
    for i in 0..n {
        let head = t[i].trim_end_matches([':', '：']);
        if !["当前位置", "當前位置", "您的位置", "您现在的位置"].contains(&head) {
            continue;
        }
        removed[i] = Some("breadcrumb");
        let mut j = i + 1;
        let is_sep = |s: &str| matches!(s, ">>" | ">" | "»" | "/" | "＞" | "＞＞" | "->");
        if j < n && matches!(t[j], "首页" | "首頁") {
            removed[j] = Some("breadcrumb");
            j += 1;
        }
        while j + 1 < n && is_sep(t[j]) && t[j + 1].chars().count() <= 16 {
            removed[j] = Some("breadcrumb");
            removed[j + 1] = Some("breadcrumb");
            j += 2;
        }
    }
    // Navigation menus and link lists dumped one entry per line.
    let mut i = 0;
    while i < n {
        if removed[i].is_some() || !(is_nav_like(t[i]) || is_fragment(t[i])) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && (removed[j].is_some() || is_nav_like(t[j]) || is_fragment(t[j])) {
            j += 1;
        }
        let words = (i..j).filter(|&k| removed[k].is_none() && is_nav_like(t[k])).count();
        if words >= 4 {
            for k in i..j {
                removed[k].get_or_insert("nav_list");
            }
        } else if words == 3 {
            for k in (i..j).filter(|&k| removed[k].is_none()) {
                unsure.push((k, "three short link-like lines in a row: kept, may be navigation".to_string()));
            }
        }
        i = j.max(i + 1);
    }
    // Punctuation fragments and short leftovers between chrome lines take their neighbour's reason.
    loop {
        let mut changed = false;
        for i in 0..n {
            if removed[i].is_some() {
                continue;
            }
            let prev = i.checked_sub(1).and_then(|p| removed[p]);
            let next = removed.get(i + 1).copied().flatten();
            let sandwiched = prev.is_some() && (next.is_some() || i + 1 == n);
            // The line itself is looked at only next to chrome (most lines are not).
            let fragment = || is_fragment(t[i]);
            let short_leftover = || t[i].chars().nth(12).is_none() && is_nav_like(t[i]);
            if ((prev.is_some() || next.is_some()) && fragment()) || (sandwiched && short_leftover()) {
                removed[i] = prev.or(next);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // A second copy of the body: a run of kept lines that all appeared earlier, with at least
    // three long ones. Unseen lines end the run; they stay.
    // Keys of kept lines, made once each (with whether they are long), looked up with a fast
    // hash: the map is only queried, never iterated, so its order never reaches the data.
    let keys: Vec<Option<(std::borrow::Cow<str>, bool)>> = (0..n)
        .map(|i| {
            removed[i].is_none().then(|| {
                // The trimmed line is part of the line: spaceless too.
                let k = dedup_key(t[i], spaceless[i]);
                let long = k.chars().nth(19).is_some();
                (k, long)
            })
        })
        .collect();
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    let mut i = 0;
    while i < n {
        let Some((k, long)) = &keys[i] else {
            i += 1;
            continue;
        };
        // A short line, or one not seen before, is remembered (the first time) and passed;
        // a long one seen before opens a run. One hash per line.
        if !long {
            seen.entry(k.as_ref()).or_insert(i);
            i += 1;
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(v) = seen.entry(k.as_ref()) {
            v.insert(i);
            i += 1;
            continue;
        }
        let mut j = i;
        let mut long = 0;
        while j < n && keys[j].as_ref().map_or(true, |(k, _)| seen.contains_key(k.as_ref())) {
            if keys[j].as_ref().is_some_and(|(_, l)| *l) {
                long += 1;
            }
            j += 1;
        }
        if long >= 3 {
            for k in i..j {
                removed[k].get_or_insert("duplicate_copy");
            }
        } else {
            unsure.push((i, "paragraph repeats an earlier one: kept".to_string()));
        }
        i = j.max(i + 1);
    }
    Marks { removed, unsure }
}

#[cfg(test)]
mod tests {
    use super::classify;


    #[test]
    fn chrome_kinds_are_recognised() {
        assert_eq!(classify("当前位置：首页>>政务公开"), Some("breadcrumb"));
        assert_eq!(classify("1月23日上午，高阳县第十八届人民代表大会第四次会议开幕。这是会议现场。"), Some("photo_caption"));
        assert_eq!(classify("1月23日上午，高阳县第十八届人民代表大会第四次会议开幕。"), None);
        assert_eq!(classify("首页"), Some("breadcrumb"));
        assert_eq!(classify("【字体：大 中 小】"), Some("font_widget"));
        assert_eq!(classify("打印"), Some("page_buttons"));
        assert_eq!(classify("分享到："), Some("share_widget"));
        assert_eq!(classify("发布时间: 2023-02-08 09:22:59   浏览次数:      来源: 海曙新闻网"), Some("publish_bar"));
        assert_eq!(classify("38773f9b-36b1-4376-b6b6-7e7343bd5df3size_w_2013_h_1242.jpg"), Some("image_file"));
        assert_eq!(classify("（责任编辑：张三）"), Some("editor_credit"));
        assert_eq!(classify("浙ICP备05000000号"), Some("footer"));
    }

    fn reasons(text: &str) -> Vec<(String, Option<&'static str>)> {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let m = super::mark(&lines, &vec![false; lines.len()]);
        lines.iter().map(|l| l.to_string()).zip(m.removed).collect()
    }

    #[test]
    fn widgets_menus_and_breadcrumbs_split_over_lines() {
        let text = "中国政府网\n河北省人大\n长者模式\n|\n繁體中文\n首页\n领导之窗\n当前位置：\n首页\n>>\n领导之窗\n>>\n政府工作报告\n政府工作报告\n2003年01月13日\n【\n字体：\n大\n中\n小\n】\n在河北省第十届人民代表大会第一次会议上\n各位代表：\n（责任编辑： 郭桢\n ）\n【E-mail推荐\n】";
        let r = reasons(text);
        let kept: Vec<&str> = r.iter().filter(|(_, x)| x.is_none()).map(|(l, _)| l.as_str()).collect();
        assert_eq!(kept, ["政府工作报告", "2003年01月13日", "在河北省第十届人民代表大会第一次会议上", "各位代表："]);
        assert_eq!(r[0].1, Some("nav_list"));
        assert_eq!(r[7].1, Some("breadcrumb"));
        assert_eq!(r[12].1, Some("breadcrumb"));
        assert_eq!(r[17].1, Some("font_widget"));
        assert_eq!(r[23].1, Some("editor_credit"));
        assert_eq!(r[24].1, Some("editor_credit"));
        assert_eq!(r[26].1, Some("page_buttons"));
    }

    #[test]
    fn a_second_copy_of_the_body_is_removed_once() {
        let body = "各位代表：\n现在，我代表河北省人民政府向大会作工作报告，请予审议。\n一、过去五年回顾\n过去五年，全省生产总值年均增长百分之九点六，经济结构调整取得明显成效。\n法制\n化、规范化、制度化，进一步提高行政效能，努力完成今年各项目标任务。";
        let text = format!("{body}\n冀ICP备06016263号-1\n{body}");
        let r = reasons(&text);
        assert!(r[..6].iter().all(|(_, x)| x.is_none()), "the first copy stays: {r:?}");
        assert_eq!(r[6].1, Some("footer"));
        // The second copy from its first long repeated paragraph on.
        assert!(r[8..].iter().all(|(_, x)| x.is_some()), "{r:?}");
        assert!(r[8..].iter().all(|(_, x)| *x == Some("duplicate_copy")), "{r:?}");
    }

    #[test]
    fn more_chrome_kinds() {
        for (line, want) in [
            ("中央政府门户网站　www.gov.cn　　 2006年02月23日 14时43分　　 来源：人民网", "publish_bar"),
            ("添加时间 2026/2/12 15:20:47  浏览次数 4034 次", "publish_bar"),
            ("[打印本页]", "page_buttons"),
            ("王正谱作政府工作报告。河北日报记者 霍艳恩摄", "photo_caption"),
            ("<figcaption>參加人大會議的委員戴口罩與會。美聯社</figcaption>", "photo_caption"),
            ("相关报道：", "related_links"),
            ("冀公网安备 13060602001065号", "footer"),
            ("请加入成为众新闻的月费订户，长期支持我们的工作。", "footer"),
        ] {
            assert_eq!(classify(line), Some(want), "{line}");
        }
    }

    #[test]
    fn img_tags_without_a_word_boundary_match_as_before() {
        // The rule spells `<img\b[^>]*>` without `\b`; these are the lines either spelling
        // decides, Chinese text after "img" included (a word char: no boundary, no match).
        assert_eq!(classify("<img>"), Some("image_file"));
        assert_eq!(classify("<img src=\"a.jpg\" alt=\"会场\">"), Some("image_file"));
        assert_eq!(classify("<img/>"), Some("image_file"));
        assert_eq!(classify("<imgs src=\"a.jpg\">"), None);
        assert_eq!(classify("<img会场>"), None);
        assert_eq!(classify("<img_1>"), None);
        assert_eq!(classify("<img src=\"a.jpg\"> 图"), None);
    }

    #[test]
    fn chrome_patterns_keep_to_what_the_fast_dfa_runs() {
        // A Unicode `\b` makes the lazy DFA give up on non-ASCII text, so every line of every
        // document would run through the PikeVM (a tenth of a whole run).
        let r: super::Rules = toml::from_str(super::CHROME_TOML).unwrap();
        for rule in &r.rule {
            assert!(!rule.pattern.contains(r"\b") && !rule.pattern.contains(r"\B"), "{}", rule.pattern);
        }
    }

    #[test]
    fn every_rule_names_words_a_line_needs() {
        // A rule with no words, no fixed opening and no fixed ending (say `^.{0,10}$`) would
        // switch the shapes off for all lines; requiring words of every rule is a sufficient guard.
        let r: super::Rules = toml::from_str(super::CHROME_TOML).unwrap();
        for rule in &r.rule {
            let hir = regex_syntax::Parser::new().parse(&rule.pattern).unwrap();
            assert!(super::required_words(&hir).is_some(), "{}", rule.pattern);
        }
        assert!(super::rules().shapes.is_some());
    }

    #[test]
    fn required_words_are_necessary() {
        let words = |p: &str| super::required_words(&regex_syntax::Parser::new().parse(p).unwrap()).map(|mut w| {
            w.sort();
            w
        });
        assert_eq!(words("^.{0,40}(发布时间|更新时间)[:：]?.*$"), Some(vec!["发布时间".to_string(), "更新时间".to_string()]));
        assert_eq!(words(r"^\S*\.(jpg|png)$"), Some(vec!["jpg".to_string(), "png".to_string()]));
        assert_eq!(words("^(打印|下载)?$"), None, "an optional word is not needed");
        assert_eq!(words("^(打印|.)$"), None, "a branch without a word");
        assert_eq!(words("^[ab]$"), None);
        assert_eq!(words("(?i)^abc$"), None, "case-folded letters are classes");
        // The longest shortest word of a concatenation.
        assert_eq!(words(r"^[（(]\s*(编辑|责任编辑)[:：]$"), Some(vec!["编辑".to_string(), "责任编辑".to_string()]));
        assert_eq!(words(r"^\d+\s*位访客$"), Some(vec!["位访客".to_string()]));
    }

    #[test]
    fn the_prefilter_never_changes_a_verdict() {
        // Every line of the seed reports in both scripts, and chrome of every rule written in
        // odd ways: skipped openings (brackets, spaces), full-width digits, both scripts,
        // near misses.
        let c = super::rules();
        // (The seed lines as they stand are among those in both scripts.)
        let mut lines: Vec<String> = crate::normalize::script::seed_lines_in_both_scripts().collect();
        // Rule words at the far end of the word window (which is counted in bytes): four-byte
        // chars before a date and source line whose word ends at byte 321, the window's end on
        // today's rules, and a credit line far from its start.
        lines.push(format!("{}20𝟎𝟎年𝟎𝟎月𝟎𝟎日{}来源：x", "😀".repeat(40), "😀".repeat(30)));
        lines.push(format!("{}技术支持：某公司", "😀".repeat(60)));
        lines.push(format!("{}2023年2月8日 来源：人民网", "𝟎".repeat(35)));
        lines.extend(
            [
                "首页 > 新闻", "记者 张三 摄", "<img src=1>", "1234-12345678", "EN", "本站 © 2024", "图为会议现场",
                "【 字体：大 中 小 】", "[字号：加大]", "【【字体：大】", "【\u{3000}字體:大", "（ 责任编辑：张三）",
                "(编辑：李四)", "审核：王五", "校对:赵六", "（責任編輯：陳七", "[ 打印本页 ] [ 关闭窗口 ]", "【打印】【关闭】",
                "打印 | 关闭", "加大 减小 还原", "加大力度", "[E-mail推荐]", "【评论】", "首页 > 新闻 > 正文", "首頁»要聞",
                "首页首页", "分享到：微信", "分享至", "图为会议现场。", "这是会场一角", "這是會場全景。", "記者 張三 攝",
                "记者\u{A0}李四\u{A0}摄。", "通讯员王五摄", "<figcaption>图</figcaption>", "<figcaption>", "<img src=a.jpg>",
                "<img>", "</div>", "<div class=x>]", "<div>", "---", "----", "[", "[[", "<figure>", "</figure>",
                "0311-12345678", "１２３-１２３４５６７", "１２３４位访客", "12 位访客", "关注微信", "官方微博", "微信",
                "EN", "ENG", "©", "ICP备案号：", "ICP备案号", "公安机关备案号123", "您访问的链接即将离开本站",
                "是否继续？", "是否继续?", "上班时间：9:00", "联系地址：某路", "联系方式：123", "主办：某局", "主办单位：某局",
                "电话", "放弃", "长者模式", "无障碍", "繁體中文", "网站地图", "您是第", "Copyright",
                "发布时间：2023-02-08 浏览次数：3", "發布時間：2023-02-08 來源：新華社", "2023年2月8日 来源：人民网",
                "本文订户专享", "月費計劃", "冀ICP备123号", "版权所有 © 2024", "网站标识码：1", "相关阅读", "相關報道：",
                "a.JPG", "pic.jpg", "x.webp", "当前位置：首页", "您现在的位置:首页", "你的位置：", "当前位置",
            ]
            .map(String::from),
        );
        let mut chrome = 0;
        let mut admitted = 0;
        for l in &lines {
            let t = l.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{A0}');
            let unfiltered = if t.is_empty() || t.len() > super::MAX_CHROME_LINE_BYTES {
                None
            } else {
                c.set.matches(t).iter().next().map(|i| c.reasons[i])
            };
            assert_eq!(classify(l), unfiltered, "{l}");
            chrome += unfiltered.is_some() as usize;
            admitted += (!t.is_empty() && c.shapes.as_ref().unwrap().admit(t)) as usize;
        }
        assert!(chrome >= 80, "the seeds and the made-up lines carry chrome: {chrome}");
        // The point of the shapes: few lines that are no chrome reach the rule set.
        assert!(admitted >= chrome, "every chrome line is admitted: {admitted} admitted, {chrome} chrome");
        assert!((admitted - chrome) * 20 < lines.len(), "{admitted} of {} lines admitted, {chrome} chrome", lines.len());
    }

    /// How the rules' shapes come out of their patterns: openings past skipped chars, endings,
    /// lengths, the branches of a whole-line alternation.
    #[test]
    fn shapes_are_read_from_the_patterns() {
        let shape = |p: &str| super::Shape::of(&regex_syntax::Parser::new().parse(p).unwrap());
        let s = shape(r"^[【\[]?\s*(字体|字号)[:：]?.{0,20}$");
        assert!(super::in_ranges(&s.skip, '【') && super::in_ranges(&s.skip, ' ') && !super::in_ranges(&s.skip, '字'));
        assert!(s.starts.contains(&"字体".to_string()) && s.starts.iter().all(|x| x.starts_with("字")));
        assert_eq!((s.min, s.max), (6, usize::MAX), "`\\s*` has no bound");
        let s = shape(r"^([\[【]?\s*(打印|关闭)\s*[\]】]?\s*)+$");
        assert_eq!(s.starts, ["打印", "关闭"]);
        assert_eq!(s.max, usize::MAX);
        let s = shape(r"^.{0,160}(记者|記者)\s*\p{Han}{2,4}\s*(摄|攝)。?$");
        assert!(s.starts.is_empty());
        let mut ends = s.ends.clone();
        ends.sort();
        assert_eq!(ends, ["摄", "摄。", "攝", "攝。"]);
        // A start that opens with a skippable char could be skipped over: no opening then.
        assert!(shape(r"^\s*( 打印)$").starts.is_empty());
        // Not anchored: neither opening, ending nor length.
        let s = shape("打印");
        assert!(s.starts.is_empty() && s.ends.is_empty() && s.max == usize::MAX && s.words == ["打印"]);
        let b = super::branches(&regex_syntax::Parser::new().parse(r"^(电话|\d{3,4}-\d{7,8}|.{2,12}(微信|微博))$").unwrap());
        assert_eq!(b.len(), 3);
        let s = super::Shape::of(&b[1]);
        assert_eq!((s.min, s.max, s.words.clone()), (11, 12 * 4 + 1, vec!["-".to_string()]));
        assert_eq!(super::Shape::of(&b[2]).ends, ["微信", "微博"]);
        // Words after a bounded run are looked for within its reach; after an unbounded one,
        // or in a group that does not alone need them, anywhere.
        assert_eq!(shape(r"^.{0,40}(发布时间|更新时间)[:：]?.*$").window, 40 * 4 + 12);
        assert_eq!(shape(r"^.*(发布时间|更新时间)$").window, usize::MAX);
        assert_eq!(shape(r"^(\d{3,4}-)\d{7,8}$").window, 4 * 4 + 1, "the group alone needs the word");
        assert_eq!(shape(r"^(\d{3,4}-?)\d+-$").window, usize::MAX, "the word only in a later, unbounded part");
        assert_eq!(super::Shape::of(&b[1]).window, 4 * 4 + 1);
        assert_eq!(super::within("a发布", 2), "a发");
        assert_eq!(super::within("a发布", 0), "");
        assert_eq!(super::within("a发布", 99), "a发布");
    }

    /// Told which lines hold no space, the marks are those found searching every line: on each
    /// seed report in both scripts, with every spaceless line marked so.
    #[test]
    fn lines_known_spaceless_mark_alike() {
        for (text, trad) in crate::normalize::script::seeds_in_both_scripts() {
            for t in [text, trad] {
                let lines: Vec<&str> = t.lines().filter(|l| !l.trim().is_empty()).collect();
                let header = vec![false; lines.len()];
                let spaceless: Vec<bool> = lines.iter().map(|l| !crate::normalize::width::has_space(l)).collect();
                assert!(spaceless.iter().any(|&s| s));
                let (a, b) = (super::mark(&lines, &header), super::mark_with(&lines, &header, &spaceless));
                assert_eq!((a.removed, a.unsure), (b.removed, b.unsure));
            }
        }
    }

    #[test]
    fn body_text_is_kept() {
        for body in [
            "实现社会消费品零售总额449.7亿元,增长8.2%,增速位列全市第二。",
            "一、2022年工作回顾",
            "各位代表:",
            "首页面向群众的服务全面上线。",
        ] {
            assert_eq!(classify(body), None, "{body}");
        }
    }
}
