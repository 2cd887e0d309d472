//! Accounting checks between figures: a part larger than its stated total (其中 clauses), and
//! a level with a growth rate that contradicts the level the same region stated for the year
//! before (in the same report or the previous one).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::across::{group, Group, Key, Mention};
use super::facts::{DocFacts, Figure};
use super::{doc_finding, Finding};
use crate::model::Severity;

/// A part may exceed its total by rounding only (both are rounded to the digits written).
const ROUNDING: f64 = 0.005;
/// Growth rates are often at comparable prices while levels are nominal, and levels get revised:
/// only a gap larger than this many points (or half the rate) counts as a contradiction.
const GROWTH_TOLERANCE_PP: f64 = 5.0;

// Where the 其中 clauses of a sentence start, as `load` gives them to [`parts_and_totals`]:
// char positions in the document, ascending. Two sources give the same positions, since a
// sentence is a piece of its paragraph and both carry their char offset in the document: the
// sentence's own text (`sentences.text`, [`sentence_clauses`]), or the clauses of its
// paragraph (`paragraphs.text`, [`paragraph_clauses`], which validation reads whole for the
// text check anyway) that lie inside the sentence's span ([`clauses_in_span`]). The second
// spares decompressing `sentences.text` again, the largest column of the dataset after
// `paragraphs.text`, and is used whenever `paragraphs` is checked. On a dataset this pipeline
// wrote the two agree (a test compares them on every sentence of the seeds and the corpus); on
// one edited by hand so that a sentence's text or span no longer matches its paragraph, the
// paragraph is what counts.

/// The 其中 clauses of a sentence from its text, which starts at char `start` of the document.
pub fn sentence_clauses(start: i64, text: &str) -> Vec<i64> {
    qizhong_positions(text).into_iter().map(|q| start + q).collect()
}

/// The 其中 clauses of a paragraph whose `text` starts at char `start` of the document,
/// appended to `out` (ascending).
pub fn paragraph_clauses(start: i64, text: &str, out: &mut Vec<i64>) {
    out.extend(qizhong_positions(text).into_iter().map(|q| start + q));
}

/// Of `in_document` (the ascending clause positions of all the document's paragraphs), those
/// that lie whole inside the sentence spanning chars `start..end`.
pub fn clauses_in_span(start: i64, end: i64, in_document: &[i64]) -> Vec<i64> {
    let from = in_document.partition_point(|&q| q < start);
    in_document[from..].iter().copied().take_while(|&q| q + 2 <= end).collect()
}

/// Char positions (in `text`) where a 其中 clause starts. Found by searching the bytes (most
/// sentences have none), counting chars only up to each match; 其中 cannot overlap itself,
/// so the matches are every place where 其 is followed by 中.
fn qizhong_positions(text: &str) -> Vec<i64> {
    let mut out = Vec::new();
    let (mut chars, mut counted) = (0i64, 0usize);
    for (at, _) in text.match_indices("其中") {
        chars += text[counted..at].chars().count() as i64;
        counted = at;
        out.push(chars);
    }
    out
}

/// A level inside a 其中 clause is a part of the nearest level before the clause with the same
/// unit and status (in the same sentence or the one before); it cannot be larger.
///
/// `load(doc, wanted)` gives sentence_index → where the 其中 clauses of that sentence start
/// (char positions in the document, ascending; see [`sentence_clauses`]) for the wanted sentences of one
/// document; documents are loaded in the order of `position` (where their sentences lie), and
/// their findings reported by source file.
pub fn parts_and_totals(
    figs: &[Figure],
    position: impl Fn(&str) -> usize,
    load: &mut dyn FnMut(&str, &HashSet<i64>) -> anyhow::Result<HashMap<i64, Vec<i64>>>,
    out: &mut Vec<Finding>,
) -> anyhow::Result<()> {
    let mut by_doc: HashMap<&str, Vec<&Figure>> = HashMap::default();
    for f in figs {
        by_doc.entry(f.doc_id.as_str()).or_default().push(f);
    }
    let mut docs: Vec<_> = by_doc.into_iter().collect();
    docs.sort_by_key(|(_, l)| (l[0].source_file.clone(), l[0].doc_id.clone()));
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&k| (position(docs[k].0), k));
    let mut found: Vec<Vec<Finding>> = vec![Vec::new(); docs.len()];
    for k in order {
        let (doc, list) = &docs[k];
        let wanted: HashSet<i64> = list.iter().filter(|f| f.measure == "level").map(|f| f.sentence_index).collect();
        if wanted.is_empty() {
            continue;
        }
        let clauses = load(doc, &wanted)?;
        one_document(list, &clauses, &mut found[k]);
    }
    out.extend(found.into_iter().flatten());
    Ok(())
}

