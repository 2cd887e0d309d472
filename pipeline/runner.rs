//! The runner: finds the input files, sends them through the stages in parallel bounded
//! batches (or takes unchanged files' rows from the published dataset), writes every table in
//! input order, validates the result, and publishes it. Within a batch the stages run one after
//! the other over all its documents (`process_batch`); adding a stage is one line in
//! [`stages`].
//!
//! Publishing is all-or-nothing: tables are written into `OUTPUT/.staging/`, a `.complete`
//! marker is written last, and only then are the files moved into `OUTPUT/`. A run killed
//! before the marker leaves the previous dataset untouched; a run killed while moving is
//! finished by the next run (or `validate`) before anything else happens.

use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::cache::{Cache, DocRows, FileRows};
use crate::extract::{Extractor, SourceFile};
use crate::indicators::Tagger;
use crate::model::{Document, Severity, Stage};
use crate::normalize::Normalizer;
use crate::schema::catalog;
use crate::segment::Segmenter;
use crate::sink::manifest::{hex, sha256_file, InputEntry, Manifest, TableEntry};
use crate::sink::rows::{doc_batches, DOC_TABLES};
use crate::sink::{DatasetWriter, DocBatches, TableStats};
use crate::validate::rewrite::{refresh, Refreshed};

pub const STAGING: &str = ".staging";
const COMPLETE_MARKER: &str = ".complete";
/// What the marker says: the staging folder holds the whole dataset (tables it lacks are
/// deleted on publish), or only some rewritten tables (`govreport validate`).
const MARK_ALL: &str = "all";
const MARK_SOME: &str = "some";

/// Exit statuses of `govreport` (documented in `--help`).
pub mod exit {
    /// Every document processed, validation clean.
    pub const OK: i32 = 0;
    /// The run could not be done at all (unreadable input folder, unwritable output, existing release).
    pub const FAILED: i32 = 1;
    /// Bad command-line arguments (clap's own status).
    pub const USAGE: i32 = 2;
    /// The dataset was written, but some documents were quarantined.
    pub const QUARANTINED: i32 = 3;
    /// The dataset was written, but validation found errors.
    pub const VALIDATION_ERRORS: i32 = 4;
}

/// Largest input file read (bigger ones are quarantined unread).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 << 20;
/// Longest source line accepted: a report paragraph is a few thousand characters; a longer
/// "line" is a dump (minified page, binary) that would cost memory in every stage.
pub const DEFAULT_MAX_LINE_BYTES: u64 = 2 << 20;

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
    /// Input bytes per batch: a batch ends early once its files reach this size, so that a
    /// folder of large files holds no more in memory than a folder of small ones.
    pub batch_bytes: u64,
    /// Reuse the rows of unchanged files from the dataset published in the output folder
    /// (see [`crate::cache`]); the index of the new dataset is written either way.
    pub cache: bool,
    pub max_file_bytes: u64,
    pub max_line_bytes: u64,
    /// After publishing, also write the immutable release `OUTPUT/releases/<name>/`.
    pub release: Option<String>,
}

impl RunConfig {
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        RunConfig {
            input: input.into(),
            output: output.into(),
            threads: 0,
            arrow_ipc: false,
            progress: false,
            batch_files: 64,
            batch_bytes: DEFAULT_BATCH_BYTES,
            cache: true,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            release: None,
        }
    }
}

/// Time spent per stage, summed over documents (on N threads it can exceed wall time):
/// extract (decode, lines, chrome, metadata), each transforming stage, and write (Arrow rows
/// in the workers plus Parquet in the writer). The benchmark turns these into MB/s per stage.
pub type StageTimes = BTreeMap<&'static str, Duration>;

#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Input files found.
    pub files: usize,
    /// Bytes of input read.
    pub input_bytes: u64,
    /// Wall time of the run.
    pub wall: Duration,
    pub stage_times: StageTimes,
    pub documents: usize,
    pub ok: usize,
    pub quarantined: usize,
    /// Files that went through extract and the stages in this run.
    pub files_processed: usize,
    /// Files whose rows came from the cache (unchanged since a previous run).
    pub files_cached: usize,
    /// Documents that went through the stages in this run.
    pub processed: usize,
    /// Documents taken from the cache.
    pub cached: usize,
    pub issues: u64,
    pub validation_errors: usize,
    pub validation_warnings: usize,
    pub tables: Vec<(String, u64)>,
    pub release: Option<PathBuf>,
    /// Peak resident memory of this process in KiB (Linux VmHWM), for the logs.
    pub peak_rss_kb: Option<u64>,
}

/// Peak resident set size of this process (VmHWM of /proc/self/status), in KiB.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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

/// How many of the last [`stages`] a batch runs document by document, each document's rows
/// made right after them, rather than stage by stage over the batch (see [`process_batch`]).
const STAGES_WITH_ROWS: usize = 1;

/// Input files under `dir`: every entry that is not a folder (regular files, symlinks, even
/// dangling ones, and special files, which then get a quarantined row rather than vanish),
/// as relative paths with `/`, sorted. Hidden files and folders are skipped.
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
            // Real folders only: a symlink to a folder becomes an (unreadable) input, so that
            // link loops cannot trap discovery and the link still shows in documents.
            if e.file_type()?.is_dir() {
                stack.push(path);
            } else {
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
        run_stage(&mut doc, stage.as_ref(), times);
    }
    doc
}

/// Runs one stage on a document that no earlier stage quarantined; an error or a panic
/// quarantines it (and the later stages then pass it by).
fn run_stage(doc: &mut Document, stage: &dyn Stage, times: &mut StageTimes) {
    if !doc.is_ok() {
        return;
    }
    let t0 = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| stage.process(doc)));
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

/// Input-size limits applied while reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_line_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file_bytes: DEFAULT_MAX_FILE_BYTES, max_line_bytes: DEFAULT_MAX_LINE_BYTES }
    }
}

