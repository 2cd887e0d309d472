//! Normalize: uniform simplified Chinese with ASCII digits, keeping a map from every normalized
//! character back to its byte range in the source file.
//!
//! Steps per paragraph, in order: mojibake repaired or flagged, pinyin glosses out, widths and
//! spaces, then traditional → simplified when the document is not already simplified. Each step
//! works on (char, source range) items, so the map survives every change.

pub mod gloss;
pub mod mojibake;
pub mod script;
pub mod width;
#[cfg(test)]
mod seed_tests;

use crate::model::{Document, Issue, NormalizeCounts, Paragraph, Script, Severity, Stage};

pub const STAGE: &str = "normalize";

/// Characters of body text sampled to detect a document's script.
const SCRIPT_SAMPLE_CHARS: usize = 20_000;

#[derive(Debug, Default, Clone)]
pub struct Normalizer;

#[derive(Clone, Copy)]
struct Item {
    c: char,
    start: u32,
    end: u32,
    /// Part of garbled run number N of the paragraph that could not be repaired: no figure may
    /// come from it. The run number keeps each run's issue row pointing at its own chars.
    run: Option<u32>,
}

impl Item {
    fn flagged(&self) -> bool {
        self.run.is_some()
    }
}

impl Stage for Normalizer {
    fn name(&self) -> &'static str {
        STAGE
    }

    fn process(&self, doc: &mut Document) -> anyhow::Result<()> {
        let mut sample = String::new();
        // Where each kept paragraph of the sample starts in it.
        let mut starts: Vec<usize> = Vec::new();
        for p in doc.kept_paragraphs() {
            if sample.len() > SCRIPT_SAMPLE_CHARS * 3 {
                break;
            }
            starts.push(sample.len());
            sample.push_str(&p.raw);
        }
        // One walk over the sample answers both questions for its paragraphs: which of them
        // hold a char that is not plain ([`plain_chars`]), and whether the conversion can
        // change the sample (detect's first question; phrases across paragraphs are seen, as
        // the walk reads the sample itself).
        let mut touched = vec![false; starts.len()];
        let mut k = 0;
        let sample_may_change = script::walk_changes(&sample, unmarked_plain_chars(), plain_chars(), plain_char, |i| {
            while k + 1 < starts.len() && starts[k + 1] <= i {
                k += 1;
            }
            touched[k] = true;
        });
        let script = script::detect_given(&sample, sample_may_change);
        doc.script = Some(script);
        let convert = script != Script::Simplified;
        let mut offset = 0u32;
        let mut counts = doc.changes;
        let mut issues = Vec::new();
        let mut kept = 0;
        for p in doc.paragraphs.iter_mut() {
            if !p.is_kept() {
                continue;
            }
            // [`is_plain_text`], its char test already made for the paragraphs of the sample.
            let plain = match touched.get(kept) {
                Some(&t) => !t && !gloss::may_hold(&p.raw),
                None => is_plain_text(&p.raw),
            };
            // The sample's walk must have told this paragraph's chars apart as the paragraph's
            // own test does (checked in test and debug builds: every document the tests
            // normalize, the seeds and the corpus among them, checks the mapping).
            if cfg!(any(test, debug_assertions)) {
                assert_eq!(plain, is_plain_text(&p.raw), "kept paragraph {kept} of the sample walk: {:?}", p.raw);
            }
            kept += 1;
            // Nothing to change, or only the script of a plain line (most lines of a
            // traditional document): the line's own columns, with the converted text.
            let text = if !plain {
                None
            } else if !(convert && script::may_change(&p.raw)) {
                Some(p.raw.clone())
            } else {
                convert_plain(&p.raw).map(|(text, converted)| {
                    counts.chars_converted += converted;
                    text
                })
            };
            if let Some(text) = text {
                let n = p.raw_src.len() as u32 - 1;
                p.text = text;
                p.src_start = p.raw_src[..n as usize].to_vec();
                p.src_end = p.raw_src[1..].to_vec();
                p.flagged = Vec::new();
                p.char_start = Some(offset);
                p.char_end = Some(offset + n);
                offset += n + 1;
                continue;
            }
            let (items, runs) = normalize_paragraph(p, convert, &mut counts);
            // One pass fills the three columns (the text rarely outgrows the line's bytes).
            let mut text = String::with_capacity(p.raw.len());
            let mut src_start = Vec::with_capacity(items.len());
            let mut src_end = Vec::with_capacity(items.len());
            for it in &items {
                text.push(it.c);
                src_start.push(it.start);
                src_end.push(it.end);
            }
            p.text = text;
            p.src_start = src_start;
            p.src_end = src_end;
            p.flagged = if runs.is_empty() { Vec::new() } else { flagged_ranges(&items) };
            let spans = if runs.is_empty() { Vec::new() } else { run_spans(&items, runs.len()) };
            let n = items.len() as u32;
            p.char_start = Some(offset);
            p.char_end = Some(offset + n);
            offset += n + 1; // the joining newline
            issues.extend(mojibake_issues(p, &runs, &spans));
        }
        doc.issues.extend(issues);
        doc.changes = counts;
        if let Some(t) = &doc.meta.title {
            doc.meta.title = Some(script::to_simplified(t));
        }
        Ok(())
    }
}

