//! Validate: reads the written tables back with polars, as a user would, and checks them
//! against `schemas/` and against each other. Every finding is an [`Issue`] of stage `validate`.
//!
//! Checks: each file's columns, types and nullability match its schema; every sentence, token,
//! paragraph and indicator points to an existing document (and sentence); spans lie inside
//! their sentence; the counts in `documents` match the rows of the other tables; indicator
//! values are sane for their measure and their unit agrees with the code book; parts are not
//! larger than their totals and growth rates agree with the levels of the year before
//! ([`accounting`]); the normalized text holds no residue of decoding or conversion ([`text`]).
//! Across documents of one region, targets are paired with the next report's actuals in
//! `targets_vs_actuals` ([`targets`]). [`rewrite`] puts the findings into `issues`.

pub mod accounting;
pub mod facts;
pub mod region;
pub mod rewrite;
pub mod targets;
pub mod text;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use arrow::record_batch::RecordBatch;

use crate::model::{Issue, Severity};
use crate::schema::{catalog, ColumnType, TableDef};

pub const STAGE: &str = "validate";

fn finding(severity: Severity, code: &'static str, message: String, location: String) -> Issue {
    Issue::new(STAGE, severity, code, message).at(location)
}

/// A validation finding: an `issues` row, about one document or (without one) the dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub doc_id: Option<String>,
    pub source_file: Option<String>,
    pub issue: Issue,
}

impl From<Issue> for Finding {
    fn from(issue: Issue) -> Self {
        Finding { doc_id: None, source_file: None, issue }
    }
}

fn doc_finding(doc_id: &str, file: &str, severity: Severity, code: &'static str, message: String, line: i64, location: String) -> Finding {
    let mut issue = finding(severity, code, message, location);
    issue.source_line = u32::try_from(line).ok().filter(|&l| l > 0);
    Finding { doc_id: Some(doc_id.to_string()), source_file: Some(file.to_string()), issue }
}

/// What validation of a dataset found, and the cross-document table it derives.
#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Rows of `targets_vs_actuals` (empty when the tables needed are missing or broken).
    pub targets_vs_actuals: RecordBatch,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.issue.severity == Severity::Error).count()
    }
}

/// Reads one table file with polars.
pub fn read_table(dir: &Path, table: &str) -> anyhow::Result<DataFrame> {
    let path = dir.join(format!("{table}.parquet"));
    let f = File::open(&path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    Ok(ParquetReader::new(f).finish()?)
}

fn dtype_matches(ty: ColumnType, dt: &DataType) -> bool {
    match ty {
        ColumnType::Utf8 => matches!(dt, DataType::String),
        ColumnType::Int32 => matches!(dt, DataType::Int32),
        ColumnType::Int64 => matches!(dt, DataType::Int64),
        ColumnType::Float64 => matches!(dt, DataType::Float64),
        ColumnType::Bool => matches!(dt, DataType::Boolean),
        ColumnType::Date32 => matches!(dt, DataType::Date),
        ColumnType::TimestampS => matches!(dt, DataType::Datetime(_, None)),
    }
}

/// Schema conformance of one frame.
pub fn check_schema(def: &TableDef, df: &DataFrame, out: &mut Vec<Issue>) {
    let names: Vec<String> = df.columns().iter().map(|c| c.name().to_string()).collect();
    let want: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
    if names != want {
        out.push(finding(
            Severity::Error,
            "schema_mismatch",
            format!("{} has columns {:?}, schemas/tables.toml defines {:?}; rerun with this version", def.name, names, want),
            format!("{}.parquet", def.name),
        ));
        return;
    }
    for (c, col) in def.columns.iter().zip(df.columns()) {
        if !dtype_matches(c.ty, col.dtype()) {
            out.push(finding(
                Severity::Error,
                "schema_type_mismatch",
                format!("{}.{} is {:?}, the schema says {}", def.name, c.name, col.dtype(), c.ty.as_str()),
                format!("{}.{}", def.name, c.name),
            ));
        }
        if !c.nullable && col.null_count() > 0 {
            out.push(finding(
                Severity::Error,
                "null_in_required_column",
                format!("{}.{} has {} nulls but is not nullable", def.name, c.name, col.null_count()),
                format!("{}.{}", def.name, c.name),
            ));
        }
    }
}

fn strs<'a>(df: &'a DataFrame, col: &str) -> anyhow::Result<Vec<Option<&'a str>>> {
    Ok(df.column(col)?.str()?.iter().collect())
}

fn floats(df: &DataFrame, col: &str) -> anyhow::Result<Vec<Option<f64>>> {
    Ok(df.column(col)?.f64()?.iter().collect())
}

