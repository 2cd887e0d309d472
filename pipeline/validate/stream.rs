//! Reading the written tables back in chunks of rows, so that validation needs memory for one
//! chunk and one document at a time whatever the size of the corpus. Tables are read with
//! arrow-rs, only the columns a check needs, `chunk_rows` rows at a time.
//!
//! Child tables hold their rows grouped by document in input order; [`Cursor`] reads the rows
//! of one document from such a table, moving forward through the file (and reopening it only
//! when asked for a document that lies behind it).

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;
use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

/// Rows per chunk when nothing else is asked for: a few MB of the widest table.
pub const DEFAULT_CHUNK_ROWS: usize = 64 * 1024;

/// Mentions per bucket of the checks across reports when nothing else is asked for: some tens
/// of MB (see [`super::across`]).
pub const DEFAULT_BUCKET_MENTIONS: usize = 64 * 1024;

/// Where the tables are, how much of one is read at a time, and where and in what portions
/// the state of the checks across reports is spilled; counts what was read and held, so tests
/// can see that a table went through in chunks and the figures in buckets.
#[derive(Debug)]
pub struct Reading {
    pub dir: PathBuf,
    pub chunk_rows: usize,
    /// A folder for the spilled state (created, and removed when validation is done).
    pub scratch: PathBuf,
    /// About how many figures one bucket of the checks across reports holds.
    pub bucket_mentions: usize,
    // Atomic counters: independent checks read tables on two threads at once.
    chunks: AtomicUsize,
    largest_chunk: AtomicUsize,
    largest_bucket: AtomicUsize,
}

impl Reading {
    /// Spills to a folder of its own in the system's temporary directory.
    pub fn new(dir: &Path, chunk_rows: usize) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let scratch = std::env::temp_dir().join(format!("govreport-validate-{}-{n}", std::process::id()));
        Reading {
            dir: dir.to_path_buf(),
            chunk_rows: chunk_rows.max(1),
            scratch,
            bucket_mentions: DEFAULT_BUCKET_MENTIONS,
            chunks: AtomicUsize::new(0),
            largest_chunk: AtomicUsize::new(0),
            largest_bucket: AtomicUsize::new(0),
        }
    }

    /// Spills into `scratch` (e.g. inside the staging folder of the dataset being written).
    pub fn spilling_to(mut self, scratch: &Path) -> Self {
        self.scratch = scratch.to_path_buf();
        self
    }

    /// About `n` figures to a bucket of the checks across reports.
    pub fn with_bucket_mentions(mut self, n: usize) -> Self {
        self.bucket_mentions = n.max(1);
        self
    }

    /// Chunks read so far, and the most rows any of them held.
    pub fn chunks_read(&self) -> (usize, usize) {
        (self.chunks.load(Relaxed), self.largest_chunk.load(Relaxed))
    }

    /// The most figures one bucket of the checks across reports held.
    pub fn largest_bucket(&self) -> usize {
        self.largest_bucket.load(Relaxed)
    }

    pub(crate) fn note_bucket(&self, mentions: usize) {
        self.largest_bucket.fetch_max(mentions, Relaxed);
    }

    fn path(&self, table: &str) -> PathBuf {
        self.dir.join(format!("{table}.parquet"))
    }

    /// A reader of `columns` of `table` from row `offset` on.
    fn open(&self, table: &str, columns: &[&str], offset: usize) -> anyhow::Result<ParquetRecordBatchReader> {
        let path = self.path(table);
        let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let b = ParquetRecordBatchReaderBuilder::try_new(f).with_context(|| format!("cannot read {}", path.display()))?;
        let mask = ProjectionMask::columns(b.parquet_schema(), columns.iter().copied());
        let b = b.with_projection(mask).with_batch_size(self.chunk_rows);
        let b = if offset > 0 { b.with_offset(offset) } else { b };
        Ok(b.build()?)
    }

    fn counted(&self, batch: RecordBatch) -> RecordBatch {
        self.chunks.fetch_add(1, Relaxed);
        self.largest_chunk.fetch_max(batch.num_rows(), Relaxed);
        batch
    }

    /// Calls `f` with every chunk of `columns` of `table` and the table row its first row is.
    pub fn for_each_chunk(&self, table: &str, columns: &[&str], mut f: impl FnMut(&Chunk, usize) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let mut row = 0;
        for b in self.open(table, columns, 0)? {
            let b = self.counted(b.with_context(|| format!("cannot read {table}.parquet"))?);
            let n = b.num_rows();
            f(&Chunk(b), row)?;
            row += n;
        }
        Ok(())
    }
}

/// One chunk of a table, with its columns as plain values by name.
pub struct Chunk(pub RecordBatch);