/// A garbled run as found in a paragraph, with what it became.
struct RunReport {
    kind: mojibake::Kind,
    garbled: String,
    repaired: Option<String>,
    /// Source byte range of the whole run.
    src: (u32, u32),
}

/// The char range each garbled run's flagged chars ended up at, by run number (None when a
/// run was fully repaired, or its flagged chars were all dropped by a later step).
fn run_spans(items: &[Item], runs: usize) -> Vec<Option<(u32, u32)>> {
    let mut out: Vec<Option<(u32, u32)>> = vec![None; runs];
    for (k, it) in items.iter().enumerate() {
        if let Some(r) = it.run {
            let k = k as u32;
            let span = &mut out[r as usize];
            *span = Some(span.map_or((k, k + 1), |(a, _)| (a, k + 1)));
        }
    }
    out
}

/// Char ranges of flagged items, merged.
fn flagged_ranges(items: &[Item]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (k, it) in items.iter().enumerate() {
        if !it.flagged() {
            continue;
        }
        let k = k as u32;
        match out.last_mut() {
            Some(r) if r.1 == k => r.1 = k + 1,
            _ => out.push((k, k + 1)),
        }
    }
    out
}

/// One issue row per garbled run: repaired runs as info, flagged ones as warnings, with the
/// flagged span in the normalized text and the run's source bytes.
fn mojibake_issues(p: &Paragraph, runs: &[RunReport], spans: &[Option<(u32, u32)>]) -> Vec<Issue> {
    let base = p.char_start.unwrap_or(0);
    runs.iter()
        .zip(spans)
        .map(|(r, span)| {
            let (code, severity) = match (&r.repaired, r.kind) {
                (Some(_), _) => ("mojibake_repaired", Severity::Info),
                (None, _) => ("mojibake_flagged", Severity::Warning),
            };
            let flagged_span = if r.garbled.is_empty() { None } else { span.as_ref() };
            let mut message = format!("{} run \"{}\"", r.kind.as_str(), r.garbled);
            if let Some(rep) = &r.repaired {
                message.push_str(&format!(" repaired as \"{rep}\""));
            }
            let location = match flagged_span {
                Some(&(a, b)) => {
                    message.push_str("; the part left garbled is flagged and no figure is taken from it");
                    format!("line {}, chars {}-{} (flagged), source bytes {}-{}", p.source_line, base + a, base + b, r.src.0, r.src.1)
                }
                None => format!("line {}, source bytes {}-{}", p.source_line, r.src.0, r.src.1),
            };
            Issue::new(STAGE, severity, code, message).at_line(p.source_line).at(location)
        })
        .collect()
}

/// A plain line ([`is_plain_text`]) converted to simplified script, with the count of chars
/// converted: what [`normalize_paragraph`] makes of it (its steps 0 to 2 leave such a line as
/// it is, and step 3 converts it whole), when the conversion keeps the length; None otherwise
/// (step 3 then aligns chunk by chunk).
fn convert_plain(raw: &str) -> Option<(String, u32)> {
    // The caller has asked `may_change` (a line it says no to converts to itself).
    let text = script::convert_to_simplified(raw);
    let mut converted = 0;
    let (mut a, mut b) = (raw.chars(), text.chars());
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => converted += (x != y) as u32,
            (None, None) => return Some((text, converted)),
            _ => return None,
        }
    }
}

