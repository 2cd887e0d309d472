//! Script detection and traditional → simplified conversion at phrase level, with OpenCC's
//! Apache-2.0 tables through zhconv (its GPL MediaWiki tables are not compiled in).
//!
//! zhconv leaves a character with several OpenCC candidates (乾 → "干 乾", 劃 → "划 劃",
//! 戰 → "战 戰") unconverted; OpenCC's t2s takes the first candidate. `data/opencc_t2s_multi.txt`
//! (derived from OpenCC's TSCharacters and TSPhrases) adds those first candidates together with
//! every OpenCC phrase holding such a character, and one converter is built from zhconv's tables
//! plus these rules, so leftmost-longest matching lets phrases win: 乾隆 stays, 天乾物燥 → 天干物燥.

use super::width::{is_han, CharSet};

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use zhconv::{get_builtin_converter, get_builtin_tables, Variant, ZhConverter, ZhConverterBuilder};

use crate::model::Script;

/// OpenCC rules for multi-candidate characters and the phrases that protect them.
pub const MULTI_CANDIDATE_RULES: &str = include_str!("../../data/opencc_t2s_multi.txt");

/// The project's own phrase additions (著 → 着 where the reading is certain: 着力, 随着).
pub const EXTRA_PHRASES: &str = include_str!("../../data/t2s_phrases_extra.txt");

/// The (source, target) pairs of [`MULTI_CANDIDATE_RULES`].
fn multi_candidate_pairs() -> impl Iterator<Item = (&'static str, &'static str)> {
    rule_pairs(MULTI_CANDIDATE_RULES, "data/opencc_t2s_multi.txt")
}

fn rule_pairs(data: &'static str, file: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    data.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('[') && !l.trim().is_empty())
        .map(move |l| l.split_once('\t').unwrap_or_else(|| panic!("{file}: every rule line is source<TAB>target, not {l:?}")))
}

/// The process-wide t2s converter: zhconv's OpenCC tables plus the multi-candidate rules, and
/// an index of the rules that change something (see [`may_change`]).
struct T2s {
    conv: ZhConverter,
    /// Bit per code point: the char is changed by some rule ([`rule_changes`] marks it).
    marked: Vec<u64>,
    /// The chars `marked` leaves out, as a set to walk text with: [`may_change`] stops only at
    /// marked chars.
    unmarked: CharSet,
    /// Marked chars that a one-char rule changes: their presence alone may change a text.
    alone: FxHashSet<char>,
    /// Every other marked char: the sources of the rules that mark it, each with the byte
    /// offset of the char in the source.
    in_phrases: FxHashMap<char, Vec<(Box<str>, usize)>>,
    /// Bit per code point: every rule holding the char changes it, as a one-char rule does
    /// (see [`t2s_bounds`]).
    always: Vec<u64>,
    /// Some rule changes the length of what it matches.
    resizes: bool,
}

fn builder() -> ZhConverterBuilder<'static> {
    ZhConverterBuilder::new()
        .target(Variant::ZhHans)
        .tables(get_builtin_tables(Variant::ZhHans))
        .conv_pairs(multi_candidate_pairs())
        .conv_pairs(rule_pairs(EXTRA_PHRASES, "data/t2s_phrases_extra.txt"))
}

/// The chars of a rule's source that mark it as changing text, with their byte offsets: where
/// source and target have the same length, the source chars that differ from the target;
/// otherwise every source char. Empty for a rule that gives back what it matches (乾隆 → 乾隆).
fn rule_changes(from: &str, to: &str) -> Vec<(usize, char)> {
    if from.chars().count() == to.chars().count() {
        from.char_indices().zip(to.chars()).filter(|((_, a), b)| a != b).map(|(x, _)| x).collect()
    } else {
        from.char_indices().collect()
    }
}

fn t2s() -> &'static T2s {
    static CONV: OnceLock<T2s> = OnceLock::new();
    CONV.get_or_init(|| {
        let b = builder();
        let mut marked: Vec<u64> = Vec::new();
        let mut alone = FxHashSet::default();
        let mut in_phrases: FxHashMap<char, Vec<(Box<str>, usize)>> = FxHashMap::default();
        let mut kept = FxHashSet::default();
        let mut resizes = false;
        for (from, to) in b.build_mapping() {
            if from.chars().count() == to.chars().count() {
                kept.extend(from.chars().zip(to.chars()).filter(|(a, b)| a == b).map(|x| x.0));
            } else {
                resizes = true;
            }
            let changes = rule_changes(&from, &to);
            let one_char = from.chars().nth(1).is_none();
            for (off, c) in changes {
                set_bit(&mut marked, c);
                if one_char {
                    alone.insert(c);
                } else {
                    in_phrases.entry(c).or_default().push((from.as_str().into(), off));
                }
            }
        }
        // Checked in a fixed order (the rules come from a hash map).
        in_phrases.values_mut().for_each(|v| v.sort());
        let unmarked = {
            let marked = marked.clone();
            CharSet::new(move |c| !bit(&marked, c))
        };
        let mut always = Vec::new();
        alone.iter().filter(|c| !kept.contains(c)).for_each(|&c| set_bit(&mut always, c));
        T2s { conv: b.build(), marked, unmarked, alone, in_phrases, always, resizes }
    })
}

