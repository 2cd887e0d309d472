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
pub mod across;
pub mod facts;
pub mod region;
pub mod rewrite;
pub mod stream;
pub mod targets;
pub mod text;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use arrow::array::Array;

pub use stream::{Chunk, Reading};

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
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Rows of `targets_vs_actuals` (none when the tables needed are missing or broken), in
    /// sorted runs in the scratch folder until written.
    pub targets_vs_actuals: across::Targets,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.issue.severity == Severity::Error).count()
    }
}

/// Reads one whole table file with polars (for tests and small tables; validation streams).
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
        ColumnType::TimestampMs => matches!(dt, DataType::Datetime(_, None)),
    }
}

/// Validates the tables written in `dir` (the findings only; see [`validate_dataset`]).
pub fn validate_dir(dir: &Path, tables: &[&str]) -> anyhow::Result<Vec<Issue>> {
    Ok(validate_dataset(dir, tables)?.findings.into_iter().map(|f| f.issue).collect())
}

/// Validates the tables of `tables` written in `dir` and derives `targets_vs_actuals`, with
/// the cross-report state spilled to a folder of the system's temporary directory.
pub fn validate_dataset(dir: &Path, tables: &[&str]) -> anyhow::Result<Report> {
    validate_with(&Reading::new(dir, stream::DEFAULT_CHUNK_ROWS), tables)
}

/// [`validate_dataset`], reading the tables as `reading` says. Memory: one chunk of a table,
/// the rows of one document, one small entry per document (and the positions of its 其中
/// clauses, a few per report), and one bucket of the figures the checks across reports pair
/// (see [`across`]).
pub fn validate_with(reading: &Reading, tables: &[&str]) -> anyhow::Result<Report> {
    let cat = catalog();
    let mut issues = Vec::new();
    for &t in tables {
        if let Err(e) = check_schema_file(cat.table(t), &reading.dir, &mut issues) {
            issues.push(finding(Severity::Error, "table_unreadable", format!("{t}: {e}"), format!("{t}.parquet")));
        }
    }
    if issues.iter().any(|i| i.severity == Severity::Error) {
        return Ok(Report { findings: issues.into_iter().map(Finding::from).collect(), targets_vs_actuals: across::Targets::default() });
    }
    match check_data(reading, tables, issues) {
        Ok(report) => Ok(report),
        // The metadata read but the data did not (a damaged page): as unreadable as before.
        Err(e) => {
            let i = finding(Severity::Error, "table_unreadable", format!("{e:#}"), "dataset".into());
            Ok(Report { findings: vec![Finding::from(i)], targets_vs_actuals: across::Targets::default() })
        }
    }
}

