//! Words and parts of speech: jieba-rs (HMM on) with the domain dictionary `data/domain_dict.txt`,
//! loaded once per process. Figures are recognised first and never reach jieba, so "449.7亿元",
//! "8.2%" and "24.1个百分点" stay one token tagged `m`, and dates such as "2022年" or "1-6月" one
//! token tagged `t`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use jieba_rs::Jieba;
use regex::Regex;

use super::keywords::{self, NO_CANDIDATE};
use crate::model::Token;
use crate::units::units;

pub const DOMAIN_DICT: &str = include_str!("../../data/domain_dict.txt");

/// Tag of a number with its unit (jieba's numeral tag).
pub const TAG_QUANTITY: &str = "m";

/// `pos == TAG_QUANTITY`, byte by byte: `==` on strs calls memcmp for the tag's one byte, and
/// this runs on every word of the corpus (segment sets each sentence's `has_quantity` with it).
#[inline]
pub fn is_quantity_tag(pos: &str) -> bool {
    let q = TAG_QUANTITY.as_bytes();
    pos.len() == q.len() && pos.bytes().zip(q).all(|(a, &b)| a == b)
}

/// Tag of a date or period.
pub const TAG_TIME: &str = "t";

static JIEBA_LOADS: AtomicUsize = AtomicUsize::new(0);

/// How many times the jieba dictionaries were loaded in this process (1 once anything was
/// segmented: they load once, not per document).
pub fn jieba_loads() -> usize {
    JIEBA_LOADS.load(Ordering::SeqCst)
}

/// The process-wide jieba instance: default dictionary plus the domain terms.
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        JIEBA_LOADS.fetch_add(1, Ordering::SeqCst);
        // On huge pages: segmenting probes the dictionary trie at random for every character,
        // and on 4 KiB pages most probes missed the TLB (see `allocator::with_huge_pages`).
        crate::allocator::with_huge_pages(|| {
            let mut j = Jieba::new();
            let entries: String = DOMAIN_DICT.lines().filter(|l| !l.starts_with('#')).flat_map(|l| [l, "\n"]).collect();
            let mut dict = std::io::BufReader::new(entries.as_bytes());
            j.load_dict(&mut dict).expect("data/domain_dict.txt is a valid jieba dictionary");
            j
        })
    })
}

/// Loads the dictionary and compiles the figure patterns (see [`super::warm`]).
pub fn warm() {
    jieba();
    // jieba loads its part-of-speech HMM (for words outside its dictionary) the first time it
    // tags such a word, which took ~150M instructions inside the first document's segmenting:
    // 龘 is outside the dictionary.
    tag_alone("龘");
    figure_at_re();
    figure_starts();
    is_time("2022年");
}

/// Dates and periods ("2022年", "2022年1-6月", "一九五三年", "1-6月", "2月1日"): tagged `t`.
const TIME_PATTERN: &str = r"(?:19|20)\d{2}年(?:\d{1,2}(?:-\d{1,2})?月(?:\d{1,2}日)?)?|[一二][〇○零一二三四五六七八九]{3}年|\d{1,2}-\d{1,2}月|\d{1,2}月(?:\d{1,2}日)?";

/// Whether a figure match is a date: the date branch comes first in [`figure_re`], so a match
/// is a date exactly when the whole match is one.
fn is_time(matched: &str) -> bool {
    // Every branch of the date pattern ends in 年, 月 or 日; most figures ("8.2%", "449.7亿元")
    // end in something else and are answered without the regex.
    if !(matched.ends_with('年') || matched.ends_with('月') || matched.ends_with('日')) {
        return false;
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^(?:{TIME_PATTERN})$")).expect("time pattern compiles")).is_match(matched)
}

/// The figure pattern, unanchored: what [`figures`] finds is what `find_iter` of this finds
/// (the test `figure_scan_matches_find_iter` holds the two together).
#[cfg(test)]
fn figure_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&figure_pattern()).expect("figure pattern compiles"))
}

/// The figure pattern anchored at the start of the text it is given: tried only where a figure
/// can start (see [`figures`]).
fn figure_at_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^(?:{})", figure_pattern())).expect("figure pattern compiles"))
}

/// Characters a figure can start with: every branch of [`figure_pattern`] begins with `\d`
/// (any Unicode decimal digit), 百/千/万 (分之), a Chinese numeral (分之 shares, years in
/// Chinese digits) or 翻 (翻一番). Kept as a bitmap over the Basic Multilingual Plane; it may
/// hold more than those (all of Unicode's numbers), which only costs a search that fails.
/// The digits are read from the regex crate's own `\d` class (its Unicode tables, not std's,
/// which may be of another Unicode version), so no digit the pattern matches is ever skipped.
fn figure_starts() -> &'static [u64; 1024] {
    static STARTS: OnceLock<Box<[u64; 1024]>> = OnceLock::new();
    STARTS.get_or_init(|| {
        let mut bits = Box::new([0u64; 1024]);
        let named = ['百', '千', '万', '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '翻'];
        let mut set = |c: char| bits[c as usize >> 6] |= 1 << (c as u32 & 63);
        for c in (0..0x1_0000u32).filter_map(char::from_u32) {
            if c.is_numeric() || named.contains(&c) {
                set(c);
            }
        }
        for &(a, b) in regex_digits() {
            for c in (a as u32..=(b as u32).min(0xFFFF)).filter_map(char::from_u32) {
                set(c);
            }
        }
        bits
    })
}

/// The ranges of the regex crate's `\d` (Unicode decimal digits, as the figure pattern sees them).
fn regex_digits() -> &'static [(char, char)] {
    static DIGITS: OnceLock<Vec<(char, char)>> = OnceLock::new();
    DIGITS.get_or_init(|| {
        use regex_syntax::hir::{Class, HirKind};
        let hir = regex_syntax::Parser::new().parse(r"\d").expect("\\d parses");
        match hir.kind() {
            HirKind::Class(Class::Unicode(class)) => class.ranges().iter().map(|r| (r.start(), r.end())).collect(),
            other => unreachable!("\\d is a Unicode class, not {other:?}"),
        }
    })
}

