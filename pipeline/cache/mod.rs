//! The incremental cache for nightly runs. The previous dataset is the cache: a run records,
//! in `OUTPUT/.cache/index.json`, which rows of each table every input file produced (files in
//! input order, each with its documents' row counts per table), keyed by the file's content
//! hash and path, the pipeline version and build, and the configuration hash. The next run
//! reads the rows of unchanged files back from the published tables instead of running the
//! stages again, in input order; since the rows are the same values in the same batches, the
//! dataset bytes are the same as a fresh run's.
//!
//! Why not a copy of each file's rows beside the dataset (the cache until the twelfth
//! session): writing those copies (one zstd entry per input file, larger than the dataset
//! itself) was about a tenth of every first run's CPU, paid for every new file; reading the
//! published tables costs nothing until a rerun.
//!
//! Every run deletes the index before it marks its dataset ready to publish and writes the new
//! one just after publishing (`--no-cache` runs too: they only do not read it), so an index
//! only ever describes the dataset of the run that wrote it (a run killed in between leaves
//! none: the next run processes every file). The index is used only when it matches the
//! dataset: its settings are this build's, its counts add up to the tables' rows, and every
//! table has the SHA-256 the index and `manifest.json` record (for `issues`, which `govreport
//! validate` rewrites, the manifest's: validate keeps the rows the stages wrote, in order, at
//! its start, and only replaces its own rows after them). The first and last rows of each
//! document in each table are also checked to carry its `doc_id` as they are read. Anything
//! that does not fit (a damaged table, a foreign or edited index) is logged and the files are
//! processed again: never other rows, never a failed run (only failing to delete the old index
//! before publishing stops a run: its dataset is then not published).
//!
//! A copy of an earlier file is one quarantined row naming that file; it is taken from the
//! dataset only while it is still a copy of the same file (the runner checks), so that its
//! row is the one a fresh run would write.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use arrow::array::{make_array, Array, ArrayRef, Capacities, MutableArrayData, StringArray};
use arrow::buffer::{BooleanBuffer, Buffer};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::schema::catalog;
use crate::sink::manifest::{hex, sha256_file, Manifest, TableEntry};
use crate::sink::rows::DOC_TABLES;
use crate::sink::DocBatches;

pub const CACHE_DIR: &str = ".cache";
/// The index of the published dataset, in [`CACHE_DIR`].
pub const INDEX_FILE: &str = "index.json";
/// Changes when the index's layout does.
const INDEX_FORMAT: u32 = 1;
/// Position of `issues` in [`DOC_TABLES`]: its file is checked against the manifest only.
const ISSUES: usize = 6;
/// Rows per read from a published table: the seven readers' batches stay a few MB (at 64 Ki
/// rows a rerun of the 100 MB bench corpus peaked at 650 MB instead of 460 MB).
const READ_ROWS: usize = 8 * 1024;

/// Identifies this build of the pipeline: a rebuilt binary never reuses rows of another build,
/// even when the version number did not change during development.
fn build_id() -> String {
    let exe = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok());
    match exe {
        Some(m) => {
            let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
            format!("{}:{mtime}", m.len())
        }
        None => "unknown".into(),
    }
}

/// What a run wrote for one input file: its key (None for a file that could not be read:
/// never reused), the earlier file it is a copy of, and the row counts of each of its
/// documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRows {
    pub key: Option<String>,
    pub copy_of: Option<String>,
    pub docs: Vec<DocRows>,
}

/// A file's rows read back from the published dataset.
pub struct Taken {
    pub docs: Vec<DocBatches>,
    /// The earlier file whose copy it was (its rows are then that copy's one row).
    pub copy_of: Option<String>,
}

/// One document's place in the tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRows {
    pub doc_id: String,
    pub source_file: String,
    pub content_sha256: String,
    pub quarantined: bool,
    /// Rows in each table of [`DOC_TABLES`], in that order.
    pub rows: [u64; DOC_TABLES.len()],
}