fn ints(df: &DataFrame, col: &str) -> anyhow::Result<Vec<Option<i64>>> {
    let c = df.column(col)?;
    Ok(match c.dtype() {
        DataType::Int32 => c.i32()?.iter().map(|v| v.map(i64::from)).collect(),
        _ => c.i64()?.iter().collect(),
    })
}

/// Validates the tables written in `dir` (the findings only; see [`validate_dataset`]).
pub fn validate_dir(dir: &Path, tables: &[&str]) -> anyhow::Result<Vec<Issue>> {
    Ok(validate_dataset(dir, tables)?.findings.into_iter().map(|f| f.issue).collect())
}

/// Validates the tables of `tables` written in `dir` and derives `targets_vs_actuals`.
pub fn validate_dataset(dir: &Path, tables: &[&str]) -> anyhow::Result<Report> {
    let cat = catalog();
    let mut issues = Vec::new();
    let mut frames: HashMap<&str, DataFrame> = HashMap::new();
    for &t in tables {
        let def = cat.table(t);
        match read_table(dir, t) {
            Ok(df) => {
                check_schema(def, &df, &mut issues);
                frames.insert(t, df);
            }
            Err(e) => issues.push(finding(Severity::Error, "table_unreadable", format!("{t}: {e}"), format!("{t}.parquet"))),
        }
    }
    let empty = crate::sink::TableBuffer::new(cat.table("targets_vs_actuals")).finish();
    if issues.iter().any(|i| i.severity == Severity::Error) {
        return Ok(Report { findings: issues.into_iter().map(Finding::from).collect(), targets_vs_actuals: empty });
    }
    if let Some(docs) = frames.get("documents") {
        check_references(docs, &frames, &mut issues)?;
    }
    if let Some(ind) = frames.get("indicators") {
        check_values(ind, &mut issues)?;
        check_unit_families(ind, &mut issues)?;
    }
    let mut findings: Vec<Finding> = issues.into_iter().map(Finding::from).collect();
    let mut tva = empty;
    if let (Some(docs), Some(ind)) = (frames.get("documents"), frames.get("indicators")) {
        let doc_facts = facts::documents(docs, frames.get("paragraphs"))?;
        let figs = facts::figures(ind)?;
        if let Some(sent) = frames.get("sentences") {
            accounting::parts_and_totals(&figs, &facts::sentences(sent)?, &mut findings);
        }
        accounting::growth_against_levels(&doc_facts, &figs, &mut findings);
        tva = targets::build(&doc_facts, &figs);
    }
    if let (Some(docs), Some(paras)) = (frames.get("documents"), frames.get("paragraphs")) {
        let files: BTreeMap<String, String> = strs(docs, "doc_id")?
            .into_iter()
            .zip(strs(docs, "source_file")?)
            .filter_map(|(d, f)| Some((d?.to_string(), f?.to_string())))
            .collect();
        text::check(paras, &files, &mut findings)?;
    }
    Ok(Report { findings, targets_vs_actuals: tva })
}