/// [`parts_and_totals`] within one document; `clauses` as `load` gives them.
fn one_document(list: &[&Figure], clauses: &HashMap<i64, Vec<i64>>, out: &mut Vec<Finding>) {
    for p in list.iter().filter(|f| f.measure == "level") {
        let Some(qs) = clauses.get(&p.sentence_index) else { continue };
        let Some(&q) = qs.iter().rev().find(|&&q| q <= p.char_start) else { continue };
        let total = list
            .iter()
            .filter(|t| {
                t.measure == "level"
                    && t.unit == p.unit
                    && t.status == p.status
                    && t.char_end <= q
                    && (t.sentence_index == p.sentence_index || t.sentence_index + 1 == p.sentence_index)
            })
            .max_by_key(|t| t.char_end);
        let Some(t) = total else { continue };
        if t.qualifier.as_deref() == Some("over") || (t.year.is_some() && p.year.is_some() && t.year != p.year) {
            continue;
        }
        if t.value > 0.0 && p.value > t.value * (1.0 + ROUNDING) {
            out.push(doc_finding(
                &p.doc_id,
                &p.source_file,
                Severity::Warning,
                "part_exceeds_total",
                format!(
                    "{} {}{} (a 其中 part) is larger than the total before it, {} {}{} (line {}); one of the two figures is misread or misstated",
                    p.indicator, p.value_text, p.unit_text, t.indicator, t.value_text, t.unit_text, t.source_line
                ),
                p.source_line,
                format!("indicators {} and {} of {}", t.indicator_index, p.indicator_index, p.doc_id),
            ));
        }
    }
}