/// Whether a figure can start at `c` (a superset: see [`figure_starts`]).
#[inline]
fn may_start_figure(starts: &[u64; 1024], c: char) -> bool {
    let n = c as u32;
    if n < 0x80 {
        c.is_ascii_digit()
    } else if n < 0x1_0000 {
        starts[n as usize >> 6] >> (n & 63) & 1 == 1
    } else {
        c.is_numeric() || regex_digits().iter().any(|&(a, b)| (a..=b).contains(&c))
    }
}

/// The first place at or after byte `at` of `s` where a figure can start, and the length in
/// bytes of the character there. Report text is mostly three-byte CJK characters: those are
/// decoded here straight into the bitmap's index, in fewer steps than `char_indices` takes.
fn next_figure_start(starts: &[u64; 1024], s: &str, mut at: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    while at < b.len() {
        let x = b[at];
        if x < 0x80 {
            if x.is_ascii_digit() {
                return Some((at, 1));
            }
            at += 1;
        } else if (0xE0..0xF0).contains(&x) {
            // `s` is valid UTF-8 and `at` a char boundary: two continuation bytes follow.
            let n = (x as u32 & 0x0F) << 12 | (b[at + 1] as u32 & 0x3F) << 6 | (b[at + 2] as u32 & 0x3F);
            if starts[n as usize >> 6] >> (n & 63) & 1 == 1 {
                return Some((at, 3));
            }
            at += 3;
        } else {
            let c = s[at..].chars().next().expect("a char boundary before the end");
            if may_start_figure(starts, c) {
                return Some((at, c.len_utf8()));
            }
            at += c.len_utf8();
        }
    }
    None
}

/// Byte ranges of the figures of `sentence`, left to right, as `figure_re().find_iter` gives
/// them. The unanchored search ran its DFA over every byte of every sentence and then ran
/// backwards from each match to find where it began; most characters cannot begin a figure,
/// so here the pattern is tried, anchored, only where one can. The pattern has no look-around
/// (no `\b`, `^` or `$` of its own), so a match tried at a position is the match the
/// unanchored search reports there, and the leftmost position with a match is the one it finds.
fn figures(sentence: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let starts = figure_starts();
    let re = figure_at_re();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < sentence.len() {
            let (start, len) = next_figure_start(starts, sentence, at)?;
            if len == 3 && !may_go_on(&sentence[start..]) {
                at = start + len;
                continue;
            }
            if let Some(m) = re.find(&sentence[start..]) {
                // No branch of the pattern matches the empty string, so the search moves on.
                at = start + m.end();
                return Some((start, at));
            }
            at = start + len;
        }
        None
    })
}

/// Whether a figure can start at the beginning of `rest`, as far as its first two chars tell.
/// The branches of [`figure_pattern`] that begin with a Chinese character (百/千/万分之…,
/// 三分之一, 一九五三年, 翻一番) all go on with 分 or a Chinese numeral, so 一 in 进一步 or
/// 三 in 三农 is passed over without running the regex; a figure starting with a digit may go
/// on with anything. (Test `figure_scan_matches_find_iter` holds the scan to `find_iter`.)
#[inline]
fn may_go_on(rest: &str) -> bool {
    let mut cs = rest.chars();
    let first = cs.next();
    if !matches!(first, Some('百' | '千' | '万' | '一' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '翻')) {
        return true;
    }
    matches!(cs.next(), Some('分' | '〇' | '○' | '零' | '一' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'))
}

/// The figure pattern: numbers with their unit, shares, ranges and dates.
fn figure_pattern() -> String {
    let b = units();
    // Besides Arabic figures: shares ("百分之三十六点九", "万分之24.7", "三分之一", "1/4"),
    // doubling ("翻一番"), ranges with a unit ("15%至25%"), Chinese numerals with a unit
    // and years in Chinese digits ("一九五三年") as time. Chinese numerals with a unit
    // ("三批次", "四个") are merged after jieba (`merge_chinese_counts`), so that a numeral
    // character inside a word ("统一部署") is left to jieba.
    format!(
        r"(?x)
        (?:{time})
        | (?:(?:百|千|万)分之(?:\d+(?:\.\d+)?|[零〇○一二两三四五六七八九十百点]+)
          | [一二两三四五六七八九十]+分之[一二两三四五六七八九十]+
          | 翻[一二两三四]番
          | \d{{1,2}}/\d{{1,2}}
          | \d+(?:\.\d+)?(?:%|‰)?(?:至|到|-|~|～|—|－)\d+(?:\.\d+)?(?:余|多)?
            (?: %|‰|个百分点|倍 | (?:{scales})?(?:{units}) | (?:{scales}) )
          | \d+(?:,\d{{3}})*(?:\.\d+)?(?:余|多)?
            (?: %|‰|个百分点|倍
              | (?:{scales})?(?:余|多)?(?:{units})
              | (?:{scales})(?:余|多)? )? )",
        time = TIME_PATTERN.replace(' ', r"\ "),
        scales = esc(b.scale_texts()),
        units = esc(b.unit_texts()),
    )
}

/// One word of a sentence, with char offsets relative to the sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub word: compact_str::CompactString,
    /// A tag from jieba's dictionary or one of ours; `'static` because the dictionary lives for
    /// the whole process, so no token allocates its tag.
    pub pos: &'static str,
    pub start: usize,
    pub end: usize,
}

/// Segments one sentence into tagged words.
pub fn words(sentence: &str) -> Vec<Word> {
    let mut out = Vec::new();
    tokens_into(sentence, 0, 0, &mut out, &mut Vec::new());
    out.into_iter()
        .map(|t| Word { word: t.word, pos: t.pos, start: t.char_start as usize, end: t.char_end as usize })
        .collect()
}

/// [`words`] as the tokens of sentence `sentence_index`, which starts at char `char_start` of
/// its document, appended to `out`: the segmenter's tokens are written once, where they stay,
/// instead of being built as words and copied into tokens.
///
/// The keyword candidates among the new tokens are appended to `candidates`, in token order,
/// as their ids in the thread's candidate table (see [`super::keywords::keywords_of`]): the
/// word's table entry already knows whether it is one, so ranking needs no second lookup.
pub fn tokens_into(sentence: &str, sentence_index: u32, char_start: u32, out: &mut Vec<Token>, candidates: &mut Vec<u32>) {
    let base = out.len();
    let mut last_byte = 0;
    let mut last_char = char_start;
    // Only where a figure's span is found is anything captured: captures would need the
    // slower PikeVM on every sentence.
    for (from, to) in figures(sentence) {
        // A digit run glued to ASCII letters, digits or URL punctuation is part of a code (S309)
        // or an address ("…/202501/23/30"), not a figure.
        let glued = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '=' | '&' | '#' | '\\');
        if sentence[..from].chars().next_back().is_some_and(glued)
            || sentence[to..].chars().next().is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '_' | '='))
        {
            continue;
        }
        let whole = &sentence[from..to];
        let gap = &sentence[last_byte..from];
        tag_gap(gap, sentence_index, last_char, out, candidates);
        let start = last_char + gap.chars().count() as u32;
        let end = start + whole.chars().count() as u32;
        let pos = if is_time(whole) { TAG_TIME } else { TAG_QUANTITY };
        out.push(Token { sentence_index, index: 0, word: whole.into(), pos, char_start: start, char_end: end });
        last_byte = to;
        last_char = end;
    }
    tag_gap(&sentence[last_byte..], sentence_index, last_char, out, candidates);
    // Numbered once the numeral merges are done.
    for (k, t) in out[base..].iter_mut().enumerate() {
        t.index = k as u32;
    }
    debug_assert!(out[base..].windows(2).all(|w| w[0].char_end == w[1].char_start));
}

