//! Streaming table files: one `<table>.parquet` (zstd) per table, and `<table>.arrow` (Arrow IPC
//! file) on request, written batch by batch into a folder, with row groups flushed as they fill.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;
use arrow::array::AsArray;
use arrow::datatypes::Int32Type;
use arrow::ipc::writer::FileWriter as IpcWriter;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{DeltaBinaryPackedEncoderOptions, EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;

use super::delta::DeltaChunk;
use super::dictionary::DictionaryChunk;
use crate::schema::{ColumnDef, ColumnType, TableDef};

/// The zstd level of every page (level 1: the fastest of the standard levels; the pages are
/// small and repetitive, and higher levels cost more CPU than they save in bytes).
const ZSTD_LEVEL: i32 = 1;

/// Rows per Parquet row group: large enough for good compression, small enough that a writer
/// never buffers much of a large corpus (a row group stays in memory until full).
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Rows per row group for the tables the schema marks `narrow_rows` (`tokens`: ~190k rows per
/// MB of input, 1.5-3 bytes a row compressed; `keywords`): a row group of these holds about
/// what one of [`ROW_GROUP_ROWS`] rows of the other tables does. Fewer, larger column chunks
/// mean fewer dictionaries to rebuild (every distinct word is hashed in again for each row
/// group) and better compression. A multiple of [`ROW_GROUP_ROWS`], so that validation's
/// chunks still lie within one row group.
pub const NARROW_ROW_GROUP_ROWS: usize = 1024 * 1024;

/// Rows per row group for `def` (see [`ROW_GROUP_ROWS`] and [`NARROW_ROW_GROUP_ROWS`]). Only
/// narrow tables get the large groups: `documents` or `targets_vs_actuals` rows hold titles,
/// paths and hashes, and a million of them would be a large row group to hold in memory.
pub fn row_group_rows(def: &TableDef) -> usize {
    if def.narrow_rows {
        NARROW_ROW_GROUP_ROWS
    } else {
        ROW_GROUP_ROWS
    }
}

/// Values per block of DELTA_BINARY_PACKED integers, in one mini block: the encoder then finds
/// one bit width per 128 values instead of four (per value it cost ~15 % fewer instructions to
/// write and read on the bench slice), at a few bytes more where a block holds one outlier.
const DELTA_BLOCK_VALUES: usize = super::delta::BLOCK_VALUES;

/// Largest dictionary a text column of a narrow table may build in one row group before the
/// parquet crate gives it up and stores the rest of the chunk plain (bigger and slower to
/// write, as measured for `tokens.word` before its chunks were encoded by
/// [`DictionaryChunk`], which keeps its dictionary). It now applies to `keywords.keyword`:
/// the default 1 MB, kept for the other tables, would leave a large row group of keywords
/// little margin.
const DICTIONARY_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Writer settings for one table, column by column from its schema:
/// - integer, date and time columns: no dictionary, DELTA_BINARY_PACKED (offsets and indexes
///   rise steadily, so deltas pack into a few bits; hashing each value into a dictionary cost a
///   few percent of a whole run in the profile), in blocks of one mini block;
/// - floats and booleans: plain;
/// - text: dictionary, except columns the schema marks `dictionary = false`;
/// - min/max statistics per column chunk (row group), not per page: row-group pruning in polars,
///   pyarrow and DuckDB uses these, and per-page string comparisons were a measurable cost;
///   none for columns the schema marks `statistics = false` (words, free text, a token's ids and
///   offsets: their min/max span every row group, and comparing every value was ~10 % of the
///   writer's work on the tokens table);
/// - data pages bounded by bytes only (the default 1 MB), not by the default 20,000 rows: with
///   no page statistics there is nothing to prune by page, and a page of 20,000 dictionary keys
///   or packed deltas is a few kB, too little for zstd to find repeats across sentences.
pub fn writer_properties(def: &TableDef) -> WriterProperties {
    let rows = row_group_rows(def);
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(ZSTD_LEVEL).expect("valid zstd level")))
        .set_max_row_group_row_count(Some(rows))
        .set_data_page_row_count_limit(rows)
        .set_delta_binary_packed_encoder_options(
            DeltaBinaryPackedEncoderOptions::try_new(DELTA_BLOCK_VALUES, 1).expect("128 values in one mini block is a valid layout"),
        )
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(format!("govreport {}", crate::VERSION));
    for c in &def.columns {
        let path = ColumnPath::from(c.name.as_str());
        if !c.statistics {
            b = b.set_column_statistics_enabled(path.clone(), EnabledStatistics::None);
        }
        b = match c.ty {
            ColumnType::Int32 | ColumnType::Int64 | ColumnType::Date32 | ColumnType::TimestampMs => b
                .set_column_dictionary_enabled(path.clone(), false)
                .set_column_encoding(path, Encoding::DELTA_BINARY_PACKED),
            ColumnType::Float64 | ColumnType::Bool => b.set_column_dictionary_enabled(path, false),
            ColumnType::Utf8 if def.narrow_rows => {
                b.set_column_dictionary_enabled(path.clone(), c.dictionary).set_column_dictionary_page_size_limit(path, DICTIONARY_PAGE_BYTES)
            }
            ColumnType::Utf8 => b.set_column_dictionary_enabled(path, c.dictionary),
        };
    }
    b.build()
}