/// Whether [`to_simplified`] could change `text`: whether it holds the source of a rule that
/// changes what it matches. The converter replaces rule sources found in the text by their
/// targets, so a text without one comes out as it went in, and most simplified text (nearly
/// every document) skips the automaton. Each such source holds a marked char; most marked
/// chars are traditional and change on their own, and the few that also write simplified
/// words (覆 of 反覆 and 覆盖, 著 of 隨著 and 显著) are checked against their phrases.
pub fn may_change(text: &str) -> bool {
    let t = t2s();
    // The walk skips every unmarked char without decoding it (ASCII by a mask, three-byte
    // chars, all of CJK and its punctuation, by a bitmap read from their bytes; see
    // [`CharSet`]) and stops at each marked one. The same answer as the char walk kept in the
    // tests.
    let mut at = 0;
    while let Some(i) = t.unmarked.first_outside(text, at) {
        let c = text[i..].chars().next().expect("a char boundary");
        if marked_char_changes(t, text, i, c) {
            return true;
        }
        at = i + c.len_utf8();
    }
    false
}

/// The chars `member` accepts that no rule marks (see [`may_change`]): the set
/// [`may_change_if_all`] walks with.
pub fn unmarked(member: impl Fn(char) -> bool + Send + Sync + 'static) -> CharSet {
    CharSet::new(move |c| member(c) && !is_marked(t2s(), c))
}

/// [`may_change`] of a text whose every char `member` accepts, else None; read in one walk
/// for both questions. `unmarked` is [`unmarked`]`(member)`: the walk stops only at a char
/// outside it, which is either no member or a marked one.
pub fn may_change_if_all(text: &str, unmarked: &CharSet, member: impl Fn(char) -> bool) -> Option<bool> {
    let t = t2s();
    let (mut at, mut changes) = (0, false);
    while let Some(i) = unmarked.first_outside(text, at) {
        let c = text[i..].chars().next().expect("a char boundary");
        if !member(c) {
            return None;
        }
        changes = changes || marked_char_changes(t, text, i, c);
        at = i + c.len_utf8();
    }
    Some(changes)
}

/// [`may_change`] of `text`, read in one walk with a question of its own: `others` is told
/// the byte offset of every char `member` does not accept. `members` holds the chars `member`
/// accepts, `unmarked` is [`unmarked`]`(member)`: the walk reads with `unmarked` until a char
/// changes, then with `members` (in a traditional text nearly every other char is marked, and
/// once the answer is known they need no look).
pub fn walk_changes(text: &str, unmarked: &CharSet, members: &CharSet, member: impl Fn(char) -> bool, mut others: impl FnMut(usize)) -> bool {
    let t = t2s();
    let (mut at, mut changes, mut set) = (0, false, unmarked);
    while let Some(i) = set.first_outside(text, at) {
        let c = text[i..].chars().next().expect("a char boundary");
        if !member(c) {
            // (It may be marked as well.)
            others(i);
        }
        if !changes && is_marked(t, c) && marked_char_changes(t, text, i, c) {
            changes = true;
            set = members;
        }
        at = i + c.len_utf8();
    }
    changes
}

fn is_marked(t: &T2s, c: char) -> bool {
    bit(&t.marked, c)
}

/// Whether the marked char `c` at byte `i` of `text` is one a rule changes there: on its own,
/// or as part of a rule's source that the text holds around it.
fn marked_char_changes(t: &T2s, text: &str, i: usize, c: char) -> bool {
    t.alone.contains(&c)
        || t.in_phrases.get(&c).is_some_and(|rules| {
            rules.iter().any(|(from, off)| i >= *off && text.as_bytes()[i - off..].starts_with(from.as_bytes()))
        })
}

/// [`may_change`] as a walk over the chars (how it was first written): the reference the
/// byte-level walk is tested against.
#[cfg(test)]
fn may_change_by_chars(text: &str) -> bool {
    if text.is_ascii() {
        return false;
    }
    let t = t2s();
    text.char_indices().any(|(i, c)| {
        if t.marked.get(c as usize / 64).map_or(true, |w| w >> (c as usize % 64) & 1 == 0) {
            return false;
        }
        marked_char_changes(t, text, i, c)
    })
}

/// Converts text to simplified script (OpenCC t2s: phrases first, so 乾隆 stays and 天乾物燥 →
/// 天干物燥).
pub fn to_simplified(text: &str) -> String {
    if !may_change(text) {
        return text.to_string();
    }
    convert_to_simplified(text)
}

/// [`to_simplified`] for a text [`may_change`] has already said yes to (not asked again).
pub fn convert_to_simplified(text: &str) -> String {
    t2s().conv.convert(text)
}

