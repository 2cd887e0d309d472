//! The written tables read back into plain rows for the cross-row checks (accounting,
//! targets vs actuals): documents with their region, figures, and sentence texts.

use std::collections::HashMap;

use polars::prelude::*;

use super::{floats, ints, strs};

/// One document as the cross-document checks need it.
#[derive(Debug, Clone)]
pub struct DocFacts {
    pub doc_id: String,
    pub source_file: String,
    pub report_year: Option<i32>,
    /// Region group and where it came from (`documents.region`, `folder`, `text`, `file_name`).
    pub region: Option<(String, &'static str)>,
}

/// One row of `indicators`.
#[derive(Debug, Clone)]
pub struct Figure {
    pub doc_id: String,
    pub source_file: String,
    pub indicator_index: i64,
    pub sentence_index: i64,
    pub source_line: i64,
    pub char_start: i64,
    pub char_end: i64,
    pub indicator: String,
    pub code: Option<String>,
    pub measure: String,
    pub value: f64,
    pub value_text: String,
    pub unit: String,
    /// The unit as written, with its scale word (亿元).
    pub unit_text: String,
    pub qualifier: Option<String>,
    pub basis: Option<String>,
    pub status: String,
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

pub fn documents(docs: &DataFrame, paragraphs: Option<&DataFrame>) -> anyhow::Result<Vec<DocFacts>> {
    let ids = strs(docs, "doc_id")?;
    let files = strs(docs, "source_file")?;
    let years = ints(docs, "report_year")?;
    // A `region` column, if a later schema adds one, wins over every guess.
    let region_col = if docs.column("region").is_ok() { Some(strs(docs, "region")?) } else { None };
    let heads = match paragraphs {
        Some(p) => opening_lines(p)?,
        None => HashMap::new(),
    };
    let mut out = Vec::with_capacity(docs.height());
    for k in 0..docs.height() {
        let (Some(id), Some(file)) = (ids[k], files[k]) else { continue };
        let stated = region_col.as_ref().and_then(|c| c[k]).filter(|s| !s.trim().is_empty()).map(|s| (s.trim().to_string(), "documents.region"));
        let region = stated
            .or_else(|| super::region::from_folder(file).map(|r| (r, "folder")))
            .or_else(|| heads.get(id).and_then(|h| super::region::from_text(h)).map(|r| (r, "text")))
            .or_else(|| super::region::from_file_name(file).map(|r| (r, "file_name")));
        out.push(DocFacts { doc_id: id.to_string(), source_file: file.to_string(), report_year: years[k].map(|y| y as i32), region });
    }
    Ok(out)
}

/// The first kept paragraphs of every document, joined, where report headers name the region.
fn opening_lines(p: &DataFrame) -> anyhow::Result<HashMap<String, String>> {
    const HEAD_PARAGRAPHS: usize = 12;
    let ids = strs(p, "doc_id")?;
    let texts = strs(p, "text")?;
    let removed = strs(p, "removed")?;
    let mut out: HashMap<String, (usize, String)> = HashMap::new();
    for k in 0..p.height() {
        let (Some(id), Some(t)) = (ids[k], texts[k]) else { continue };
        if removed[k].is_some() {
            continue;
        }
        let e = out.entry(id.to_string()).or_default();
        if e.0 < HEAD_PARAGRAPHS {
            e.0 += 1;
            e.1.push_str(t);
            e.1.push('\n');
        }
    }
    Ok(out.into_iter().map(|(k, (_, v))| (k, v)).collect())
}

pub fn figures(ind: &DataFrame) -> anyhow::Result<Vec<Figure>> {
    let (doc, file, idx, sent, line, cs, ce) = (
        strs(ind, "doc_id")?, strs(ind, "source_file")?, ints(ind, "indicator_index")?, ints(ind, "sentence_index")?,
        ints(ind, "source_line")?, ints(ind, "char_start")?, ints(ind, "char_end")?,
    );
    let (name, code, measure, value, vtext, unit, utext, qual, basis, status, year) = (
        strs(ind, "indicator")?, strs(ind, "indicator_code")?, strs(ind, "measure")?, floats(ind, "value")?,
        strs(ind, "value_text")?, strs(ind, "unit")?, strs(ind, "unit_text")?, strs(ind, "qualifier")?, strs(ind, "basis")?, strs(ind, "status")?,
        ints(ind, "year")?,
    );
    let mut out = Vec::with_capacity(ind.height());
    for k in 0..ind.height() {
        let (Some(d), Some(f), Some(i), Some(s), Some(l), Some(a), Some(b), Some(n), Some(m), Some(v), Some(u), Some(st)) =
            (doc[k], file[k], idx[k], sent[k], line[k], cs[k], ce[k], name[k], measure[k], value[k], unit[k], status[k])
        else {
            continue;
        };
        out.push(Figure {
            doc_id: d.to_string(),
            source_file: f.to_string(),
            indicator_index: i,
            sentence_index: s,
            source_line: l,
            char_start: a,
            char_end: b,
            indicator: n.to_string(),
            code: code[k].map(str::to_string),
            measure: m.to_string(),
            value: v,
            value_text: vtext[k].unwrap_or("").to_string(),
            unit: u.to_string(),
            unit_text: utext[k].unwrap_or(u).to_string(),
            qualifier: qual[k].map(str::to_string),
            basis: basis[k].map(str::to_string),
            status: st.to_string(),
            year: year[k],
        });
    }
    Ok(out)
}

/// (doc_id, sentence_index) → (char_start, text) of every sentence.
pub fn sentences(sent: &DataFrame) -> anyhow::Result<HashMap<(String, i64), (i64, String)>> {
    let (id, idx, cs, text) = (strs(sent, "doc_id")?, ints(sent, "sentence_index")?, ints(sent, "char_start")?, strs(sent, "text")?);
    let mut out = HashMap::with_capacity(sent.height());
    for k in 0..sent.height() {
        if let (Some(d), Some(i), Some(a), Some(t)) = (id[k], idx[k], cs[k], text[k]) {
            out.insert((d.to_string(), i), (a, t.to_string()));
        }
    }
    Ok(out)
}