/// One input file as read: its hash and size always (when readable), its bytes only when
/// they are within the limits.
pub struct Loaded {
    pub rel: String,
    /// Full SHA-256 of the bytes; None when the file could not be read.
    pub sha256: Option<String>,
    pub size: u64,
    pub bytes: Result<Vec<u8>, String>,
    /// (code, reason) when the file is over a limit and was not kept in memory.
    pub over_limit: Option<(&'static str, String)>,
}

/// Reads a file in chunks, hashing as it goes; stops keeping the bytes once a limit is
/// passed, so a huge file or a 50 MB line never sits in memory.
pub fn load(rel: &str, path: &Path, limits: Limits) -> Loaded {
    let fail = |e: String| Loaded { rel: rel.to_string(), sha256: None, size: 0, bytes: Err(e), over_limit: None };
    // Never open FIFOs, sockets or devices: reading one could block the run forever.
    let expected = match std::fs::metadata(path) {
        Err(e) => return fail(format!("{e} (a dangling link or a file removed during the run)")),
        Ok(m) if !m.is_file() => return fail("not a regular file (a folder link, FIFO, socket or device); only files are read".into()),
        Ok(m) => m.len(),
    };
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return fail(e.to_string()),
    };
    let mut h = Sha256::new();
    // Sized for the whole file (when it may be kept), so the bytes are not copied again as the
    // buffer grows; a file that grows while it is read still reads whole.
    // Capped, so that a file over the line limit (refused after its first long line) does not
    // reserve its whole size first; nearly every report fits the cap.
    let mut kept = Some(Vec::with_capacity(if expected <= limits.max_file_bytes { expected.min(LOAD_RESERVE_MAX) as usize } else { 0 }));
    let mut buf = vec![0u8; 1 << 16];
    let (mut size, mut line) = (0u64, 0u64);
    let mut over_limit = None;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return fail(e.to_string()),
        };
        let chunk = &buf[..n];
        h.update(chunk);
        size += n as u64;
        if over_limit.is_none() {
            if line_over(&mut line, chunk, limits.max_line_bytes) {
                over_limit = Some(("line_too_long", format!("a line is longer than {} bytes; this is not report text (split the file or raise --max-line-mb)", limits.max_line_bytes)));
            }
            if size > limits.max_file_bytes {
                over_limit = Some(("file_too_large", format!("the file is larger than {} bytes (raise --max-file-mb to read it)", limits.max_file_bytes)));
            }
            match (&over_limit, &mut kept) {
                (None, Some(v)) => v.extend_from_slice(chunk),
                _ => kept = None,
            }
        }
    }
    Loaded { rel: rel.to_string(), sha256: Some(hex(&h.finalize())), size, bytes: Ok(kept.unwrap_or_default()), over_limit }
}

/// The most [`load`] reserves for a file's bytes before it has read them (4 MiB).
const LOAD_RESERVE_MAX: u64 = 4 << 20;

/// Carries the length of the current line (`line`, bytes since the last `\n` or `\r`) over
/// `chunk`; true as soon as a line grows longer than `max`. Line breaks are found with memchr
/// (many bytes at a time) rather than by testing every byte: this runs over every input byte.
fn line_over(line: &mut u64, chunk: &[u8], max: u64) -> bool {
    let mut from = 0;
    for at in memchr::memchr2_iter(b'\n', b'\r', chunk) {
        if *line + (at - from) as u64 > max {
            return true;
        }
        *line = 0;
        from = at + 1;
    }
    *line += (chunk.len() - from) as u64;
    *line > max
}

/// Extracts and processes one loaded file into its documents' rows.
pub fn process_loaded(file: Loaded, stages: &[Box<dyn Stage>]) -> Vec<DocBatches> {
    process_loaded_timed(file, stages, &mut StageTimes::new())
}

fn process_loaded_timed(file: Loaded, stages: &[Box<dyn Stage>], times: &mut StageTimes) -> Vec<DocBatches> {
    match extract_loaded(file, times) {
        Extracted::Rows(rows) => rows,
        Extracted::Docs(docs) => docs.into_iter().map(|d| document_rows(process_document_timed(d, stages, times), times)).collect(),
    }
}

/// A file after extraction: its documents, or its rows already when it never got that far.
enum Extracted {
    Docs(Vec<Document>),
    Rows(Vec<DocBatches>),
}

/// Extracts one loaded file into its documents (a file over a limit is one quarantined row).
fn extract_loaded(file: Loaded, times: &mut StageTimes) -> Extracted {
    if let (Some((code, reason)), Some(sha)) = (&file.over_limit, &file.sha256) {
        let mut d = Document::new(sha[..16].to_string(), file.rel.clone(), sha.clone(), file.size);
        d.quarantine(crate::extract::STAGE, code, reason.clone());
        return Extracted::Rows(vec![doc_batches(&d)]);
    }
    let rel = file.rel.clone();
    let t_extract = Instant::now();
    let src = SourceFile { rel_path: file.rel, bytes: file.bytes };
    // `load` hashed the bytes as it read them (the same digest as `SourceFile::sha256`, which
    // only an unreadable file, hashed by its name, still needs).
    let sha = file.sha256.unwrap_or_else(|| src.sha256());
    let docs = catch_unwind(AssertUnwindSafe(|| Extractor.extract_hashed(&src, sha.clone()))).unwrap_or_else(|_| {
        let mut d = Document::new(sha[..16].to_string(), rel.clone(), sha, src.bytes.as_ref().map_or(0, |b| b.len() as u64));
        d.quarantine(crate::extract::STAGE, "stage_panicked", "extract crashed on this file; please report it with the file");
        vec![d]
    });
    *times.entry(crate::extract::STAGE).or_default() += t_extract.elapsed();
    Extracted::Docs(docs)
}

/// A processed document's rows (timed as writing).
fn document_rows(d: Document, times: &mut StageTimes) -> DocBatches {
    tracing::debug!(file = %d, status = d.status.as_str(), sentences = d.sentences.len(), indicators = d.indicators.len(), "document done");
    let t = Instant::now();
    let b = doc_batches(&d);
    *times.entry("write").or_default() += t.elapsed();
    b
}

/// The lock file in an output folder: held by the one command writing there.
pub const LOCK_FILE: &str = ".lock";

/// Exclusive hold on an output folder while a command writes into it (run, validate, release).
/// Two commands writing into one folder would clear each other's staging folder and publish
/// half-written tables; a second one is refused instead. The lock is the operating system's
/// (an advisory `flock` on `OUTPUT/.lock`), so it goes away with its process, however that
/// process ends: there is never a stale lock to remove by hand.
#[derive(Debug)]
pub struct OutputLock {
    _file: std::fs::File,
}

/// Takes the lock on the existing folder `output`, or says which folder is busy.
pub fn lock_output(output: &Path) -> anyhow::Result<OutputLock> {
    anyhow::ensure!(
        output.is_dir(),
        "{} is not a dataset folder; run `govreport run --output {}` first",
        output.display(),
        output.display()
    );
    let path = output.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}; is the output folder writable?", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(OutputLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another govreport command is writing into {}; wait for it to finish (its lock on {} ends with it), or choose another --output",
            output.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
    }
}