/// Converts text to traditional script (used by tests, the corpus generator, and [`detect`] in
/// the rare case its bounds do not decide).
pub fn to_traditional(text: &str) -> String {
    get_builtin_converter(Variant::ZhHant).convert(text)
}

/// What `s2t_bounds` needs of zhconv's s2t rules (the ones [`to_traditional`] applies),
/// generated from them by the test `s2t_bounds_data_is_generated_from_zhconv_tables`.
pub const S2T_BOUNDS_DATA: &str = include_str!("../../data/s2t_change_bounds.txt");

/// [`S2T_BOUNDS_DATA`] parsed: enough to bound from both sides how many chars of a text the
/// s2t conversion changes, without the converter (loading it costs ~240 M instructions, more
/// than all the conversions a run makes with it).
struct S2tBounds {
    /// Bit per code point: a one-char rule changes the char.
    alone: Vec<u64>,
    /// Bit per code point: every rule holding the char changes it (a subset of `alone`).
    always: Vec<u64>,
    /// Bit per code point: only phrases change the char (it is in none of the above).
    in_phrases: Vec<u64>,
    /// (previous char, char) of a phrase-only char that a phrase changes past its first char.
    after: FxHashSet<(char, char)>,
    /// (char, next char) of a phrase-only char that a phrase changes as its first char.
    before: FxHashSet<(char, char)>,
}

fn bit(bits: &[u64], c: char) -> bool {
    bits.get(c as usize / 64).is_some_and(|w| w >> (c as usize % 64) & 1 == 1)
}

fn set_bit(bits: &mut Vec<u64>, c: char) {
    let k = c as usize;
    if bits.len() <= k / 64 {
        bits.resize(k / 64 + 1, 0);
    }
    bits[k / 64] |= 1 << (k % 64);
}

fn clear_bit(bits: &mut [u64], c: char) {
    if let Some(w) = bits.get_mut(c as usize / 64) {
        *w &= !(1 << (c as usize % 64));
    }
}

fn s2t_bounds_table() -> &'static S2tBounds {
    static TABLE: OnceLock<S2tBounds> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = S2tBounds { alone: Vec::new(), always: Vec::new(), in_phrases: Vec::new(), after: FxHashSet::default(), before: FxHashSet::default() };
        let mut kept = FxHashSet::default();
        let mut section = "";
        for line in S2T_BOUNDS_DATA.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            if line.starts_with('[') {
                section = line;
                continue;
            }
            match section {
                "[alone]" => line.chars().for_each(|c| set_bit(&mut t.alone, c)),
                "[alone but kept by a phrase]" => kept.extend(line.chars()),
                "[after]" | "[before]" => {
                    for pair in line.split(' ') {
                        let mut cs = pair.chars();
                        let (Some(a), Some(b), None) = (cs.next(), cs.next(), cs.next()) else {
                            panic!("data/s2t_change_bounds.txt: {section} holds pairs of chars, not {pair:?}")
                        };
                        if section == "[after]" {
                            set_bit(&mut t.in_phrases, b);
                            t.after.insert((a, b));
                        } else {
                            set_bit(&mut t.in_phrases, a);
                            t.before.insert((a, b));
                        }
                    }
                }
                _ => panic!("data/s2t_change_bounds.txt: unknown section {section:?}"),
            }
        }
        t.always = t.alone.clone();
        kept.into_iter().for_each(|c| clear_bit(&mut t.always, c));
        t
    })
}

/// Bounds on `changed(text, &to_traditional(text))`: (at most, at least). No s2t rule changes
/// the length of what it matches (the data's generator checks), so the conversion changes a
/// char only where a match covering it puts another char at its place, and the count is of
/// such places. At most: a place whose char a one-char rule changes, or a phrase-only char
/// with, before or after it, a neighbour some changing phrase gives it there (a matching
/// phrase that changes the char holds one of the two). At least: a place whose char every
/// rule changes, as a one-char rule does: leftmost-longest matching covers every place where a
/// rule starts, and whatever match covers the char changes it. (Counted by [`sample_counts`];
/// this walk is the reference it is tested against.)
#[cfg(test)]
fn s2t_bounds(text: &str) -> (usize, usize) {
    let t = s2t_bounds_table();
    let (mut at_most, mut at_least) = (0, 0);
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if bit(&t.alone, c) {
            at_most += 1;
            at_least += bit(&t.always, c) as usize;
        } else if bit(&t.in_phrases, c)
            && (prev.is_some_and(|p| t.after.contains(&(p, c))) || chars.peek().is_some_and(|&n| t.before.contains(&(c, n))))
        {
            at_most += 1;
        }
        prev = Some(c);
    }
    (at_most, at_least)
}