/// Chars at which [`mojibake::scan`] can find a run: a text without them has none.
const MOJIBAKE_STARTS: [char; 4] = ['?', '\u{FFFD}', '锟', '錕'];
/// Whether [`normalize_paragraph`] would give the line back as it is: no char where a
/// mojibake run can start, no possible gloss, every char one the width step leaves alone, and
/// nothing the script conversion would change. Most lines of a report are; they skip the item
/// buffer. ([`Normalizer::process`] makes the same two checks inline, keeping the first for
/// [`convert_plain`]; the tests hold the steps to this.)
#[cfg(test)]
fn is_already_normal(p: &Paragraph, convert: bool) -> bool {
    is_plain_text(&p.raw) && !(convert && script::may_change(&p.raw))
}

/// The part of [`is_already_normal`] that does not depend on the script: every char plain,
/// none where a mojibake run can start ([`plain_chars`]), no possible gloss (whose first test
/// is a byte search for the lead bytes of tone-marked vowels, which Chinese text lacks).
fn is_plain_text(raw: &str) -> bool {
    // A gloss needs both a parenthesis and a tone-marked vowel ([`gloss::may_hold`]).
    plain_chars().holds_all(raw) && !gloss::may_hold(raw)
}

/// Chars the width step leaves alone and no mojibake run starts at.
fn plain_chars() -> &'static width::CharSet {
    static SET: std::sync::OnceLock<width::CharSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| width::CharSet::new(plain_char))
}

/// [`plain_chars`] without the chars a script rule marks ([`script::unmarked`]).
fn unmarked_plain_chars() -> &'static width::CharSet {
    static SET: std::sync::OnceLock<width::CharSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| script::unmarked(plain_char))
}

fn plain_char(c: char) -> bool {
    width::is_plain(c) && !MOJIBAKE_STARTS.contains(&c)
}

/// [`is_plain_text`] as a walk over the chars (how it was first written): the reference the
/// byte walk is tested against.
#[cfg(test)]
fn is_plain_text_by_chars(raw: &str) -> bool {
    let (mut paren, mut toned) = (false, false);
    for c in raw.chars() {
        if !width::is_plain(c) || MOJIBAKE_STARTS.contains(&c) {
            return false;
        }
        paren |= c == '(' || c == '（';
        toned |= gloss::is_toned(c);
    }
    !(paren && toned)
}

fn normalize_paragraph(p: &Paragraph, convert: bool, counts: &mut NormalizeCounts) -> (Vec<Item>, Vec<RunReport>) {
    // Most paragraphs hold neither garbage nor glosses: their items come straight from the
    // line, without the char buffer and copies steps 0 and 1 need.
    let (mut items, reports) = if p.raw.contains(MOJIBAKE_STARTS) || gloss::may_hold(&p.raw) {
        repair_and_unglossed(p, counts)
    } else {
        let items = p.raw.chars().zip(p.raw_src.windows(2)).map(|(c, w)| Item { c, start: w[0], end: w[1], run: None }).collect();
        (items, Vec::new())
    };
    // 2. Widths, invisible characters and spaces, in place (an item is only dropped,
    // replaced or merged with the ones after it, so the write position never passes the read
    // position).
    let mut w: usize = 0;
    let mut k = 0;
    while k < items.len() {
        let it = items[k];
        if width::is_plain(it.c) {
            items[w] = it;
            w += 1;
            k += 1;
            continue;
        }
        if width::is_invisible(it.c) {
            counts.width_fixes += 1;
            k += 1;
            continue;
        }
        if width::is_space(it.c) {
            let mut j = k;
            while j < items.len() && (width::is_space(items[j].c) || width::is_invisible(items[j].c)) {
                j += 1;
            }
            let prev = w.checked_sub(1).map(|x| items[x].c);
            let next = items.get(j).map(|x| x.c);
            let keep_one = matches!((prev, next), (Some(a), Some(b)) if !width::is_wide(a) && !width::is_wide(b));
            if keep_one {
                if !(j - k == 1 && it.c == ' ') {
                    counts.width_fixes += 1;
                }
                items[w] = Item { c: ' ', start: it.start, end: items[j - 1].end, run: it.run };
                w += 1;
            } else {
                counts.width_fixes += 1;
            }
            k = j;
            continue;
        }
        if let Some(n) = width::narrow(it.c) {
            counts.width_fixes += 1;
            items[w] = Item { c: n, ..it };
        } else {
            items[w] = it;
        }
        w += 1;
        k += 1;
    }
    items.truncate(w);
    // 3. Script.
    if convert {
        items = simplify_items(items, counts);
    }
    (items, reports)
}

