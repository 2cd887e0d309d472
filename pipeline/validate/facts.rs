//! The written tables read back into plain rows for the cross-row checks (accounting,
//! targets vs actuals): documents with their region, figures, and sentence texts, read in
//! chunks (see [`super::stream`]).

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::stream::{Chunk, Cursor, Reading};
use super::{accounting, SentenceIndex};
use crate::schema::catalog;

/// One document as the cross-document checks need it.
#[derive(Debug, Clone)]
pub struct DocFacts {
    pub doc_id: String,
    pub source_file: String,
    pub report_year: Option<i32>,
    /// Region group and where it came from (`documents.region`, `folder`, `text`, `file_name`).
    pub region: Option<(String, &'static str)>,
}

/// The text of a figure or mention: most values (codes, units, numbers as written, names of
/// up to 8 Chinese chars) fit inline, so reading a figure and spilling it allocate nothing per
/// field.
pub type Str = compact_str::CompactString;

/// One row of `indicators`.
#[derive(Debug, Clone)]
pub struct Figure {
    pub doc_id: Str,
    pub source_file: Str,
    pub indicator_index: i64,
    pub sentence_index: i64,
    pub source_line: i64,
    pub char_start: i64,
    pub char_end: i64,
    pub indicator: Str,
    pub code: Option<Str>,
    pub measure: Str,
    pub value: f64,
    pub value_text: Str,
    pub unit: Str,
    /// The unit as written, with its scale word (亿元).
    pub unit_text: Str,
    pub qualifier: Option<Str>,
    pub basis: Option<Str>,
    pub status: Str,
    pub year: Option<i64>,
}

impl Figure {
    /// The calendar year the figure is about: the stated year, else what a report delivered in
    /// `report_year` is about by status (actuals review the year before, targets the year itself).
    pub fn effective_year(&self, report_year: Option<i32>) -> Option<i64> {
        self.year.or_else(|| {
            let r = report_year? as i64;
            match self.status.as_str() {
                "actual" => Some(r - 1),
                "target" => Some(r),
                _ => None,
            }
        })
    }