fn check_references(docs: &DataFrame, frames: &HashMap<&str, DataFrame>, out: &mut Vec<Issue>) -> anyhow::Result<()> {
    let ids = strs(docs, "doc_id")?;
    let mut known: HashSet<&str> = HashSet::new();
    for id in ids.iter().flatten() {
        if !known.insert(id) {
            out.push(finding(Severity::Error, "duplicate_doc_id", format!("doc_id {id} appears twice in documents"), "documents.doc_id".into()));
        }
    }
    // Rows per document in each child table, compared with the counts in documents.
    let counted = [("paragraphs", "n_paragraphs"), ("sentences", "n_sentences"), ("tokens", "n_tokens"), ("indicators", "n_indicators"), ("issues", "n_issues")];
    for (table, count_col) in counted {
        let Some(df) = frames.get(table) else { continue };
        let mut per_doc: HashMap<&str, i64> = HashMap::new();
        // n_issues counts the processing stages' rows; validation findings come on top.
        let stage = if table == "issues" { strs(df, "stage")? } else { vec![None; df.height()] };
        for (k, id) in strs(df, "doc_id")?.into_iter().enumerate() {
            let Some(id) = id else { continue };
            if stage[k] == Some(STAGE) {
                continue;
            }
            *per_doc.entry(id).or_default() += 1;
            if !known.contains(id) {
                out.push(finding(Severity::Error, "orphan_row", format!("{table} has rows for doc_id {id}, which documents lacks"), format!("{table}.doc_id")));
                break;
            }
        }
        let counts = ints(docs, count_col)?;
        for (id, n) in ids.iter().zip(counts) {
            let (Some(id), Some(n)) = (id, n) else { continue };
            let got = per_doc.get(id).copied().unwrap_or(0);
            if got != n {
                out.push(finding(
                    Severity::Error,
                    "count_mismatch",
                    format!("documents.{count_col} says {n} for {id}, {table} has {got} rows"),
                    format!("documents.{count_col}"),
                ));
            }
        }
    }
    // Sentences of each document, and spans inside them.
    if let Some(sent) = frames.get("sentences") {
        let mut spans: HashMap<(&str, i64), (i64, i64)> = HashMap::new();
        let (sid, sidx, scs, sce) = (strs(sent, "doc_id")?, ints(sent, "sentence_index")?, ints(sent, "char_start")?, ints(sent, "char_end")?);
        for k in 0..sent.height() {
            if let (Some(d), Some(i), Some(a), Some(b)) = (sid[k], sidx[k], scs[k], sce[k]) {
                if a >= b {
                    out.push(finding(Severity::Error, "empty_sentence", format!("sentence {i} of {d} is empty"), "sentences".into()));
                }
                spans.insert((d, i), (a, b));
            }
        }
        for table in ["tokens", "indicators"] {
            let Some(df) = frames.get(table) else { continue };
            let (id, idx, cs, ce) = (strs(df, "doc_id")?, ints(df, "sentence_index")?, ints(df, "char_start")?, ints(df, "char_end")?);
            let mut bad = 0usize;
            let mut example = String::new();
            for k in 0..df.height() {
                let (Some(d), Some(i), Some(a), Some(b)) = (id[k], idx[k], cs[k], ce[k]) else { continue };
                match spans.get(&(d, i)) {
                    Some(&(sa, sb)) if sa <= a && a < b && b <= sb => {}
                    found => {
                        bad += 1;
                        if example.is_empty() {
                            example = match found {
                                None => format!("{table} row {k} points to missing sentence {i} of {d}"),
                                Some(_) => format!("{table} row {k} span {a}..{b} lies outside sentence {i} of {d}"),
                            };
                        }
                    }
                }
            }
            if bad > 0 {
                out.push(finding(Severity::Error, "bad_span", format!("{bad} {table} rows point outside their sentence, e.g. {example}"), format!("{table}.char_start")));
            }
        }
    }
    Ok(())
}

/// A level whose unit belongs to another family than the code book gives its indicator
/// (e.g. GDP in 吨): either the code or the unit was misread.
fn check_unit_families(ind: &DataFrame, out: &mut Vec<Issue>) -> anyhow::Result<()> {
    let (measure, code, unit, name) = (strs(ind, "measure")?, strs(ind, "indicator_code")?, strs(ind, "unit")?, strs(ind, "indicator")?);
    let (file, line) = (strs(ind, "source_file")?, ints(ind, "source_line")?);
    for k in 0..ind.height() {
        let (Some("level"), Some(code), Some(unit)) = (measure[k], code[k], unit[k]) else { continue };
        let Some(expected) = crate::codebook::codebook().by_code(code).map(|c| c.family.as_str()) else { continue };
        let Some(family) = crate::units::units().family_of_code(unit) else { continue };
        if family != expected {
            let mut i = finding(
                Severity::Warning,
                "unit_family_mismatch",
                format!(
                    "{} is coded {code}, measured in {expected}, but this level is in {unit} ({family}); check the indicator name and unit",
                    name[k].unwrap_or("?")
                ),
                format!("indicators row {k} ({})", file[k].unwrap_or("?")),
            );
            i.source_line = line[k].map(|l| l as u32);
            out.push(i);
        }
    }
    Ok(())
}

/// Value sanity per measure (GUIDELINES.md): growth within −100…1000 %, ratios within
/// 0…1000 %, ranks ≥ 1, levels not negative.
fn check_values(ind: &DataFrame, out: &mut Vec<Issue>) -> anyhow::Result<()> {
    let measure = strs(ind, "measure")?;
    let value: Vec<Option<f64>> = ind.column("value")?.f64()?.iter().collect();
    let file = strs(ind, "source_file")?;
    let line = ints(ind, "source_line")?;
    for k in 0..ind.height() {
        let (Some(m), Some(v)) = (measure[k], value[k]) else { continue };
        let bad = match m {
            "growth" => !(-100.0..=1000.0).contains(&v),
            "ratio" => !(0.0..=1000.0).contains(&v),
            "rank" => v < 1.0,
            "level" => v < 0.0,
            "pp_change" => !(-100.0..=100.0).contains(&v),
            other => {
                out.push(finding(Severity::Error, "unknown_measure", format!("measure {other} is not one of the five"), format!("indicators row {k}")));
                continue;
            }
        };
        if bad {
            let mut i = finding(
                Severity::Warning,
                "implausible_value",
                format!("{m} value {v} is outside the plausible range; check the source sentence"),
                format!("indicators row {k} ({})", file[k].unwrap_or("?")),
            );
            i.source_line = line[k].map(|l| l as u32);
            out.push(i);
        }
    }
    Ok(())
}