/// A part-of-speech tag as a `&'static str`. jieba's tags come from its dictionary and a
/// fixed HMM tag set, so this table stays a few dozen entries; each distinct tag is stored once.
///
/// Per token this is a hot path: a thread-local list keyed by the tag's address (jieba hands
/// out tags that live in its process-wide dictionary, so one tag keeps one address) answers
/// without locking or hashing; only a tag seen for the first time on a thread takes the lock.
fn intern_tag(tag: &str) -> &'static str {
    use std::cell::RefCell;
    thread_local! {
        static SEEN: RefCell<Vec<(usize, usize, &'static str)>> = const { RefCell::new(Vec::new()) };
    }
    let key = (tag.as_ptr() as usize, tag.len());
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some(i) = seen.iter().position(|&(p, l, _)| (p, l) == key) {
            let hit = seen[i].2;
            // Frequent tags drift to the front, so the scan is short.
            if i > 0 {
                seen.swap(i, i - 1);
            }
            return hit;
        }
        let interned = intern_slow(tag);
        // Tags from jieba's HMM guesser are string literals (stable addresses as well); a tag
        // at an address not seen before is still found by text in the shared table.
        if seen.len() < 256 {
            seen.push((key.0, key.1, interned));
        }
        interned
    })
}

fn intern_slow(tag: &str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::RwLock;
    static TAGS: OnceLock<RwLock<HashMap<String, &'static str>>> = OnceLock::new();
    let tags = TAGS.get_or_init(Default::default);
    if let Some(t) = tags.read().expect("tag table").get(tag) {
        return t;
    }
    let mut w = tags.write().expect("tag table");
    *w.entry(tag.to_string()).or_insert_with(|| Box::leak(tag.to_string().into_boxed_str()))
}

/// The tokens of `gap`, a piece of sentence `sentence` without figures that starts at char
/// `offset` of the document (their `index` is set by the caller); the ids of its keyword
/// candidates are appended to `candidates`.
fn tag_gap(gap: &str, sentence: u32, offset: u32, out: &mut Vec<Token>, candidates: &mut Vec<u32>) {
    if gap.is_empty() {
        return;
    }
    let first = out.len();
    let first_candidate = candidates.len();
    // jieba's `tag` is `cut` plus a tag per word, and for a word outside its dictionary that
    // tag comes from a POS HMM run on the word (`guess_tag`): close to half of jieba's time on
    // report text, spent again on every occurrence of the same place or project name. A word's
    // tag depends on the word alone, so `cut` runs here and tags come from a per-thread table
    // of words already seen. A word not in the table is tagged alone; if jieba would not keep
    // it whole on its own (so its tag alone might not be its tag here), the gap is tagged the
    // plain way. Either way the words and tags are exactly those of `jieba.tag(gap, true)`.
    let words = jieba().cut(gap, true);
    // Whether any word starts with a Chinese numeral: only then can the numeral merge
    // change anything (most gaps have none, and the merge pass is skipped).
    let mut numeral_word = false;
    GAP_WORDS.with(|gap_words| {
        // What the merge asks of each word of the gap, and its candidate id, beside the tokens.
        let mut gap_words = gap_words.borrow_mut();
        gap_words.clear();
        // Whether every word of the gap was in the thread's table (else the gap is tagged whole).
        let all_in_table = WORD_TAGS.with(|tables| {
            let mut tables = tables.borrow_mut();
            for w in &words {
                let Some((word, known, candidate)) = tables.lookup(w.word) else { return false };
                numeral_word |= known.count.numeral;
                gap_words.push(GapWord { count: known.count, candidate });
                if candidate != NO_CANDIDATE {
                    candidates.push(candidate);
                }
                out.push(token(sentence, word, known.pos, offset, w.start, w.end));
            }
            true
        });
        if !all_in_table {
            // A word whose tag alone may not be its tag here: the words pushed so far go, and the
            // whole gap is tagged the plain way.
            out.truncate(first);
            gap_words.clear();
            for t in jieba().tag(gap, true) {
                let known = Known::of(t.word, intern_tag(t.tag));
                numeral_word |= known.count.numeral;
                gap_words.push(GapWord { count: known.count, candidate: ASK_AGAIN });
                out.push(token(sentence, t.word.into(), known.pos, offset, t.start, t.end));
            }
        }
        // Candidates stay as the table gave them, but for tokens the merge changed and those
        // of a gap tagged whole: those are asked one by one.
        let merged = numeral_word && merge_counts(out, first, &mut gap_words);
        if !all_in_table || merged {
            candidates.truncate(first_candidate);
            for (t, g) in out[first..].iter().zip(gap_words.iter()) {
                match g.candidate {
                    ASK_AGAIN if keywords::is_candidate(t) => candidates.push(keywords::candidate_id(&t.word)),
                    ASK_AGAIN | NO_CANDIDATE => {}
                    id => candidates.push(id),
                }
            }
        }
    });
}