fn check_data(reading: &Reading, tables: &[&str], mut issues: Vec<Issue>) -> anyhow::Result<Report> {
    let has = |t: &str| tables.contains(&t);
    let docs = if has("documents") { Some(facts::DocRow::read(reading)?) } else { None };
    // The reference checks (every child table) and the paragraphs pass (opening regions, text
    // check) read different tables and share nothing: they run on two threads. Their results
    // are put together in the same order as before, so the findings do not depend on timing.
    let (index, pass) = rayon::join(
        || -> anyhow::Result<_> {
            let mut found = Vec::new();
            let index = match &docs {
                Some(docs) => check_references(reading, docs, tables, &mut found)?,
                None => None,
            };
            Ok((index, found))
        },
        || paragraphs_pass(reading, docs.as_deref(), tables),
    );
    let (index, mut found) = index?;
    issues.append(&mut found);
    let Paragraphs { heads, mut text_found, clauses } = pass?;
    // The 其中 check finds its clauses in the paragraphs just read, if they were.
    let clause_source = match &clauses {
        Some(c) => facts::ClauseSource::Paragraphs(c),
        None => facts::ClauseSource::SentenceText,
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut tva = across::Targets::default();
    match (&docs, has("indicators")) {
        (Some(docs), true) => {
            let doc_facts = facts::documents(docs, &heads);
            let regional: HashSet<&str> = doc_facts.iter().filter(|d| d.region.is_some()).map(|d| d.doc_id.as_str()).collect();
            // A figure's document: the last of its doc_id (duplicates are an error found above).
            let doc_of: HashMap<&str, u32> = doc_facts.iter().enumerate().map(|(k, d)| (d.doc_id.as_str(), k as u32)).collect();
            let expected: usize = docs.iter().filter_map(|d| d.counts[3]).map(|n| n.max(0) as usize).sum();
            // The figures are checked in lanes, stretches of `indicators` that each begin with
            // a document's first figure, one lane per thread; what each lane finds is put
            // together in lane order, so the findings and buckets are those of one pass.
            let rows = reading.rows("indicators")?;
            let starts = lane_starts(reading, rows, lanes(rayon::current_num_threads(), across::Buckets::count(expected, reading.bucket_mentions), rows / reading.lane_figures))?;
            let stretches: Vec<std::ops::Range<usize>> = starts.iter().zip(starts.iter().skip(1).chain([&rows])).map(|(&a, &b)| a..b).collect();
            let mut buckets = across::Buckets::create(&reading.scratch, expected, reading.bucket_mentions, stretches.len())?;
            let several = stretches.len() > 1;
            let lane = |rows: std::ops::Range<usize>, lane: &mut across::Lane| -> anyhow::Result<LaneFound> {
                let mut cursor = stream::Cursor::new(reading, "sentences", clause_source.columns());
                if several {
                    cursor = cursor.in_chunks_of(LANE_SENTENCE_ROWS);
                }
                // Order keys in the stream (not a count of figures): numbered from the lane's
                // first row on; a row makes at most one figure, so a lane's keys stay below the
                // next lane's first and sort as one pass's do.
                let lane_end = rows.end as u64;
                let mut seq = rows.start as u64;
                let mut found = LaneFound::default();
                // Figures arrive grouped by document. Checks within one document run as each
                // document completes; documents with a region have their mentions spilled to
                // buckets, for the checks across reports (targets vs actuals, growth against
                // last year's level), made one bucket at a time once all figures are read.
                let mut per_doc = |doc_figs: &[facts::Figure], findings: &mut Vec<Finding>| -> anyhow::Result<()> {
                    if doc_figs.is_empty() {
                        return Ok(());
                    }
                    if let Some(index) = &index {
                        let position = |d: &str| index.rows.get(d).map_or(usize::MAX, |r| r.0);
                        let mut load =
                            |d: &str, wanted: &rustc_hash::FxHashSet<i64>| facts::sentence_clauses_of(&mut cursor, index, d, wanted, &clause_source);
                        accounting::parts_and_totals(doc_figs, position, &mut load, findings)?;
                    }
                    let id = doc_figs[0].doc_id.as_str();
                    let doc = doc_of.get(id).copied();
                    let mentions = across::mentions(doc_figs, doc, doc.and_then(|d| doc_facts[d as usize].report_year), seq);
                    seq += doc_figs.len() as u64;
                    debug_assert!(seq <= lane_end, "a lane's order keys reached the next lane's");
                    if regional.contains(id) {
                        for m in &mentions {
                            lane.push(&doc_facts, m)?;
                        }
                    } else {
                        let mut found = Vec::new();
                        accounting::growth_against_levels(&doc_facts, &mentions, &mut found);
                        findings.extend(found.into_iter().map(|(_, f)| f));
                    }
                    Ok(())
                };
                let LaneFound { values, families, findings } = &mut found;
                check_indicators(reading, rows, values, families, |figs| per_doc(figs, findings))?;
                Ok(found)
            };
            use rayon::prelude::*;
            let lanes: Vec<anyhow::Result<LaneFound>> =
                stretches.into_par_iter().zip(buckets.lanes_mut().par_iter_mut()).with_max_len(1).map(|(rows, l)| lane(rows, l)).collect();
            let mut families = Vec::new();
            for l in lanes {
                let l = l?;
                issues.extend(l.values);
                families.extend(l.families);
                findings.extend(l.findings);
            }
            issues.append(&mut families);
            let (found, targets, largest) = buckets.finish(|mentions, found| {
                accounting::growth_against_levels(&doc_facts, mentions, found);
                targets::pairs(&doc_facts, mentions)
            })?;
            reading.note_bucket(largest);
            findings.extend(found);
            tva = targets;
        }
        (None, true) => {
            let mut families = Vec::new();
            check_indicators(reading, 0..usize::MAX, &mut issues, &mut families, |_| Ok(()))?;
            issues.append(&mut families);
        }
        _ => {}
    }
    let mut all: Vec<Finding> = issues.into_iter().map(Finding::from).collect();
    all.append(&mut findings);
    all.append(&mut text_found);
    Ok(Report { findings: all, targets_vs_actuals: tva })
}

/// Fewest paragraphs the text check's search takes on one thread at a time (a handful of
/// paragraphs in the tests, so that the seeds' chunks are spread over the threads there too).
const FLAWS_MIN_ROWS: usize = if cfg!(test) { 4 } else { 1024 };

/// What [`paragraphs_pass`] found.
#[derive(Default)]
struct Paragraphs {
    /// The region the opening lines of each document name.
    heads: HashMap<String, Option<String>>,
    /// The text check's findings (they come last in the report).
    text_found: Vec<Finding>,
    /// doc_id → the char positions of its 其中 clauses, ascending (documents with none are
    /// left out), for the check of parts against totals; `None` when `paragraphs` was not read.
    clauses: Option<rustc_hash::FxHashMap<String, Vec<i64>>>,
}

/// One pass over `paragraphs` for the regions the opening lines name, the text check, and
/// where each document's 其中 clauses are.
fn paragraphs_pass(reading: &Reading, docs: Option<&[facts::DocRow]>, tables: &[&str]) -> anyhow::Result<Paragraphs> {
    let has = |t: &str| tables.contains(&t);
    let mut found = Paragraphs::default();
    let Paragraphs { heads, text_found, clauses } = &mut found;
    if let (Some(docs), true) = (&docs, has("paragraphs")) {
        let files: BTreeMap<String, String> = docs.iter().filter_map(|d| Some((d.doc_id.clone()?, d.source_file.clone()?))).collect();
        let mut openings = has("indicators").then(|| facts::Openings::new(true));
        let mut check = text::TextCheck::default();
        // The 其中 clauses are for the check of parts against totals, which needs the figures
        // and their sentences.
        let want_clauses = has("indicators") && has("sentences");
        let mut in_docs: rustc_hash::FxHashMap<String, Vec<i64>> = Default::default();
        // The text check's columns, and each paragraph's place in its document for the clauses.
        let columns: Vec<&str> = text::COLUMNS.iter().copied().chain(want_clauses.then_some("char_start")).collect();
        reading.for_each_chunk("paragraphs", &columns, |c, _| {
            let (ids, lines, texts, removed) = (c.strs("doc_id")?, c.ints("source_line")?, c.strs("text")?, c.strs("removed")?);
            let starts = if want_clauses { Some(c.ints("char_start")?) } else { None };
            // The text check's search of each paragraph is most of this pass, which the other
            // checks would otherwise wait for on one thread: it runs on every thread, and what
            // it finds is recorded below in table order, as one pass would.
            let flaws: Vec<Vec<(text::Flaw, usize)>> = {
                use rayon::prelude::*;
                (0..c.rows())
                    .into_par_iter()
                    .with_min_len(FLAWS_MIN_ROWS)
                    .map(|k| match (texts.get(k), removed.get(k)) {
                        (Some(t), None) => text::flaws(t),
                        _ => Vec::new(),
                    })
                    .collect()
            };
            for (k, found) in flaws.into_iter().enumerate() {
                if let (Some(id), Some(t), None) = (ids.get(k), texts.get(k), removed.get(k)) {
                    check.record(id, lines.get(k), t, found);
                    if let Some(o) = openings.as_mut() {
                        o.paragraph(id, t);
                    }
                    // Most paragraphs have no 其中: the map is only touched for those that do.
                    if let (Some(start), true) = (starts.as_ref().and_then(|s| s.get(k)), t.contains("其中")) {
                        let list = match in_docs.get_mut(id) {
                            Some(list) => list,
                            None => in_docs.entry(id.to_string()).or_default(),
                        };
                        accounting::paragraph_clauses(start, t, list);
                    }
                }
            }
            Ok(())
        })?;
        for list in in_docs.values_mut() {
            // In paragraph order already when the rows are (as written); sorted to be sure.
            list.sort_unstable();
        }
        *clauses = want_clauses.then_some(in_docs);
        if let Some(o) = openings {
            *heads = match o.finish() {
                Some(done) => done,
                None => facts::scattered_opening_regions(reading)?,
            };
        }
        check.finish(&files, text_found);
    }
    Ok(found)
}

/// Schema conformance of one file from its metadata alone: column names and types from the
/// schema, nulls from the row groups' statistics (counted from the data only where absent).
pub fn check_schema_file(def: &TableDef, dir: &Path, out: &mut Vec<Issue>) -> anyhow::Result<()> {
    let path = dir.join(format!("{}.parquet", def.name));
    let f = File::open(&path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let schema = ParquetReader::new(f).schema()?;
    let cols: Vec<(String, DataType)> = schema.iter_values().map(|fld| (fld.name.to_string(), DataType::from_arrow_field(fld))).collect();
    let f = File::open(&path)?;
    let meta = parquet::file::reader::FileReader::metadata(&parquet::file::serialized_reader::SerializedFileReader::new(f)?).clone();
    let leaves = meta.file_metadata().schema_descr();
    let nulls = |name: &str| -> anyhow::Result<usize> {
        let Some(leaf) = (0..leaves.num_columns()).find(|&i| leaves.column(i).path().parts() == [name]) else { return Ok(0) };
        // A REQUIRED column cannot hold a null (the format has no place for one), with or
        // without statistics (`statistics = false` in the schema leaves them out).
        if !leaves.column(leaf).self_type().is_optional() {
            return Ok(0);
        }
        let stated: Option<u64> = meta.row_groups().iter().map(|rg| rg.column(leaf).statistics().and_then(|s| s.null_count_opt())).sum();
        match stated {
            Some(n) => Ok(n as usize),
            None => {
                let mut n = 0;
                Reading::new(dir, stream::DEFAULT_CHUNK_ROWS).for_each_chunk(&def.name, &[name], |c, _| {
                    n += c.0.column(0).null_count();
                    Ok(())
                })?;
                Ok(n)
            }
        }
    };
    check_columns(def, &cols, nulls, out)
}

/// Schema conformance of one frame.
pub fn check_schema(def: &TableDef, df: &DataFrame, out: &mut Vec<Issue>) {
    let cols: Vec<(String, DataType)> = df.columns().iter().map(|c| (c.name().to_string(), c.dtype().clone())).collect();
    let nulls = |name: &str| Ok(df.column(name).map_or(0, |c| c.null_count()));
    check_columns(def, &cols, nulls, out).expect("counting nulls of a frame cannot fail");
}

fn check_columns(def: &TableDef, cols: &[(String, DataType)], nulls: impl Fn(&str) -> anyhow::Result<usize>, out: &mut Vec<Issue>) -> anyhow::Result<()> {
    let names: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
    let want: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
    if names != want {
        out.push(finding(
            Severity::Error,
            "schema_mismatch",
            format!("{} has columns {:?}, schemas/tables.toml defines {:?}; rerun with this version", def.name, names, want),
            format!("{}.parquet", def.name),
        ));
        return Ok(());
    }
    for (c, (_, dtype)) in def.columns.iter().zip(cols) {
        if !dtype_matches(c.ty, dtype) {
            out.push(finding(
                Severity::Error,
                "schema_type_mismatch",
                format!("{}.{} is {:?}, the schema says {}", def.name, c.name, dtype, c.ty.as_str()),
                format!("{}.{}", def.name, c.name),
            ));
        }
        if !c.nullable {
            let n = nulls(&c.name)?;
            if n > 0 {
                out.push(finding(
                    Severity::Error,
                    "null_in_required_column",
                    format!("{}.{} has {} nulls but is not nullable", def.name, c.name, n),
                    format!("{}.{}", def.name, c.name),
                ));
            }
        }
    }
    Ok(())
}

/// Where each document's rows lie in `sentences` (rows with index and span), found in one pass
/// that also reports empty sentences and counts the rows of each document.
pub struct SentenceIndex {
    /// doc_id → (first row, last row).
    pub rows: HashMap<String, (usize, usize)>,
}

const SPAN_COLUMNS: [&str; 4] = ["doc_id", "sentence_index", "char_start", "char_end"];

impl SentenceIndex {
    fn scan(reading: &Reading, out: &mut Vec<Issue>, counter: &mut RowCounter) -> anyhow::Result<Self> {
        let mut rows: HashMap<String, (usize, usize)> = HashMap::new();
        // Rows come grouped by document: the map is touched once per run of one doc_id.
        let mut end_run = |run: Option<(&str, usize, usize)>| {
            let Some((d, first, last)) = run else { return };
            match rows.get_mut(d) {
                Some(r) => r.1 = last,
                None => {
                    rows.insert(d.to_string(), (first, last));
                }
            }
        };
        reading.for_each_chunk("sentences", &SPAN_COLUMNS, |c, at| {
            let (sid, sidx, scs, sce) = (c.strs("doc_id")?, c.ints("sentence_index")?, c.ints("char_start")?, c.ints("char_end")?);
            let mut run: Option<(&str, usize, usize)> = None;
            // Each run of rows shares one doc_id: compared once, not per row.
            for (rows, d) in sid.runs(0..c.rows()) {
                let Some(d) = d else { continue };
                counter.rows(d, rows.len() as i64);
                // First and last row of the run with an index and a span.
                let mut spanned: Option<(usize, usize)> = None;
                for r in rows {
                    if let (Some(i), Some(a), Some(b)) = (sidx.get(r), scs.get(r), sce.get(r)) {
                        if a >= b {
                            out.push(finding(Severity::Error, "empty_sentence", format!("sentence {i} of {d} is empty"), "sentences".into()));
                        }
                        spanned = Some(spanned.map_or((at + r, at + r), |(f, _)| (f, at + r)));
                    }
                }
                if let Some((first, last)) = spanned {
                    match &mut run {
                        Some((cur, _, l)) if *cur == d => *l = last,
                        _ => {
                            end_run(run.take());
                            run = Some((d, first, last));
                        }
                    }
                }
            }
            end_run(run);
            Ok(())
        })?;
        Ok(SentenceIndex { rows })
    }
}

/// Rows per document of one child table, counted per run of one doc_id (rows come grouped by
/// document, so the maps are touched once per run, not once per row); rows of doc_ids that
/// `documents` lacks are orphans.
struct RowCounter<'a> {
    known: &'a HashSet<&'a str>,
    per_doc: HashMap<&'a str, i64>,
    /// Rows of doc_ids documents lacks: how many, and the first.
    orphans: (usize, Option<String>),
    run: Option<(String, i64)>,
}

impl<'a> RowCounter<'a> {
    fn new(known: &'a HashSet<&'a str>) -> Self {
        RowCounter { known, per_doc: HashMap::new(), orphans: (0, None), run: None }
    }

    /// `n` rows of `id`.
    #[inline]
    fn rows(&mut self, id: &str, n: i64) {
        match &mut self.run {
            Some((cur, m)) if cur == id => *m += n,
            _ => {
                self.end_run();
                self.run = Some((id.to_string(), n));
            }
        }
    }

    fn end_run(&mut self) {
        let Some((id, n)) = self.run.take() else { return };
        match self.known.get(id.as_str()) {
            Some(&id) => *self.per_doc.entry(id).or_default() += n,
            None => {
                self.orphans.0 += n as usize;
                self.orphans.1.get_or_insert(id);
            }
        }
    }

    /// The findings: orphan rows, then each document whose count in `documents` (column `k`
    /// of [`facts::DocRow::counts`]) differs.
    fn report(mut self, table: &str, count_col: &str, k: usize, docs: &[facts::DocRow], out: &mut Vec<Issue>) {
        self.end_run();
        if let (n, Some(id)) = &self.orphans {
            out.push(finding(
                Severity::Error,
                "orphan_row",
                format!("{table} has rows for doc_id {id}, which documents lacks ({n} rows of doc_ids not in documents)"),
                format!("{table}.doc_id"),
            ));
        }
        for d in docs {
            let (Some(id), Some(n)) = (d.doc_id.as_deref(), d.counts[k]) else { continue };
            let got = self.per_doc.get(id).copied().unwrap_or(0);
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
}

/// Child rows point to existing documents, their counts match `documents`, and spans lie in
/// their sentence. Each table is read once: the passes that check spans also count rows.
/// Returns where each document's sentences lie (when `sentences` was checked).
fn check_references(reading: &Reading, docs: &[facts::DocRow], tables: &[&str], out: &mut Vec<Issue>) -> anyhow::Result<Option<SentenceIndex>> {
    let mut known: HashSet<&str> = HashSet::new();
    for id in docs.iter().filter_map(|d| d.doc_id.as_deref()) {
        if !known.insert(id) {
            out.push(finding(Severity::Error, "duplicate_doc_id", format!("doc_id {id} appears twice in documents"), "documents.doc_id".into()));
        }
    }
    let has = |t: &str| tables.contains(&t);
    // Rows per document in each child table, compared with the counts in documents.
    let counted = [("paragraphs", "n_paragraphs"), ("sentences", "n_sentences"), ("tokens", "n_tokens"), ("indicators", "n_indicators"), ("issues", "n_issues")];
    let mut counters: Vec<Option<RowCounter>> = counted.iter().map(|(t, _)| has(t).then(|| RowCounter::new(&known))).collect();
    // Findings of the span checks, reported after the counts.
    let mut spans_found = Vec::new();
    // Sentences of each document, and spans inside them: one document's spans at a time.
    let index = if has("sentences") {
        let index = SentenceIndex::scan(reading, &mut spans_found, counters[1].as_mut().expect("sentences is checked"))?;
        for (table, k) in [("tokens", 2), ("indicators", 3)] {
            let Some(counter) = counters[k].as_mut() else { continue };
            let mut cursor = stream::Cursor::new(reading, "sentences", &SPAN_COLUMNS);
            let mut spans: Option<(String, Spans)> = None;
            let mut bad = 0usize;
            let mut example = String::new();
            reading.for_each_chunk(table, &SPAN_COLUMNS, |c, at| {
                let (id, idx, cs, ce) = (c.strs("doc_id")?, c.ints("sentence_index")?, c.ints("char_start")?, c.ints("char_end")?);
                let spans_at = SpanColumns::new(&idx, &cs, &ce);
                // Each run of rows shares one doc_id: counted and compared once, not per row.
                for (rows, d) in id.runs(0..c.rows()) {
                    let Some(d) = d else { continue };
                    counter.rows(d, rows.len() as i64);
                    // The document's spans are loaded when its first row with a span comes.
                    let mut loaded = spans.as_ref().is_some_and(|(cur, _)| cur == d);
                    if let SpanColumns::Dense(si, sa, sb) = &spans_at {
                        // Every row has a span (the first of the run among them): the run's
                        // values are walked as slices, without a lookup per row and column.
                        if !loaded {
                            spans = Some((d.to_string(), spans_of(&mut cursor, &index, d)?));
                        }
                        let sp = &spans.as_ref().expect("loaded above").1;
                        let values = si[rows.clone()].iter().zip(&sa[rows.clone()]).zip(&sb[rows.clone()]);
                        for (r, ((&i, &a), &b)) in rows.zip(values) {
                            let (i, a, b) = (i64::from(i), i64::from(a), i64::from(b));
                            if let Some(found) = outside(sp, i, a, b) {
                                note_bad_span(&mut bad, &mut example, table, at + r, d, (i, a, b), found);
                            }
                        }
                        continue;
                    }
                    for r in rows {
                        let Some((i, a, b)) = spans_at.get(r) else { continue };
                        if !loaded {
                            spans = Some((d.to_string(), spans_of(&mut cursor, &index, d)?));
                            loaded = true;
                        }
                        if let Some(found) = outside(&spans.as_ref().expect("loaded above").1, i, a, b) {
                            note_bad_span(&mut bad, &mut example, table, at + r, d, (i, a, b), found);
                        }
                    }
                }
                Ok(())
            })?;
            if bad > 0 {
                spans_found.push(finding(Severity::Error, "bad_span", format!("{bad} {table} rows point outside their sentence, e.g. {example}"), format!("{table}.char_start")));
            }
        }
        Some(index)
    } else {
        None
    };
    // The tables no span pass read are counted on their own.
    for (k, (table, _)) in counted.into_iter().enumerate() {
        let Some(counter) = counters[k].as_mut() else { continue };
        if index.is_some() && matches!(table, "sentences" | "tokens" | "indicators") {
            continue;
        }
        // n_issues counts the processing stages' rows; validation findings come on top.
        let columns: &[&str] = if table == "issues" { &["doc_id", "stage"] } else { &["doc_id"] };
        reading.for_each_chunk(table, columns, |c, _| {
            let ids = c.strs("doc_id")?;
            let stage = if table == "issues" { Some(c.strs("stage")?) } else { None };
            for (rows, id) in ids.runs(0..c.rows()) {
                let Some(id) = id else { continue };
                let n = match &stage {
                    Some(s) => rows.filter(|&r| s.get(r) != Some(STAGE)).count(),
                    None => rows.len(),
                };
                if n > 0 {
                    counter.rows(id, n as i64);
                }
            }
            Ok(())
        })?;
    }
    for (k, (table, count_col)) in counted.into_iter().enumerate() {
        if let Some(counter) = counters[k].take() {
            counter.report(table, count_col, k, docs, out);
        }
    }
    out.append(&mut spans_found);
    Ok(index)
}

/// Whether the span `a..b` of a row of sentence `i` lies outside that sentence (or the sentence
/// is missing): then Some, with the sentence's span if it has one.
#[inline]
fn outside(spans: &Spans, i: i64, a: i64, b: i64) -> Option<Option<&(i64, i64)>> {
    match spans.get(i) {
        Some(&(sa, sb)) if sa <= a && a < b && b <= sb => None,
        found => Some(found),
    }
}

/// Counts a row whose span is [`outside`] its sentence; the first one becomes the example.
#[cold]
fn note_bad_span(bad: &mut usize, example: &mut String, table: &str, k: usize, d: &str, (i, a, b): (i64, i64, i64), found: Option<&(i64, i64)>) {
    *bad += 1;
    if example.is_empty() {
        *example = match found {
            None => format!("{table} row {k} points to missing sentence {i} of {d}"),
            Some(_) => format!("{table} row {k} span {a}..{b} lies outside sentence {i} of {d}"),
        };
    }
}

/// The (sentence_index, char_start, char_end) of each row of a chunk: read straight from the
/// columns' values when none is null and all are 32-bit (as the writer stores them), else
/// through [`stream::Ints::get`]; both give the same.
enum SpanColumns<'a> {
    Dense(&'a [i32], &'a [i32], &'a [i32]),
    Any(&'a stream::Ints, &'a stream::Ints, &'a stream::Ints),
}

impl<'a> SpanColumns<'a> {
    fn new(idx: &'a stream::Ints, cs: &'a stream::Ints, ce: &'a stream::Ints) -> Self {
        match (idx.dense_i32(), cs.dense_i32(), ce.dense_i32()) {
            (Some(i), Some(a), Some(b)) if i.len() == a.len() && a.len() == b.len() => SpanColumns::Dense(i, a, b),
            _ => SpanColumns::Any(idx, cs, ce),
        }
    }

    #[inline]
    fn get(&self, r: usize) -> Option<(i64, i64, i64)> {
        match self {
            SpanColumns::Dense(i, a, b) => Some((i64::from(i[r]), i64::from(a[r]), i64::from(b[r]))),
            SpanColumns::Any(i, a, b) => Some((i.get(r)?, a.get(r)?, b.get(r)?)),
        }
    }
}

/// sentence_index → (char_start, char_end) of one document's sentences (the last row wins).
/// Looked up once per token: a vector by index, since a document's sentences are numbered
/// 0, 1, 2 …; an index outside that (a damaged table) goes to a map.
#[derive(Default)]
struct Spans {
    dense: Vec<Option<(i64, i64)>>,
    other: HashMap<i64, (i64, i64)>,
}

impl Spans {
    fn insert(&mut self, i: i64, span: (i64, i64), limit: usize) {
        match usize::try_from(i).ok().filter(|&k| k < limit) {
            Some(k) => {
                if k >= self.dense.len() {
                    self.dense.resize(k + 1, None);
                }
                self.dense[k] = Some(span);
            }
            None => {
                self.other.insert(i, span);
            }
        }
    }

    #[inline]
    fn get(&self, i: i64) -> Option<&(i64, i64)> {
        match usize::try_from(i).ok().and_then(|k| self.dense.get(k)) {
            Some(s) => s.as_ref(),
            None => self.other.get(&i),
        }
    }
}

fn spans_of(cursor: &mut stream::Cursor, index: &SentenceIndex, doc: &str) -> anyhow::Result<Spans> {
    let mut spans = Spans::default();
    let Some(&range) = index.rows.get(doc) else { return Ok(spans) };
    // Room for every index a document of this many rows numbers its sentences with, and slack.
    let limit = 2 * (range.1 - range.0 + 1) + 64;
    cursor.rows_of(doc, range, |c, rows| {
        let (idx, cs, ce) = (c.ints("sentence_index")?, c.ints("char_start")?, c.ints("char_end")?);
        for &r in rows {
            if let (Some(i), Some(a), Some(b)) = (idx.get(r), cs.get(r), ce.get(r)) {
                spans.insert(i, (a, b), limit);
            }
        }
        Ok(())
    })?;
    Ok(spans)
}

/// Rows of `sentences` a lane reads at a time: the lane's last chunk reaches into the next
/// lane's sentences, read there again, so it is kept short.
const LANE_SENTENCE_ROWS: usize = 4096;

/// Most bucket files the lanes hold open at once.
const MAX_LANE_FILES: usize = 512;

/// Files kept free for everything else validation and the run hold open (table readers,
/// written tables, the log) when the lanes' bucket files are counted against the open-file limit.
const FILES_KEPT_FREE: usize = 128;

/// Bucket files the lanes may hold open: [`MAX_LANE_FILES`], or fewer when the process may open
/// fewer files (a soft limit of 1024 leaves room for three lanes of 256 buckets, macOS's
/// default of 256 for one lane, as one pass), so that running out of files never depends on
/// the thread count.
fn lane_file_budget() -> usize {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit only writes the struct it is handed, which lives on this stack.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
            let soft = usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX);
            return MAX_LANE_FILES.min(soft.saturating_sub(FILES_KEPT_FREE));
        }
    }
    MAX_LANE_FILES
}

/// How many lanes the figures are checked in with `threads` threads and `buckets` buckets:
/// one (as one pass) on one thread, else two per thread, so that a thread done early (its
/// share of the checks before was smaller, or its lane cheaper) takes up another; at most
/// four, no more than `fill` (the lanes the table fills with [`Reading::lane_figures`] figures
/// each), and no more than keep [`lane_file_budget`] bucket files open.
fn lanes(threads: usize, buckets: usize, fill: usize) -> usize {
    if threads <= 1 {
        return 1;
    }
    (2 * threads).min(4).min(fill).min(lane_file_budget() / buckets.max(1)).max(1)
}

/// What one lane of the figure checks found: the row checks' findings of each kind, and the
/// findings within documents, each in table order.
#[derive(Default)]
struct LaneFound {
    values: Vec<Issue>,
    families: Vec<Issue>,
    findings: Vec<Finding>,
}

/// Where each of (up to) `lanes` stretches of `indicators` (`rows` rows) begins: row 0, then
/// for each further lane the first row from its share on that holds a figure of another
/// document than the row before it (which holds a figure too), so that each document's figures
/// fall into one lane whole, as one pass groups them. A stretch with no such row in sight (one
/// document's figures filling it) merges with the one before.
///
/// When several tables are damaged, which one's `table_unreadable` message comes first can
/// depend on where lanes begin (the code and location do not); one damaged table reads the same.
fn lane_starts(reading: &Reading, rows: usize, lanes: usize) -> anyhow::Result<Vec<usize>> {
    /// Rows looked through for a document's first figure.
    const SIGHT: usize = 64 * 1024;
    let mut starts = vec![0];
    for l in 1..lanes {
        let from = (rows * l / lanes).max(starts[starts.len() - 1] + 1);
        if from >= rows {
            break;
        }
        // Rows whose doc_id differs from the one before, both given.
        let mut candidates = Vec::new();
        reading.for_each_chunk_in("indicators", &["doc_id"], from - 1..(from + SIGHT).min(rows), reading.chunk_rows.min(4096), |c, at| {
            let ids = c.strs("doc_id")?;
            let mut before: Option<Option<&str>> = None;
            for (run, id) in ids.runs(0..c.rows()) {
                if let (Some(Some(b)), Some(id)) = (before, id) {
                    if b != id {
                        candidates.push(at + run.start);
                    }
                }
                before = Some(id);
            }
            // A chunk boundary is looked at with both rows in one read below.
            if at + c.rows() < rows {
                candidates.push(at + c.rows());
            }
            Ok(())
        })?;
        for k in candidates {
            // Both rows make figures (all their needed columns given), of two documents.
            let mut pair = Vec::new();
            reading.for_each_chunk_in("indicators", &facts::FIGURE_COLUMNS, k - 1..k + 1, 2, |c, _| facts::figures(c, &mut pair))?;
            if pair.len() == 2 && pair[0].doc_id != pair[1].doc_id {
                starts.push(k);
                break;
            }
        }
    }
    Ok(starts)
}

/// The row checks of `indicators` (values, unit families) of the table rows `rows` in one
/// pass; each document's figures go to `per_document` as soon as the document's rows end
/// (rows are grouped by document), so no more than one document's figures are held here.
fn check_indicators(
    reading: &Reading,
    rows: std::ops::Range<usize>,
    values: &mut Vec<Issue>,
    families: &mut Vec<Issue>,
    mut per_document: impl FnMut(&[facts::Figure]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    // One document's figures; emptied (keeping its room) after each document.
    let mut current: Vec<facts::Figure> = Vec::new();
    let mut chunk = Vec::new();
    reading.for_each_chunk_in("indicators", &facts::FIGURE_COLUMNS, rows, reading.chunk_rows, |c, at| {
        check_values(c, at, values)?;
        check_unit_families(c, at, families)?;
        facts::figures(c, &mut chunk)?;
        for f in chunk.drain(..) {
            if current.last().is_some_and(|l| l.doc_id != f.doc_id) {
                per_document(&current)?;
                current.clear();
            }
            current.push(f);
        }
        Ok(())
    })?;
    per_document(&current)?;
    Ok(())
}

/// A level whose unit belongs to another family than the code book gives its indicator
/// (e.g. GDP in 吨): either the code or the unit was misread.
fn check_unit_families(ind: &Chunk, at: usize, out: &mut Vec<Issue>) -> anyhow::Result<()> {
    let (measure, code, unit, name) = (ind.strs("measure")?, ind.strs("indicator_code")?, ind.strs("unit")?, ind.strs("indicator")?);
    let (file, line) = (ind.strs("source_file")?, ind.ints("source_line")?);
    for r in 0..ind.rows() {
        let k = at + r;
        let (Some("level"), Some(code), Some(unit)) = (measure.get(r), code.get(r), unit.get(r)) else { continue };
        let Some(expected) = crate::codebook::codebook().by_code(code).map(|c| c.family.as_str()) else { continue };
        let Some(family) = crate::units::units().family_of_code(unit) else { continue };
        if family != expected {
            let mut i = finding(
                Severity::Warning,
                "unit_family_mismatch",
                format!(
                    "{} is coded {code}, measured in {expected}, but this level is in {unit} ({family}); check the indicator name and unit",
                    name.get(r).unwrap_or("?")
                ),
                format!("indicators row {k} ({})", file.get(r).unwrap_or("?")),
            );
            i.source_line = line.get(r).map(|l| l as u32);
            out.push(i);
        }
    }
    Ok(())
}

/// Value sanity per measure (GUIDELINES.md): growth within −100…1000 %, ratios within
/// 0…1000 %, ranks ≥ 1, levels not negative.
fn check_values(ind: &Chunk, at: usize, out: &mut Vec<Issue>) -> anyhow::Result<()> {
    let measure = ind.strs("measure")?;
    let value = ind.floats("value")?;
    let file = ind.strs("source_file")?;
    let line = ind.ints("source_line")?;
    for r in 0..ind.rows() {
        let k = at + r;
        let (Some(m), Some(v)) = (measure.get(r), value.get(r)) else { continue };
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
                format!("indicators row {k} ({})", file.get(r).unwrap_or("?")),
            );
            i.source_line = line.get(r).map(|l| l as u32);
            out.push(i);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, AsArray, Int32Array};
    use arrow::datatypes::Int32Type;
    use arrow::record_batch::RecordBatch;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::*;

    fn seed_dataset() -> tempfile::TempDir {
        let out = tempfile::tempdir().unwrap();
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        crate::runner::run(&crate::runner::RunConfig::new(seeds, out.path())).unwrap();
        out
    }

    /// Rewrites `table` in `dir` with row groups of `group_rows` rows, after `edit`.
    fn rewrite(
        dir: &Path,
        table: &str,
        group_rows: usize,
        edit: impl Fn(RecordBatch) -> RecordBatch,
    ) -> usize {
        let path = dir.join(format!("{table}.parquet"));
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(|b| edit(b.unwrap())).collect();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(group_rows))
            .build();
        let mut w = ArrowWriter::try_new(
            File::create(&path).unwrap(),
            batches[0].schema(),
            Some(props),
        )
        .unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
            .unwrap()
            .metadata()
            .num_row_groups()
    }

    /// Moves the span of every 50th token out of its sentence.
    fn break_spans(b: RecordBatch) -> RecordBatch {
        let k = b.schema().index_of("char_end").unwrap();
        let ends: Int32Array = b
            .column(k)
            .as_primitive::<Int32Type>()
            .iter()
            .enumerate()
            .map(|(r, v)| v.map(|v| if r % 50 == 7 { v + 10_000 } else { v }))
            .collect();
        let mut cols = b.columns().to_vec();
        cols[k] = Arc::new(ends) as ArrayRef;
        RecordBatch::try_new(b.schema(), cols).unwrap()
    }

    /// Makes the value of every 7th figure implausible whatever its measure.
    fn implausible_values(b: RecordBatch) -> RecordBatch {
        let k = b.schema().index_of("value").unwrap();
        let values: arrow::array::Float64Array = b
            .column(k)
            .as_primitive::<arrow::datatypes::Float64Type>()
            .iter()
            .enumerate()
            .map(|(r, v)| v.map(|v| if r % 7 == 3 { -5000.0 } else { v }))
            .collect();
        let mut cols = b.columns().to_vec();
        cols[k] = Arc::new(values) as ArrayRef;
        RecordBatch::try_new(b.schema(), cols).unwrap()
    }

    fn codes(r: &Report) -> Vec<(String, String)> {
        r.findings
            .iter()
            .map(|f| (f.issue.code.to_string(), f.issue.message.clone()))
            .collect()
    }

    #[test]
    fn tables_are_read_in_chunks_with_the_same_findings_whatever_the_chunk_size() {
        let out = seed_dataset();
        let groups = rewrite(out.path(), "tokens", 500, break_spans);
        assert!(groups > 20, "tokens in {groups} row groups");
        let small = Reading::new(out.path(), 7);
        let tiny = validate_with(&small, &crate::sink::rows::DOC_TABLES).unwrap();
        let large = validate_with(
            &Reading::new(out.path(), 1 << 20),
            &crate::sink::rows::DOC_TABLES,
        )
        .unwrap();
        assert_eq!(codes(&tiny), codes(&large));
        assert_eq!(tiny.targets_vs_actuals.batch().unwrap(), large.targets_vs_actuals.batch().unwrap());
        let bad = tiny
            .findings
            .iter()
            .find(|f| f.issue.code == "bad_span")
            .expect("broken spans are found");
        assert!(
            bad.issue
                .message
                .contains("tokens rows point outside their sentence, e.g. tokens row 7 span"),
            "{}",
            bad.issue.message
        );
        // No chunk held more than 7 rows, and the tokens alone took more than rows / 7 chunks.
        let tokens = read_table(out.path(), "tokens").unwrap().height();
        let (chunks, largest) = small.chunks_read();
        assert!(largest <= 7, "a chunk of {largest} rows");
        assert!(chunks > tokens / 7, "{chunks} chunks for {tokens} tokens");
    }

    /// seeds/, and the shared corpus when GOVREPORT_CORPUS names it.
    fn seeds_and_corpus() -> Vec<std::path::PathBuf> {
        let corpus = std::env::var_os("GOVREPORT_CORPUS").map(std::path::PathBuf::from).filter(|p| p.is_dir());
        if corpus.is_none() {
            eprintln!("GOVREPORT_CORPUS not set: only the seeds are checked");
        }
        std::iter::once(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")).chain(corpus).collect()
    }

    #[test]
    fn clauses_found_in_paragraphs_are_those_of_each_sentence_text() {
        // The check of parts against totals takes its 其中 clauses from `paragraphs` (read whole
        // for the text check anyway) instead of decompressing `sentences.text` again: on real
        // reports every sentence's clauses must come out the same both ways.
        for input in seeds_and_corpus() {
            let mut sentences_with_clauses = 0;
            let out = tempfile::tempdir().unwrap();
            crate::runner::run(&crate::runner::RunConfig::new(&input, out.path())).unwrap();
            let reading = Reading::new(out.path(), stream::DEFAULT_CHUNK_ROWS);
            let docs = facts::DocRow::read(&reading).unwrap();
            let found = paragraphs_pass(&reading, Some(&docs), &crate::sink::rows::DOC_TABLES).unwrap();
            let in_docs = found.clauses.expect("paragraphs were read");
            reading
                .for_each_chunk("sentences", &["doc_id", "char_start", "char_end", "text"], |c, _| {
                    let (ids, cs, ce, texts) = (c.strs("doc_id")?, c.ints("char_start")?, c.ints("char_end")?, c.strs("text")?);
                    for k in 0..c.rows() {
                        let (id, a, b, t) = (ids.get(k).unwrap(), cs.get(k).unwrap(), ce.get(k).unwrap(), texts.get(k).unwrap());
                        let want = accounting::sentence_clauses(a, t);
                        let got = accounting::clauses_in_span(a, b, in_docs.get(id).map_or(&[][..], Vec::as_slice));
                        assert_eq!(got, want, "{id}: sentence at char {a}: {t}");
                        sentences_with_clauses += usize::from(!want.is_empty());
                    }
                    Ok(())
                })
                .unwrap();
            // The seeds have 5 such sentences, the shared corpus dozens.
            let least = if input.ends_with("seeds") { 5 } else { 20 };
            assert!(sentences_with_clauses >= least, "{sentences_with_clauses} sentences with 其中 in {}", input.display());
        }
    }

    #[test]
    fn parts_against_totals_find_the_same_whether_clauses_come_from_paragraphs_or_sentences() {
        // Without `paragraphs` among the tables checked, the clauses come from `sentences.text`.
        let with = crate::sink::rows::DOC_TABLES;
        let without: Vec<&str> = with.iter().copied().filter(|&t| t != "paragraphs").collect();
        for input in seeds_and_corpus() {
            let out = tempfile::tempdir().unwrap();
            crate::runner::run(&crate::runner::RunConfig::new(&input, out.path())).unwrap();
            let parts = |chunk_rows: usize, tables: &[&str]| -> Vec<Finding> {
                let reading = Reading::new(out.path(), chunk_rows);
                validate_with(&reading, tables).unwrap().findings.into_iter().filter(|f| f.issue.code == "part_exceeds_total").collect()
            };
            let a = parts(stream::DEFAULT_CHUNK_ROWS, &with);
            // Sentences read 7 rows at a time, so a document's span straddles chunks.
            for b in [parts(stream::DEFAULT_CHUNK_ROWS, &without), parts(7, &with), parts(7, &without)] {
                assert_eq!(a, b, "{}", input.display());
            }
            // The shared corpus has one (江北区's 2022 report, see tests/ops.rs).
            if !input.ends_with("seeds") {
                assert!(!a.is_empty(), "no part_exceeds_total in {}", input.display());
            }
        }
    }

    #[test]
    fn the_checks_across_reports_hold_one_bucket_at_a_time_with_the_same_result_as_one_bucket() {
        // The shared corpus has regions with reports of consecutive years: targets pair.
        for input in seeds_and_corpus() {
            let out = tempfile::tempdir().unwrap();
            crate::runner::run(&crate::runner::RunConfig::new(&input, out.path())).unwrap();
            // The run spilled inside its staging folder and left nothing behind.
            let names: Vec<String> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
            assert!(names.iter().all(|n| !n.starts_with(".validate") && n != ".staging"), "{names:?}");
            let figures = read_table(out.path(), "indicators").unwrap().height();
            let one = Reading::new(out.path(), stream::DEFAULT_CHUNK_ROWS).with_bucket_mentions(usize::MAX);
            let whole = validate_with(&one, &crate::sink::rows::DOC_TABLES).unwrap();
            let small = Reading::new(out.path(), stream::DEFAULT_CHUNK_ROWS).with_bucket_mentions(40);
            let parts = validate_with(&small, &crate::sink::rows::DOC_TABLES).unwrap();
            assert_eq!(whole.findings, parts.findings);
            let (a, b) = (whole.targets_vs_actuals.batch().unwrap(), parts.targets_vs_actuals.batch().unwrap());
            assert_eq!(a, b);
            assert_eq!(b.num_rows(), parts.targets_vs_actuals.rows());
            // One bucket held every regional figure; the small ones each a small share.
            assert!(one.largest_bucket() > 0);
            assert!(small.largest_bucket() * 4 < one.largest_bucket(), "{} of {} figures ({figures} in all)", small.largest_bucket(), one.largest_bucket());
            if !input.ends_with("seeds") {
                assert!(b.num_rows() > 10, "{} targets paired", b.num_rows());
            }
            // The spilled runs live as long as the report, and go with it.
            assert!(small.scratch.exists());
            drop(parts);
            assert!(!small.scratch.exists());
        }
    }

    #[test]
    fn figures_checked_in_lanes_give_the_findings_and_bytes_of_one_thread() {
        let pool = |n: usize| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        for input in seeds_and_corpus() {
            let out = tempfile::tempdir().unwrap();
            crate::runner::run(&crate::runner::RunConfig::new(&input, out.path())).unwrap();
            // Every lane has findings of its own to put in order: every 7th value implausible.
            rewrite(out.path(), "indicators", 1 << 20, implausible_values);
            let rows = Reading::new(out.path(), 64).rows("indicators").unwrap();
            let one = pool(1).install(|| validate_with(&Reading::new(out.path(), 64).with_bucket_mentions(40), &crate::sink::rows::DOC_TABLES).unwrap());
            // A table this small is checked in one lane unless lanes may be small.
            if rows < 2 * stream::DEFAULT_LANE_FIGURES {
                assert_eq!(lanes(4, 1, rows / stream::DEFAULT_LANE_FIGURES), 1, "{rows} figures");
            }
            let a = one.targets_vs_actuals.batch().unwrap();
            // The corpus pairs targets with actuals across reports (the seeds have none), so
            // the cross-report side is compared on real rows there.
            let is_corpus = !input.ends_with("seeds");
            assert!(!is_corpus || a.num_rows() > 0, "the corpus pairs no targets with actuals");
            // ... and has text-check findings, whose search is spread over the threads.
            let text_codes = ["replacement_chars", "mojibake", "residual_traditional", "residual_pinyin_gloss"];
            assert!(!is_corpus || one.findings.iter().any(|f| text_codes.contains(&f.issue.code)), "no text-check finding in the corpus");
            for threads in [2, 3, 4] {
                let reading = Reading::new(out.path(), 64).with_bucket_mentions(40).with_lane_figures(16);
                assert_eq!(lanes(threads, 1, rows / reading.lane_figures), (2 * threads).min(4), "{rows} figures");
                // Each lane begins with a document's first figure, the row before it another's.
                let starts = lane_starts(&reading, rows, threads).unwrap();
                // (Fewer when a document's figures fill a lane's share: five seeds make three.)
                assert!((2..=threads).contains(&starts.len()), "{starts:?} of {rows}");
                assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
                let many = pool(threads).install(|| validate_with(&reading, &crate::sink::rows::DOC_TABLES).unwrap());
                assert!(one.findings == many.findings, "{threads} threads: other findings or order");
                assert!(many.findings.iter().filter(|f| f.issue.code == "implausible_value").count() > rows / 8, "{threads} threads");
                assert_eq!(a, many.targets_vs_actuals.batch().unwrap(), "{threads} threads");
                // Written in batches (each taken while the next is merged): the same rows.
                let mut parts = Vec::new();
                pool(threads).install(|| many.targets_vs_actuals.write(7, |b| Ok(parts.push(b)))).unwrap();
                assert!(parts.iter().rev().skip(1).all(|b| b.num_rows() == 7) && parts.iter().all(|b| b.num_rows() > 0));
                assert_eq!(a, arrow::compute::concat_batches(&a.schema(), &parts).unwrap(), "{threads} threads");
            }
            // The rewritten tables, byte for byte.
            let copy = tempfile::tempdir().unwrap();
            for e in std::fs::read_dir(out.path()).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_file() {
                    std::fs::copy(e.path(), copy.path().join(e.file_name())).unwrap();
                }
            }
            pool(1).install(|| rewrite::refresh(out.path(), out.path(), false)).unwrap();
            pool(2).install(|| rewrite::refresh_in_lanes_of(copy.path(), copy.path(), false, 16)).unwrap();
            for t in ["issues", "targets_vs_actuals"] {
                let file = format!("{t}.parquet");
                assert_eq!(std::fs::read(out.path().join(&file)).unwrap(), std::fs::read(copy.path().join(&file)).unwrap(), "{t}");
            }
        }
    }

    #[test]
    fn every_token_outside_its_sentence_is_counted_and_the_first_is_the_example() {
        let out = seed_dataset();
        let ends = |dir: &Path| -> Vec<Option<i32>> {
            let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(dir.join("tokens.parquet")).unwrap()).unwrap().build().unwrap();
            reader.flat_map(|b| b.unwrap().column_by_name("char_end").unwrap().as_primitive::<Int32Type>().iter().collect::<Vec<_>>()).collect()
        };
        let before = ends(out.path());
        rewrite(out.path(), "tokens", 300, break_spans);
        let after = ends(out.path());
        let moved: Vec<usize> = (0..before.len()).filter(|&k| before[k] != after[k]).collect();
        assert!(moved.len() > 10, "{} moved", moved.len());
        for chunk in [7, 64, 1 << 20] {
            let r = validate_with(&Reading::new(out.path(), chunk), &crate::sink::rows::DOC_TABLES).unwrap();
            let bad: Vec<&Finding> = r.findings.iter().filter(|f| f.issue.code == "bad_span").collect();
            assert_eq!(bad.len(), 1, "{chunk}: {bad:?}");
            let want = format!("{} tokens rows point outside their sentence, e.g. tokens row {} span", moved.len(), moved[0]);
            assert!(bad[0].issue.message.starts_with(&want), "{chunk}: {} (want {want})", bad[0].issue.message);
        }
    }

    #[test]
    fn span_columns_read_straight_give_what_the_checked_reads_give() {
        let idx = stream::Ints::I32(Int32Array::from(vec![0, 1, 2, 7]));
        let cs = stream::Ints::I32(Int32Array::from(vec![0, 5, 9, -3]));
        let ce = stream::Ints::I32(Int32Array::from(vec![5, 9, 12, 40]));
        let dense = SpanColumns::new(&idx, &cs, &ce);
        assert!(matches!(dense, SpanColumns::Dense(..)));
        let any = SpanColumns::Any(&idx, &cs, &ce);
        for r in 0..4 {
            assert_eq!(dense.get(r), any.get(r));
        }
        // A null anywhere: no straight read, and the row has no span.
        let nulls = stream::Ints::I32(Int32Array::from(vec![Some(5), None, Some(12), Some(40)]));
        let some = SpanColumns::new(&idx, &cs, &nulls);
        assert!(matches!(some, SpanColumns::Any(..)));
        assert_eq!(some.get(1), None);
        assert_eq!(some.get(2), dense.get(2));
    }

    #[test]
    fn rows_of_a_document_missing_from_documents_are_one_finding_and_do_not_spoil_the_counts() {
        let out = seed_dataset();
        let first = |b: RecordBatch| b.slice(1, b.num_rows() - 1);
        rewrite(out.path(), "documents", 1 << 20, first);
        let r =
            validate_with(&Reading::new(out.path(), 3), &crate::sink::rows::DOC_TABLES).unwrap();
        let orphans: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.issue.code == "orphan_row")
            .collect();
        // The first seed has paragraphs, sentences, tokens and indicators (and no issues).
        let tables: Vec<&str> = orphans
            .iter()
            .map(|f| f.issue.message.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            tables,
            ["paragraphs", "sentences", "tokens", "indicators"],
            "{orphans:?}"
        );
        let sentences = orphans
            .iter()
            .find(|f| f.issue.message.starts_with("sentences"))
            .unwrap();
        assert!(
            sentences
                .issue
                .message
                .contains("rows of doc_ids not in documents"),
            "{}",
            sentences.issue.message
        );
        assert!(
            !r.findings.iter().any(|f| f.issue.code == "count_mismatch"),
            "{:?}",
            codes(&r)
        );
    }

    #[test]
    fn issues_are_rewritten_to_the_same_bytes_whatever_their_row_groups() {
        let out = seed_dataset();
        let before = std::fs::read(out.path().join("issues.parquet")).unwrap();
        assert!(rewrite(out.path(), "issues", 3, |b| b) > 3);
        rewrite::refresh(out.path(), out.path(), false).unwrap();
        assert_eq!(
            std::fs::read(out.path().join("issues.parquet")).unwrap(),
            before
        );
        assert!(!out.path().join(".validate-rewrite").exists());
    }
}