impl DocRows {
    /// The counts of a document's batches as the writer gets them.
    pub fn of(d: &DocBatches) -> DocRows {
        let ids = d.batches[0].column_by_name("doc_id").and_then(|c| c.as_any().downcast_ref::<StringArray>().filter(|a| !a.is_empty() && a.is_valid(0)).map(|a| a.value(0).to_string()));
        DocRows {
            doc_id: ids.unwrap_or_default(),
            source_file: d.source_file.clone(),
            content_sha256: d.content_sha256.clone(),
            quarantined: d.quarantined,
            rows: std::array::from_fn(|i| d.batches[i].num_rows() as u64),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Index {
    format: u32,
    /// Salted into every key; kept to tell a foreign index in the log.
    salt_sha256: String,
    /// SHA-256 of each published table of [`DOC_TABLES`] but `issues`.
    tables: BTreeMap<String, String>,
    files: Vec<FileRows>,
}

/// The cache of one run: the keys of its files, and the published dataset's rows when the
/// index matches it.
pub struct Cache {
    dir: PathBuf,
    salt: String,
    previous: Option<Mutex<Previous>>,
}

/// Where a file's rows are in the published tables.
struct Place {
    /// Position in the index's files (input order).
    n: usize,
    copy_of: Option<String>,
    docs: Vec<DocRows>,
    /// The file's first row in each table.
    start: [u64; DOC_TABLES.len()],
}

/// The published dataset, as the index describes it.
struct Previous {
    /// Files not yet read back, by key (each is taken once).
    files: HashMap<String, Place>,
    /// One reader per table, moving forward only; None once reading failed.
    cursors: Option<Vec<Cursor>>,
    /// Whether rows read back are copied into buffers of their own laid out as the stages lay
    /// out theirs (see [`fresh`]), or handed out as the rows read (see [`Cursor::take`]).
    stage_layout: bool,
}

impl Cache {
    /// `settings` is everything else that changes the rows (config hash, limits). With
    /// `reuse`, finds the index of the dataset published in `output` and checks it against
    /// that dataset; when it does not match, the run processes every file (the reason is
    /// logged). Without (`--no-cache`), nothing is read, but the run still writes its index.
    pub fn open(output: &Path, settings: &str, reuse: bool) -> anyhow::Result<Cache> {
        let dir = output.join(CACHE_DIR);
        let salt = format!("{}\0{}\0{settings}", crate::VERSION, build_id());
        let mut cache = Cache { dir, salt, previous: None };
        let index_path = cache.dir.join(INDEX_FILE);
        if reuse && index_path.exists() {
            match cache.previous_of(output, &index_path) {
                Ok(p) => {
                    tracing::info!(files = p.files.len(), "reusing the rows of unchanged files from the published dataset");
                    cache.previous = Some(Mutex::new(p));
                }
                Err(e) => tracing::info!("the published dataset's rows are not reused, every file is processed: {e:#}"),
            }
        }
        Ok(cache)
    }

    /// Whether the run writes Arrow IPC files too (default: yes). Only they show how an
    /// array's buffers are laid out, so only for them are the rows read back copied into
    /// buffers laid out as the stages lay out theirs; for Parquet alone the slices read go to
    /// the writer as they are (a copy of every row less: about a twentieth of a rerun).
    pub fn writing_arrow_ipc(self, arrow_ipc: bool) -> Self {
        if let Some(mut p) = self.lock() {
            p.stage_layout = arrow_ipc;
        }
        self
    }

    fn salt_sha256(&self) -> String {
        hex(&Sha256::digest(self.salt.as_bytes()))
    }

    fn previous_of(&self, output: &Path, index_path: &Path) -> anyhow::Result<Previous> {
        let text = std::fs::read_to_string(index_path).with_context(|| format!("cannot read {}", index_path.display()))?;
        let index: Index = serde_json::from_str(&text).with_context(|| format!("{} is not an index of this version", index_path.display()))?;
        anyhow::ensure!(index.format == INDEX_FORMAT, "the index has format {}, this version reads {INDEX_FORMAT}", index.format);
        anyhow::ensure!(index.salt_sha256 == self.salt_sha256(), "the dataset was made by another build or with other settings");
        let manifest = Manifest::read(&output.join("manifest.json")).context("cannot read the published manifest.json")?;
        let defs: Vec<_> = DOC_TABLES.iter().map(|t| catalog().table(t)).collect();
        // Every table file is what the manifest says; all but issues are what the index says.
        // Each table's rows, as the manifest lists them.
        let checked: Vec<anyhow::Result<u64>> = defs
            .par_iter()
            .enumerate()
            .map(|(i, def)| {
                let file = def.file_name("parquet");
                let listed = manifest.tables.iter().find(|t| t.file == file).with_context(|| format!("manifest.json lists no {file}"))?;
                if i != ISSUES {
                    anyhow::ensure!(index.tables.get(def.name.as_str()) == Some(&listed.sha256), "{file} is not the one the index describes");
                }
                let (sha, _) = sha256_file(&output.join(&file)).with_context(|| format!("cannot read {file}"))?;
                anyhow::ensure!(sha == listed.sha256, "{file} differs from manifest.json");
                Ok(listed.rows)
            })
            .collect();
        let table_rows = checked.into_iter().collect::<anyhow::Result<Vec<u64>>>()?;
        // Every file made at least one document, every document exactly one `documents` row;
        // the counts add up to the rows of each table (for issues: its stages' rows come first,
        // validate's after them).
        let mut files = HashMap::new();
        let mut at = [0u64; DOC_TABLES.len()];
        for (n, f) in index.files.into_iter().enumerate() {
            anyhow::ensure!(!f.docs.is_empty(), "file {n} of the index has no documents");
            let start = at;
            for d in &f.docs {
                anyhow::ensure!(d.rows[0] == 1 && !d.doc_id.is_empty(), "document {} of the index is not one documents row", d.doc_id);
                for (a, r) in at.iter_mut().zip(d.rows) {
                    *a = a.checked_add(r).context("row counts overflow")?;
                }
            }
            if let Some(k) = f.key {
                files.insert(k, Place { n, copy_of: f.copy_of, docs: f.docs, start });
            }
        }
        let mut cursors = Vec::new();
        for def in &defs {
            let path = output.join(def.file_name("parquet"));
            let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(READ_ROWS).build()?;
            cursors.push(Cursor { reader, schema: def.arrow_schema(), name: def.name.as_str(), at: 0, held: None });
        }
        for (i, (c, &rows)) in cursors.iter().zip(&table_rows).enumerate() {
            let fits = if i == ISSUES { at[i] <= rows } else { at[i] == rows };
            anyhow::ensure!(fits, "the index counts {} rows of {}, the table has {rows}", at[i], c.name);
        }
        Ok(Previous { files, cursors: Some(cursors), stage_layout: true })
    }

    /// A file's key: its content hash and path (rows carry the path, `source_file`), salted
    /// with the version, the build and the settings.
    pub fn key(&self, content_sha256: &str, rel_path: &str) -> String {
        let mut h = Sha256::new();
        for part in [self.salt.as_str(), content_sha256, rel_path] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        hex(&h.finalize())[..32].to_string()
    }

    fn lock(&self) -> Option<std::sync::MutexGuard<'_, Previous>> {
        self.previous.as_ref().map(|p| p.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// When the published dataset holds the rows of the file with this key: Some, with the
    /// earlier file it was a copy of (if it was one).
    pub fn has(&self, key: &str) -> Option<Option<String>> {
        self.lock()?.files.get(key).map(|p| p.copy_of.clone())
    }

    /// The rows of these files (keys in input order), read from the published tables; None
    /// for a file whose rows cannot be had (then it is processed). Reading only moves forward
    /// through the tables, as the files come in input order; each file is taken once.
    pub fn take(&self, keys: &[&str]) -> Vec<Option<Taken>> {
        let none = || keys.iter().map(|_| None).collect();
        let Some(mut guard) = self.lock() else { return none() };
        let p = &mut *guard;
        let stage_layout = p.stage_layout;
        let Some(cursors) = p.cursors.as_mut() else { return none() };
        // The files to read: in the index's order, only forward from where the readers are (a
        // file out of order, which sorted input never gives, is processed).
        let mut last: [u64; DOC_TABLES.len()] = std::array::from_fn(|t| cursors[t].next_row());
        let mut last_n = None;
        let mut wanted: Vec<Place> = Vec::new();
        let mut which: Vec<Option<usize>> = Vec::with_capacity(keys.len());
        for k in keys {
            let fits = p.files.get(*k).is_some_and(|f| last_n.is_none_or(|n| n < f.n) && f.start.iter().zip(&last).all(|(s, l)| s >= l));
            if !fits {
                which.push(None);
                continue;
            }
            let f = p.files.remove(*k).expect("checked");
            last = std::array::from_fn(|i| f.start[i] + f.docs.iter().map(|d| d.rows[i]).sum::<u64>());
            last_n = Some(f.n);
            which.push(Some(wanted.len()));
            wanted.push(f);
        }
        // Each table's reader on a thread of the pool.
        let read: anyhow::Result<Vec<Vec<Vec<RecordBatch>>>> = cursors
            .par_iter_mut()
            .enumerate()
            .map(|(t, c)| {
                let mut per_file = Vec::with_capacity(wanted.len());
                for f in &wanted {
                    let mut at = f.start[t];
                    let mut batches = Vec::with_capacity(f.docs.len());
                    for d in &f.docs {
                        let b = c.take(at, d.rows[t] as usize, stage_layout)?;
                        check_doc_id(&b, &d.doc_id).with_context(|| format!("{} rows of {}", c.name, d.source_file))?;
                        batches.push(b);
                        at += d.rows[t];
                    }
                    per_file.push(batches);
                }
                Ok(per_file)
            })
            .collect();
        let mut read = match read {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("cannot read the published rows back, the remaining files are processed: {e:#}");
                p.cursors = None;
                return none();
            }
        };
        let mut taken: Vec<Option<Taken>> = wanted
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let mut tables: Vec<std::vec::IntoIter<RecordBatch>> = read.iter_mut().map(|t| std::mem::take(&mut t[i]).into_iter()).collect();
                let docs = f
                    .docs
                    .into_iter()
                    .map(|d| DocBatches {
                        source_file: d.source_file,
                        content_sha256: d.content_sha256,
                        quarantined: d.quarantined,
                        batches: tables.iter_mut().map(|t| t.next().expect("one batch per document")).collect(),
                    })
                    .collect();
                Some(Taken { docs, copy_of: f.copy_of })
            })
            .collect();
        which.into_iter().map(|w| w.and_then(|i| taken[i].take())).collect()
    }

    /// Deletes the index of the dataset in `output` (before a run publishes another).
    pub fn forget(output: &Path) -> anyhow::Result<()> {
        let path = output.join(CACHE_DIR).join(INDEX_FILE);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).with_context(|| format!("cannot delete {}", path.display())),
            _ => Ok(()),
        }
    }

    /// Writes the index of the dataset just published in `output` (after the tables are in
    /// place, so an index never describes tables that are not there), and deletes whatever
    /// else is in the cache folder (entries of earlier versions).
    pub fn write_index(&self, files: Vec<FileRows>, tables: &[TableEntry]) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("cannot create the cache folder {}", self.dir.display()))?;
        let mut sums = BTreeMap::new();
        for (i, name) in DOC_TABLES.iter().enumerate() {
            if i == ISSUES {
                continue;
            }
            let file = catalog().table(name).file_name("parquet");
            let t = tables.iter().find(|t| t.file == file).with_context(|| format!("no {file} was written"))?;
            sums.insert(name.to_string(), t.sha256.clone());
        }
        let index = Index { format: INDEX_FORMAT, salt_sha256: self.salt_sha256(), tables: sums, files };
        let tmp = self.dir.join(format!("{INDEX_FILE}.{}.tmp", std::process::id()));
        let mut out = std::io::BufWriter::new(File::create(&tmp)?);
        serde_json::to_writer(&mut out, &index)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, self.dir.join(INDEX_FILE))?;
        // Entries of earlier versions (one file per input) and leftovers of killed runs; the
        // index stands whether or not they can be deleted.
        for e in std::fs::read_dir(&self.dir)?.flatten() {
            if e.file_name() != INDEX_FILE && e.file_type().is_ok_and(|t| t.is_file()) {
                if let Err(err) = std::fs::remove_file(e.path()) {
                    tracing::warn!(file = %e.path().display(), "cannot delete an old cache file: {err}");
                }
            }
        }
        Ok(())
    }
}