/// Finishes a publish that a killed run left half done, or clears an incomplete staging folder.
pub fn recover(output: &Path) -> anyhow::Result<()> {
    let staging = output.join(STAGING);
    if !staging.exists() {
        return Ok(());
    }
    match std::fs::read_to_string(staging.join(COMPLETE_MARKER)) {
        Ok(mark) => {
            tracing::warn!("finishing the publish of a previous run that was interrupted while moving files");
            let whole = mark.trim() != MARK_SOME;
            if whole {
                // That run deleted the cache index before marking; make sure of it.
                crate::cache::Cache::forget(output)?;
            }
            publish(&staging, output, whole)?;
        }
        Err(_) => std::fs::remove_dir_all(&staging).with_context(|| format!("cannot remove stale {}", staging.display()))?,
    }
    Ok(())
}

/// Marks the staging folder complete: from here on the publish is finished even if killed.
fn mark_complete(staging: &Path, mark: &str) -> anyhow::Result<()> {
    let tmp = staging.join(".complete.tmp");
    std::fs::write(&tmp, mark)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(tmp, staging.join(COMPLETE_MARKER))?;
    Ok(())
}

/// Moves the staged files into place (manifest last), then removes the staging folder. With
/// `whole`, table files of a previous run that this one did not write are deleted.
fn publish(staging: &Path, output: &Path, whole: bool) -> anyhow::Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(staging)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n != COMPLETE_MARKER && !n.ends_with(".tmp"))
        .collect();
    names.sort_by_key(|n| (n == "manifest.json", n.clone()));
    if whole {
        // e.g. .arrow files of a run with --arrow, after a run without it.
        for def in &catalog().tables {
            for ext in ["parquet", "arrow"] {
                let f = def.file_name(ext);
                if !names.contains(&f) && output.join(&f).exists() {
                    std::fs::remove_file(output.join(&f))?;
                }
            }
        }
    }
    for n in &names {
        std::fs::rename(staging.join(n), output.join(n)).with_context(|| format!("cannot move {n} into {}", output.display()))?;
    }
    std::fs::remove_dir_all(staging)?;
    Ok(())
}

/// Every data file compiled into the binary that changes what a run writes: the schema, the
/// code books, the dictionaries and the rule files. Their hash is the manifest's `config_hash`
/// and part of every cache key.
pub const EMBEDDED_DATA: [(&str, &str); 9] = [
    ("schemas/tables.toml", crate::schema::TABLES_TOML),
    ("schemas/units.toml", crate::units::UNITS_TOML),
    ("schemas/indicator_codebook.toml", crate::codebook::CODEBOOK_TOML),
    ("data/domain_dict.txt", crate::segment::words::DOMAIN_DICT),
    ("data/chrome.toml", crate::extract::chrome::CHROME_TOML),
    ("data/metadata.toml", crate::extract::metadata::METADATA_TOML),
    ("data/opencc_t2s_multi.txt", crate::normalize::script::MULTI_CANDIDATE_RULES),
    ("data/t2s_phrases_extra.txt", crate::normalize::script::EXTRA_PHRASES),
    ("data/s2t_change_bounds.txt", crate::normalize::script::S2T_BOUNDS_DATA),
];

pub fn config_hash() -> String {
    let mut h = Sha256::new();
    for (name, text) in EMBEDDED_DATA {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())[..16].to_string()
}

/// Everything but the input that changes a file's rows, for the cache keys.
pub(crate) fn cache_settings(limits: Limits) -> String {
    format!("{}\0{}\0{}", config_hash(), limits.max_file_bytes, limits.max_line_bytes)
}

/// One input file's outcome.
struct FileOutcome {
    docs: Vec<DocBatches>,
    times: StageTimes,
    input: InputEntry,
    cached: bool,
    cache_key: Option<String>,
    /// For rows taken from the dataset that were a copy's one row: the file it copied.
    copy_of: Option<String>,
}

/// Input bytes per batch by default: 64 files of a typical report (50–100 KB) are well under
/// it; larger files make smaller batches. A batch's documents take about ten times their input
/// in memory while they go through the stages.
pub const DEFAULT_BATCH_BYTES: u64 = 32 << 20;

/// Splits the input list into batches of at most `max_files` files and, past the first file of
/// a batch, at most `max_bytes` bytes (by file size; a file that cannot be read counts as 0).
/// Batches only group the work: rows are written in input order whatever the split.
fn batches(files: &[(String, PathBuf)], max_files: usize, max_bytes: u64) -> Vec<&[(String, PathBuf)]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (k, (_, path)) in files.iter().enumerate() {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        if k > start && (k - start >= max_files.max(1) || bytes + size > max_bytes) {
            out.push(&files[start..k]);
            (start, bytes) = (k, 0);
        }
        bytes += size;
    }
    if start < files.len() {
        out.push(&files[start..]);
    }
    out
}

/// One input file on its way through a batch.
struct FileWork {
    outcome: FileOutcome,
    /// Documents still going through the stages (empty once they are rows).
    docs: Vec<Document>,
    /// The file as read, while its rows may still come from the published dataset.
    reusable: Option<Loaded>,
    /// What the dataset's index says the file was a copy of (with `reusable`).
    was_copy_of: Option<String>,
}