/// Counts the chars that differ between `a` and its conversion `b` (same length case), or the
/// length difference plus the differing prefix otherwise.
/// One pass over both (each char left over once the shorter one ends counts as a difference,
/// which is the length difference). Runs of equal bytes are skipped eight at a time without
/// decoding (a conversion leaves most chars as they are): from char boundaries in both, equal
/// bytes are equal chars, and the run is cut back to a char boundary, which is one in both
/// since the bytes before it are the same.
fn changed(a: &str, b: &str) -> usize {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut n = 0;
    loop {
        let (i0, j0) = (i, j);
        while i + 8 <= x.len() && j + 8 <= y.len() && x[i..i + 8] == y[j..j + 8] {
            i += 8;
            j += 8;
        }
        while i < x.len() && j < y.len() && x[i] == y[j] {
            i += 1;
            j += 1;
        }
        while i > i0 && i < x.len() && !a.is_char_boundary(i) {
            i -= 1;
            j -= 1;
        }
        debug_assert!(j >= j0 && b.is_char_boundary(j));
        match (a[i..].chars().next(), b[j..].chars().next()) {
            (Some(p), Some(q)) => {
                n += (p != q) as usize;
                i += p.len_utf8();
                j += q.len_utf8();
            }
            (None, None) => return n,
            (Some(_), None) => return n + a[i..].chars().count(),
            (None, Some(_)) => return n + b[j..].chars().count(),
        }
    }
}

/// Bounds on `changed(text, &to_simplified(text))`: (at most, at least), found as
/// [`s2t_bounds`] finds them for s2t; None if a t2s rule changes the length of what it matches
/// (the count is then not one of places). At most: the places [`may_change`] stops at (a char
/// a one-char rule changes, or a char a changing rule's source holds around it). At least:
/// the places of a char every rule changes. (Counted by [`sample_counts`]; this walk is the
/// reference it is tested against.)
#[cfg(test)]
fn t2s_bounds(text: &str) -> Option<(usize, usize)> {
    let t = t2s();
    if t.resizes {
        return None;
    }
    let (mut at_most, mut at_least) = (0, 0);
    for (i, c) in text.char_indices() {
        if is_marked(t, c) && marked_char_changes(t, text, i, c) {
            at_most += 1;
            at_least += bit(&t.always, c) as usize;
        }
    }
    Some((at_most, at_least))
}

/// What [`detect`] reads from a sample, counted in one pass over its chars.
#[derive(Debug, PartialEq, Eq)]
struct SampleCounts {
    han: usize,
    /// [`t2s_bounds`]: None if a t2s rule changes a length.
    t2s: Option<(usize, usize)>,
    /// [`s2t_bounds`].
    s2t: (usize, usize),
}

fn sample_counts(text: &str) -> SampleCounts {
    let (t, s) = (t2s(), s2t_bounds_table());
    let (mut han, mut t2s_most, mut t2s_least, mut s2t_most, mut s2t_least) = (0, 0, 0, 0, 0);
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        han += is_han(c) as usize;
        if is_marked(t, c) && marked_char_changes(t, text, i, c) {
            t2s_most += 1;
            t2s_least += bit(&t.always, c) as usize;
        }
        if bit(&s.alone, c) {
            s2t_most += 1;
            s2t_least += bit(&s.always, c) as usize;
        } else if bit(&s.in_phrases, c)
            && (prev.is_some_and(|p| s.after.contains(&(p, c)))
                || text[i + c.len_utf8()..].chars().next().is_some_and(|n| s.before.contains(&(c, n))))
        {
            s2t_most += 1;
        }
        prev = Some(c);
    }
    SampleCounts { han, t2s: (!t.resizes).then_some((t2s_most, t2s_least)), s2t: (s2t_most, s2t_least) }
}

/// Share of Han characters a conversion has to change before the text counts as written in the
/// other script.
const SCRIPT_SHARE: f64 = 0.02;

/// Detects the script of a sample of text: simplified, traditional or mixed.
pub fn detect(sample: &str) -> Script {
    detect_given(sample, may_change(sample))
}

/// [`detect`] for a sample whose [`may_change`] is known.
pub fn detect_given(sample: &str, may_change: bool) -> Script {
    // Nothing to convert: no char changes, so no share of them (the common case, decided
    // without converting the sample).
    if !may_change {
        return Script::Simplified;
    }
    let counts = sample_counts(sample);
    let han = counts.han;
    if han == 0 {
        return Script::Simplified;
    }
    // The t2s share from its bounds where they decide (nearly always: a traditional text holds
    // a third of chars every rule changes), else from the conversion.
    let traditional = share_reaches(counts.t2s, han, SCRIPT_SHARE, || changed(sample, &to_simplified(sample)));
    if !traditional {
        return Script::Simplified;
    }
    // Traditional text keeps few chars the s2t conversion would change, mixed text many: the
    // bounds decide nearly always, and the conversion is made only between them.
    if share_reaches(Some(counts.s2t), han, SCRIPT_SHARE * 2.0, || changed(sample, &to_traditional(sample))) {
        Script::Mixed
    } else {
        Script::Traditional
    }
}