/// A token of a gap at char `offset`, from jieba's char offsets within the gap.
#[inline]
fn token(sentence: u32, word: compact_str::CompactString, pos: &'static str, offset: u32, start: usize, end: usize) -> Token {
    Token { sentence_index: sentence, index: 0, word, pos, char_start: offset + start as u32, char_end: offset + end as u32 }
}

/// A Chinese numeral character that can start a count ("三批次", "二千一百").
fn is_numeral_start(c: char) -> bool {
    matches!(c, '零' | '〇' | '○' | '一' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十')
}

/// Distinct words whose tag a thread keeps in each of its two word tables (short and long
/// words; a cleared table only costs lookups again).
const WORD_TAGS_MAX: usize = 1 << 18;

/// What a word brings to its token wherever it occurs, worked out once per word and thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    /// jieba's tag of the word, after the code-digit rule.
    pos: &'static str,
    /// What the numeral merge asks of the word.
    count: Count,
}

impl Known {
    fn of(word: &str, tag: &'static str) -> Known {
        // Digits that reach jieba were refused as figures (glued to a code or an address):
        // jieba would tag them `m`; they are code pieces.
        let pos = if tag == TAG_QUANTITY && word.bytes().any(|c| c.is_ascii_digit()) { "eng" } else { tag };
        Known { pos, count: Count::of(word) }
    }
}

/// A token of the gap at hand as the numeral merge sees it: its word's [`Count`], and its
/// keyword candidate id as the word table gave it ([`NO_CANDIDATE`] for none), or
/// [`ASK_AGAIN`] for a token the merge changed and for every token of a gap tagged whole
/// (whose words did not come from the table).
#[derive(Debug, Clone, Copy)]
struct GapWord {
    count: Count,
    candidate: u32,
}

/// The candidate id of a token whose word or tag is not (or not known to be) its table
/// entry's: asked again, token by token.
const ASK_AGAIN: u32 = u32::MAX - 1;

/// What the numeral merge ([`merge_counts`]; the regex-driven `merge_chinese_counts` it
/// replaced, kept in the tests, asked it of every occurrence) asks of a word, answered once
/// per word and thread (a fifth of the gaps hold a word that starts with a numeral).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    /// The word starts with a Chinese numeral: a merge may start here.
    numeral: bool,
    /// The word is Chinese numeral characters only ("二千"): a numeral after it joins it.
    all_numeral: bool,
    /// The word is a Chinese numeral, with or without a unit (`chinese_numeral_re`).
    is_count: bool,
    /// ... and it holds its unit ("四个", "三成").
    with_unit: bool,
    /// The word is a unit, optionally after a scale word ("批次", "万元").
    unit: bool,
}

impl Count {
    fn of(word: &str) -> Count {
        let first = word.chars().next();
        // Asked of every new word, so the first char answers for most: a count starts with
        // one of the pattern's first chars, a unit word with the first char of a unit or of a
        // scale (test `merge_counts_matches_merge_chinese_counts` checks both against the
        // full tests).
        let re = chinese_numeral_re();
        let is_count = first.is_some_and(|c| "一二两三四五六七八九十".contains(c)) && re.is_match(word);
        Count {
            numeral: first.is_some_and(is_numeral_start),
            all_numeral: word.chars().all(|c| "零〇○一二两三四五六七八九十百千万亿".contains(c)),
            is_count,
            with_unit: is_count && re.captures(word).is_some_and(|c| c.name("unit").is_some()),
            unit: first.is_some_and(|c| unit_word_starts().binary_search(&c).is_ok()) && is_unit_word(word),
        }
    }
}