/// Steps 0 and 1 of [`normalize_paragraph`]: mojibake repaired or flagged, pinyin glosses out.
fn repair_and_unglossed(p: &Paragraph, counts: &mut NormalizeCounts) -> (Vec<Item>, Vec<RunReport>) {
    let chars: Vec<char> = p.raw.chars().collect();
    // 0. Mojibake: repaired tails replace their bytes, the rest of a run is flagged.
    let runs = mojibake::scan(&chars);
    let mut base: Vec<Item> = Vec::with_capacity(chars.len());
    let mut reports = Vec::with_capacity(runs.len());
    let mut i = 0;
    for (run_no, r) in runs.iter().enumerate() {
        while i < r.start {
            base.push(Item { c: chars[i], start: p.raw_src[i], end: p.raw_src[i + 1], run: None });
            i += 1;
        }
        let flagged = r.flagged();
        if let Some((a, b)) = flagged {
            base.extend((a..b).map(|k| Item { c: chars[k], start: p.raw_src[k], end: p.raw_src[k + 1], run: Some(run_no as u32) }));
        }
        if let Some(rep) = &r.repair {
            base.extend(rep.chars.iter().map(|&(c, a, b)| Item { c, start: p.raw_src[a], end: p.raw_src[b], run: None }));
            counts.mojibake_runs_repaired += 1;
        }
        counts.mojibake_runs_found += 1;
        reports.push(RunReport {
            kind: r.kind,
            garbled: flagged.map(|(a, b)| chars[a..b].iter().collect()).unwrap_or_default(),
            repaired: r.repair.as_ref().map(|rep| rep.chars.iter().map(|x| x.0).collect()),
            src: (p.raw_src[r.start], p.raw_src[r.end]),
        });
        i = r.end;
    }
    while i < chars.len() {
        base.push(Item { c: chars[i], start: p.raw_src[i], end: p.raw_src[i + 1], run: None });
        i += 1;
    }
    // 1. Pinyin glosses.
    let base_chars: Vec<char> = base.iter().map(|x| x.c).collect();
    let drops = gloss::find(&base_chars);
    counts.glosses_removed += drops.len() as u32;
    let items = if drops.is_empty() { base } else { gloss::without(&base, &drops) };
    (items, reports)
}

/// Converts items to simplified script, keeping each output char's source range. Conversion
/// almost always keeps the length; where a phrase changes length, its chars all map to the
/// phrase's whole source range.
fn simplify_items(items: Vec<Item>, counts: &mut NormalizeCounts) -> Vec<Item> {
    if items.iter().any(Item::flagged) {
        // Flagged garbage stays as written (evidence for a manual repair); the rest converts.
        let mut out = Vec::with_capacity(items.len());
        let mut rest = &items[..];
        while let Some(first) = rest.first() {
            let n = rest.iter().position(|i| i.flagged() != first.flagged()).unwrap_or(rest.len());
            if first.flagged() {
                out.extend_from_slice(&rest[..n]);
            } else {
                out.extend(simplify_items(rest[..n].to_vec(), counts));
            }
            rest = &rest[n..];
        }
        return out;
    }
    let text: String = items.iter().map(|i| i.c).collect();
    if !script::may_change(&text) {
        return items;
    }
    let conv = script::to_simplified(&text);
    let conv_chars: Vec<char> = conv.chars().collect();
    if conv_chars.len() == items.len() {
        let mut out = items;
        for (it, &c) in out.iter_mut().zip(&conv_chars) {
            if it.c != c {
                counts.chars_converted += 1;
                it.c = c;
            }
        }
        return out;
    }
    // Rare: convert chunk by chunk (split at non-Han characters) and align each chunk.
    let mut out = Vec::with_capacity(items.len());
    let mut start = 0;
    while start < items.len() {
        let mut end = start + 1;
        while end < items.len() && !width::is_wide(items[end - 1].c) == !width::is_wide(items[end].c) {
            end += 1;
        }
        let chunk: String = items[start..end].iter().map(|i| i.c).collect();
        let conv: Vec<char> = script::to_simplified(&chunk).chars().collect();
        if conv.len() == end - start {
            for (it, &c) in items[start..end].iter().zip(&conv) {
                if it.c != c {
                    counts.chars_converted += 1;
                }
                out.push(Item { c, ..*it });
            }
        } else {
            counts.chars_converted += conv.len() as u32;
            let (s, e) = (items[start].start, items[end - 1].end);
            let run = items[start..end].iter().find_map(|i| i.run);
            out.extend(conv.iter().map(|&c| Item { c, start: s, end: e, run }));
        }
        start = end;
    }
    out
}