/// The first and last `doc_id` of a document's rows are its own (a misaligned index shows
/// here: rows are grouped by document).
fn check_doc_id(b: &RecordBatch, doc_id: &str) -> anyhow::Result<()> {
    let Some(ids) = b.column_by_name("doc_id") else { return Ok(()) };
    let ids = ids.as_any().downcast_ref::<StringArray>().context("doc_id is not text")?;
    for i in [0, ids.len().saturating_sub(1)] {
        if i < ids.len() && ids.is_valid(i) {
            anyhow::ensure!(ids.value(i) == doc_id, "rows of document {} where {doc_id} belongs", ids.value(i));
        }
    }
    Ok(())
}

/// A published table read forward in order.
struct Cursor {
    reader: ParquetRecordBatchReader,
    schema: SchemaRef,
    name: &'static str,
    /// Rows read so far (including the held batch).
    at: u64,
    /// The rest of the last batch read.
    held: Option<RecordBatch>,
}

impl Cursor {
    /// The first row not yet handed out or skipped.
    fn next_row(&self) -> u64 {
        self.at - self.held.as_ref().map_or(0, |b| b.num_rows() as u64)
    }

    fn fill(&mut self) -> anyhow::Result<()> {
        if self.held.as_ref().is_none_or(|b| b.num_rows() == 0) {
            let b = self.reader.next().with_context(|| format!("{} ends before the rows the index counts", self.name))??;
            self.at += b.num_rows() as u64;
            // Same columns, with the schema (and its metadata) of schemas/tables.toml.
            self.held = Some(RecordBatch::try_new(self.schema.clone(), b.columns().to_vec()).with_context(|| format!("{} does not match schemas/tables.toml", self.name))?);
        }
        Ok(())
    }

