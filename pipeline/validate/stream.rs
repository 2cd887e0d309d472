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
use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, StringArray, StringViewArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use crate::schema::catalog;

/// Rows per chunk when nothing else is asked for: a few MB of the widest table.
pub const DEFAULT_CHUNK_ROWS: usize = 64 * 1024;

/// Mentions per bucket of the checks across reports when nothing else is asked for: some tens
/// of MB (see [`super::across`]).
pub const DEFAULT_BUCKET_MENTIONS: usize = 64 * 1024;

/// Figures (rows of `indicators`) each lane of the figure checks takes at least when nothing
/// else is asked for: a lane reads its own stretch of `sentences` and holds its own bucket
/// files, which on a small table costs more than spreading the checks saves (the 3.6 MB bench
/// slice, 20 k figures in four lanes, took a fifth more instructions in validation than in one).
/// 64 Ki figures are about 11 MB of input.
pub const DEFAULT_LANE_FIGURES: usize = 64 * 1024;

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
    /// Fewest figures a lane of the figure checks takes (see [`DEFAULT_LANE_FIGURES`]).
    pub lane_figures: usize,
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
            lane_figures: DEFAULT_LANE_FIGURES,
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

    /// At least `n` figures to a lane of the figure checks (tests use a few to have lanes on
    /// small tables).
    pub fn with_lane_figures(mut self, n: usize) -> Self {
        self.lane_figures = n.max(1);
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

    /// A reader of `columns` of the rows `rows` of `table` (to its end when `rows.end` is
    /// `usize::MAX`), `chunk_rows` at a time, its text columns read as [`read_as`] says.
    fn open_rows(&self, table: &str, columns: &[&str], rows: std::ops::Range<usize>, chunk_rows: usize) -> anyhow::Result<ParquetRecordBatchReader> {
        let offset = rows.start;
        let path = self.path(table);
        let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let meta = ArrowReaderMetadata::load(&f, ArrowReaderOptions::new()).with_context(|| format!("cannot read {}", path.display()))?;
        let meta = match read_as(table, meta.schema()) {
            Some(hint) => ArrowReaderMetadata::try_new(meta.metadata().clone(), ArrowReaderOptions::new().with_schema(hint))
                .with_context(|| format!("cannot read {}", path.display()))?,
            None => meta,
        };
        let b = ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta);
        let mask = ProjectionMask::columns(b.parquet_schema(), columns.iter().copied());
        let b = b.with_projection(mask).with_batch_size(chunk_rows.max(1));
        let b = if offset > 0 { b.with_offset(offset) } else { b };
        let b = if rows.end < usize::MAX { b.with_limit(rows.end.saturating_sub(offset)) } else { b };
        Ok(b.build()?)
    }

    /// Rows of `table`, from its footer.
    pub fn rows(&self, table: &str) -> anyhow::Result<usize> {
        let path = self.path(table);
        let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let meta = ArrowReaderMetadata::load(&f, ArrowReaderOptions::new()).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(usize::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0))
    }

    fn counted(&self, batch: RecordBatch) -> RecordBatch {
        self.chunks.fetch_add(1, Relaxed);
        self.largest_chunk.fetch_max(batch.num_rows(), Relaxed);
        batch
    }

    /// Calls `f` with every chunk of `columns` of `table` and the table row its first row is.
    pub fn for_each_chunk(&self, table: &str, columns: &[&str], f: impl FnMut(&Chunk, usize) -> anyhow::Result<()>) -> anyhow::Result<()> {
        self.for_each_chunk_in(table, columns, 0..usize::MAX, self.chunk_rows, f)
    }

    /// [`Reading::for_each_chunk`] over the table rows `rows` only, `chunk_rows` at a time
    /// (row numbers stay those of the table).
    pub fn for_each_chunk_in(
        &self,
        table: &str,
        columns: &[&str],
        rows: std::ops::Range<usize>,
        chunk_rows: usize,
        mut f: impl FnMut(&Chunk, usize) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // Chunks start on multiples of `chunk_rows` (after a first, shorter one), so that each
        // lies within one row group (the writer's are multiples of it): a chunk across two
        // would get its dictionary-encoded columns decoded to values and hashed again.
        let chunk_rows = chunk_rows.max(1);
        let aligned = rows.start.next_multiple_of(chunk_rows).clamp(rows.start, rows.end);
        let mut row = rows.start;
        for part in [rows.start..aligned, aligned..rows.end] {
            if part.is_empty() {
                continue;
            }
            for b in self.open_rows(table, columns, part, chunk_rows)? {
                let b = self.counted(b.with_context(|| format!("cannot read {table}.parquet"))?);
                let n = b.num_rows();
                f(&Chunk(b), row)?;
                row += n;
            }
        }
        Ok(())
    }
}