/// Whether a column's chunks are built by [`DictionaryChunk`] rather than the parquet crate:
/// REQUIRED text columns with a dictionary and no statistics (`tokens.doc_id`, `word`, `pos`),
/// whose values are short and repeat, so that the crate's per-value interner was the largest
/// part of writing them.
pub fn own_dictionary(c: &ColumnDef) -> bool {
    c.ty == ColumnType::Utf8 && !c.nullable && c.dictionary && !c.statistics
}

/// Whether a column's chunks are built by [`DeltaChunk`] rather than the parquet crate:
/// REQUIRED INT32 columns without statistics (`tokens.sentence_index`, `token_index`,
/// `char_start`, `char_end`), delta-packed like every integer column, whose per-value path
/// through the crate's Arrow writer (an index vector, a gather, running minima and maxima) was
/// most of the cost of writing them.
pub fn own_delta(c: &ColumnDef) -> bool {
    c.ty == ColumnType::Int32 && !c.nullable && !c.statistics
}

/// One column of the row group being filled.
enum ColumnChunkWriter {
    Crate(ArrowColumnWriter),
    Dictionary(DictionaryChunk),
    Delta(DeltaChunk),
}

/// One table's Parquet file: row groups of [`row_group_rows`] rows, every column encoded by the
/// parquet crate's Arrow writers except those [`own_dictionary`] and [`own_delta`] pick.
/// Batches are split at row group boundaries exactly as `ArrowWriter` splits them, and the file
/// carries the same Arrow schema in its metadata.
struct ParquetTable {
    def: &'static TableDef,
    file: SerializedFileWriter<BufWriter<File>>,
    columns: ArrowRowGroupWriterFactory,
    row_group_rows: usize,
    in_progress: Option<(Vec<ColumnChunkWriter>, usize)>,
}

impl ParquetTable {
    fn create(def: &'static TableDef, out: BufWriter<File>) -> anyhow::Result<Self> {
        // ArrowWriter derives the Parquet schema and stores the Arrow schema in the file's
        // metadata; its file writer then takes the row groups this type assembles.
        let props = writer_properties(def);
        // The row group split below is ArrowWriter's for a row limit alone.
        anyhow::ensure!(
            props.max_row_group_bytes().is_none() && props.content_defined_chunking().is_none(),
            "row groups are split by rows only"
        );
        let (file, columns) = ArrowWriter::try_new(out, def.arrow_schema(), Some(props))?.into_serialized_writer()?;
        Ok(ParquetTable { def, file, columns, row_group_rows: row_group_rows(def), in_progress: None })
    }