    /// Rows `start..start + len` (never before the rows already read): with `stage_layout`, as
    /// a batch of its own buffers laid out as the stages lay them out; without, as the rows
    /// read (a slice of a batch read, or two or more joined when the rows span them).
    fn take(&mut self, start: u64, len: usize, stage_layout: bool) -> anyhow::Result<RecordBatch> {
        anyhow::ensure!(start >= self.next_row(), "{} read backwards", self.name);
        if len == 0 {
            // The writer skips empty batches, so their layout never shows.
            return Ok(RecordBatch::new_empty(self.schema.clone()));
        }
        // Rows of files not taken (changed or gone since) are read and dropped.
        while self.next_row() < start {
            self.fill()?;
            let first = self.next_row();
            let held = self.held.take().expect("filled");
            let skip = ((start - first) as usize).min(held.num_rows());
            self.held = Some(held.slice(skip, held.num_rows() - skip));
        }
        let mut pieces = Vec::new();
        let mut need = len;
        while need > 0 {
            self.fill()?;
            let held = self.held.take().expect("filled");
            let n = need.min(held.num_rows());
            pieces.push(held.slice(0, n));
            self.held = Some(held.slice(n, held.num_rows() - n));
            need -= n;
        }
        if !stage_layout {
            // The Parquet writer reads values through offsets and validity bitmaps, so the rows
            // as read give the same files without a copy of their own.
            return Ok(match pieces.len() {
                1 => pieces.pop().expect("one piece"),
                _ => arrow::compute::concat_batches(&self.schema, &pieces)?,
            });
        }
        let columns = (0..self.schema.fields().len()).map(|c| fresh(pieces.iter().map(|p| p.column(c).as_ref()), len)).collect::<anyhow::Result<_>>()?;
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }
}