/// Processes one batch of files, stage by stage: every document of the batch goes through
/// extract, then every one through normalize, then segment, each step spread over the pool.
/// One stage's tables (jieba's dictionary trie, the OpenCC and chrome rules) then stay in the
/// CPU caches for a run of documents instead of being evicted by the other stages' after every
/// document. Same work, same rows: on one thread the 100 MB bench corpus took 12.0 s instead
/// of 14.6 s (segment 5.7 → 4.2 s); on two threads, where the writer thread shares the cores,
/// about the same as before. The documents are held until their rows are made (about ten
/// times their input size), so memory is bounded by the batch's files and bytes (see
/// [`batches`]).
///
/// The last stage (indicators, [`STAGES_WITH_ROWS`]) runs document by document instead, and
/// each document's rows are made right after it: the tagger and the rows read the same
/// tokens (about half a MB per document, 56 bytes a word), and the rows find them still in
/// the core's cache rather than in memory, where the next documents' tagging had pushed them.
/// It also ends each document's life there, and saves the pool one wait for its slowest file
/// per batch. Ten alternating pairs on the 100 MB corpus, 2 threads: wall and CPU time −2.5 %
/// (geometric mean of the pairs' ratios; the median pair −0.3 %). Segment run that way as well
/// was 7 % slower: jieba's trie no longer stays in the cache.
///
/// Files unchanged since the published dataset take their rows from it (see [`Cache::take`]),
/// read once all files of the batch are hashed; a file whose rows cannot be read is processed.
/// `first_of` maps the content hash of every readable file so far (earlier batches and earlier
/// in this one) to the first file with those bytes (the writer makes a later copy one
/// quarantined row naming that file): a copy's row is taken only when it is still a copy of
/// the same file.
fn process_batch(chunk: &[(String, PathBuf)], stages: &[Box<dyn Stage>], limits: Limits, cache: Option<&Cache>, first_of: &mut HashMap<String, String>) -> Vec<FileOutcome> {
    let mut work: Vec<FileWork> = chunk.par_iter().map(|(rel, path)| start_file(rel, path, limits, cache)).collect();
    let mut takes = Vec::with_capacity(work.len());
    for w in &work {
        let input = &w.outcome.input;
        let copy_of = match input.sha256.is_empty() {
            true => None,
            false => Some(first_of.entry(input.sha256.clone()).or_insert_with(|| input.path.clone()).clone()).filter(|first| *first != input.path),
        };
        takes.push(w.reusable.is_some() && (w.was_copy_of.is_none() || w.was_copy_of == copy_of));
    }
    if let Some(c) = cache {
        let keys: Vec<&str> = work.iter().zip(&takes).filter(|(_, t)| **t).filter_map(|(w, _)| w.outcome.cache_key.as_deref()).collect();
        if !keys.is_empty() {
            let mut taken = c.take(&keys).into_iter();
            for (w, _) in work.iter_mut().zip(&takes).filter(|(_, t)| **t) {
                // The rows carry the hash the file has now (the writer finds copies by it).
                if let Some(t) = taken.next().flatten().filter(|t| t.docs.iter().all(|d| d.content_sha256 == w.outcome.input.sha256)) {
                    w.outcome.docs = t.docs;
                    w.outcome.copy_of = t.copy_of;
                    w.outcome.cached = true;
                    w.reusable = None;
                }
            }
        }
    }
    // Files whose rows could not be read back are extracted now.
    work.par_iter_mut().filter(|w| w.reusable.is_some()).for_each(|w| {
        let loaded = w.reusable.take().expect("filtered");
        (w.outcome.docs, w.docs) = extract_file(loaded, &mut w.outcome.times);
    });
    let (by_stage, with_rows) = stages.split_at(stages.len().saturating_sub(STAGES_WITH_ROWS));
    for stage in by_stage {
        work.par_iter_mut().for_each(|w| {
            for d in &mut w.docs {
                run_stage(d, stage.as_ref(), &mut w.outcome.times);
            }
        });
    }
    work.into_par_iter().map(|w| finish_file(w, with_rows)).collect()
}

/// Reads a file and extracts it, unless the published dataset holds its rows.
fn start_file(rel: &str, path: &Path, limits: Limits, cache: Option<&Cache>) -> FileWork {
    let loaded = load(rel, path, limits);
    let input = match (&loaded.sha256, &loaded.bytes) {
        (Some(sha), _) => InputEntry { path: rel.to_string(), sha256: sha.clone(), bytes: loaded.size, status: "read".into() },
        (None, Err(e)) => InputEntry { path: rel.to_string(), sha256: String::new(), bytes: 0, status: format!("unreadable: {e}") },
        (None, Ok(_)) => unreachable!("a read file has a hash"),
    };
    let key = match (cache, &loaded.sha256) {
        (Some(c), Some(sha)) => Some(c.key(sha, rel)),
        _ => None,
    };
    let mut outcome = FileOutcome { docs: Vec::new(), times: StageTimes::new(), input, cached: false, cache_key: key, copy_of: None };
    if let (Some(c), Some(k)) = (cache, &outcome.cache_key) {
        if let Some(was_copy_of) = c.has(k) {
            return FileWork { outcome, docs: Vec::new(), reusable: Some(loaded), was_copy_of };
        }
    }
    let (rows, docs) = extract_file(loaded, &mut outcome.times);
    outcome.docs = rows;
    FileWork { outcome, docs, reusable: None, was_copy_of: None }
}

/// Extracts a loaded file: its rows when it never got to the stages, or its documents.
fn extract_file(loaded: Loaded, times: &mut StageTimes) -> (Vec<DocBatches>, Vec<Document>) {
    warm_segmenter();
    match extract_loaded(loaded, times) {
        Extracted::Rows(rows) => (rows, Vec::new()),
        Extracted::Docs(docs) => (Vec::new(), docs),
    }
}

/// Starts loading what segmenting needs (jieba's dictionary, its IDF table: about a quarter
/// of a second of one core) on a thread of its own, once per process, when the first file
/// that is not in the cache is about to be extracted: the load then overlaps the first
/// extractions instead of stalling the first segment call of every worker, and a run whose
/// files all come from the cache never loads it.
fn warm_segmenter() {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        std::thread::spawn(crate::segment::warm);
    });
}

/// Runs the last `stages` on each of a file's documents and turns them into rows.
fn finish_file(w: FileWork, stages: &[Box<dyn Stage>]) -> FileOutcome {
    let FileWork { mut outcome, docs, .. } = w;
    for d in docs {
        let d = process_document_timed(d, stages, &mut outcome.times);
        let rows = document_rows(d, &mut outcome.times);
        outcome.docs.push(rows);
    }
    outcome
}