/// Whether the share of `han` chars a conversion changes reaches `threshold`: from the
/// `bounds` (at most, at least) on that count where they decide, else from `exact`, the count
/// made by converting.
fn share_reaches(bounds: Option<(usize, usize)>, han: usize, threshold: f64, exact: impl FnOnce() -> usize) -> bool {
    let share = |n: usize| n as f64 / han as f64;
    match bounds {
        Some((at_most, _)) if share(at_most) < threshold => false,
        Some((_, at_least)) if share(at_least) >= threshold => true,
        _ => share(exact()) >= threshold,
    }
}

/// Each seed document as it is and converted to traditional script (test data for the fast
/// paths that must answer alike in both scripts).
#[cfg(test)]
pub(crate) fn seeds_in_both_scripts() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let text = String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned();
            let trad = to_traditional(&text);
            (text, trad)
        })
        .collect()
}

/// Every line of the seeds, then its traditional form, document by document.
#[cfg(test)]
pub(crate) fn seed_lines_in_both_scripts() -> impl Iterator<Item = String> {
    seeds_in_both_scripts().into_iter().flat_map(|(text, trad)| text.lines().chain(trad.lines()).map(str::to_string).collect::<Vec<_>>())
}

/// [`S2T_BOUNDS_DATA`] as generated from zhconv's s2t table (the rules of the builtin ZhHant
/// converter). Panics if a rule changes the length of what it matches: the bounds rely on none.
#[cfg(test)]
fn s2t_bounds_data() -> String {
    use std::collections::BTreeSet;
    let rules: Vec<(Vec<char>, Vec<char>)> =
        zhconv::tables::expand_table(zhconv::tables::ZH_HANT_TABLE).map(|(f, t)| (f.chars().collect(), t.chars().collect())).collect();
    let mut alone = BTreeSet::new();
    for (f, t) in &rules {
        assert_eq!(f.len(), t.len(), "s2t rule {f:?} -> {t:?} changes the length");
        if f.len() == 1 && f != t {
            alone.insert(f[0]);
        }
    }
    let (mut kept, mut after, mut before) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for (f, t) in &rules {
        for (o, (&a, &b)) in f.iter().zip(t).enumerate() {
            if a == b {
                if alone.contains(&a) {
                    kept.insert(a);
                }
            } else if !alone.contains(&a) {
                if o > 0 {
                    after.insert(format!("{}{a}", f[o - 1]));
                } else {
                    before.insert(format!("{a}{}", f[1]));
                }
            }
        }
    }
    let lines = |items: Vec<String>, per: usize, sep: &str| items.chunks(per).map(|c| c.join(sep) + "\n").collect::<String>();
    let mut out = String::from(
        "# What govreport needs to bound how many chars zhconv's s2t conversion (OpenCC STCharacters and\n\
         # STPhrases as shipped in the zhconv 0.4.2 crate, Apache-2.0) changes in a text, without loading\n\
         # its converter. Generated from zhconv::tables::ZH_HANT_TABLE by the test\n\
         # s2t_bounds_data_is_generated_from_zhconv_tables (GOVREPORT_REGENERATE=1 rewrites this file).\n\
         # [alone]: chars a one-char rule changes. [alone but kept by a phrase]: those of them some rule\n\
         # leaves as they are. [after] / [before]: for every other char a phrase changes, the pair of\n\
         # it and the phrase's char before it (past the phrase's first char) or after it (as its first).\n",
    );
    out += "[alone]\n";
    out += &lines(alone.iter().map(|c| c.to_string()).collect(), 64, "");
    out += "[alone but kept by a phrase]\n";
    out += &lines(kept.iter().map(|c| c.to_string()).collect(), 64, "");
    out += "[after]\n";
    out += &lines(after.into_iter().collect(), 32, " ");
    out += "[before]\n";
    out += &lines(before.into_iter().collect(), 32, " ");
    out
}