/// One array of its own buffers from the pieces, laid out as the stages lay out theirs (a
/// validity bitmap only when there is a null, the type's zero under a null: the Parquet
/// reader leaves other rows' values there), so that Arrow IPC files are the same bytes.
fn fresh<'a>(pieces: impl Iterator<Item = &'a dyn Array>, len: usize) -> anyhow::Result<ArrayRef> {
    let data: Vec<_> = pieces.map(|p| p.to_data()).collect();
    let refs: Vec<_> = data.iter().collect();
    // Text sized exactly (a growing buffer would hold up to twice the bytes until written).
    let capacity = match data[0].data_type() {
        DataType::Utf8 => {
            let bytes = data.iter().map(|d| {
                let o = StringArray::from(d.clone());
                let o = o.value_offsets();
                (o[o.len() - 1] - o[0]) as usize
            });
            Capacities::Binary(len, Some(bytes.sum()))
        }
        _ => Capacities::Array(len),
    };
    let mut m = MutableArrayData::with_capacities(refs, false, capacity);
    for (i, d) in data.iter().enumerate() {
        m.try_extend(i, 0, d.len())?;
    }
    let out = m.freeze();
    let Some(nulls) = out.nulls().cloned() else { return Ok(make_array(out)) };
    if nulls.null_count() == 0 {
        return Ok(make_array(out.into_builder().nulls(None).build()?));
    }
    let values = match (out.data_type(), out.data_type().primitive_width()) {
        (DataType::Boolean, _) => {
            let bits = BooleanBuffer::new(out.buffers()[0].clone(), out.offset(), out.len());
            (&bits & nulls.inner()).into_inner()
        }
        (_, Some(w)) => {
            let mut v = out.buffers()[0].as_slice()[out.offset() * w..(out.offset() + out.len()) * w].to_vec();
            for (i, valid) in nulls.iter().enumerate() {
                if !valid {
                    v[i * w..(i + 1) * w].fill(0);
                }
            }
            Buffer::from(v)
        }
        // Text and binary: the reader leaves empty values under nulls, as the stages do.
        _ => return Ok(make_array(out)),
    };
    Ok(make_array(out.into_builder().offset(0).buffers(vec![values]).build()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{cache_settings, load, process_loaded, run, stages, Limits, RunConfig};

    /// Every buffer of an array, its validity bitmap and offset: what Arrow IPC writes.
    fn layout(a: &dyn Array) -> String {
        let d = a.to_data();
        format!("{:?} {:?} {:?} {:?}", d.offset(), d.len(), d.buffers().iter().map(|b| b.as_slice().to_vec()).collect::<Vec<_>>(), d.nulls().map(|n| (n.offset(), n.buffer().as_slice().to_vec())))
    }

    /// The rows every seed and corpus file gets from the published dataset are the rows a
    /// fresh run makes, buffer for buffer (so Parquet and Arrow IPC files are the same bytes).
    #[test]
    fn rows_read_back_from_the_dataset_are_the_stages_rows() {
        let input = tempfile::tempdir().unwrap();
        let files = crate::segment::test_texts::seed_and_corpus_files();
        for f in &files {
            std::fs::copy(f, input.path().join(f.file_name().unwrap())).unwrap();
        }
        let out = tempfile::tempdir().unwrap();
        run(&RunConfig { threads: 1, progress: false, ..RunConfig::new(input.path(), out.path()) }).unwrap();
        let cache = Cache::open(out.path(), &cache_settings(Limits::default()), true).unwrap();
        // The same rows as read, for a run that writes Parquet only: equal values, any layout.
        let as_read = Cache::open(out.path(), &cache_settings(Limits::default()), true).unwrap().writing_arrow_ipc(false);
        let (mut spanning, mut tokens_at) = (0, 0u64);
        let stages = stages();
        let mut rels: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
        rels.sort();
        for rel in rels {
            let loaded = load(&rel, &input.path().join(&rel), Limits::default());
            let key = cache.key(loaded.sha256.as_deref().unwrap(), &rel);
            assert_eq!(cache.has(&key), Some(None), "{rel}");
            let back = cache.take(&[key.as_str()]).pop().unwrap().unwrap_or_else(|| panic!("{rel} not read back")).docs;
            let sliced = as_read.take(&[key.as_str()]).pop().unwrap().unwrap_or_else(|| panic!("{rel} not read back")).docs;
            let fresh = process_loaded(loaded, &stages);
            for (s, d) in sliced.iter().zip(&fresh) {
                assert_eq!(s.batches, d.batches, "{rel}: rows as read");
                // Documents whose tokens start in one batch read and end in another: their
                // rows as read are two batches joined.
                let n = s.batches[DOC_TABLES.iter().position(|&t| t == "tokens").unwrap()].num_rows() as u64;
                spanning += usize::from(n > 0 && tokens_at / READ_ROWS as u64 != (tokens_at + n - 1) / READ_ROWS as u64);
                tokens_at += n;
            }
            assert_eq!(back.len(), fresh.len(), "{rel}");
            for (b, d) in back.iter().zip(&fresh) {
                assert_eq!((&b.source_file, &b.content_sha256, b.quarantined), (&d.source_file, &d.content_sha256, d.quarantined), "{rel}");
                for (name, (x, y)) in DOC_TABLES.iter().zip(b.batches.iter().zip(&d.batches)) {
                    assert_eq!(x.num_rows(), y.num_rows(), "{rel}: {name}");
                    if x.num_rows() == 0 {
                        continue;
                    }
                    assert_eq!(x.schema(), y.schema(), "{rel}: {name}");
                    for (c, f) in x.schema().fields().iter().enumerate() {
                        assert_eq!(layout(x.column(c).as_ref()), layout(y.column(c).as_ref()), "{rel}: {name}.{} differs in its buffers", f.name());
                    }
                }
            }
        }
        assert!(spanning > 0, "no document's tokens span two batches read");
        // A rerun of them all (Parquet only: the rows as read, joined where they span two
        // batches) writes the same bytes.
        let before = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "parquet")).map(|p| (std::fs::read(&p).unwrap(), p)).collect::<Vec<_>>();
        let again = run(&RunConfig { threads: 2, progress: false, ..RunConfig::new(input.path(), out.path()) }).unwrap();
        assert_eq!((again.files_processed, again.files_cached), (0, files.len()));
        for (bytes, p) in before {
            assert!(std::fs::read(&p).unwrap() == bytes, "{} differs after a rerun", p.display());
        }
    }

    #[test]
    fn issues_is_where_the_index_expects_it() {
        assert_eq!(DOC_TABLES[ISSUES], "issues");
    }

    #[test]
    fn keys_depend_on_content_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::open(dir.path(), "cfg", true).unwrap();
        assert_ne!(c.key("aa", "x.txt"), c.key("ab", "x.txt"));
        assert_ne!(c.key("aa", "x.txt"), c.key("aa", "y.txt"));
        let other = Cache::open(dir.path(), "cfg2", true).unwrap();
        assert_ne!(c.key("aa", "x.txt"), other.key("aa", "x.txt"));
    }
}