/// The chars a unit word can start with ([`is_unit_word`]): the first chars of the units and
/// of the scales (a unit word is a unit, or a scale and then a unit), sorted.
fn unit_word_starts() -> &'static [char] {
    static STARTS: OnceLock<Vec<char>> = OnceLock::new();
    STARTS.get_or_init(|| {
        let b = units();
        let mut v: Vec<char> = b.unit_texts().into_iter().chain(b.scale_texts()).filter_map(|t| t.chars().next()).collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// A word's entry in [`WordTags`]: 8 bytes beside its 24-byte key, so an entry is 32 bytes
/// and never straddles two cache lines (with the [`Known`] itself, 48 bytes did); the table is
/// read once per token and is larger than the caches, so its size is what a lookup costs.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// 0 when jieba splits the word on its own, else 1 + an index into `WordTags::kinds`.
    kind: u32,
    /// The word's id in the thread's keyword candidate table, or [`NO_CANDIDATE`].
    candidate: u32,
}

/// A thread's words with what they bring ([`Known`], and whether they are a keyword
/// candidate), or nothing for a word jieba splits on its own.
///
/// A large share of report tokens are one character (的, 和, punctuation): those are looked
/// up by code point in a flat array of small indices instead of being hashed and compared.
/// (A one-char word is never a keyword candidate, which needs two chars.)
#[derive(Default)]
struct WordTags {
    /// Words longer than [`SHORT_WORD_BYTES`] bytes (three or more CJK chars; shorter words are
    /// in `short`). Keys inline (up to 24 bytes, nearly every word): a probe compares the key in
    /// the table itself instead of following a pointer to it, one cache miss fewer per token.
    words: rustc_hash::FxHashMap<compact_str::CompactString, Entry>,
    /// Words of at most [`SHORT_WORD_BYTES`] bytes (two-char words of CJK text, the commonest
    /// past one char), keyed by their bytes packed into an integer ([`short_key`]) instead of
    /// by a string: an entry is 16 bytes instead of 32, and a probe compares one integer where
    /// it read the key's length out of its inline string and called `memcmp`. The table is
    /// larger than the caches and a token's probe mostly waits on its entry, so the smaller
    /// entries are what pays. One-char words the flat `chars` table cannot hold (past the
    /// BMP, one jieba splits, or a kind past the 255 a byte indexes) come here as well.
    short: rustc_hash::FxHashMap<u64, Entry>,
    /// One-char words of the BMP by code point: 0 when not seen yet, else 1 + an index into
    /// `kinds`. Allocated on first use (64 KiB).
    chars: Vec<u8>,
    /// The distinct [`Known`]s, of one-char and longer words alike: each a tag with its word's
    /// whole [`Count`] (five flags). Few on report text (never past the 255 a byte of `chars`
    /// indexes).
    kinds: Vec<Known>,
}

impl WordTags {
    /// The word as a token's text, what it brings, and its keyword candidate id (or
    /// [`NO_CANDIDATE`]); `None` when jieba would split it alone.
    #[inline]
    fn lookup(&mut self, word: &str) -> Option<(compact_str::CompactString, Known, u32)> {
        let one_char = single_bmp_char(word);
        if let Some(c) = one_char {
            if self.chars.is_empty() {
                self.chars = vec![0; 1 << 16];
            }
            let k = self.chars[c as usize];
            if k != 0 {
                return Some((word.into(), self.kinds[k as usize - 1], NO_CANDIDATE));
            }
        }
        // A long word is copied out of the table's key (a 24-byte copy for an inline key)
        // rather than built again from the text; a short one is built from the text (its key
        // is no string). A one-char word is found in `short` only when the flat table could
        // not hold it (see below), so jieba is not asked again on every occurrence.
        let short = short_key(word);
        if let Some(key) = short {
            if let Some(e) = self.short.get(&key) {
                return (e.kind != 0).then(|| (word.into(), self.kinds[e.kind as usize - 1], e.candidate));
            }
        } else if let Some((word, e)) = self.words.get_key_value(word) {
            return (e.kind != 0).then(|| (word.clone(), self.kinds[e.kind as usize - 1], e.candidate));
        }
        let known = tag_alone(word).map(|t| Known::of(word, t));
        let kind = known.map(|k| self.kind_index(k));
        if let (Some(c), Some(known), Some(i)) = (one_char, known, kind) {
            // More kinds than a byte holds (never on report text): the map keeps it.
            if i < u8::MAX as usize {
                self.chars[c as usize] = i as u8 + 1;
                return Some((word.into(), known, NO_CANDIDATE));
            }
        }
        if self.words.len() >= WORD_TAGS_MAX {
            self.words.clear();
        }
        if self.short.len() >= WORD_TAGS_MAX {
            self.short.clear();
        }
        // A word's candidacy, like its tag, is the word's alone: asked once, here.
        let candidate = match known {
            Some(k) if keywords::is_candidate_word(word, word.chars().count(), k.pos) => keywords::candidate_id(word),
            _ => NO_CANDIDATE,
        };
        // Words jieba splits on their own are remembered too, so they are not tagged alone
        // again on every occurrence.
        let entry = Entry { kind: kind.map_or(0, |i| i as u32 + 1), candidate };
        let word = compact_str::CompactString::from(word);
        match short {
            Some(key) => self.short.insert(key, entry),
            None => self.words.insert(word.clone(), entry),
        };
        known.map(|k| (word, k, candidate))
    }

    /// The index of `known` in `kinds`, added if new.
    fn kind_index(&mut self, known: Known) -> usize {
        self.kinds.iter().position(|&x| x == known).unwrap_or_else(|| {
            self.kinds.push(known);
            self.kinds.len() - 1
        })
    }
}

/// Forgets the thread's words (not its one-char table, whose words are never candidates):
/// their candidate ids are no longer valid once the candidate table starts again.
pub(super) fn forget_candidates() {
    WORD_TAGS.with(|t| {
        let mut t = t.borrow_mut();
        t.words.clear();
        t.short.clear();
    });
}

/// The longest word [`short_key`] packs: seven bytes and the length in the eighth.
const SHORT_WORD_BYTES: usize = 7;

/// `word`'s bytes in the low bytes of an integer (little-endian, the rest zero) and its length
/// in the top byte, when it has at most [`SHORT_WORD_BYTES`] bytes: one integer per word and
/// one word per integer, so the integer can stand for the word as a table key. Read in two
/// loads that may overlap (the bytes they share are the same bytes) rather than byte by byte.
#[inline]
fn short_key(word: &str) -> Option<u64> {
    let b = word.as_bytes();
    let n = b.len();
    let bytes = match n {
        0 => 0,
        1..=3 => b[0] as u64 | (b[n / 2] as u64) << (8 * (n / 2)) | (b[n - 1] as u64) << (8 * (n - 1)),
        4..=SHORT_WORD_BYTES => {
            let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
            let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]) as u64;
            lo | hi << (8 * (n - 4))
        }
        _ => return None,
    };
    Some(bytes | (n as u64) << 56)
}

/// The code point of `word` when it is one character of the Basic Multilingual Plane.
#[inline]
fn single_bmp_char(word: &str) -> Option<u16> {
    let b = word.as_bytes();
    match *b {
        [x] => Some(x as u16),
        [x, y] => Some(((x as u16 & 0x1F) << 6) | (y as u16 & 0x3F)),
        [x, y, z] => Some(((x as u16 & 0x0F) << 12) | ((y as u16 & 0x3F) << 6) | (z as u16 & 0x3F)),
        _ => None,
    }
    // A two- or three-byte `word` could be two or three ASCII chars, or an ASCII char and a
    // two-byte one: only a lead byte of the right length makes it one char.
    .filter(|_| matches!((b.len(), b[0]), (1, 0..0x80) | (2, 0xC0..0xE0) | (3, 0xE0..0xF0)))
}

thread_local! {
    static WORD_TAGS: std::cell::RefCell<WordTags> = Default::default();
    /// [`GapWord`]s of the tokens of the gap at hand (reused from gap to gap).
    static GAP_WORDS: std::cell::RefCell<Vec<GapWord>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The tag jieba gives `word` when the word is the whole text and stays one word: then the tag
/// is its dictionary tag or, outside the dictionary, its HMM guess — both functions of the word
/// alone, so the same as in any sentence. `None` when jieba splits the word on its own.
fn tag_alone(word: &str) -> Option<&'static str> {
    match jieba().tag(word, true).as_slice() {
        [one] if one.word == word => Some(intern_tag(one.tag)),
        _ => None,
    }
}

fn chinese_numeral_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"^[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*(?:点[零〇一二三四五六七八九]+)?(?:余|多)?(?P<unit>%|个百分点|倍|{})?$",
            esc(units().unit_texts())
        ))
        .expect("Chinese numeral pattern compiles")
    })
}