/// [`detect`] as first written: the s2t share always from the conversion. The reference the
/// bounds are tested against.
#[cfg(test)]
fn detect_by_conversion(sample: &str) -> Script {
    if !may_change(sample) {
        return Script::Simplified;
    }
    let han = sample.chars().filter(|&c| is_han(c)).count();
    if han == 0 {
        return Script::Simplified;
    }
    let trad_chars = changed(sample, &to_simplified(sample)) as f64 / han as f64;
    if trad_chars < SCRIPT_SHARE {
        return Script::Simplified;
    }
    let simp_chars = changed(sample, &to_traditional(sample)) as f64 / han as f64;
    if simp_chars < SCRIPT_SHARE * 2.0 {
        Script::Traditional
    } else {
        Script::Mixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s2t_bounds_data_is_generated_from_zhconv_tables() {
        let data = s2t_bounds_data();
        if std::env::var_os("GOVREPORT_REGENERATE").is_some() {
            std::fs::write(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/s2t_change_bounds.txt"), &data).unwrap();
        }
        assert!(
            data == S2T_BOUNDS_DATA,
            "data/s2t_change_bounds.txt is not what zhconv's tables give: run this test once with GOVREPORT_REGENERATE=1 \
             (it rewrites the file and still fails, since the build embeds the old text), then again without it"
        );
    }

    #[test]
    fn phrase_level_conversion() {
        assert_eq!(to_simplified("乾隆"), "乾隆");
        assert_eq!(to_simplified("區委區政府的堅強領導"), "区委区政府的坚强领导");
        // Characters the simpler converters get wrong stay right.
        assert_eq!(to_simplified("疊加"), "叠加");
        assert_eq!(to_simplified("參保"), "参保");
    }

    #[test]
    fn multi_candidate_characters_take_opencc_first_candidate_unless_a_phrase_protects_them() {
        assert_eq!(to_simplified("天乾物燥"), "天干物燥");
        assert_eq!(to_simplified("乾隆年間"), "乾隆年间");
        assert_eq!(to_simplified("乾坤"), "乾坤");
        assert_eq!(to_simplified("戰略定位，劃定成果"), "战略定位，划定成果");
        assert_eq!(to_simplified("疊加參保"), "叠加参保");
        // 著 → 着 only where the reading is certain.
        assert_eq!(to_simplified("隨著四個城中村改造，著力提升，顯著提升，見微知著，著名"), "随着四个城中村改造，着力提升，显著提升，见微知著，著名");
        // Already simplified text is left alone.
        assert_eq!(to_simplified("天干物燥，叠加参保，乾隆"), "天干物燥，叠加参保，乾隆");
        // Every rule of the data file parses.
        assert!(multi_candidate_pairs().count() > 200);
    }

    #[test]
    fn text_without_a_changing_char_is_left_as_it_is() {
        assert!(!may_change("实现社会消费品零售总额449.7亿元，增长8.2%"));
        assert!(!may_change("GDP 8.2%"));
        assert!(may_change("區委"));
        // A char only a phrase or a multi-candidate rule changes still counts; a char that
        // changes only in some phrases counts there only.
        assert!(may_change("天乾物燥"));
        assert!(may_change("隨著"));
        assert!(may_change("隨著發展"));
        assert!(!may_change("显著提升，见微知著"));
        assert_eq!(to_simplified("显著提升"), "显著提升");
        assert_eq!(to_simplified("乾隆"), "乾隆");
    }

    /// The skip is exact: on the seeds, in both scripts and cut at every line, a line the check
    /// lets through unconverted is one the converter gives back unchanged, and a line it converts
    /// comes out as the converter alone makes it.
    #[test]
    fn skipping_the_converter_never_changes_a_result_on_the_seeds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut skipped = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            let trad = to_traditional(&text);
            for line in text.lines().chain(trad.lines()) {
                let full = t2s().conv.convert(line);
                assert_eq!(to_simplified(line), full, "{line}");
                if !may_change(line) {
                    assert_eq!(full, line);
                    skipped += 1;
                }
            }
        }
        assert!(skipped > 100, "most simplified lines skip the converter ({skipped})");
    }

    /// Lines to test the walks on: the seeds in both scripts, line by line and whole, and the
    /// source of every conversion rule, whole and without its first char, between each pair
    /// of `contexts`.
    fn seed_and_rule_lines(contexts: &[(&str, &str)]) -> Vec<String> {
        let mut lines = Vec::new();
        for (text, trad) in seeds_in_both_scripts() {
            lines.extend(text.lines().chain(trad.lines()).map(str::to_string));
            lines.push(text);
            lines.push(trad);
        }
        for (from, _) in builder().build_mapping() {
            for (a, b) in contexts {
                lines.push(format!("{a}{from}{b}"));
                lines.push(format!("{a}{}{b}", &from[from.chars().next().unwrap().len_utf8()..]));
            }
        }
        lines
    }

    /// The byte-level walk of [`may_change`] answers as the char walk does: on every line of
    /// the seeds in both scripts, on every rule source in a context of one-, two-, three- and
    /// four-byte chars, and on every char alone.
    #[test]
    fn may_change_reads_bytes_as_the_char_walk_reads_chars() {
        let lines = seed_and_rule_lines(&[("", ""), ("a", "é"), ("é𠀀", "，z"), ("𠀀", "显著")]);
        let mut changing = 0;
        for line in &lines {
            assert_eq!(may_change(line), may_change_by_chars(line), "{line}");
            changing += may_change(line) as usize;
        }
        assert!(changing > 1000 && changing < lines.len(), "{changing} of {}", lines.len());
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(may_change(&s), may_change_by_chars(&s), "{c:?}");
        }
    }

    /// The one-walk answers are [`may_change`] and a char search: on the seeds in both scripts
    /// (whole and line by line), on every rule source in contexts, and on every char alone
    /// and between marked ones, with a set that leaves out spaces, digits and a marked char.
    #[test]
    fn walks_with_a_set_answer_as_may_change_and_a_char_search() {
        let member = |c: char| !c.is_whitespace() && !c.is_ascii_digit() && c != '區';
        let set = unmarked(member);
        let members = CharSet::new(member);
        let mut lines = seed_and_rule_lines(&[("", ""), ("a 1", "é𠀀"), ("显著", "，z")]);
        lines.extend((0..=0x10FFFFu32).filter_map(char::from_u32).step_by(3).map(|c| format!("{c}著{c}乾")));
        for line in &lines {
            let want: Vec<usize> = line.char_indices().filter(|&(_, c)| !member(c)).map(|x| x.0).collect();
            let mut got = Vec::new();
            assert_eq!(walk_changes(line, &set, &members, member, |i| got.push(i)), may_change(line), "{line}");
            assert_eq!(got, want, "{line}");
            let if_all = may_change_if_all(line, &set, member);
            assert_eq!(if_all, want.is_empty().then(|| may_change(line)), "{line}");
        }
    }

    /// The one-pass count of changed chars is the zip count plus the length difference it
    /// replaced, on the seeds converted both ways and on texts of different lengths.
    #[test]
    fn changed_counts_as_zip_plus_length_difference() {
        let old = |a: &str, b: &str| a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() + a.chars().count().abs_diff(b.chars().count());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut pairs: Vec<(String, String)> = vec![
            ("".into(), "".into()),
            ("區委".into(), "".into()),
            ("".into(), "区委a".into()),
            ("區委區政府".into(), "区委".into()),
            ("ab".into(), "abé區".into()),
            // Same lead bytes, different last byte (区 E5 8C BA, 医 E5 8C BB), and a run of
            // equal bytes longer than eight ending in the middle of a char.
            ("政府工作报告区委".into(), "政府工作报告医委".into()),
            ("政府工作报告区".into(), "政府工作报告".into()),
            ("abcdefghij区x".into(), "abcdefghij医".into()),
            ("abcdefghijé".into(), "abcdefghijè區".into()),
        ];
        for e in std::fs::read_dir(dir).unwrap() {
            let text = String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned();
            let trad = to_traditional(&text);
            let cut: String = trad.chars().skip(7).collect();
            pairs.push((trad.clone(), to_simplified(&trad)));
            pairs.push((text.clone(), to_traditional(&text)));
            pairs.push((text.clone(), cut.clone()));
            pairs.push((cut, text));
        }
        for (a, b) in &pairs {
            assert_eq!(changed(a, b), old(a, b));
            assert_eq!(changed(b, a), old(b, a));
        }
    }

    /// Texts to check the s2t bounds and [`detect`] on: the seeds and (when GOVREPORT_CORPUS
    /// names it) the shared corpus, each as it is, in traditional script, and cut at every line.
    fn texts_in_both_scripts() -> Vec<String> {
        let mut docs = seeds_in_both_scripts();
        if let Some(dir) = std::env::var_os("GOVREPORT_CORPUS").map(std::path::PathBuf::from).filter(|p| p.is_dir()) {
            for e in std::fs::read_dir(dir).unwrap() {
                let text = String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned();
                let trad = to_traditional(&text);
                docs.push((text, trad));
            }
        } else {
            eprintln!("GOVREPORT_CORPUS not set: only the seeds are checked");
        }
        let mut texts = Vec::new();
        for (text, trad) in docs {
            texts.extend(text.lines().chain(trad.lines()).map(str::to_string));
            texts.push(text);
            texts.push(trad);
        }
        texts
    }

    /// The bounds hold: on the seeds and corpus in both scripts, on every s2t rule's source in a
    /// context (alone, after and before simplified and traditional text, and cut by a char at
    /// either end), the count of chars the conversion changes lies between them.
    #[test]
    fn s2t_bounds_hold_around_the_conversion() {
        let mut texts = texts_in_both_scripts();
        for (from, _) in zhconv::tables::expand_table(zhconv::tables::ZH_HANT_TABLE) {
            let first = from.chars().next().unwrap().len_utf8();
            let last = from.chars().next_back().unwrap().len_utf8();
            for (a, b) in [("", ""), ("发展", "面向"), ("發展", "後面"), ("a", "制")] {
                texts.push(format!("{a}{from}{b}"));
                texts.push(format!("{a}{}{b}", &from[first..]));
                texts.push(format!("{a}{}{b}", &from[..from.len() - last]));
            }
        }
        let (mut exact, mut open) = (0, 0);
        for text in &texts {
            let n = changed(text, &to_traditional(text));
            let (at_most, at_least) = s2t_bounds(text);
            assert!(at_least <= n && n <= at_most, "{at_least} <= {n} <= {at_most}: {text}");
            exact += (at_least == at_most) as usize;
            open += (at_least < at_most) as usize;
        }
        assert!(exact > 1000 && open > 1000, "{exact} exact, {open} open");
    }

    /// The t2s bounds hold, as the s2t ones do: on the seeds and corpus in both scripts, and on
    /// every t2s rule's source in a context. (No t2s rule changes a length, so they are used.)
    #[test]
    fn t2s_bounds_hold_around_the_conversion() {
        let mut texts = texts_in_both_scripts();
        for (from, _) in builder().build_mapping() {
            let first = from.chars().next().unwrap().len_utf8();
            let last = from.chars().next_back().unwrap().len_utf8();
            for (a, b) in [("", ""), ("发展", "著名"), ("發展", "隨著"), ("a", "乾")] {
                texts.push(format!("{a}{from}{b}"));
                texts.push(format!("{a}{}{b}", &from[first..]));
                texts.push(format!("{a}{}{b}", &from[..from.len() - last]));
            }
        }
        let (mut exact, mut open) = (0, 0);
        for text in &texts {
            let n = changed(text, &to_simplified(text));
            let (at_most, at_least) = t2s_bounds(text).expect("no t2s rule changes a length");
            assert!(at_least <= n && n <= at_most, "{at_least} <= {n} <= {at_most}: {text}");
            exact += (at_least == at_most) as usize;
            open += (at_least < at_most) as usize;
        }
        assert!(exact > 1000 && open > 10, "{exact} exact, {open} open");
    }

    /// The one pass counts what the three walks count, on the texts the bounds are tested on.
    #[test]
    fn sample_counts_are_the_walks_counts() {
        let mut texts = texts_in_both_scripts();
        texts.extend(["", "面", "面条", "a面", "面a", "乾隆", "天乾物燥", "é𠀀面条𠀀"].map(str::to_string));
        for text in &texts {
            let want = SampleCounts { han: text.chars().filter(|&c| is_han(c)).count(), t2s: t2s_bounds(text), s2t: s2t_bounds(text) };
            assert_eq!(sample_counts(text), want, "{text}");
        }
    }

    /// [`detect`] answers as the conversion does: on the seeds and corpus in both scripts and
    /// cut at every line, and on texts that mix the two scripts in steps fine enough to cross
    /// both thresholds (SCRIPT_SHARE of chars t2s changes, twice it of chars s2t changes),
    /// with the traditional part first and with the simplified part first.
    #[test]
    fn detect_answers_as_the_conversion_does() {
        let mut samples = texts_in_both_scripts();
        for (text, trad) in seeds_in_both_scripts() {
            let (simp, trad): (Vec<char>, Vec<char>) = (text.chars().collect(), trad.chars().collect());
            for k in (0..=200).map(|k| k * simp.len() / 200) {
                let part: String = simp[..k].iter().collect();
                let tpart: String = trad[..k.min(trad.len())].iter().collect();
                samples.push(format!("{}{part}", trad.iter().collect::<String>()));
                samples.push(format!("{part}{}", trad.iter().collect::<String>()));
                samples.push(format!("{tpart}{text}"));
                samples.push(format!("{text}{tpart}"));
            }
            // Simplified text with 乾, which t2s changes in 天乾物燥 and keeps in 乾隆: the t2s
            // bounds leave these open, and the share crosses SCRIPT_SHARE on the way.
            let han = simp.iter().filter(|&&c| is_han(c)).count();
            for k in (0..=40).map(|k| k * han / 1000) {
                samples.push(format!("{text}{}{}", "乾隆".repeat(han / 30), "天乾物燥".repeat(k)));
            }
        }
        let mut seen = FxHashMap::default();
        let (mut t2s_open, mut s2t_open) = (0, 0);
        for sample in &samples {
            let script = detect(sample);
            assert_eq!(script, detect_by_conversion(sample), "{sample}");
            *seen.entry(format!("{script:?}")).or_insert(0) += 1;
            // Samples the bounds leave open, so that the conversions are compared too.
            let han = sample.chars().filter(|&c| is_han(c)).count() as f64;
            let (hi, lo) = t2s_bounds(sample).unwrap();
            t2s_open += (hi as f64 / han >= SCRIPT_SHARE && (lo as f64 / han) < SCRIPT_SHARE) as usize;
            let (hi, lo) = s2t_bounds(sample);
            s2t_open += (hi as f64 / han >= SCRIPT_SHARE * 2.0 && (lo as f64 / han) < SCRIPT_SHARE * 2.0) as usize;
        }
        assert!(seen.len() == 3 && seen.values().all(|&n| n > 20), "{seen:?}");
        assert!(t2s_open > 0 && s2t_open > 0, "{t2s_open} {s2t_open}");
    }

    #[test]
    fn scripts_are_told_apart() {
        assert_eq!(detect("实现社会消费品零售总额449.7亿元,增长8.2%"), Script::Simplified);
        assert_eq!(detect("實現社會消費品零售總額449.7億元，增長8.2%，增速位列全市第二"), Script::Traditional);
        assert_eq!(detect("實現社會消費品零售總額449.7億元。实现社会消费品零售总额449.7亿元"), Script::Mixed);
    }
}