/// A stated level with its growth rate against the level stated for the year before by the
/// same region (same report or another): (level / previous − 1) should be near the rate.
/// `mentions` in stream order, with every mention of the levels' group, key and unit; each
/// finding comes with the `seq` of its level.
pub fn growth_against_levels(docs: &[DocFacts], mentions: &[Mention], out: &mut Vec<(u64, Finding)>) {
    let level = |f: &Mention| f.measure == "level" && f.status == "actual" && f.plain();
    // The first exact-or-approximate actual level per (group, indicator, unit, year).
    let mut levels: HashMap<(Group, Key, &str, i64), &Mention> = HashMap::default();
    for f in mentions.iter().filter(|f| level(f)) {
        levels.entry((group(docs, f), f.key(), f.unit.as_str(), f.year)).or_insert(f);
    }
    for l1 in mentions {
        // Its growth: found where the document's figures were together (see growth_partners).
        let Some(g) = l1.growth.as_ref().filter(|_| level(l1)) else { continue };
        let y = l1.year;
        let Some(l0) = levels.get(&(group(docs, l1), l1.key(), l1.unit.as_str(), y - 1)) else { continue };
        if l0.value <= 0.0 {
            continue;
        }
        let implied = (l1.value / l0.value - 1.0) * 100.0;
        if (implied - g.value).abs() > GROWTH_TOLERANCE_PP.max(0.5 * g.value.abs()) {
            let f = doc_finding(
                &l1.doc_id,
                &l1.source_file,
                Severity::Warning,
                "growth_contradicts_levels",
                format!(
                    "{} {}{} in {y} with growth {}% implies {:.1}% against {} {}{} for {} ({} line {}); check both figures and their years",
                    l1.indicator, l1.value_text, l1.unit_text, g.value_text, implied, l0.indicator, l0.value_text, l0.unit_text, y - 1,
                    l0.source_file, l0.source_line
                ),
                l1.source_line,
                format!("indicators {} and {} of {}; level {} of {}", l1.indicator_index, g.indicator_index, l1.doc_id, l0.indicator_index, l0.doc_id),
            );
            out.push((l1.seq, f));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(idx: i64, sentence: i64, start: i64, name: &str, value: f64, unit: &str, qualifier: Option<&str>) -> Figure {
        Figure {
            doc_id: "d".into(),
            source_file: "d.txt".into(),
            indicator_index: idx,
            sentence_index: sentence,
            source_line: 1,
            char_start: start,
            char_end: start + 4,
            indicator: name.into(),
            code: None,
            measure: "level".into(),
            value,
            value_text: value.to_string().into(),
            unit: unit.into(),
            unit_text: unit.into(),
            qualifier: qualifier.map(Into::into),
            basis: None,
            status: "actual".into(),
            year: None,
        }
    }

    #[test]
    fn qizhong_clauses_are_found_where_the_chars_say() {
        // The slow way: every char position where 其 is followed by 中.
        let slow = |t: &str| -> Vec<i64> {
            let c: Vec<char> = t.chars().collect();
            (0..c.len().saturating_sub(1)).filter(|&i| c[i] == '其' && c[i + 1] == '中').map(|i| i as i64).collect()
        };
        for t in ["", "其中", "其", "中其中其中", "出口额50亿元，其中跨境电商80亿元，其中中国", "其其中中", "a其中b其中", "其中其中其中"] {
            assert_eq!(qizhong_positions(t), slow(t), "{t}");
        }
    }

    #[test]
    fn clauses_in_a_span_are_the_paragraph_clauses_whole_inside_it() {
        // Paragraph "总额50亿元，其中A。其中B其" at char 100: clauses at 107 and 111 (and 其 at
        // 114 with its 中 in the next paragraph, which is no clause of this one).
        let mut in_document = Vec::new();
        paragraph_clauses(100, "总额50亿元，其中A。其中B其", &mut in_document);
        paragraph_clauses(115, "中国其中", &mut in_document);
        assert_eq!(in_document, vec![107, 111, 117]);
        // Sentences "总额50亿元，其中A。" (100..111) and "其中B其" (111..115).
        assert_eq!(clauses_in_span(100, 111, &in_document), vec![107]);
        assert_eq!(clauses_in_span(111, 115, &in_document), vec![111]);
        assert_eq!(clauses_in_span(111, 115, &in_document), sentence_clauses(111, "其中B其"));
        // A clause cut by the span's end is not inside it; one that ends at the end is.
        assert_eq!(clauses_in_span(100, 108, &in_document), Vec::<i64>::new());
        assert_eq!(clauses_in_span(100, 109, &in_document), vec![107]);
        assert_eq!(clauses_in_span(115, 119, &in_document), vec![117]);
        assert_eq!(clauses_in_span(0, 50, &in_document), Vec::<i64>::new());
    }

    fn codes(figs: &[Figure], text: &str) -> usize {
        let sents: HashMap<i64, Vec<i64>> = [(0, sentence_clauses(0, text))].into_iter().collect();
        let mut out = Vec::new();
        let mut load = |d: &str, _: &HashSet<i64>| Ok(if d == "d" { sents.clone() } else { HashMap::default() });
        parts_and_totals(figs, |_| 0, &mut load, &mut out).unwrap();
        out.len()
    }

    #[test]
    fn a_part_is_checked_against_the_nearest_total_of_its_unit() {
        // 出口额50亿元，其中跨境电商80亿元 (positions as in the sentence).
        let text = "出口额50亿元，其中跨境电商80亿元，货运10万吨。";
        let total = fig(0, 0, 0, "出口额", 50e8, "CNY", None);
        let part = fig(1, 0, 10, "跨境电商", 80e8, "CNY", None);
        assert_eq!(codes(&[total.clone(), part.clone()], text), 1);
        // A smaller part, a part in another unit, or a total stated as a floor: no finding.
        assert_eq!(codes(&[total.clone(), fig(1, 0, 10, "跨境电商", 30e8, "CNY", None)], text), 0);
        assert_eq!(codes(&[total.clone(), fig(1, 0, 21, "货运", 1e5, "t", None)], text), 0);
        assert_eq!(codes(&[fig(0, 0, 0, "出口额", 50e8, "CNY", Some("over")), part.clone()], text), 0);
        // Without 其中 the second figure is no part.
        assert_eq!(codes(&[total, part], "出口额50亿元，另外跨境电商80亿元。"), 0);
    }
}
