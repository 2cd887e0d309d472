//! The runner: finds the input files, sends them through the stages in parallel bounded
//! batches, writes every table in input order, validates the result, and publishes it.
//!
//! Publishing is all-or-nothing: tables are written into `OUTPUT/.staging/`, a `.complete`
//! marker is written last, and only then are the files moved into `OUTPUT/`. A run killed
//! before the marker leaves the previous dataset untouched; a run killed while moving is
//! finished by the next run (or `validate`) before anything else happens.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::extract::{Extractor, SourceFile};
use crate::indicators::Tagger;
use crate::model::{Document, Severity, Stage};
use crate::normalize::Normalizer;
use crate::schema::catalog;
use crate::segment::Segmenter;
use crate::sink::manifest::{hex, sha256_file, InputEntry, Manifest, TableEntry};
use crate::sink::rows::{doc_batches, push_issues, DOC_TABLES};
use crate::sink::{DatasetWriter, DocBatches, TableBuffer, TableStats};

pub const STAGING: &str = ".staging";
const COMPLETE_MARKER: &str = ".complete";

/// Exit statuses of `govreport run` (documented in the README and `--help`).
pub mod exit {
    /// Every document processed, validation clean.
    pub const OK: i32 = 0;
    /// The run could not be done at all (bad arguments, unreadable input folder, unwritable output).
    pub const FAILED: i32 = 1;
    /// The dataset was written, but some documents were quarantined.
    pub const QUARANTINED: i32 = 3;
    /// The dataset was written, but validation found errors.
    pub const VALIDATION_ERRORS: i32 = 4;
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub input: PathBuf,
    pub output: PathBuf,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Also write `<table>.arrow` (Arrow IPC files).
    pub arrow_ipc: bool,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Files processed per parallel batch (bounds memory).
    pub batch_files: usize,
}

impl RunConfig {
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        RunConfig { input: input.into(), output: output.into(), threads: 0, arrow_ipc: false, progress: false, batch_files: 64 }
    }
}

/// Time spent per stage, summed over documents (so on N threads it can exceed wall time):
/// extract (read + decode + lines), each transforming stage, and write (rows + Parquet).
pub type StageTimes = BTreeMap<&'static str, Duration>;

/// Peak resident memory of this process so far (Linux `VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub input_bytes: u64,
    pub wall: Duration,
    pub stage_times: StageTimes,
    pub documents: usize,
    pub ok: usize,
    pub quarantined: usize,
    pub issues: u64,
    pub validation_errors: usize,
    pub tables: Vec<(String, u64)>,
}

impl RunSummary {
    pub fn exit_code(&self) -> i32 {
        if self.validation_errors > 0 {
            exit::VALIDATION_ERRORS
        } else if self.quarantined > 0 {
            exit::QUARANTINED
        } else {
            exit::OK
        }
    }
}

/// The transforming stages, in order. Adding a stage is one line here.
pub fn stages() -> Vec<Box<dyn Stage>> {
    vec![Box::new(Normalizer), Box::new(Segmenter), Box::new(Tagger)]
}

/// Input files under `dir`, relative paths with `/`, sorted; hidden files and folders skipped.
pub fn discover(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("cannot list input folder {}", d.display()))?;
        for e in entries {
            let e = e?;
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = e.path();
            let ft = e.file_type()?;
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                out.push((rel, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Runs every stage on one document; an error or a panic quarantines it instead of the run.
pub fn process_document(doc: Document, stages: &[Box<dyn Stage>]) -> Document {
    process_document_timed(doc, stages, &mut StageTimes::new())
}

fn process_document_timed(mut doc: Document, stages: &[Box<dyn Stage>], times: &mut StageTimes) -> Document {
    for stage in stages {
        if !doc.is_ok() {
            break;
        }
        let t0 = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| stage.process(&mut doc)));
        *times.entry(stage.name()).or_default() += t0.elapsed();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => doc.quarantine(stage.name(), "stage_failed", format!("{} failed: {e:#}", stage.name())),
            Err(p) => {
                let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
                doc.quarantine(stage.name(), "stage_panicked", format!("{} crashed on this document ({msg}); please report it with the file", stage.name()));
            }
        }
    }
    doc
}

fn read_source(rel: &str, path: &Path) -> SourceFile {
    SourceFile { rel_path: rel.to_string(), bytes: std::fs::read(path).map_err(|e| e.to_string()) }
}

/// Extracts and processes one file into its documents' rows.
pub fn process_file(rel: &str, path: &Path, stages: &[Box<dyn Stage>]) -> Vec<DocBatches> {
    process_file_timed(rel, path, stages).0
}