/// jieba's words for a Chinese numeral and its measure word ("三/m 批次/d", "八/m 方面/n",
/// "四个/m") become one quantity word, as Arabic figures are. Read from what each word's
/// [`Count`] says (`gap[k]` is that of `ws[from + k]`) instead of regexes on every numeral-led
/// word: the same merges as the regex-driven `merge_chinese_counts` it replaced (kept in the
/// tests; test `merge_counts_matches_merge_chinese_counts` holds the two together). Only a word
/// built by a merge is asked again. A token it changes (merged or retagged) gets the candidate
/// id [`ASK_AGAIN`]; returns whether there was any.
fn merge_counts(ws: &mut Vec<Token>, from: usize, gap: &mut Vec<GapWord>) -> bool {
    debug_assert_eq!(ws.len() - from, gap.len());
    let mut changed = false;
    let mut i = from;
    while i < ws.len() {
        if !gap[i - from].count.numeral {
            i += 1;
            continue;
        }
        while i + 1 < ws.len() && gap[i - from].count.all_numeral && gap[i + 1 - from].count.is_count {
            absorb_next(ws, gap, from, i);
            gap[i - from] = GapWord { count: Count::of(&ws[i].word), candidate: ASK_AGAIN };
            changed = true;
        }
        let c = gap[i - from].count;
        if c.is_count {
            if c.with_unit {
                ws[i].pos = TAG_QUANTITY;
                gap[i - from].candidate = ASK_AGAIN;
                changed = true;
            } else if i + 1 < ws.len() && gap[i + 1 - from].count.unit {
                absorb_next(ws, gap, from, i);
                ws[i].pos = TAG_QUANTITY;
                // Its count is not asked again: the scan goes on after this word.
                gap[i - from].candidate = ASK_AGAIN;
                changed = true;
            }
        }
        i += 1;
    }
    changed
}

/// Token `i` takes in the token after it (its word is appended, its end becomes `i`'s), and
/// the gap's record of that token goes with it (`gap[k]` is that of `ws[from + k]`).
#[inline]
fn absorb_next(ws: &mut Vec<Token>, gap: &mut Vec<GapWord>, from: usize, i: usize) {
    let next = ws.remove(i + 1);
    gap.remove(i + 1 - from);
    ws[i].word.push_str(&next.word);
    ws[i].char_end = next.char_end;
}

/// The regex-driven merge [`merge_counts`] replaced (the same merges, from regexes on every
/// numeral-led word): the reference the tests hold it to.
#[cfg(test)]
fn merge_chinese_counts(ws: &mut Vec<Token>, from: usize) {
    // Every merge starts at a word that begins with a Chinese numeral; most words don't, and
    // the check on the first character spares them the regex.
    let numeral_start = |w: &str| w.chars().next().is_some_and(is_numeral_start);
    let mut i = from;
    while i < ws.len() {
        if !numeral_start(&ws[i].word) {
            i += 1;
            continue;
        }
        // "二千/m 一百一十六个/m": one numeral split by jieba.
        while i + 1 < ws.len()
            && ws[i].word.chars().all(|c| "零〇○一二两三四五六七八九十百千万亿".contains(c))
            && chinese_numeral_re().is_match(&ws[i + 1].word)
        {
            let next = ws.remove(i + 1);
            ws[i].word.push_str(&next.word);
            ws[i].char_end = next.char_end;
        }
        // Most numeral-led words ("一是", "三农") are no count at all: the DFA says so before
        // the slower capturing search runs.
        let re = chinese_numeral_re();
        if let Some(c) = re.is_match(&ws[i].word).then(|| re.captures(&ws[i].word)).flatten() {
            if c.name("unit").is_some() {
                ws[i].pos = TAG_QUANTITY;
            } else if i + 1 < ws.len() && is_unit_word(&ws[i + 1].word) {
                let next = ws.remove(i + 1);
                ws[i].word.push_str(&next.word);
                ws[i].char_end = next.char_end;
                ws[i].pos = TAG_QUANTITY;
            }
        }
        i += 1;
    }
}

/// A unit, optionally after a scale word ("批次", "万元").
fn is_unit_word(w: &str) -> bool {
    // The scale words, listed once: `scale_texts` builds and sorts a new list on every call.
    static SCALES: OnceLock<Vec<&'static str>> = OnceLock::new();
    let b = units();
    let scales = SCALES.get_or_init(|| b.scale_texts());
    b.unit(w).is_some() || scales.iter().any(|s| w.strip_prefix(s).is_some_and(|u| u.is_empty() || b.unit(u).is_some()))
}