/// Runs the whole pipeline.
pub fn run(cfg: &RunConfig) -> anyhow::Result<RunSummary> {
    let started = Instant::now();
    if !cfg.input.is_dir() {
        anyhow::bail!("input folder {} does not exist or is not a folder; pass --input DIR", cfg.input.display());
    }
    if let Some(v) = &cfg.release {
        crate::release::check_version(v)?;
        let target = cfg.output.join(crate::release::RELEASES).join(v);
        anyhow::ensure!(!target.exists(), "release {v} already exists at {}; releases are immutable, choose a new version", target.display());
    }
    std::fs::create_dir_all(&cfg.output).with_context(|| format!("cannot create output folder {}", cfg.output.display()))?;
    let _lock = lock_output(&cfg.output)?;
    recover(&cfg.output)?;
    let files = discover(&cfg.input)?;
    tracing::info!(input = %cfg.input.display(), output = %cfg.output.display(), files = files.len(), cache = cfg.cache, "run started");
    // Large stacks: a deeply nested document must not overflow a worker's stack (that would
    // abort the process, which no catch_unwind can turn into a quarantine).
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cfg.threads).stack_size(64 << 20).build()?;
    let staging = cfg.output.join(STAGING);
    let defs: Vec<_> = DOC_TABLES.iter().map(|t| catalog().table(t)).collect();
    let mut writer = DatasetWriter::create(&staging, &defs, cfg.arrow_ipc)?;
    let stages = stages();
    let limits = Limits { max_file_bytes: cfg.max_file_bytes, max_line_bytes: cfg.max_line_bytes };
    // On the run's threads: checking the published tables hashes each of them. Without the
    // cache nothing is reused, but the index is written all the same (it costs nothing), so
    // the next run can reuse this one's rows.
    let cache = pool.install(|| Cache::open(&cfg.output, &cache_settings(limits), cfg.cache))?.writing_arrow_ipc(cfg.arrow_ipc);
    let bar = progress_bar(cfg.progress, files.len() as u64);

    let mut summary = RunSummary { files: files.len(), ..Default::default() };
    let mut inputs = Vec::new();
    // What the index of this dataset says of each file.
    let mut index_files: Vec<FileRows> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    // Two things overlap: the pool processes batch n+1 while this thread's writer encodes
    // batch n (Parquet encoding and compression are serial per table). The channel holds one
    // batch, so at most three batches are in memory at a time.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, &[(String, PathBuf)], Vec<FileOutcome>, Instant)>(1);
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let producer = scope.spawn(|| {
            let mut first_of = HashMap::new();
            for (n, chunk) in batches(&files, cfg.batch_files, cfg.batch_bytes).into_iter().enumerate() {
                let t0 = Instant::now();
                let results: Vec<FileOutcome> = pool.install(|| process_batch(chunk, &stages, limits, Some(&cache), &mut first_of));
                // The writer stopped on an error: it is reported from there.
                if tx.send((n, chunk, results, t0)).is_err() {
                    break;
                }
            }
            drop(tx);
        });
        let written = (|| -> anyhow::Result<()> {
            for (n, chunk, results, t0) in rx.iter() {
                let (mut b_processed, mut b_cached, mut b_quarantined) = (0usize, 0usize, 0usize);
                for (outcome, (rel, path)) in results.into_iter().zip(chunk) {
                    let FileOutcome { mut docs, mut times, input, mut cached, cache_key, copy_of } = outcome;
                    // A file whose bytes equal an earlier file's would count every figure twice.
                    // Quarantined copies too: two empty files or two copies of an image must not
                    // share a doc_id.
                    let sha = docs[0].content_sha256.clone();
                    let duplicate_of = if let Some(orig) = seen.get(&sha) {
                        Some(orig.clone())
                    } else {
                        seen.insert(sha.clone(), rel.clone());
                        None
                    };
                    // A copy's row is taken from the dataset only while it still copies the
                    // same file (see process_batch); were it not (a content hash equal to an
                    // unreadable file's name hash), the file is processed here.
                    if copy_of.is_some() && duplicate_of != copy_of {
                        tracing::warn!(file = rel.as_str(), "a copy's row no longer fits: processing the file");
                        docs = process_loaded_timed(load(rel, path, limits), &stages, &mut times);
                        cached = false;
                    }
                    for (k, v) in times {
                        *summary.stage_times.entry(k).or_default() += v;
                    }
                    summary.input_bytes += input.bytes;
                    let t_write = Instant::now();
                    if cached {
                        summary.files_cached += 1;
                        summary.cached += docs.len();
                        b_cached += docs.len();
                    } else {
                        summary.files_processed += 1;
                        summary.processed += docs.len();
                        b_processed += docs.len();
                    }
                    let docs = match &duplicate_of {
                        // Taken from the dataset: already the copy's row.
                        Some(_) if cached && copy_of.is_some() => docs,
                        Some(orig) => vec![duplicate_batches(rel, &sha, orig, &docs[0])],
                        None => docs,
                    };
                    index_files.push(FileRows { key: cache_key, copy_of: duplicate_of, docs: docs.iter().map(DocRows::of).collect() });
                    for d in docs {
                        summary.documents += 1;
                        if d.quarantined {
                            summary.quarantined += 1;
                            b_quarantined += 1;
                        } else {
                            summary.ok += 1;
                        }
                        for (i, b) in d.batches.iter().enumerate() {
                            writer.write(i, b)?;
                        }
                    }
                    *summary.stage_times.entry("write").or_default() += t_write.elapsed();
                    inputs.push(input);
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                }
                tracing::info!(
                    batch = n,
                    files = chunk.len(),
                    processed = b_processed,
                    cached = b_cached,
                    quarantined = b_quarantined,
                    duration_ms = t0.elapsed().as_millis() as u64,
                    "batch done"
                );
            }
            Ok(())
        })();
        // On a write error the receiver goes away, so the producer stops at its next batch.
        drop(rx);
        producer.join().map_err(|_| anyhow::anyhow!("the processing thread panicked; please report this"))?;
        written
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let t_validate = Instant::now();
    let mut stats: Vec<TableStats> = writer.finish()?;
    // Validate the written tables as a reader would, and put the findings into issues.
    // On the run's own threads, so that --threads bounds validation too.
    let Refreshed { report, stats: rewritten } = pool.install(|| refresh(&staging, &staging, cfg.arrow_ipc))?;
    anyhow::ensure!(!rewritten.is_empty(), "the issues table this run wrote cannot be read back; please report this");
    log_findings(&report.findings);
    summary.validation_errors = report.errors();
    summary.validation_warnings = report.findings.iter().filter(|f| f.issue.severity == Severity::Warning).count();
    stats.retain(|s| !rewritten.iter().any(|r| r.name == s.name));
    stats.extend(rewritten);
    summary.stage_times.insert("validate", t_validate.elapsed());
    tracing::info!(findings = report.findings.len(), errors = summary.validation_errors, duration_ms = t_validate.elapsed().as_millis() as u64, "validation done");

    let tables = table_entries(&stats)?;
    for s in sorted(&stats) {
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
        tables: tables.clone(),
    };
    manifest.write(&staging.join("manifest.json"))?;
    // The index describes the dataset about to be replaced: gone before the publish is
    // decided (a failure here leaves an unmarked staging folder, which the next run discards),
    // written again after it, so it never describes another dataset.
    Cache::forget(&cfg.output)?;
    mark_complete(&staging, MARK_ALL)?;
    publish(&staging, &cfg.output, true)?;
    // The dataset is published whatever happens here; without an index the next run
    // processes every file again.
    let files = index_files.len();
    match cache.write_index(index_files, &tables) {
        Ok(()) => tracing::info!(files, "cache index written"),
        Err(e) => tracing::warn!("cannot write the cache index (the next run processes every file): {e:#}"),
    }
    if let Some(v) = &cfg.release {
        let dir = crate::release::create(&cfg.output, v)?;
        tracing::info!(release = %dir.display(), "release written");
        summary.release = Some(dir);
    }
    for (t, rows) in &summary.tables {
        tracing::info!(table = t.as_str(), rows, "written");
    }
    summary.peak_rss_kb = peak_rss_kb();
    summary.wall = started.elapsed();
    let stage_ms: String = summary.stage_times.iter().map(|(k, v)| format!("{k}={}", v.as_millis())).collect::<Vec<_>>().join(" ");
    tracing::info!(
        files = summary.files,
        input_bytes = summary.input_bytes,
        stage_ms = stage_ms.as_str(),
        documents = summary.documents,
        processed = summary.processed,
        skipped_cached = summary.cached,
        ok = summary.ok,
        quarantined = summary.quarantined,
        issues = summary.issues,
        validation_errors = summary.validation_errors,
        validation_warnings = summary.validation_warnings,
        duration_ms = started.elapsed().as_millis() as u64,
        peak_rss_kb = summary.peak_rss_kb.unwrap_or(0),
        exit_code = summary.exit_code(),
        "run summary"
    );
    Ok(summary)
}