impl Chunk {
    pub fn rows(&self) -> usize {
        self.0.num_rows()
    }

    fn column(&self, name: &str, to: &DataType) -> anyhow::Result<ArrayRef> {
        let c = self.0.column_by_name(name).with_context(|| format!("no column {name}"))?;
        Ok(if c.data_type() == to { c.clone() } else { cast(c, to)? })
    }

    pub fn strs(&self, name: &str) -> anyhow::Result<Strs> {
        Ok(Strs(self.column(name, &DataType::Utf8)?.as_string::<i32>().clone()))
    }

    pub fn ints(&self, name: &str) -> anyhow::Result<Ints> {
        let c = self.0.column_by_name(name).with_context(|| format!("no column {name}"))?;
        Ok(match c.data_type() {
            DataType::Int32 => Ints::I32(c.as_primitive::<Int32Type>().clone()),
            DataType::Int64 => Ints::I64(c.as_primitive::<Int64Type>().clone()),
            _ => Ints::I64(cast(c, &DataType::Int64)?.as_primitive::<Int64Type>().clone()),
        })
    }

    pub fn floats(&self, name: &str) -> anyhow::Result<Floats> {
        let c = self.column(name, &DataType::Float64)?;
        Ok(Floats(c.as_primitive::<Float64Type>().clone()))
    }
}

/// An integer column of a chunk, read in place (no copy per call: a document's rows are looked
/// up in a chunk many times).
pub enum Ints {
    I32(Int32Array),
    I64(Int64Array),
}

impl Ints {
    #[inline]
    pub fn get(&self, k: usize) -> Option<i64> {
        match self {
            Ints::I32(a) => a.is_valid(k).then(|| i64::from(a.value(k))),
            Ints::I64(a) => a.is_valid(k).then(|| a.value(k)),
        }
    }
}

/// A float column of a chunk, read in place.
pub struct Floats(Float64Array);

impl Floats {
    #[inline]
    pub fn get(&self, k: usize) -> Option<f64> {
        self.0.is_valid(k).then(|| self.0.value(k))
    }
}

/// A string column of a chunk.
pub struct Strs(StringArray);

impl Strs {
    #[inline]
    pub fn get(&self, k: usize) -> Option<&str> {
        self.0.is_valid(k).then(|| self.0.value(k))
    }
}

/// Reads the rows of one document at a time from a table grouped by document, given where the
/// document's rows lie (first and last row, from an earlier pass over the table).
pub struct Cursor<'a> {
    reading: &'a Reading,
    table: &'static str,
    columns: Vec<&'static str>,
    reader: Option<ParquetRecordBatchReader>,
    /// The chunk read last and the table row of its first row.
    chunk: Option<(Chunk, usize)>,
    /// The table row the reader will give next.
    next_row: usize,
}

impl<'a> Cursor<'a> {
    /// `columns` must include `doc_id`.
    pub fn new(reading: &'a Reading, table: &'static str, columns: &[&'static str]) -> Self {
        Cursor { reading, table, columns: columns.to_vec(), reader: None, chunk: None, next_row: 0 }
    }

    /// Calls `f` with each chunk that holds rows in `first..=last` whose `doc_id` is `doc`, and
    /// those rows (positions in the chunk, in order).
    pub fn rows_of(&mut self, doc: &str, (first, last): (usize, usize), mut f: impl FnMut(&Chunk, &[usize]) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let behind = match &self.chunk {
            Some((_, start)) => first < *start,
            None => first < self.next_row,
        };
        if behind || self.reader.is_none() {
            // Start again at the document's first row (rare: only when documents come out of order).
            self.reader = Some(self.reading.open(self.table, &self.columns, first)?);
            self.chunk = None;
            self.next_row = first;
        }
        let mut row = first;
        while row <= last {
            let held = matches!(&self.chunk, Some((c, start)) if row >= *start && row < start + c.rows());
            if !held {
                let Some(b) = self.reader.as_mut().expect("opened above").next() else { break };
                let b = self.reading.counted(b.with_context(|| format!("cannot read {}.parquet", self.table))?);
                let start = self.next_row;
                self.next_row += b.num_rows();
                self.chunk = Some((Chunk(b), start));
                continue;
            }
            let (c, start) = self.chunk.as_ref().expect("held");
            let ids = c.0.column_by_name("doc_id").context("no column doc_id")?;
            let ids = ids.as_string_opt::<i32>().context("doc_id is not a string column")?;
            let end = (start + c.rows()).min(last + 1);
            let rows: Vec<usize> = (row - start..end - start).filter(|&k| ids.is_valid(k) && ids.value(k) == doc).collect();
            if !rows.is_empty() {
                f(c, &rows)?;
            }
            row = end;
        }
        Ok(())
    }
}