fn esc(v: Vec<&str>) -> String {
    v.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(s: &str) -> Vec<(String, String)> {
        words(s).into_iter().map(|w| (w.word.to_string(), w.pos.to_string())).collect()
    }

    #[test]
    fn figures_stay_whole_and_domain_terms_stay_whole() {
        let w = ws("实现社会消费品零售总额449.7亿元,增长8.2%,增速位列全市第二");
        assert!(w.contains(&("社会消费品零售总额".into(), "n".into())), "{w:?}");
        assert!(w.contains(&("449.7亿元".into(), "m".into())), "{w:?}");
        assert!(w.contains(&("8.2%".into(), "m".into())), "{w:?}");
        let w = ws("规上工业增加值同比增长7.0%,收窄24.1个百分点");
        assert!(w.iter().any(|(x, _)| x == "规上工业增加值"), "{w:?}");
        assert!(w.contains(&("24.1个百分点".into(), "m".into())), "{w:?}");
        let w = ws("1-6月,预计2022年完成");
        assert!(w.contains(&("1-6月".into(), "t".into())), "{w:?}");
        assert!(w.contains(&("2022年".into(), "t".into())), "{w:?}");
    }

    /// Sentences of the seeds (000, 001, 003 and 004 after normalization): terms whole, figures
    /// one `m` token.
    #[test]
    fn seed_sentences_keep_terms_and_figures_whole() {
        let cases: [(&str, &[&str], &[&str]); 6] = [
            ("引进内资194.3亿元;实际利用外资2.3亿美元,完成率位列全市第一。", &["引进内资", "实际利用外资", "完成率"], &["194.3亿元", "2.3亿美元"]),
            ("规上工业增加值实现31.3亿元,同比增长9.5%;规上服务业增加值实现1.5亿元,同比增长16.7%;", &["规上工业增加值", "规上服务业增加值"], &["31.3亿元", "9.5%", "1.5亿元", "16.7%"]),
            ("全年实现固定资产投资217.3亿元,同比增长14.8%。", &["固定资产投资"], &["217.3亿元", "14.8%"]),
            ("自去年全省率先提出打造共同富裕示范区以来,我们加大民生保障。", &["共同富裕示范区", "民生"], &[]),
            ("深入实施亩均论英雄改革,培育专精特新小巨人企业,持续优化营商环境,稳妥推进碳达峰。", &["亩均论英雄", "专精特新", "小巨人", "营商环境", "碳达峰"], &[]),
            ("一般公共预算收入同比下降24.1个百分点,城乡居民人均可支配收入增长5.8%。", &["一般公共预算收入", "城乡居民人均可支配收入"], &["24.1个百分点", "5.8%"]),
        ];
        for (sentence, terms, figures) in cases {
            let w = ws(sentence);
            for t in terms {
                assert!(w.iter().any(|(x, _)| x == t), "{t} split in {w:?}");
            }
            for f in figures {
                assert!(w.contains(&(f.to_string(), TAG_QUANTITY.to_string())), "{f} not one m token in {w:?}");
            }
        }
    }

    #[test]
    fn jieba_loads_once_across_threads() {
        let handles: Vec<_> = (0..4).map(|_| std::thread::spawn(|| words("营商环境持续优化").len())).collect();
        for h in handles {
            assert!(h.join().unwrap() > 0);
        }
        words("共同富裕");
        assert_eq!(jieba_loads(), 1);
    }

    /// The per-thread word→tag table gives exactly jieba's own `tag` over real report text:
    /// the same words, offsets and tags, on a cold table and on a warm one.
    #[test]
    fn tag_table_matches_jieba_tag_on_the_seeds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut lines = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for line in text.lines().filter(|l| !l.trim().is_empty()).take(400) {
                let expected: Vec<(String, &str, usize, usize)> = jieba()
                    .tag(line, true)
                    .into_iter()
                    .map(|t| (t.word.to_string(), intern_tag(t.tag), t.start, t.end))
                    .collect();
                for _ in 0..2 {
                    let mut out = Vec::new();
                    // A gap of sentence 3 that starts at char 7 of its document.
                    tag_gap(line, 3, 7, &mut out, &mut Vec::new());
                    // Compare before the numeral merge and the code-digit rule change anything:
                    // tag_gap applies both, so apply them to jieba's words as well.
                    let mut want: Vec<Token> = expected
                        .iter()
                        .map(|(w, t, a, b)| Token {
                            sentence_index: 3,
                            index: 0,
                            word: w.as_str().into(),
                            pos: if *t == TAG_QUANTITY && w.bytes().any(|c| c.is_ascii_digit()) { "eng" } else { t },
                            char_start: 7 + *a as u32,
                            char_end: 7 + *b as u32,
                        })
                        .collect();
                    merge_chinese_counts(&mut want, 0);
                    assert_eq!(out, want, "{line}");
                }
                lines += 1;
            }
        }
        assert!(lines > 200, "{lines}");
    }

    /// The merge from each word's [`Count`] makes exactly the merges and retags of the
    /// regex-driven merge, on jieba's words for every line of the seeds and of the shared
    /// corpus (when GOVREPORT_CORPUS names it; GBK files read lossily) and on crafted counts (numerals split by jieba, units
    /// after scales, numerals in words, percent and 百分点, runs at the ends); and it says
    /// "unchanged" only when nothing changed.
    #[test]
    fn merge_counts_matches_merge_chinese_counts() {
        let mut lines: Vec<String> = Vec::new();
        for text in crate::segment::test_texts::seed_and_corpus_texts() {
            lines.extend(text.lines().map(str::to_string));
        }
        let crafted = [
            "三批次", "四个方面", "八方面工作", "二千一百一十六个村", "二千一百一十六", "一百万元", "三成", "五个百分点", "两倍", "十余家",
            "七八个", "一是二是三是", "进一步统一部署", "三农问题", "一二三四五六七八九十", "十四五", "零〇○", "一 二 三", "第三批次",
            "三千", "三千万", "三千万元", "三点五个百分点", "九", "一批一批", "两个一百年", "五多家", "十万多元", "一百二十万平方米",
        ];
        lines.extend(crafted.iter().map(|s| s.to_string()));
        // Every unit and scale, alone, after each other and after a numeral.
        let b = units();
        for u in b.unit_texts() {
            lines.push(format!("三{u}"));
            for s in b.scale_texts() {
                lines.push(format!("{s}{u},二十{s}{u},{s}"));
            }
        }
        let mut words: Vec<String> = b.unit_texts().into_iter().chain(b.scale_texts()).map(str::to_string).collect();
        for s in b.scale_texts() {
            words.extend(b.unit_texts().into_iter().map(|u| format!("{s}{u}")));
        }
        words.extend(["三", "三个", "二千", "一百万元", "十余家", "四个百分点", "个", "家", "元"].map(str::to_string));
        for w in &words {
            let c = Count::of(w);
            assert_eq!(c.unit, is_unit_word(w), "{w}");
            assert_eq!(c.is_count, chinese_numeral_re().is_match(w), "{w}");
        }
        assert!(words.iter().filter(|w| is_unit_word(w)).count() > 50);
        let (mut merges, mut changes) = (0, 0);
        for line in &lines {
            let base: Vec<Token> = jieba()
                .tag(line, true)
                .into_iter()
                .map(|t| token(0, t.word.into(), Known::of(t.word, intern_tag(t.tag)).pos, 0, t.start, t.end))
                .collect();
            // Behind a token that is not merged, as in a sentence's later gaps.
            for t in &base {
                let c = Count::of(&t.word);
                assert_eq!(c.is_count, chinese_numeral_re().is_match(&t.word), "{}", t.word);
                assert_eq!(c.unit, is_unit_word(&t.word), "{}", t.word);
            }
            for from in [0, 1.min(base.len())] {
                let mut want = base.clone();
                merge_chinese_counts(&mut want, from);
                let mut got = base.clone();
                let mut gap: Vec<GapWord> = got[from..].iter().map(|t| GapWord { count: Count::of(&t.word), candidate: 0 }).collect();
                let changed = merge_counts(&mut got, from, &mut gap);
                assert_eq!(got, want, "{line}");
                assert_eq!(gap.len(), got.len() - from);
                // A token the merge did not mark is the token it was.
                for (t, g) in got[from..].iter().zip(&gap) {
                    if g.candidate != ASK_AGAIN {
                        assert!(base.contains(t), "{line}: {t:?}");
                    }
                }
                if !changed {
                    assert_eq!(got, base, "{line}");
                } else {
                    changes += 1;
                }
                merges += base.len() - got.len();
            }
        }
        assert!(merges > 100 && changes > 100, "{merges} merges, {changes} changed");
    }

    /// The packed key of a short word is its bytes, zero-padded, with its length on top: the
    /// same as copying the bytes into a zeroed integer, for every length and for bytes that are
    /// zero; and no key for longer words.
    #[test]
    fn short_key_is_the_bytes_and_the_length() {
        let cases = ["", "a", "\0", "\0\0", "ab", "a\0", "\0a", "abc", "中", "中a", "a中", "中文", "中文a", "中\0", "abcdefg", "中文\0", "abcdefgh", "中文字", "增长率"];
        let mut keys = std::collections::HashSet::new();
        for s in cases {
            let want = (s.len() <= SHORT_WORD_BYTES).then(|| {
                let mut buf = [0u8; 8];
                buf[..s.len()].copy_from_slice(s.as_bytes());
                buf[7] = s.len() as u8;
                u64::from_le_bytes(buf)
            });
            assert_eq!(short_key(s), want, "{s:?}");
            if let Some(k) = want {
                assert!(keys.insert(k), "{s:?}");
            }
        }
    }

    /// The one-char test behind the flat table: exactly the words that are one char of the
    /// BMP, with that char's code point.
    #[test]
    fn single_bmp_char_is_one_char_of_the_bmp() {
        let cases = ["", "a", "ab", "abc", "abcd", "é", "aé", "éa", "\u{7ff}", "\u{800}", "中", "中a", "a中", "，", "\u{ffff}", "𝟏", "𝟏a", "中文"];
        for s in cases {
            let mut it = s.chars();
            let want = match (it.next(), it.next()) {
                (Some(c), None) if (c as u32) < 0x1_0000 => Some(c as u32 as u16),
                _ => None,
            };
            assert_eq!(single_bmp_char(s), want, "{s:?}");
        }
    }

    /// Every line of the seeds, and crafted edge cases (other scripts' digits, figures at the
    /// ends, numerals inside words, codes), split into the same figures by the anchored scan as
    /// by the unanchored `find_iter`, and get the same date/quantity tag by both time checks.
    /// Every digit the figure pattern's `\d` matches, in every plane, can start a figure: the
    /// start filter skips nothing the regex would find, whatever Unicode version std has.
    #[test]
    fn every_regex_digit_may_start_a_figure() {
        let starts = figure_starts();
        let digit = Regex::new(r"^\d$").unwrap();
        let mut n = 0;
        for &(a, b) in regex_digits() {
            for c in (a as u32..=b as u32).filter_map(char::from_u32) {
                assert!(digit.is_match(c.encode_utf8(&mut [0; 4])), "{c:?} is not a regex digit");
                assert!(may_start_figure(starts, c), "{c:?} (U+{:04X}) cannot start a figure", c as u32);
                let s = format!("增长{c}");
                assert_eq!(next_figure_start(starts, &s, 0), Some(("增长".len(), c.len_utf8())), "{c:?}");
                n += 1;
            }
        }
        assert!(n > 600, "{n} digits");
        assert!(regex_digits().iter().any(|&(_, b)| b as u32 > 0xFFFF), "\\d reaches past the BMP");
    }

    #[test]
    fn figure_scan_matches_find_iter() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut lines: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            lines.extend(text.lines().map(str::to_string));
        }
        let crafted = [
            "", "1", "一", "翻", "翻一番", "翻五番", "百分之三十六点九", "万分之24.7", "千分之", "三分之一", "十二分之五", "1/4",
            "一九五三年", "二〇二二年", "二〇二年", "2022年1-6月", "2022年1月2日", "1-6月", "12月31日", "2月", "13-14月",
            "增长8.2%,收窄24.1个百分点", "15%至25%", "3～5倍", "1,234.5万元", "1,23万元", "8.2%%", "100余万元", "五百多家",
            "S309改造", "…/202501/23/30", "a1", "1a", "v2.0", "x=1&y=2", "统一部署进一步三批次", "四个方面", "七八九十",
            "２０２２年增长８.２%", "٣٤٥亿元", "१२३", "①②③", "½", "𝟏𝟐𝟑万元", "〇○零", "十一五规划", "第1名,第一名",
            "一二两三四五六七八九十百千万分之一", "一百分之二十", "二十分之", "1.", ".5", "1.5.6", "20220年", "192年", "1920年",
            "十分重要", "万分之", "百分百", "千分之五", "翻番", "翻三番", "翻二十", "一〇二〇年", "二○二二年", "二零二二年", "一",
            "十", "进一步", "三农", "两个百分点", "三分之", "三分", "一二三四年", "九九九九年", "十分之一点五", "万一", "〇〇",
        ];
        lines.extend(crafted.iter().map(|s| s.to_string()));
        let time_re = Regex::new(&format!("^(?:{TIME_PATTERN})$")).unwrap();
        let mut figures_seen = 0;
        for line in &lines {
            let old: Vec<(usize, usize)> = figure_re().find_iter(line).map(|m| (m.start(), m.end())).collect();
            let new: Vec<(usize, usize)> = figures(line).collect();
            assert_eq!(new, old, "{line}");
            for (a, b) in new {
                assert_eq!(is_time(&line[a..b]), time_re.is_match(&line[a..b]), "{}", &line[a..b]);
                figures_seen += 1;
            }
        }
        assert!(figures_seen > 500, "{figures_seen}");
    }

    #[test]
    fn offsets_tile_the_sentence() {
        let s = "完成房屋征收签约28万平方米,S309改造";
        let w = words(s);
        let chars: Vec<char> = s.chars().collect();
        let mut pos = 0;
        for x in &w {
            assert_eq!(x.start, pos);
            assert_eq!(chars[x.start..x.end].iter().collect::<String>(), x.word);
            pos = x.end;
        }
        assert_eq!(pos, chars.len());
        assert!(w.iter().any(|x| x.word == "28万平方米"));
        assert!(!w.iter().any(|x| x.word == "309"), "a code's digits are not a figure");
    }
}