fn process_file_timed(rel: &str, path: &Path, stages: &[Box<dyn Stage>]) -> (Vec<DocBatches>, StageTimes) {
    let mut times = StageTimes::new();
    let t0 = Instant::now();
    let file = read_source(rel, path);
    let docs = catch_unwind(AssertUnwindSafe(|| Extractor.extract(&file))).unwrap_or_else(|_| {
        let sha = file.sha256();
        let mut d = Document::new(sha[..16].to_string(), rel.to_string(), sha, file.bytes.as_ref().map_or(0, |b| b.len() as u64));
        d.quarantine(crate::extract::STAGE, "stage_panicked", "extract crashed on this file; please report it with the file");
        vec![d]
    });
    times.insert(crate::extract::STAGE, t0.elapsed());
    let batches = docs
        .into_iter()
        .map(|d| {
            let d = process_document_timed(d, stages, &mut times);
            tracing::debug!(file = %d, status = d.status.as_str(), sentences = d.sentences.len(), indicators = d.indicators.len(), "document done");
            let t = Instant::now();
            let b = doc_batches(&d);
            *times.entry("write").or_default() += t.elapsed();
            b
        })
        .collect();
    (batches, times)
}

/// Finishes a publish that a killed run left half done, or clears an incomplete staging folder.
pub fn recover(output: &Path) -> anyhow::Result<()> {
    let staging = output.join(STAGING);
    if !staging.exists() {
        return Ok(());
    }
    if staging.join(COMPLETE_MARKER).exists() {
        tracing::warn!("finishing the publish of a previous run that was interrupted while moving files");
        publish(&staging, output)?;
    } else {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot remove stale {}", staging.display()))?;
    }
    Ok(())
}

/// Moves the staged files into place (manifest last), then removes the staging folder.
fn publish(staging: &Path, output: &Path) -> anyhow::Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(staging)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n != COMPLETE_MARKER)
        .collect();
    names.sort_by_key(|n| (n == "manifest.json", n.clone()));
    // Table files of a previous run that this run did not write (e.g. .arrow without --arrow).
    for def in &catalog().tables {
        for ext in ["parquet", "arrow"] {
            let f = def.file_name(ext);
            if !names.contains(&f) && output.join(&f).exists() {
                std::fs::remove_file(output.join(&f))?;
            }
        }
    }
    for n in &names {
        std::fs::rename(staging.join(n), output.join(n)).with_context(|| format!("cannot move {n} into {}", output.display()))?;
    }
    std::fs::remove_dir_all(staging)?;
    Ok(())
}

fn config_hash() -> String {
    let mut h = Sha256::new();
    for part in [
        crate::schema::TABLES_TOML,
        crate::units::UNITS_TOML,
        crate::codebook::CODEBOOK_TOML,
        crate::segment::words::DOMAIN_DICT,
        include_str!("../data/chrome.toml"),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())[..16].to_string()
}