/// Normalizes one line on its own (the same steps as a paragraph), e.g. to check the offset map.
pub fn normalize_line(raw: &str, convert: bool) -> String {
    let mut raw_src: Vec<u32> = raw.char_indices().map(|(b, _)| b as u32).collect();
    raw_src.push(raw.len() as u32);
    let p = Paragraph { raw: raw.to_string(), raw_src, ..Paragraph::default() };
    let (items, _) = normalize_paragraph(&p, convert, &mut NormalizeCounts::default());
    items.iter().map(|i| i.c).collect()
}

/// The document's normalized text: kept paragraphs joined by `\n` (what all char spans index).
pub fn document_text(doc: &Document) -> String {
    let mut s = String::new();
    for (i, p) in doc.kept_paragraphs().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&p.text);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Extractor, SourceFile};

    fn run(text: &str) -> Document {
        let f = SourceFile { rel_path: "t.txt".into(), bytes: Ok(text.as_bytes().to_vec()) };
        let mut doc = Extractor.extract(&f).remove(0);
        Normalizer.process(&mut doc).unwrap();
        doc
    }

    #[test]
    fn traditional_glossed_fullwidth_text_comes_out_simplified_and_narrow() {
        // (A "發(fā)布機構:" header row would now be removed as metadata_header, so the second
        // gloss sits in a body line.)
        let src = "區(qū)委區(qū)政府的堅強領導下，實現(xiàn)增長８．２％。\n前江街道發(fā)展穩定。";
        let d = run(src);
        assert_eq!(d.script, Some(Script::Traditional));
        assert_eq!(d.paragraphs[0].text, "区委区政府的坚强领导下，实现增长8.2%。");
        assert_eq!(d.changes.glosses_removed, 4);
        assert!(d.changes.chars_converted >= 8);
        assert!(d.changes.width_fixes >= 4);
    }

    /// The one walk over the script sample tells each sample paragraph plain or not by the
    /// byte offsets of its chars: a char that needs work at the very first byte of a paragraph,
    /// or at its last, belongs to that paragraph; removed lines hold no place in the sample;
    /// paragraphs past the sample are tested on their own. (`process` also checks every kept
    /// paragraph against `is_plain_text` in test builds.)
    #[test]
    fn sample_walk_finds_each_paragraph_that_needs_work() {
        let filler = "全年地区生产总值稳步增长，各项事业全面发展。".repeat(40);
        let mut lines = vec!["政府工作报告".to_string(), "首页 > 新闻".to_string(), "２０２３年增长".to_string(), "增长８".to_string()];
        // Past the sample (60 000 bytes): plain lines, then one with a full-width digit first.
        // (Each line its own: repeated lines would be removed as duplicates.)
        lines.extend((0..70).map(|k| format!("{filler}第{k}段。")));
        lines.push("９月份完成".to_string());
        lines.push(format!("{filler}末段。"));
        let d = run(&lines.join("\n"));
        let kept: Vec<&str> = d.paragraphs.iter().filter(|p| p.is_kept()).map(|p| p.text.as_str()).collect();
        assert!(d.paragraphs.iter().any(|p| p.raw == "首页 > 新闻" && !p.is_kept()), "the breadcrumb is removed");
        assert_eq!(kept[..3], ["政府工作报告", "2023年增长", "增长8"]);
        assert!(kept.contains(&"9月份完成"), "the paragraph past the sample is narrowed too");
        assert_eq!(kept.iter().filter(|t| t.starts_with(&filler)).count(), 71);
    }

    #[test]
    fn spaces_between_chinese_go_and_punctuation_stays() {
        let d = run("　　政 府 工 作 报 告：RCEP  原产地证书（一）“两战赢”");
        assert_eq!(d.paragraphs[0].text, "政府工作报告：RCEP原产地证书（一）“两战赢”");
        let d = run("Hello   world 2023");
        assert_eq!(d.paragraphs[0].text, "Hello world 2023");
    }

    #[test]
    fn every_normalized_char_maps_back_to_its_source_bytes() {
        let src = "標題\n區(qū)委實現(xiàn)增長８．２％，總額449.7億元";
        let d = run(src);
        let p = &d.paragraphs[1];
        let bytes = src.as_bytes();
        for (k, c) in p.text.chars().enumerate() {
            let orig = std::str::from_utf8(&bytes[p.src_start[k] as usize..p.src_end[k] as usize]).unwrap();
            assert_eq!(script::to_simplified(orig).chars().next().map(|o| width::narrow(o).unwrap_or(o)), Some(c), "char {k}");
        }
        assert_eq!(p.char_start, Some(3));
    }

    #[test]
    fn lines_already_normal_take_the_short_way_with_the_same_result() {
        for (line, convert) in [
            ("全年实现地区生产总值449.7亿元，增长8.2%。", false),
            ("全年實現地區生產總值449.7億元，增長8.2%。", true),
            ("各位代表：现在，我代表区人民政府向大会报告工作！", true),
            ("（一）坚持稳中求进", false),
            ("增长８．２％", false),
            ("区(qū)委", false),
            ("增长?了", false),
            ("a b", false),
        ] {
            let mut raw_src: Vec<u32> = line.char_indices().map(|(b, _)| b as u32).collect();
            raw_src.push(line.len() as u32);
            let p = Paragraph { raw: line.to_string(), raw_src, ..Paragraph::default() };
            let (items, _) = normalize_paragraph(&p, convert, &mut NormalizeCounts::default());
            let same = items.len() == line.chars().count()
                && items.iter().zip(line.chars()).zip(p.raw_src.windows(2)).all(|((it, c), w)| it.c == c && it.start == w[0] && it.end == w[1]);
            if is_already_normal(&p, convert) {
                assert!(same, "{line}");
            }
            // Parentheses without a tone-marked syllable hold no gloss.
            let normal = line.starts_with('全') && !convert || line.starts_with('各') || line.starts_with('（');
            assert_eq!(is_already_normal(&p, convert), normal, "{line}");
        }
    }

    /// The short ways give what the full steps give, on every line of the seeds in both
    /// scripts and on lines with parentheses, glosses, garbage and odd widths: a line without
    /// a mojibake start or a possible gloss gets from steps 0 and 1 exactly its own chars, and
    /// a line taken as already normal comes out of [`normalize_paragraph`] unchanged.
    #[test]
    fn short_ways_match_the_full_steps_on_the_seeds() {
        let mut lines: Vec<String> = vec![
            "（一）坚持稳中求进，(二)扩大内需".into(),
            "區(qū)委區（qū）政府".into(),
            "é(a)".into(),
            "增长(zēng)了".into(),
            "锟斤拷（一）".into(),
            "增长８．２％（同比）".into(),
        ];
        lines.extend(script::seed_lines_in_both_scripts());
        let mut short = 0;
        for line in &lines {
            let mut raw_src: Vec<u32> = line.char_indices().map(|(b, _)| b as u32).collect();
            raw_src.push(line.len() as u32);
            let p = Paragraph { raw: line.to_string(), raw_src, ..Paragraph::default() };
            let own: Vec<(char, u32, u32)> = line.chars().zip(p.raw_src.windows(2)).map(|(c, w)| (c, w[0], w[1])).collect();
            if !line.contains(MOJIBAKE_STARTS) && !gloss::may_hold(line) {
                let mut counts = NormalizeCounts::default();
                let (items, runs) = repair_and_unglossed(&p, &mut counts);
                assert!(runs.is_empty() && counts == NormalizeCounts::default(), "{line}");
                assert_eq!(items.iter().map(|i| (i.c, i.start, i.end)).collect::<Vec<_>>(), own, "{line}");
                assert!(items.iter().all(|i| i.run.is_none()));
            }
            for convert in [false, true] {
                // The one-pass check is the three checks it stands for.
                let three = line.chars().all(|c| width::is_plain(c) && !MOJIBAKE_STARTS.contains(&c))
                    && !gloss::may_hold(line)
                    && !(convert && script::may_change(line));
                assert_eq!(is_already_normal(&p, convert), three, "{line}");
                if is_already_normal(&p, convert) {
                    let (items, _) = normalize_paragraph(&p, convert, &mut NormalizeCounts::default());
                    assert_eq!(items.iter().map(|i| (i.c, i.start, i.end)).collect::<Vec<_>>(), own, "{line}");
                    short += 1;
                }
            }
        }
        assert!(short > 100, "{short}");
    }

    /// The short way for a plain line to convert gives what the full steps give: on every line
    /// of the seeds in both scripts and crafted lines, where the line is plain, the same chars
    /// from the same source ranges and the same count of converted chars.
    #[test]
    fn plain_lines_convert_as_the_full_steps_convert_them() {
        let mut lines: Vec<String> = vec!["乾隆年間，天乾物燥".into(), "隨著發展，著力提升".into(), "（一）堅持穩中求進".into(), "區委a b區政府".into()];
        lines.extend(script::seed_lines_in_both_scripts());
        let mut short = 0;
        for line in &lines {
            if !is_plain_text(line) {
                continue;
            }
            let mut raw_src: Vec<u32> = line.char_indices().map(|(b, _)| b as u32).collect();
            raw_src.push(line.len() as u32);
            let p = Paragraph { raw: line.to_string(), raw_src, ..Paragraph::default() };
            let mut counts = NormalizeCounts::default();
            let (items, runs) = normalize_paragraph(&p, true, &mut counts);
            if let Some((text, converted)) = convert_plain(line) {
                assert!(runs.is_empty(), "{line}");
                let full: Vec<(char, u32, u32)> = items.iter().map(|i| (i.c, i.start, i.end)).collect();
                let own: Vec<(char, u32, u32)> = text.chars().zip(p.raw_src.windows(2)).map(|(c, w)| (c, w[0], w[1])).collect();
                assert_eq!(own, full, "{line}");
                assert_eq!(NormalizeCounts { chars_converted: converted, ..NormalizeCounts::default() }, counts, "{line}");
                short += (converted > 0) as usize;
            }
        }
        assert!(short > 100, "{short}");
    }

    /// The byte walk of [`is_plain_text`] answers as the char walk does: on every seed line in
    /// both scripts, on every char alone and after a plain Chinese char, and on crafted lines.
    #[test]
    fn plain_text_reads_bytes_as_the_char_walk_reads_chars() {
        let mut lines: Vec<String> = vec![
            "区(qū)委".into(),
            "区（qū）委".into(),
            "é(a)".into(),
            "增长?了".into(),
            "锟斤拷".into(),
            "錕斤拷".into(),
            "增长８．２％".into(),
            "（一）坚持稳中求进".into(),
            "a b".into(),
            "\u{3000}政府".into(),
            "“两战赢”—…".into(),
            "ḿ(".into(),
            "政府\u{FFFD}".into(),
        ];
        lines.extend(script::seed_lines_in_both_scripts());
        let mut plain = 0;
        for line in &lines {
            assert_eq!(is_plain_text(line), is_plain_text_by_chars(line), "{line}");
            plain += is_plain_text(line) as usize;
        }
        assert!(plain > 100 && plain < lines.len(), "{plain} of {}", lines.len());
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("政{c}"), format!("({c}"), format!("{c}é（")] {
                assert_eq!(is_plain_text(&s), is_plain_text_by_chars(&s), "{c:?}");
            }
        }
        // At every place of a 32-byte block (the last positions of a block read the next
        // one's bytes).
        let tail = "告".repeat(15);
        for pad in 25..40 {
            for c in (0..0x3100).chain(0x9300..0x9600).chain(0xFEF0..0x10000).filter_map(char::from_u32) {
                let s = format!("{}{c}{tail}", "a".repeat(pad));
                assert_eq!(is_plain_text(&s), is_plain_text_by_chars(&s), "{c:?} in {s:?}");
            }
        }
    }

    #[test]
    fn each_garbled_run_reports_its_own_span() {
        // Two runs side by side (merged in `flagged` for the tagger) and one further on.
        let d = run("标题\n增长锟斤拷\u{FFFD}了5%,共\u{FFFD}\u{FFFD}个");
        let p = &d.paragraphs[1];
        let text: Vec<char> = p.text.chars().collect();
        let base = p.char_start.unwrap() as usize;
        let re = regex::Regex::new(r"chars (\d+)-(\d+) \(flagged\)").unwrap();
        let spans: Vec<String> = d
            .issues
            .iter()
            .filter(|i| i.code == "mojibake_flagged")
            .map(|i| {
                let c = re.captures(i.location.as_deref().unwrap()).expect("a flagged span");
                let (a, b): (usize, usize) = (c[1].parse().unwrap(), c[2].parse().unwrap());
                text[a - base..b - base].iter().collect()
            })
            .collect();
        assert_eq!(spans, ["锟斤拷", "\u{FFFD}", "\u{FFFD}\u{FFFD}"]);
    }
}