/// The schema to read `table` with when it differs from the file's: text columns the writer
/// dictionary-encodes (schemas/tables.toml) come as dictionaries, so that a value repeated on
/// many rows (a doc_id on each of a document's tokens) is not copied out once per row and
/// runs of one value are found by comparing keys; the other text columns (a sentence's text)
/// come as views into the decoded pages instead of being copied into one buffer. The values
/// are the same either way ([`Strs`] reads all three forms).
fn read_as(table: &str, file: &SchemaRef) -> Option<SchemaRef> {
    let def = catalog().tables.iter().find(|t| t.name == table)?;
    let mut changed = false;
    let fields: Vec<Field> = file
        .fields()
        .iter()
        .map(|f| {
            let col = def.columns.iter().find(|c| &c.name == f.name());
            let to = match (f.data_type(), col) {
                (DataType::Utf8, Some(c)) if c.dictionary => DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                (DataType::Utf8, Some(_)) => DataType::Utf8View,
                _ => return f.as_ref().clone(),
            };
            changed = true;
            f.as_ref().clone().with_data_type(to)
        })
        .collect();
    changed.then(|| std::sync::Arc::new(Schema::new_with_metadata(fields, file.metadata().clone())))
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
        let c = self.0.column_by_name(name).with_context(|| format!("no column {name}"))?;
        Ok(match c.data_type() {
            DataType::Utf8View => Strs::View(c.as_string_view().clone()),
            DataType::Dictionary(k, v) if **k == DataType::Int32 => {
                let d = c.as_dictionary::<Int32Type>();
                let values = if **v == DataType::Utf8 { d.values().clone() } else { cast(d.values(), &DataType::Utf8)? };
                Strs::Dict { keys: d.keys().clone(), values: values.as_string::<i32>().clone() }
            }
            _ => Strs::Plain(self.column(name, &DataType::Utf8)?.as_string::<i32>().clone()),
        })
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

    /// The values as a plain slice when the column is 32-bit and has no nulls (as the
    /// writer stores indexes and offsets), for loops over millions of rows; else None.
    #[inline]
    pub fn dense_i32(&self) -> Option<&[i32]> {
        match self {
            Ints::I32(a) if a.null_count() == 0 => Some(a.values()),
            _ => None,
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

/// A string column of a chunk, read in place in the form it was decoded in (see `read_as`).
pub enum Strs {
    Plain(StringArray),
    View(StringViewArray),
    /// Each row a key into `values`.
    Dict { keys: Int32Array, values: StringArray },
}

impl Strs {
    #[inline]
    pub fn get(&self, k: usize) -> Option<&str> {
        match self {
            Strs::Plain(a) => a.is_valid(k).then(|| a.value(k)),
            Strs::View(a) => a.is_valid(k).then(|| a.value(k)),
            Strs::Dict { keys, values } => {
                let v = keys.is_valid(k).then(|| keys.value(k) as usize)?;
                values.is_valid(v).then(|| values.value(v))
            }
        }
    }

    /// The end of the run of rows from `start` (below `len`) that hold the same value as
    /// `start` (nulls count as one value). Rows with the same key hold the same value; rows
    /// with different keys are compared by value, so the runs do not depend on how the
    /// dictionary was built.
    pub fn run_end(&self, start: usize, len: usize) -> usize {
        let first = self.get(start);
        let mut end = start + 1;
        match self {
            Strs::Dict { keys, .. } if keys.null_count() == 0 => {
                let keys = keys.values();
                while end < len && (keys[end] == keys[start] || self.get(end) == first) {
                    end += 1;
                }
            }
            _ => {
                while end < len && self.get(end) == first {
                    end += 1;
                }
            }
        }
        end
    }

    /// The runs of rows holding one value (see [`Strs::run_end`]) that tile `range`, each with
    /// its value: a table grouped by document is walked one document at a time, its doc_id
    /// compared once per run instead of once per row.
    pub fn runs(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (std::ops::Range<usize>, Option<&str>)> + '_ {
        let mut k = range.start;
        std::iter::from_fn(move || {
            (k < range.end).then(|| {
                let end = self.run_end(k, range.end);
                let run = (k..end, self.get(k));
                k = end;
                run
            })
        })
    }
}

/// The rows in `range` whose value is `doc`, found a run of one value at a time.
fn rows_with(ids: &Strs, doc: &str, range: std::ops::Range<usize>) -> Vec<usize> {
    ids.runs(range).filter(|(_, id)| *id == Some(doc)).flat_map(|(rows, _)| rows).collect()
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
    chunk_rows: usize,
}

impl<'a> Cursor<'a> {
    /// `columns` must include `doc_id`.
    pub fn new(reading: &'a Reading, table: &'static str, columns: &[&'static str]) -> Self {
        Cursor { reading, table, columns: columns.to_vec(), reader: None, chunk: None, next_row: 0, chunk_rows: reading.chunk_rows }
    }

    /// Reads at most `n` rows at a time: a cursor that stops short of the table's end (one
    /// lane's stretch of it) then reads little past the rows it is asked for.
    pub fn in_chunks_of(mut self, n: usize) -> Self {
        self.chunk_rows = self.chunk_rows.min(n.max(1));
        self
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
            self.reader = Some(self.reading.open_rows(self.table, &self.columns, first..usize::MAX, self.chunk_rows)?);
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
            let ids = c.strs("doc_id")?;
            let end = (start + c.rows()).min(last + 1);
            let rows = rows_with(&ids, doc, row - start..end - start);
            if !rows.is_empty() {
                f(c, &rows)?;
            }
            row = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::DictionaryArray;

    use super::*;

    /// One column in the three forms [`Strs`] reads; the dictionary holds "a" twice (keys 0
    /// and 3), as a dictionary rebuilt across pages may.
    fn forms() -> Vec<Strs> {
        let rows = [Some("a"), Some("a"), None, None, Some("b"), Some("a"), Some("a"), Some("b"), Some("b"), None];
        let values = StringArray::from(vec!["a", "b", "c", "a"]);
        let keys = Int32Array::from(vec![Some(0), Some(3), None, None, Some(1), Some(3), Some(0), Some(1), Some(1), None]);
        let dict = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).unwrap();
        let dict_nonull = DictionaryArray::<Int32Type>::try_new(Int32Array::from(vec![0, 3, 0, 1, 1, 3]), Arc::new(StringArray::from(vec!["a", "b", "c", "a"]))).unwrap();
        vec![
            Strs::Plain(StringArray::from(rows.to_vec())),
            Strs::View(StringViewArray::from(rows.to_vec())),
            Strs::Dict { keys: dict.keys().clone(), values: dict.values().as_string::<i32>().clone() },
            Strs::Dict { keys: dict_nonull.keys().clone(), values: dict_nonull.values().as_string::<i32>().clone() },
        ]
    }

    fn len(s: &Strs) -> usize {
        match s {
            Strs::Plain(a) => a.len(),
            Strs::View(a) => a.len(),
            Strs::Dict { keys, .. } => keys.len(),
        }
    }

    #[test]
    fn runs_found_by_keys_are_the_runs_of_equal_values() {
        for s in forms() {
            let n = len(&s);
            // The slow way: a run ends where the value differs from the row before.
            let mut slow = Vec::new();
            let mut start = 0;
            for k in 1..=n {
                if k == n || s.get(k) != s.get(k - 1) {
                    slow.push((start, k));
                    start = k;
                }
            }
            let mut fast = Vec::new();
            let mut k = 0;
            while k < n {
                let end = s.run_end(k, n);
                fast.push((k, end));
                k = end;
            }
            assert_eq!(fast, slow);
            // A run stops at the limit given.
            assert_eq!(s.run_end(0, 1), 1);
            assert_eq!(rows_with(&s, "a", 0..n), (0..n).filter(|&k| s.get(k) == Some("a")).collect::<Vec<_>>());
        }
    }

    #[test]
    fn text_columns_read_as_dictionaries_and_views_give_the_values_written() {
        let dir = tempfile::tempdir().unwrap();
        crate::runner::run(&crate::runner::RunConfig::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"), dir.path())).unwrap();
        let reading = Reading::new(dir.path(), 1000);
        let columns = ["doc_id", "text"];
        // The same rows read plainly (all of the file at once, without a schema hint).
        let f = File::open(dir.path().join("sentences.parquet")).unwrap();
        let b = ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
        let mask = ProjectionMask::columns(b.parquet_schema(), columns);
        let plain: Vec<RecordBatch> = b.with_projection(mask).build().unwrap().map(|b| b.unwrap()).collect();
        let plain = arrow::compute::concat_batches(&plain[0].schema(), &plain).unwrap();
        let (ids, texts) = (plain.column(0).as_string::<i32>(), plain.column(1).as_string::<i32>());
        let mut seen = 0;
        reading
            .for_each_chunk("sentences", &columns, |c, at| {
                assert!(matches!(c.strs("doc_id")?, Strs::Dict { .. }));
                assert!(matches!(c.strs("text")?, Strs::View(_)));
                let (id, text) = (c.strs("doc_id")?, c.strs("text")?);
                for k in 0..c.rows() {
                    assert_eq!(id.get(k), Some(ids.value(at + k)));
                    assert_eq!(text.get(k), Some(texts.value(at + k)));
                }
                seen += c.rows();
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, plain.num_rows());
    }
}