/// Runs the whole pipeline.
pub fn run(cfg: &RunConfig) -> anyhow::Result<RunSummary> {
    let started = Instant::now();
    if !cfg.input.is_dir() {
        anyhow::bail!("input folder {} does not exist or is not a folder; pass --input DIR", cfg.input.display());
    }
    std::fs::create_dir_all(&cfg.output).with_context(|| format!("cannot create output folder {}", cfg.output.display()))?;
    recover(&cfg.output)?;
    let files = discover(&cfg.input)?;
    tracing::info!(input = %cfg.input.display(), output = %cfg.output.display(), files = files.len(), "run started");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cfg.threads).build()?;
    let staging = cfg.output.join(STAGING);
    let defs: Vec<_> = DOC_TABLES.iter().map(|t| catalog().table(t)).collect();
    let mut writer = DatasetWriter::create(&staging, &defs, cfg.arrow_ipc)?;
    let stages = stages();
    let bar = progress_bar(cfg.progress, files.len() as u64);

    let mut summary = RunSummary::default();
    let mut inputs = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for chunk in files.chunks(cfg.batch_files.max(1)) {
        let results: Vec<(Vec<DocBatches>, StageTimes)> = pool.install(|| chunk.par_iter().map(|(rel, path)| process_file_timed(rel, path, &stages)).collect());
        for ((docs, times), (rel, _)) in results.into_iter().zip(chunk) {
            for (k, v) in times {
                *summary.stage_times.entry(k).or_default() += v;
            }
            let t_write = Instant::now();
            // A file whose bytes equal an earlier file's would count every figure twice.
            let sha = docs[0].content_sha256.clone();
            let duplicate_of = if docs[0].quarantined {
                None
            } else if let Some(orig) = seen.get(&sha) {
                Some(orig.clone())
            } else {
                seen.insert(sha.clone(), rel.clone());
                None
            };
            let docs = match duplicate_of {
                Some(orig) => vec![duplicate_batches(rel, &sha, &orig, &docs[0])],
                None => docs,
            };
            for d in docs {
                summary.documents += 1;
                if d.quarantined {
                    summary.quarantined += 1;
                } else {
                    summary.ok += 1;
                }
                for (i, b) in d.batches.iter().enumerate() {
                    writer.write(i, b)?;
                }
            }
            *summary.stage_times.entry("write").or_default() += t_write.elapsed();
            let (sha, bytes, status) = input_entry(&cfg.input, rel);
            summary.input_bytes += bytes;
            inputs.push(InputEntry { path: rel.clone(), sha256: sha, bytes, status });
            if let Some(b) = &bar {
                b.inc(1);
            }
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    // Validate every closed table, then append the findings to issues and close it.
    let mut stats: Vec<TableStats> = writer.close_except(&["issues"])?;
    let checked: Vec<&str> = DOC_TABLES.iter().copied().filter(|t| *t != "issues").collect();
    let findings = crate::validate::validate_dir(&staging, &checked)?;
    for f in &findings {
        match f.severity {
            Severity::Error => tracing::error!(code = f.code, location = f.location.as_deref().unwrap_or(""), "{}", f.message),
            _ => tracing::warn!(code = f.code, location = f.location.as_deref().unwrap_or(""), "{}", f.message),
        }
    }
    summary.validation_errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let mut t = TableBuffer::new(catalog().table("issues"));
    push_issues(&mut t, None, None, &findings);
    let issues_pos = writer.position("issues");
    writer.write(issues_pos, &t.finish())?;
    stats.extend(writer.finish()?);
    stats.sort_by_key(|s| DOC_TABLES.iter().position(|t| *t == s.name));

    let mut tables = Vec::new();
    for s in &stats {
        for f in &s.files {
            let (sha, bytes) = sha256_file(f)?;
            let file = f.file_name().unwrap().to_string_lossy().into_owned();
            tables.push(TableEntry { name: s.name.clone(), file, rows: s.rows, bytes, sha256: sha });
        }
        summary.tables.push((s.name.clone(), s.rows));
        if s.name == "issues" {
            summary.issues = s.rows;
        }
    }
    let manifest = Manifest {
        tool: "govreport".into(),
        tool_version: crate::VERSION.into(),
        schema_version: catalog().schema_version.clone(),
        config_hash: config_hash(),
        inputs,
        tables,
    };
    manifest.write(&staging.join("manifest.json"))?;
    std::fs::write(staging.join(COMPLETE_MARKER), b"")?;
    publish(&staging, &cfg.output)?;
    summary.wall = started.elapsed();
    let stage_ms: String = summary.stage_times.iter().map(|(k, v)| format!("{k}={}", v.as_millis())).collect::<Vec<_>>().join(" ");
    tracing::info!(
        input_mb = summary.input_bytes as f64 / 1e6,
        stage_ms = stage_ms.as_str(),
        peak_rss_mb = peak_rss_bytes().map_or(0.0, |b| b as f64 / 1e6),
        documents = summary.documents,
        ok = summary.ok,
        quarantined = summary.quarantined,
        issues = summary.issues,
        validation_errors = summary.validation_errors,
        seconds = started.elapsed().as_secs_f64(),
        "run finished"
    );
    Ok(summary)
}

fn input_entry(input: &Path, rel: &str) -> (String, u64, String) {
    let path = input.join(rel);
    match std::fs::read(&path) {
        Ok(b) => (hex(&Sha256::digest(&b)), b.len() as u64, "read".into()),
        Err(e) => (String::new(), 0, format!("unreadable: {e}")),
    }
}

/// Rows for a file whose bytes repeat an earlier file: a quarantined document with its own id.
fn duplicate_batches(rel: &str, sha: &str, original: &str, processed: &DocBatches) -> DocBatches {
    let id = hex(&Sha256::digest(format!("{sha}\0{rel}").as_bytes()))[..16].to_string();
    let bytes = processed.batches[0].column_by_name("byte_size").and_then(|c| c.as_any().downcast_ref::<arrow::array::Int64Array>().map(|a| a.value(0))).unwrap_or(0);
    let mut d = Document::new(id, rel.to_string(), sha.to_string(), bytes as u64);
    d.quarantine(crate::extract::STAGE, "duplicate_file", format!("same bytes as {original}; only the first copy is processed"));
    doc_batches(&d)
}

fn progress_bar(wanted: bool, len: u64) -> Option<indicatif::ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} files ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}