    fn write(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        let schema = self.def.arrow_schema();
        let mut at = 0;
        while at < batch.num_rows() {
            if self.in_progress.is_none() {
                let index = self.file.flushed_row_groups().len();
                let crate_writers = self.columns.create_column_writers(index)?;
                anyhow::ensure!(crate_writers.len() == self.def.columns.len(), "one Parquet column per schema column in {}", self.def.name);
                let writers = self
                    .def
                    .columns
                    .iter()
                    .zip(crate_writers)
                    .map(|(c, w)| {
                        Ok(if own_dictionary(c) {
                            ColumnChunkWriter::Dictionary(DictionaryChunk::new(ZSTD_LEVEL))
                        } else if own_delta(c) {
                            ColumnChunkWriter::Delta(DeltaChunk::new(ZSTD_LEVEL)?)
                        } else {
                            ColumnChunkWriter::Crate(w)
                        })
                    })
                    .collect::<anyhow::Result<_>>()?;
                self.in_progress = Some((writers, 0));
            }
            let (writers, rows) = self.in_progress.as_mut().expect("a row group in progress");
            let n = (self.row_group_rows - *rows).min(batch.num_rows() - at);
            let part = if at == 0 && n == batch.num_rows() { batch.clone() } else { batch.slice(at, n) };
            for ((w, field), column) in writers.iter_mut().zip(schema.fields()).zip(part.columns()) {
                match w {
                    ColumnChunkWriter::Crate(w) => {
                        for leaf in compute_leaves(field, column)? {
                            w.write(&leaf)?;
                        }
                    }
                    ColumnChunkWriter::Dictionary(d) => {
                        let values = column.as_string_opt::<i32>().with_context(|| format!("{} is not a Utf8 column", field.name()))?;
                        d.push(values)?;
                    }
                    ColumnChunkWriter::Delta(d) => {
                        let values = column.as_primitive_opt::<Int32Type>().with_context(|| format!("{} is not an Int32 column", field.name()))?;
                        d.push(values)?;
                    }
                }
            }
            *rows += n;
            at += n;
            if *rows >= self.row_group_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        let Some((writers, _)) = self.in_progress.take() else {
            return Ok(());
        };
        let descrs = self.file.schema_descr().columns().to_vec();
        let mut row_group = self.file.next_row_group()?;
        for (w, descr) in writers.into_iter().zip(descrs) {
            let (bytes, close) = match w {
                ColumnChunkWriter::Crate(w) => {
                    w.close()?.append_to_row_group(&mut row_group)?;
                    continue;
                }
                ColumnChunkWriter::Dictionary(d) => d.finish(descr)?,
                ColumnChunkWriter::Delta(d) => d.finish(descr)?,
            };
            row_group.append_column(&bytes, close)?;
        }
        row_group.close()?;
        Ok(())
    }

    fn into_inner(mut self) -> anyhow::Result<BufWriter<File>> {
        self.flush()?;
        Ok(self.file.into_inner()?)
    }
}

struct TableFile {
    def: &'static TableDef,
    parquet: ParquetTable,
    ipc: Option<IpcWriter<BufWriter<File>>>,
    rows: u64,
}

/// What was written for one table.
#[derive(Debug, Clone)]
pub struct TableStats {
    pub name: String,
    pub rows: u64,
    pub files: Vec<PathBuf>,
}

/// Writes a set of tables into one folder.
pub struct DatasetWriter {
    dir: PathBuf,
    tables: Vec<TableFile>,
}

impl DatasetWriter {
    pub fn create(dir: &Path, defs: &[&'static TableDef], arrow_ipc: bool) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tables = Vec::new();
        for def in defs {
            let path = dir.join(def.file_name("parquet"));
            let f = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
            let parquet = ParquetTable::create(def, BufWriter::new(f))?;
            let ipc = if arrow_ipc {
                let path = dir.join(def.file_name("arrow"));
                let f = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
                Some(IpcWriter::try_new(BufWriter::new(f), &def.arrow_schema())?)
            } else {
                None
            };
            tables.push(TableFile { def, parquet, ipc, rows: 0 });
        }
        Ok(DatasetWriter { dir: dir.to_path_buf(), tables })
    }

    /// Appends a batch to the table at position `i` (the order given to `create`).
    pub fn write(&mut self, i: usize, batch: &RecordBatch) -> anyhow::Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let t = &mut self.tables[i];
        t.parquet.write(batch).with_context(|| format!("writing {}", t.def.name))?;
        if let Some(ipc) = &mut t.ipc {
            ipc.write(batch)?;
        }
        t.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Closes only the named tables (so that they can be read while others stay open).
    pub fn close_except(&mut self, keep_open: &[&str]) -> anyhow::Result<Vec<TableStats>> {
        let mut done = Vec::new();
        let mut rest = Vec::new();
        for t in self.tables.drain(..) {
            if keep_open.contains(&t.def.name.as_str()) {
                rest.push(t);
            } else {
                done.push(close(&self.dir, t)?);
            }
        }
        self.tables = rest;
        Ok(done)
    }

    pub fn finish(mut self) -> anyhow::Result<Vec<TableStats>> {
        self.close_except(&[])
    }
}

fn close(dir: &Path, t: TableFile) -> anyhow::Result<TableStats> {
    let mut files = vec![dir.join(t.def.file_name("parquet"))];
    let inner = t.parquet.into_inner().with_context(|| format!("closing {}", t.def.name))?;
    inner.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    if let Some(mut ipc) = t.ipc {
        ipc.finish()?;
        ipc.into_inner()?.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        files.push(dir.join(t.def.file_name("arrow")));
    }
    Ok(TableStats { name: t.def.name.clone(), rows: t.rows, files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::catalog;
    use crate::sink::TableBuffer;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// `n` rows of `tokens` for one document: 20 tokens a sentence, each `width` chars wide,
    /// row `i` holding `word(i)` and `pos(i)`.
    fn tokens_batch<'a>(doc_id: &str, n: usize, word: impl Fn(usize) -> &'a str, pos: impl Fn(usize) -> &'a str, width: usize) -> arrow::record_batch::RecordBatch {
        let def = catalog().table("tokens");
        let mut t = TableBuffer::new(def);
        t.repeated_str_column(def.col("doc_id"), doc_id, n);
        t.ints_column(def.col("sentence_index"), (0..n).map(|i| (i / 20) as i64));
        t.ints_column(def.col("token_index"), (0..n).map(|i| (i % 20) as i64));
        t.strs_column(def.col("word"), (0..n).map(&word));
        t.strs_column(def.col("pos"), (0..n).map(&pos));
        t.ints_column(def.col("char_start"), (0..n).map(|i| (i * width) as i64));
        t.ints_column(def.col("char_end"), (0..n).map(|i| (i * width + width) as i64));
        t.end_rows(n);
        t.finish()
    }

    /// Only the tables the schema marks narrow (tokens, keywords) get large row groups; tables
    /// whose rows hold titles, paths or hashes keep small ones.
    #[test]
    fn row_groups_are_large_only_for_narrow_tables() {
        let cat = catalog();
        for t in ["documents", "paragraphs", "sentences", "indicators", "issues", "targets_vs_actuals"] {
            assert_eq!(row_group_rows(cat.table(t)), ROW_GROUP_ROWS, "{t}");
        }
        for t in ["tokens", "keywords"] {
            assert_eq!(row_group_rows(cat.table(t)), NARROW_ROW_GROUP_ROWS, "{t}");
        }
        assert_eq!(NARROW_ROW_GROUP_ROWS % ROW_GROUP_ROWS, 0);
        assert_eq!(ROW_GROUP_ROWS % crate::validate::stream::DEFAULT_CHUNK_ROWS, 0);
    }

    /// The tokens table: more rows than a text table's row group still make one row group, in
    /// pages of up to 1 MB rather than 20,000 rows, with no min/max for any column (the schema
    /// marks them all `statistics = false`); the values read back unchanged.
    #[test]
    fn tokens_are_written_in_large_row_groups_without_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let def = catalog().table("tokens");
        let mut w = DatasetWriter::create(dir.path(), &[def], false).unwrap();
        let (words, pos) = (["经济", "增长", "8.2%", "。"], ["n", "v", "m", "x"]);
        let rows = ROW_GROUP_ROWS + 5000;
        // One batch per "document" of 1000 tokens, as the pipeline writes them.
        for d in 0..rows / 1000 {
            let n = 1000;
            let k = |i: usize| d * n + i;
            w.write(0, &tokens_batch(&format!("{d:016x}"), n, |i| words[k(i) % 4], |i| pos[k(i) % 4], 2)).unwrap();
        }
        w.finish().unwrap();
        let f = std::fs::File::open(dir.path().join("tokens.parquet")).unwrap();
        let r = SerializedFileReader::new(f).unwrap();
        assert_eq!(r.metadata().num_row_groups(), 1);
        let rg = r.metadata().row_group(0);
        assert_eq!(rg.num_rows() as usize, rows / 1000 * 1000);
        for c in rg.columns() {
            assert!(c.statistics().is_none(), "{} has statistics", c.column_path());
        }
        // Fewer pages than 20,000-row pages would need (the parquet default).
        let pages = r.get_row_group(0).unwrap().get_column_page_reader(1).unwrap().count();
        assert!(pages < rows / 20_000, "{pages} pages");
        let df = crate::validate::read_table(dir.path(), "tokens").unwrap();
        assert_eq!(df.height(), rows / 1000 * 1000);
        let ends = df.column("char_end").unwrap().i32().unwrap();
        assert_eq!(ends.get(1999), Some(999 * 2 + 2));
        let idx = df.column("token_index").unwrap().i32().unwrap();
        assert_eq!(idx.get(12345), Some((345 % 20) as i32));
        let word = df.column("word").unwrap().str().unwrap();
        assert_eq!(word.get(12345), Some(words[12345 % 4]));
    }

    /// A row group with more distinct words than the default 1 MB dictionary holds keeps its
    /// dictionary to the end: every data page of the word column is dictionary-encoded.
    #[test]
    fn a_large_vocabulary_keeps_its_dictionary() {
        use parquet::basic::PageType;
        let dir = tempfile::tempdir().unwrap();
        let def = catalog().table("tokens");
        let mut w = DatasetWriter::create(dir.path(), &[def], false).unwrap();
        let n = 100_000;
        let words: Vec<String> = (0..n).map(|i| format!("词语{i:08}")).collect();
        w.write(0, &tokens_batch("2ee2e79b26ac3452", n, |i| words[i].as_str(), |_| "n", 14)).unwrap();
        w.finish().unwrap();
        let f = std::fs::File::open(dir.path().join("tokens.parquet")).unwrap();
        let r = SerializedFileReader::new(f).unwrap();
        let mut data_pages = 0;
        for p in r.get_row_group(0).unwrap().get_column_page_reader(def.col("word")).unwrap() {
            let p = p.unwrap();
            if p.page_type() != PageType::DICTIONARY_PAGE {
                assert_eq!(p.encoding(), Encoding::RLE_DICTIONARY);
                data_pages += 1;
            }
        }
        assert!(data_pages > 0);
        let df = crate::validate::read_table(dir.path(), "tokens").unwrap();
        assert_eq!(df.column("word").unwrap().str().unwrap().get(n - 1), Some(words[n - 1].as_str()));
    }

    /// The columns whose chunks this crate encodes itself (`tokens.doc_id`, `word`, `pos`) read
    /// back, in the parquet crate's reader (with and without its page index) and in polars,
    /// exactly as the rows the parquet crate's own writer stores, over three row groups and
    /// batches split across them. The rows hold RLE runs of indices one, two and three bytes
    /// wide (a row group with over 256 documents; runs of ten equal words among 90,000),
    /// empty values, values of 15, 16 and 17 bytes, a row group whose `doc_id` dictionary holds
    /// one value (indices of zero bits), a last row group of 5 rows (a padded tail), and a
    /// vocabulary too large for one data page.
    #[test]
    fn own_dictionary_chunks_read_back_as_the_crates_writer_stores_them() {
        use arrow::array::AsArray;
        use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector};
        use parquet::file::metadata::PageIndexPolicy;
        let def = catalog().table("tokens");
        assert_eq!(
            def.columns.iter().filter(|c| own_dictionary(c)).map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["doc_id", "word", "pos"]
        );
        let words: &'static [String] = Vec::leak(
            (0..300_000usize)
                .map(|i| match i % 7 {
                    0 => String::new(),
                    1 => "a".repeat(15 + i % 3),
                    2 => format!("词{}", i % 90_000),
                    3 => "经济".to_string(),
                    _ => format!("w{}", i % 1000),
                })
                .collect(),
        );
        let pos = ["n", "v", "m", "x", "nr", "eng"];
        let g = NARROW_ROW_GROUP_ROWS;
        // (rows, runs of equal words?) per document.
        let mut docs = vec![(g + 10, false), (7, false)];
        docs.extend((0..300).map(|d| (9 + d % 12, false)));
        docs.push((50_000, true));
        let so_far: usize = docs.iter().map(|d| d.0).sum();
        docs.push((2 * g - 3 - so_far, false));
        docs.push((8, false));
        let mut batches = Vec::new();
        let mut at = 0;
        for (d, &(n, runs)) in docs.iter().enumerate() {
            let doc = format!("{:016x}", d * 0x1234_5678_9abc);
            let word = move |i: usize| if runs { words[(at + i) / 10 % words.len()].as_str() } else { words[(at + i) % words.len()].as_str() };
            batches.push(tokens_batch(&doc, n, word, move |i| pos[(at + i) / 3 % 6], 2));
            at += n;
        }
        let rows = at;
        assert_eq!(rows, 2 * g + 5);
        let dir = tempfile::tempdir().unwrap();
        let mut w = DatasetWriter::create(dir.path(), &[def], false).unwrap();
        for b in &batches {
            w.write(0, b).unwrap();
        }
        w.finish().unwrap();
        let crate_path = dir.path().join("crate.parquet");
        let mut reference = ArrowWriter::try_new(std::fs::File::create(&crate_path).unwrap(), def.arrow_schema(), Some(writer_properties(def))).unwrap();
        for b in &batches {
            reference.write(b).unwrap();
        }
        reference.close().unwrap();
        let read = |p: &Path, policy: PageIndexPolicy, selection: Option<RowSelection>| {
            let options = ArrowReaderOptions::new().with_page_index_policy(policy);
            let mut b = ParquetRecordBatchReaderBuilder::try_new_with_options(std::fs::File::open(p).unwrap(), options).unwrap();
            if let Some(s) = selection {
                b = b.with_row_selection(s);
            }
            let r = b.build().unwrap();
            arrow::compute::concat_batches(&def.arrow_schema(), &r.map(|b| b.unwrap()).collect::<Vec<_>>()).unwrap()
        };
        let ours_path = dir.path().join("tokens.parquet");
        let (ours, theirs) = (read(&ours_path, PageIndexPolicy::Skip, None), read(&crate_path, PageIndexPolicy::Skip, None));
        assert_eq!(ours.num_rows(), rows);
        assert_eq!(ours, theirs);
        // Reading through the offset index, skipping into the middle of data pages of the
        // first and second row groups, gives the same rows.
        let selection = || RowSelection::from(vec![RowSelector::skip(600_001), RowSelector::select(3), RowSelector::skip(g - 600_004 + 700_000), RowSelector::select(g - 700_000 + 5)]);
        let picked = read(&ours_path, PageIndexPolicy::Required, Some(selection()));
        assert_eq!(picked.num_rows(), 3 + g - 700_000 + 5);
        assert_eq!(picked, read(&crate_path, PageIndexPolicy::Required, Some(selection())));
        // The chunks: a dictionary page, then RLE_DICTIONARY pages whose offset index entries
        // match the pages and rows; the chunk metadata as the crate's own writer gives it.
        let meta = |p: &Path| SerializedFileReader::new(std::fs::File::open(p).unwrap()).unwrap();
        let (a, b) = (meta(&ours_path), meta(&crate_path));
        let index = ParquetRecordBatchReaderBuilder::try_new_with_options(std::fs::File::open(&ours_path).unwrap(), ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required))
            .unwrap()
            .metadata()
            .clone();
        assert_eq!(a.metadata().num_row_groups(), 3);
        assert_eq!(b.metadata().num_row_groups(), 3);
        for rg in 0..3 {
            let (ra, rb) = (a.metadata().row_group(rg), b.metadata().row_group(rg));
            assert_eq!(ra.num_rows(), rb.num_rows());
            for name in ["doc_id", "word", "pos"] {
                let c = def.col(name);
                let (ca, cb) = (ra.column(c), rb.column(c));
                assert_eq!(ca.num_values(), cb.num_values(), "{name} in row group {rg}");
                assert_eq!(ca.encodings().collect::<Vec<_>>(), cb.encodings().collect::<Vec<_>>(), "{name} in row group {rg}");
                assert_eq!(ca.compression(), cb.compression());
                assert!(ca.statistics().is_none());
                assert!(ca.dictionary_page_offset().is_some_and(|d| d < ca.data_page_offset()));
                let (start, len) = ca.byte_range();
                assert_eq!(start as i64, ca.dictionary_page_offset().unwrap());
                assert_eq!(len as i64, ca.compressed_size());
                let mut data_pages = Vec::new();
                for p in a.get_row_group(rg).unwrap().get_column_page_reader(c).unwrap() {
                    let p = p.unwrap();
                    if p.page_type() != parquet::basic::PageType::DICTIONARY_PAGE {
                        assert_eq!(p.encoding(), Encoding::RLE_DICTIONARY);
                        data_pages.push(p.num_values() as i64);
                    }
                }
                // The reader keeps the page encoding stats as a mask of the encodings used.
                assert!(ca.page_encoding_stats_mask().is_some());
                assert_eq!(ca.page_encoding_stats_mask(), cb.page_encoding_stats_mask());
                let page_index = index.page_index_for_row_group(rg);
                let locations = page_index.offset_index(c).expect("an offset index").page_locations();
                assert_eq!(locations.len(), data_pages.len());
                assert_eq!(locations[0].offset, ca.data_page_offset());
                let mut first = 0;
                for (l, n) in locations.iter().zip(&data_pages) {
                    assert_eq!(l.first_row_index, first);
                    first += n;
                }
                assert_eq!(first, ra.num_rows());
                let last = locations.last().unwrap();
                assert_eq!(last.offset + last.compressed_page_size as i64, start as i64 + len as i64);
                if name == "word" && rg == 0 {
                    assert!(data_pages.len() >= 2, "{data_pages:?}");
                }
            }
        }
        // polars reads the same values.
        let df = crate::validate::read_table(dir.path(), "tokens").unwrap();
        assert_eq!(df.height(), rows);
        for (name, step) in [("word", 997), ("doc_id", 991), ("pos", 1009)] {
            let read = df.column(name).unwrap().str().unwrap();
            let expected = theirs.column(def.col(name)).as_string::<i32>();
            for i in (0..rows).step_by(step).chain(rows - 10..rows) {
                assert_eq!(read.get(i), Some(expected.value(i)), "{name} row {i}");
            }
        }
    }

    /// The encodings come from the schema: sentence text without a dictionary, doc_id with one,
    /// integer offsets delta-packed; the values read back unchanged.
    #[test]
    fn column_encodings_follow_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let def = catalog().table("sentences");
        let mut w = DatasetWriter::create(dir.path(), &[def], false).unwrap();
        let mut t = TableBuffer::new(def);
        let col = |n: &str| def.col(n);
        for i in 0..1000i64 {
            t.str(col("doc_id"), Some("2ee2e79b26ac3452"));
            t.int(col("sentence_index"), Some(i));
            t.int(col("paragraph_index"), Some(i / 10));
            t.int(col("source_line"), Some(i / 10 + 1));
            t.int(col("char_start"), Some(i * 30));
            t.int(col("char_end"), Some(i * 30 + 29));
            t.str(col("text"), Some(&format!("第{i}句:实现社会消费品零售总额449.7亿元,增长8.2%。")));
            t.end_row();
        }
        w.write(0, &t.finish()).unwrap();
        w.finish().unwrap();
        let f = std::fs::File::open(dir.path().join("sentences.parquet")).unwrap();
        let r = SerializedFileReader::new(f).unwrap();
        let rg = r.metadata().row_group(0);
        let encodings = |name: &str| {
            let c = rg.columns().iter().find(|c| c.column_path().string() == name).unwrap();
            c.encodings().collect::<Vec<_>>()
        };
        assert!(encodings("char_start").contains(&Encoding::DELTA_BINARY_PACKED), "{:?}", encodings("char_start"));
        assert!(!encodings("text").iter().any(|e| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY)), "{:?}", encodings("text"));
        assert!(encodings("doc_id").contains(&Encoding::RLE_DICTIONARY), "{:?}", encodings("doc_id"));
        // Statistics per row group are still there (readers prune with them).
        let cs = rg.columns().iter().find(|c| c.column_path().string() == "char_start").unwrap();
        assert!(cs.statistics().is_some());
        let doc = rg.columns().iter().find(|c| c.column_path().string() == "doc_id").unwrap();
        assert!(doc.statistics().and_then(|s| s.min_bytes_opt()).is_some(), "doc_id keeps min/max");
        // Not for the text, which the schema marks `statistics = false`; the column is REQUIRED
        // (non-nullable), so validation needs no null count for it.
        let text = rg.columns().iter().find(|c| c.column_path().string() == "text").unwrap();
        assert!(text.statistics().is_none(), "{:?}", text.statistics());
        assert!(!text.column_descr().self_type().is_optional());
        let mut found = Vec::new();
        crate::validate::check_schema_file(def, dir.path(), &mut found).unwrap();
        assert!(found.is_empty(), "{found:?}");
        // And the values come back as written.
        let df = crate::validate::read_table(dir.path(), "sentences").unwrap();
        assert_eq!(df.height(), 1000);
        let ends = df.column("char_end").unwrap().i32().unwrap();
        assert_eq!(ends.get(999), Some(999 * 30 + 29));
    }
}