    /// What "the same indicator" means across mentions: the code, else the name.
    pub fn key(&self) -> String {
        match &self.code {
            Some(c) => format!("code:{c}"),
            None => format!("name:{}", self.indicator),
        }
    }
}

/// One row of `documents`, as the checks need it (one small entry per document).
#[derive(Debug, Clone)]
pub struct DocRow {
    pub doc_id: Option<String>,
    pub source_file: Option<String>,
    pub report_year: Option<i64>,
    /// n_paragraphs, n_sentences, n_tokens, n_indicators, n_issues.
    pub counts: [Option<i64>; 5],
    /// `documents.region` (what extract read from the report's header).
    pub region: Option<String>,
}

const COUNT_COLUMNS: [&str; 5] = ["n_paragraphs", "n_sentences", "n_tokens", "n_indicators", "n_issues"];

impl DocRow {
    pub fn read(reading: &Reading) -> anyhow::Result<Vec<DocRow>> {
        let has_region = catalog().table("documents").columns.iter().any(|c| c.name == "region");
        let mut columns = vec!["doc_id", "source_file", "report_year"];
        columns.extend(COUNT_COLUMNS);
        if has_region {
            columns.push("region");
        }
        let mut out = Vec::new();
        reading.for_each_chunk("documents", &columns, |c, _| {
            let (ids, files, years) = (c.strs("doc_id")?, c.strs("source_file")?, c.ints("report_year")?);
            let counts = COUNT_COLUMNS.iter().map(|n| c.ints(n)).collect::<anyhow::Result<Vec<_>>>()?;
            let region = if has_region { Some(c.strs("region")?) } else { None };
            for k in 0..c.rows() {
                out.push(DocRow {
                    doc_id: ids.get(k).map(str::to_string),
                    source_file: files.get(k).map(str::to_string),
                    report_year: years.get(k),
                    counts: std::array::from_fn(|i| counts[i].get(k)),
                    region: region.as_ref().and_then(|r| r.get(k)).map(str::to_string),
                });
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// `heads`: the region each document's opening lines name (see [`Openings`]).
pub fn documents(docs: &[DocRow], heads: &HashMap<String, Option<String>>) -> Vec<DocFacts> {
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        let (Some(id), Some(file)) = (d.doc_id.as_deref(), d.source_file.as_deref()) else { continue };
        // One fixed order for every document, so that two reports of one region get the same
        // key: the folder the user filed it in, then the region extract read, then the region
        // the opening lines name, then the file name without its year.
        let stated = d.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| (super::region::canonical(s), "documents.region"));
        let region = super::region::from_folder(file)
            .map(|r| (r, "folder"))
            .or(stated)
            .or_else(|| heads.get(id).cloned().flatten().map(|r| (super::region::canonical(&r), "text")))
            .or_else(|| super::region::from_file_name(file).map(|r| (r, "file_name")));
        out.push(DocFacts { doc_id: id.to_string(), source_file: file.to_string(), report_year: d.report_year.map(|y| y as i32), region });
    }
    out
}

/// The first kept paragraphs of a document, where report headers name the region.
const HEAD_PARAGRAPHS: usize = 12;

/// The region the opening lines (first kept paragraphs, joined) of every document name, for a
/// `paragraphs` table whose documents' rows do not lie together: every unfinished opening is
/// held until the end. (Grouped tables are served by [`Openings`] in validation's one pass.)
pub fn scattered_opening_regions(reading: &Reading) -> anyhow::Result<HashMap<String, Option<String>>> {
    let mut all = Openings::new(false);
    reading.for_each_chunk("paragraphs", &["doc_id", "text", "removed"], |c, _| {
        let (ids, texts, removed) = (c.strs("doc_id")?, c.strs("text")?, c.strs("removed")?);
        for k in 0..c.rows() {
            if let (Some(id), Some(t), None) = (ids.get(k), texts.get(k), removed.get(k)) {
                all.paragraph(id, t);
            }
        }
        Ok(())
    })?;
    Ok(all.finish().expect("a pass that waits for the end always finishes"))
}

/// The opening lines of each document, fed one kept paragraph at a time in table order. With
/// `grouped`, only the opening of the current document is held: a document's is done at its
/// 12th kept paragraph or when the next document starts; should a document's rows turn out not
/// to lie together, [`Openings::finish`] gives None and the caller passes again without.
pub struct Openings {
    grouped: bool,
    done: HashMap<String, Option<String>>,
    /// Documents still gathering their opening: paragraphs so far, text.
    open: HashMap<String, (usize, String)>,
    current: Option<String>,
    scattered: bool,
}

impl Openings {
    pub fn new(grouped: bool) -> Self {
        Openings { grouped, done: HashMap::new(), open: HashMap::new(), current: None, scattered: false }
    }

    /// One kept paragraph (`removed` is null).
    pub fn paragraph(&mut self, id: &str, t: &str) {
        if self.scattered {
            return;
        }
        if self.grouped && self.current.as_deref() != Some(id) {
            if let Some(prev) = self.current.take() {
                if let Some((_, head)) = self.open.remove(&prev) {
                    self.done.insert(prev, super::region::from_text(&head));
                }
            }
            if self.done.contains_key(id) {
                // Back to a document already passed: the rows do not lie together.
                self.scattered = true;
                return;
            }
            self.current = Some(id.to_string());
        }
        if self.done.contains_key(id) {
            return;
        }
        let e = self.open.entry(id.to_string()).or_default();
        e.0 += 1;
        e.1.push_str(t);
        e.1.push('\n');
        if e.0 == HEAD_PARAGRAPHS {
            let (_, head) = self.open.remove(id).expect("just added");
            self.done.insert(id.to_string(), super::region::from_text(&head));
        }
    }

    /// doc_id → region of its opening lines; None when grouped and the rows were scattered.
    pub fn finish(mut self) -> Option<HashMap<String, Option<String>>> {
        if self.scattered {
            return None;
        }
        for (id, (_, head)) in self.open {
            self.done.insert(id, super::region::from_text(&head));
        }
        Some(self.done)
    }
}

/// The columns of `indicators` that [`figures`] reads (with those the row checks read).
pub const FIGURE_COLUMNS: [&str; 18] = [
    "doc_id", "source_file", "indicator_index", "sentence_index", "source_line", "char_start", "char_end", "indicator",
    "indicator_code", "measure", "value", "value_text", "unit", "unit_text", "qualifier", "basis", "status", "year",
];

/// Appends the figures of one chunk of `indicators`.
pub fn figures(ind: &Chunk, out: &mut Vec<Figure>) -> anyhow::Result<()> {
    let (doc, file, idx, sent, line, cs, ce) = (
        ind.strs("doc_id")?, ind.strs("source_file")?, ind.ints("indicator_index")?, ind.ints("sentence_index")?,
        ind.ints("source_line")?, ind.ints("char_start")?, ind.ints("char_end")?,
    );
    let (name, code, measure, value, vtext, unit, utext, qual, basis, status, year) = (
        ind.strs("indicator")?, ind.strs("indicator_code")?, ind.strs("measure")?, ind.floats("value")?,
        ind.strs("value_text")?, ind.strs("unit")?, ind.strs("unit_text")?, ind.strs("qualifier")?, ind.strs("basis")?, ind.strs("status")?,
        ind.ints("year")?,
    );
    for k in 0..ind.rows() {
        let (Some(d), Some(f), Some(i), Some(s), Some(l), Some(a), Some(b), Some(n), Some(m), Some(v), Some(u), Some(st)) =
            (doc.get(k), file.get(k), idx.get(k), sent.get(k), line.get(k), cs.get(k), ce.get(k), name.get(k), measure.get(k), value.get(k), unit.get(k), status.get(k))
        else {
            continue;
        };
        out.push(Figure {
            doc_id: d.into(),
            source_file: f.into(),
            indicator_index: i,
            sentence_index: s,
            source_line: l,
            char_start: a,
            char_end: b,
            indicator: n.into(),
            code: code.get(k).map(Str::from),
            measure: m.into(),
            value: v,
            value_text: vtext.get(k).unwrap_or("").into(),
            unit: u.into(),
            unit_text: utext.get(k).unwrap_or(u).into(),
            qualifier: qual.get(k).map(Str::from),
            basis: basis.get(k).map(Str::from),
            status: st.into(),
            year: year.get(k),
        });
    }
    Ok(())
}

/// Where [`sentence_clauses_of`] finds a sentence's 其中 clauses.
pub enum ClauseSource<'a> {
    /// Each document's clause positions, read from `paragraphs` ([`accounting::paragraph_clauses`]):
    /// only the sentences' spans are read.
    Paragraphs(&'a FxHashMap<String, Vec<i64>>),
    /// The sentences' own text (when `paragraphs` is not among the tables checked).
    SentenceText,
}

impl ClauseSource<'_> {
    /// The `sentences` columns a cursor must read for this source.
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            ClauseSource::Paragraphs(_) => &["doc_id", "sentence_index", "char_start", "char_end"],
            ClauseSource::SentenceText => &["doc_id", "sentence_index", "char_start", "text"],
        }
    }
}

/// sentence_index → the 其中 clauses (char positions in the document, ascending) of the
/// `wanted` sentences of one document (the last row wins), read through `cursor` over
/// `sentences` with the columns `source` names.
pub fn sentence_clauses_of(
    cursor: &mut Cursor,
    index: &SentenceIndex,
    doc: &str,
    wanted: &FxHashSet<i64>,
    source: &ClauseSource,
) -> anyhow::Result<FxHashMap<i64, Vec<i64>>> {
    let mut out = FxHashMap::default();
    let Some(&range) = index.rows.get(doc) else { return Ok(out) };
    cursor.rows_of(doc, range, |c, rows| {
        let (idx, cs) = (c.ints("sentence_index")?, c.ints("char_start")?);
        // A sentence's clauses (given its row and start): those of the paragraphs' within its
        // span, or those found in its own text.
        let clauses_of: Box<dyn Fn(usize, i64) -> Option<Vec<i64>> + '_> = match source {
            ClauseSource::Paragraphs(clauses) => {
                let in_document = clauses.get(doc).map_or(&[][..], Vec::as_slice);
                let ends = c.ints("char_end")?;
                Box::new(move |k, a| ends.get(k).map(|b| accounting::clauses_in_span(a, b, in_document)))
            }
            ClauseSource::SentenceText => {
                let texts = c.strs("text")?;
                Box::new(move |k, a| texts.get(k).map(|t| accounting::sentence_clauses(a, t)))
            }
        };
        for &k in rows {
            let (Some(i), Some(a)) = (idx.get(k), cs.get(k)) else { continue };
            if wanted.contains(&i) {
                if let Some(clauses) = clauses_of(k, a) {
                    out.insert(i, clauses);
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod region_order_tests {
    use super::*;

    fn row(id: &str, file: &str, region: Option<&str>) -> DocRow {
        DocRow { doc_id: Some(id.into()), source_file: Some(file.into()), report_year: Some(2020), counts: [Some(0); 5], region: region.map(str::to_string) }
    }

    #[test]
    fn two_reports_of_one_region_get_one_key_whatever_each_header_says() {
        // One report's header named its region, the other's did not: the folder decides both.
        let docs = [row("a", "baoding/2018.txt", Some("保定市")), row("b", "baoding/2019.txt", None)];
        let facts = documents(&docs, &HashMap::new());
        assert_eq!(facts[0].region, Some(("baoding".to_string(), "folder")));
        assert_eq!(facts[1].region, Some(("baoding".to_string(), "folder")));
        // Flat folder: the header's region and the opening lines' region agree on spelling.
        let docs = [row("c", "nat_2019.txt", Some("中国")), row("d", "nat_2020.txt", None)];
        let heads: HashMap<String, Option<String>> = [("d".to_string(), Some("全国".to_string()))].into();
        let facts = documents(&docs, &heads);
        assert_eq!(facts[0].region.as_ref().unwrap().0, "全国");
        assert_eq!(facts[1].region.as_ref().unwrap().0, "全国");
    }
}