/// How many findings of one code (and severity) a run logs one by one; the rest are counted in
/// one line. A run over a large corpus can find tens of thousands of the same kind (70 000 on
/// the 1 GB benchmark corpus), which would bury the rest of the log; every finding is a row of
/// `issues` whatever is logged, and `govreport validate` prints them all.
const FINDINGS_LOGGED_PER_CODE: usize = 5;

/// Which findings [`log_findings`] logs one by one (in their order), and per (severity, code)
/// how many it leaves out.
fn findings_to_log(findings: &[crate::validate::Finding]) -> (Vec<&crate::validate::Finding>, Vec<(Severity, &'static str, usize)>) {
    let mut seen: BTreeMap<(Severity, &'static str), usize> = BTreeMap::new();
    let mut logged = Vec::new();
    for f in findings {
        let n = seen.entry((f.issue.severity, f.issue.code)).or_default();
        *n += 1;
        if *n <= FINDINGS_LOGGED_PER_CODE {
            logged.push(f);
        }
    }
    let mut left_out: Vec<(Severity, &'static str, usize)> = seen
        .into_iter()
        .filter(|&(_, n)| n > FINDINGS_LOGGED_PER_CODE)
        .map(|((severity, code), n)| (severity, code, n - FINDINGS_LOGGED_PER_CODE))
        .collect();
    // The most severe first, then by code.
    left_out.sort_by_key(|&(severity, code, _)| (std::cmp::Reverse(severity), code));
    (logged, left_out)
}

fn log_findings(findings: &[crate::validate::Finding]) {
    let (logged, left_out) = findings_to_log(findings);
    for f in logged {
        let (i, file) = (&f.issue, f.source_file.as_deref().unwrap_or(""));
        let loc = i.location.as_deref().unwrap_or("");
        match i.severity {
            Severity::Error => tracing::error!(code = i.code, file, location = loc, "{}", i.message),
            _ => tracing::warn!(code = i.code, file, location = loc, "{}", i.message),
        }
    }
    for (severity, code, more) in left_out {
        let what = format!("{more} more findings with code {code} not logged; all are rows of the issues table");
        match severity {
            Severity::Error => tracing::error!(code, more, "{what}"),
            _ => tracing::warn!(code, more, "{what}"),
        }
    }
}

/// Table stats in catalog order.
fn sorted(stats: &[TableStats]) -> Vec<&TableStats> {
    let pos = |n: &str| catalog().tables.iter().position(|t| t.name == n).unwrap_or(usize::MAX);
    let mut v: Vec<&TableStats> = stats.iter().collect();
    v.sort_by_key(|s| pos(&s.name));
    v
}

/// Manifest entries (checksum, size, rows) of written table files, in catalog order.
fn table_entries(stats: &[TableStats]) -> anyhow::Result<Vec<TableEntry>> {
    let mut tables = Vec::new();
    for s in sorted(stats) {
        for f in &s.files {
            let (sha, bytes) = sha256_file(f)?;
            let file = f.file_name().unwrap().to_string_lossy().into_owned();
            tables.push(TableEntry { name: s.name.clone(), file, rows: s.rows, bytes, sha256: sha });
        }
    }
    Ok(tables)
}

/// What `govreport validate` did.
pub struct Revalidated {
    pub findings: Vec<crate::validate::Finding>,
    pub errors: usize,
    /// Whether `issues` and `targets_vs_actuals` were rewritten (with the manifest).
    pub recorded: bool,
}

/// Validates a published dataset on its own and records the findings in it: `issues` gets the
/// current findings as its `validate` rows, `targets_vs_actuals` is rebuilt, and manifest.json
/// gets their new checksums — through the staging folder, so a kill leaves either the old or
/// the new files, never a mix.
pub fn revalidate(output: &Path) -> anyhow::Result<Revalidated> {
    let _lock = lock_output(output)?;
    recover(output)?;
    let manifest_path = output.join("manifest.json");
    let mut manifest = Manifest::read(&manifest_path)
        .with_context(|| format!("{} holds no dataset (manifest.json missing or unreadable); run `govreport run --output {}` first", output.display(), output.display()))?;
    let arrow_ipc = manifest.tables.iter().any(|t| t.file == "issues.arrow");
    let staging = output.join(STAGING);
    let Refreshed { report, stats } = refresh(output, &staging, arrow_ipc)?;
    let errors = report.errors();
    if stats.is_empty() {
        let _ = std::fs::remove_dir_all(&staging);
        return Ok(Revalidated { findings: report.findings, errors, recorded: false });
    }
    let rewritten: Vec<String> = stats.iter().map(|s| s.name.clone()).collect();
    let mut entries: Vec<TableEntry> = manifest.tables.into_iter().filter(|t| !rewritten.contains(&t.name)).collect();
    entries.extend(table_entries(&stats)?);
    let pos = |n: &str| catalog().tables.iter().position(|t| t.name == n).unwrap_or(usize::MAX);
    entries.sort_by_key(|t| (pos(&t.name), !t.file.ends_with(".parquet")));
    manifest.tables = entries;
    manifest.write(&staging.join("manifest.json"))?;
    mark_complete(&staging, MARK_SOME)?;
    publish(&staging, output, false)?;
    Ok(Revalidated { findings: report.findings, errors, recorded: true })
}

/// Rows for a file whose bytes repeat an earlier file: a quarantined document with its own id.
fn duplicate_batches(rel: &str, sha: &str, original: &str, processed: &DocBatches) -> DocBatches {
    let id = hex(&Sha256::digest(format!("{sha}\0{rel}").as_bytes()))[..16].to_string();
    let bytes = processed.batches[0].column_by_name("byte_size").and_then(|c| c.as_any().downcast_ref::<arrow::array::Int64Array>().map(|a| a.value(0))).unwrap_or(0);
    let mut d = Document::new(id, rel.to_string(), sha.to_string(), bytes as u64);
    let first_reason = processed.batches[0]
        .column_by_name("quarantine_reason")
        .and_then(|c| c.as_any().downcast_ref::<arrow::array::StringArray>().filter(|a| arrow::array::Array::is_valid(*a, 0)).map(|a| a.value(0).to_string()));
    let message = match first_reason {
        Some(r) => format!("same bytes as {original}, which was quarantined ({r})"),
        None => format!("same bytes as {original}; only the first copy is processed"),
    };
    d.quarantine(crate::extract::STAGE, "duplicate_file", message);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A stage that crashes on one file, to see a panic quarantine the same document either way.
    struct CrashOn(&'static str);

    impl Stage for CrashOn {
        fn name(&self) -> &'static str {
            "crash_test"
        }
        fn process(&self, doc: &mut Document) -> anyhow::Result<()> {
            assert!(!doc.source_file.ends_with(self.0), "test crash");
            Ok(())
        }
    }

    #[test]
    fn findings_are_logged_a_few_per_code_and_the_rest_counted() {
        use crate::validate::Finding;
        let finding = |severity, code: &'static str, k: usize| Finding::from(crate::model::Issue::new("validate", severity, code, format!("{code} {k}")));
        let mut findings: Vec<Finding> = (0..12).map(|k| finding(Severity::Warning, "growth_contradicts_levels", k)).collect();
        findings.extend((0..2).map(|k| finding(Severity::Warning, "traditional_left", k)));
        findings.extend((0..7).map(|k| finding(Severity::Error, "span_outside_sentence", k)));
        findings.extend((0..6).map(|k| finding(Severity::Warning, "bad_unit", k)));
        let (logged, left_out) = findings_to_log(&findings);
        let messages: Vec<&str> = logged.iter().map(|f| f.issue.message.as_str()).collect();
        // The first five of each code, in the order they were found; a code with fewer is logged whole.
        let expected: Vec<String> = (0..5)
            .map(|k| format!("growth_contradicts_levels {k}"))
            .chain((0..2).map(|k| format!("traditional_left {k}")))
            .chain((0..5).map(|k| format!("span_outside_sentence {k}")))
            .chain((0..5).map(|k| format!("bad_unit {k}")))
            .collect();
        assert_eq!(messages, expected);
        // The rest counted per code: errors first, then by code.
        assert_eq!(
            left_out,
            vec![(Severity::Error, "span_outside_sentence", 2), (Severity::Warning, "bad_unit", 1), (Severity::Warning, "growth_contradicts_levels", 7)]
        );
        // Nothing found, nothing logged.
        let (logged, left_out) = findings_to_log(&[]);
        assert!(logged.is_empty() && left_out.is_empty());
    }

    /// A folder with the seeds, a CSV of three documents, a file over the line limit, a file a
    /// stage crashes on and a dangling link.
    fn mixed_inputs() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for e in std::fs::read_dir(&seeds).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
        }
        let csv = "title,text\n甲区报告,地区生产总值增长8%以上。\n乙区报告,实现社会消费品零售总额449.7亿元，增长8.2%。\n丙区报告,新增就业1.2万人。\n";
        std::fs::write(dir.path().join("reports.csv"), csv).unwrap();
        std::fs::write(dir.path().join("long_line.txt"), "增长8%".repeat(20_000)).unwrap();
        std::fs::write(dir.path().join("boom.txt"), "全年地区生产总值增长6.5%。\n").unwrap();
        std::os::unix::fs::symlink("/nonexistent/x", dir.path().join("dangling")).unwrap();
        dir
    }

    /// The stages with one that crashes on `boom.txt` inserted at `at`.
    fn crashing_at(at: usize) -> Vec<Box<dyn Stage>> {
        let mut s = stages();
        s.insert(at, Box::new(CrashOn("boom.txt")));
        s
    }

    /// A batch processed stage by stage gives each file exactly the rows of processing it on
    /// its own, document by document: the seeds, a CSV of several documents, a file over a
    /// limit, a file a stage crashes on and a dangling link. The crash comes once from a
    /// stage run over the whole batch, once from the last, which runs document by document
    /// beside the rows ([`STAGES_WITH_ROWS`]).
    #[test]
    fn a_batch_stage_by_stage_gives_the_rows_of_each_file_alone() {
        for at in [1, stages().len()] {
            batch_gives_the_rows_of_each_file_alone(&crashing_at(at));
        }
    }

    fn batch_gives_the_rows_of_each_file_alone(stages: &[Box<dyn Stage>]) {
        let dir = mixed_inputs();
        let files = discover(dir.path()).unwrap();
        let limits = Limits { max_line_bytes: 100_000, ..Limits::default() };
        let batch = process_batch(&files, stages, limits, None, &mut HashMap::new());
        assert_eq!(batch.len(), files.len());
        for (outcome, (rel, path)) in batch.iter().zip(&files) {
            let alone = process_loaded(load(rel, path, limits), stages);
            assert_eq!(outcome.docs.len(), alone.len(), "{rel}");
            for (a, b) in outcome.docs.iter().zip(&alone) {
                assert_eq!((&a.source_file, a.quarantined, &a.batches), (&b.source_file, b.quarantined, &b.batches), "{rel}");
            }
            assert!(!outcome.cached && outcome.input.path == *rel);
        }
        let by_file = |rel: &str| batch.iter().find(|o| o.input.path == rel).unwrap();
        assert_eq!(by_file("reports.csv").docs.len(), 3);
        assert!(by_file("reports.csv").docs.iter().all(|d| !d.quarantined && d.batches[3].num_rows() > 0));
        let quarantined: Vec<&str> = batch.iter().filter(|o| o.docs[0].quarantined).map(|o| o.input.path.as_str()).collect();
        assert_eq!(quarantined, ["boom.txt", "dangling", "long_line.txt"]);
        assert!(batch.iter().filter(|o| !o.docs[0].quarantined).all(|o| o.times.contains_key("segment") && o.times.contains_key("indicators")));
    }

    /// With the cache on, a batch takes the rows of every file the published dataset holds
    /// from it (a CSV of several documents and quarantined files too), exactly the rows that
    /// processing gives; an unreadable file has no content hash, so it is processed.
    #[test]
    fn a_batch_takes_the_published_rows_of_unchanged_files() {
        let dir = mixed_inputs();
        let out = tempfile::tempdir().unwrap();
        let limits = Limits { max_line_bytes: 100_000, ..Limits::default() };
        run(&RunConfig { threads: 1, max_line_bytes: limits.max_line_bytes, ..RunConfig::new(dir.path(), out.path()) }).unwrap();
        let cache = Cache::open(out.path(), &cache_settings(limits), true).unwrap();
        let files = discover(dir.path()).unwrap();
        let fresh = process_batch(&files, &stages(), limits, None, &mut HashMap::new());
        let taken = process_batch(&files, &stages(), limits, Some(&cache), &mut HashMap::new());
        for (a, b) in fresh.iter().zip(&taken) {
            assert!(!a.cached);
            assert_eq!(b.cached, a.input.path != "dangling", "{}", a.input.path);
            let rows = |o: &FileOutcome| o.docs.iter().map(|d| (d.source_file.clone(), d.quarantined, d.batches.clone())).collect::<Vec<_>>();
            assert_eq!(rows(a), rows(b), "{}", a.input.path);
        }
        // The readers only move forward: the same files again are processed, not misread.
        let again = process_batch(&files[..2], &stages(), limits, Some(&cache), &mut HashMap::new());
        assert!(again.iter().all(|o| !o.cached));
    }

    /// Batches end at the file count or once the next file would pass the byte budget; a file
    /// larger than the budget is a batch of its own; nothing is lost or reordered.
    #[test]
    fn batches_are_bounded_by_files_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [10usize, 10, 10, 50, 10, 200, 10, 10, 10, 10];
        let files: Vec<(String, PathBuf)> = sizes
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let p = dir.path().join(format!("{k:02}.txt"));
                std::fs::write(&p, vec![b'a'; n]).unwrap();
                (format!("{k:02}.txt"), p)
            })
            .collect();
        let lens = |b: Vec<&[(String, PathBuf)]>| b.iter().map(|c| c.len()).collect::<Vec<_>>();
        assert_eq!(lens(batches(&files, 3, 1000)), [3, 3, 3, 1]);
        assert_eq!(lens(batches(&files, 64, 60)), [3, 2, 1, 4]);
        assert_eq!(lens(batches(&files, 0, 0)), [1; 10]);
        let all: Vec<&(String, PathBuf)> = batches(&files, 4, 60).into_iter().flatten().collect();
        assert_eq!(all, files.iter().collect::<Vec<_>>());
        assert!(batches(&[], 64, 60).is_empty());
    }

    #[test]
    fn line_lengths_carry_over_chunks_as_a_byte_by_byte_count_does() {
        // The reference: the count this replaces, one byte at a time.
        fn by_byte(line: &mut u64, chunk: &[u8], max: u64) -> bool {
            for &b in chunk {
                *line = if b == b'\n' || b == b'\r' { 0 } else { *line + 1 };
                if *line > max {
                    return true;
                }
            }
            false
        }
        let texts: [&[u8]; 6] = [b"", b"abc", b"abcd\nab\r\nabcde", b"\n\n\r", "增长8%\n实现".as_bytes(), b"abcdefgh\nab"];
        for max in 0..6 {
            for text in texts {
                // Every way of cutting the text into two chunks.
                for cut in 0..=text.len() {
                    let (mut a, mut b) = (0u64, 0u64);
                    let fast = line_over(&mut a, &text[..cut], max) || line_over(&mut a, &text[cut..], max);
                    let slow = by_byte(&mut b, &text[..cut], max) || by_byte(&mut b, &text[cut..], max);
                    assert_eq!(fast, slow, "{:?} cut at {cut}, max {max}", String::from_utf8_lossy(text));
                    if !fast {
                        assert_eq!(a, b);
                    }
                }
            }
        }
    }

    #[test]
    fn load_keeps_bounded_bytes_and_names_what_it_could_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits { max_file_bytes: 1000, max_line_bytes: 100 };
        std::fs::write(dir.path().join("ok.txt"), "增长\n".repeat(50)).unwrap();
        let l = load("ok.txt", &dir.path().join("ok.txt"), limits);
        assert!(l.over_limit.is_none() && l.bytes.as_ref().unwrap().len() == 350 && l.size == 350);

        std::fs::write(dir.path().join("line.txt"), "a".repeat(101)).unwrap();
        let l = load("line.txt", &dir.path().join("line.txt"), limits);
        assert_eq!(l.over_limit.as_ref().unwrap().0, "line_too_long");
        assert!(l.bytes.unwrap().is_empty(), "bytes over a limit are not kept");
        assert_eq!(l.sha256.unwrap(), hex(&Sha256::digest("a".repeat(101))));

        std::fs::write(dir.path().join("big.txt"), "short line\n".repeat(200)).unwrap();
        let l = load("big.txt", &dir.path().join("big.txt"), limits);
        assert_eq!(l.over_limit.as_ref().unwrap().0, "file_too_large");
        assert_eq!(l.size, 2200);

        std::os::unix::fs::symlink("/nonexistent/x", dir.path().join("dangling")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        for name in ["dangling", "loop"] {
            let l = load(name, &dir.path().join(name), limits);
            assert!(l.sha256.is_none() && l.bytes.is_err(), "{name}");
        }
        // Discovery lists links (even dangling or to folders) as inputs and does not follow them.
        let found: Vec<String> = discover(dir.path()).unwrap().into_iter().map(|(r, _)| r).collect();
        assert_eq!(found, ["big.txt", "dangling", "line.txt", "loop", "ok.txt"]);
        // Each becomes a quarantined document with its reason.
        for name in ["dangling", "loop", "line.txt"] {
            let docs = process_loaded(load(name, &dir.path().join(name), limits), &stages());
            assert!(docs[0].quarantined, "{name}");
        }
    }
}
