//! DELTA_BINARY_PACKED Parquet column chunks for the integer columns of `tokens`
//! (`sentence_index`, `token_index`, `char_start`, `char_end`), encoded straight from the Arrow
//! values.
//!
//! Why: through the parquet crate's Arrow writer each of these columns costs an index vector
//! of every row (built for nulls the columns cannot hold), a gather through it, and a delta
//! encoder that keeps running minima and maxima value by value: about 55 instructions a value
//! on the bench slice, for 80 million values per 100 MB of input. Here a block's deltas are
//! computed, their minimum and bit width found, and the block bit-packed in one pass each.
//!
//! The encoding is the crate's for these columns (`schemas/tables.toml` gives them no
//! dictionary and no statistics, `sink::writer` sets DELTA_BINARY_PACKED with blocks of one
//! miniblock of 128 values): per page a header (block size, miniblocks per block, value count,
//! first value), then per block the minimum delta (zigzag varint), the bit width, and the 128
//! deltas less the minimum, bit-packed (the last block padded with zeros). Deltas wrap in 32
//! bits, as the format defines them for INT32. Pages end at a block boundary once about 1 MB
//! is encoded.

use std::sync::Arc;

use arrow::array::{Array, Int32Array};
use bytes::Bytes;
use parquet::basic::Encoding;
use parquet::column::writer::ColumnCloseResult;
use parquet::schema::types::ColumnDescriptor;

use super::chunk::{bit_pack, uleb128, ChunkPages, DATA_PAGE_BYTES};

/// Values per block, in one miniblock (the writer's `DELTA_BLOCK_VALUES`, see `sink::writer`).
pub const BLOCK_VALUES: usize = 128;

/// One REQUIRED INT32 column's chunk in the making, encoded as the values come: only the
/// block being filled is held as values (the row group's values would be 4 MB a column).
pub struct DeltaChunk {
    pages: ChunkPages,
    /// The previous block's last value (or the page's first), then the values of the block
    /// being filled.
    block: Vec<i32>,
    /// The page being filled: its first value and value count, and its encoded blocks.
    page: Option<(i32, usize)>,
    body: Vec<u8>,
    scratch: Vec<u32>,
    /// A finished page's bytes: its header, then `body`.
    page_bytes: Vec<u8>,
}

impl DeltaChunk {
    pub fn new(zstd_level: i32) -> anyhow::Result<Self> {
        Ok(DeltaChunk {
            pages: ChunkPages::new(zstd_level)?,
            block: Vec::with_capacity(BLOCK_VALUES + 1),
            page: None,
            body: Vec::new(),
            scratch: Vec::with_capacity(BLOCK_VALUES),
            page_bytes: Vec::new(),
        })
    }

    /// Appends every value of `values` (which must hold no nulls: the column is REQUIRED).
    pub fn push(&mut self, values: &Int32Array) -> anyhow::Result<()> {
        anyhow::ensure!(values.null_count() == 0, "a null in a required integer column");
        let mut rest: &[i32] = values.values();
        while let Some(&first) = rest.first() {
            let Some((_, count)) = &mut self.page else {
                self.page = Some((first, 1));
                self.block.clear();
                self.block.push(first);
                rest = &rest[1..];
                continue;
            };
            let take = (BLOCK_VALUES + 1 - self.block.len()).min(rest.len());
            self.block.extend_from_slice(&rest[..take]);
            *count += take;
            rest = &rest[take..];
            if self.block.len() == BLOCK_VALUES + 1 {
                encode_block(&self.block, &mut self.scratch, &mut self.body);
                let last = self.block[BLOCK_VALUES];
                self.block.clear();
                self.block.push(last);
                if self.body.len() >= DATA_PAGE_BYTES {
                    self.close_page()?;
                }
            }
        }
        Ok(())
    }

    /// Writes the page being filled, its last block padded.
    fn close_page(&mut self) -> anyhow::Result<()> {
        let Some((first, count)) = self.page.take() else {
            return Ok(());
        };
        if self.block.len() > 1 {
            encode_block(&self.block, &mut self.scratch, &mut self.body);
        }
        self.page_bytes.clear();
        uleb128(BLOCK_VALUES as u64, &mut self.page_bytes);
        uleb128(1, &mut self.page_bytes);
        uleb128(count as u64, &mut self.page_bytes);
        uleb128(zigzag(first as i64), &mut self.page_bytes);
        self.page_bytes.extend_from_slice(&self.body);
        self.body.clear();
        self.pages.data(&self.page_bytes, count, Encoding::DELTA_BINARY_PACKED, None)
    }

    /// Encodes the rest of the chunk: its bytes and what the row group writer needs to splice
    /// them in.
    pub fn finish(mut self, descr: Arc<ColumnDescriptor>) -> anyhow::Result<(Bytes, ColumnCloseResult)> {
        self.close_page()?;
        self.pages.finish(descr)
    }
}

/// Appends one block: the deltas between consecutive values of `v` (the previous block's last
/// value, then up to [`BLOCK_VALUES`] values).
fn encode_block(v: &[i32], scratch: &mut Vec<u32>, out: &mut Vec<u8>) {
    let min = v.windows(2).map(|w| w[1].wrapping_sub(w[0])).min().expect("a block holds a delta");
    scratch.clear();
    scratch.extend(v.windows(2).map(|w| w[1].wrapping_sub(w[0]).wrapping_sub(min) as u32));
    let width = 32 - scratch.iter().fold(0u32, |a, &d| a | d).leading_zeros();
    uleb128(zigzag(min as i64), out);
    out.push(width as u8);
    bit_pack(scratch, BLOCK_VALUES, width as u8, out);
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    /// Writes `columns` as one REQUIRED INT32 column of a Parquet file, one row group per
    /// column, with this module's chunks; reads it back with the parquet crate.
    fn round_trip(columns: &[Vec<i32>]) -> Vec<Vec<i32>> {
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Int32, false)]));
        let props = WriterProperties::builder().build();
        let mut buf = Vec::new();
        {
            let (mut file, _) = ArrowWriter::try_new(&mut buf, schema.clone(), Some(props)).unwrap().into_serialized_writer().unwrap();
            for values in columns {
                let mut chunk = DeltaChunk::new(1).unwrap();
                // In pushes of uneven sizes, as batches come (some end inside a block, one
                // right after the page's first value).
                let n = values.len();
                let mut cuts = [0, 1, n / 3, n / 2 + 7, n].map(|c| c.min(n));
                cuts.sort();
                for w in cuts.windows(2) {
                    chunk.push(&Int32Array::from(values[w[0]..w[1]].to_vec())).unwrap();
                }
                let descr = file.schema_descr().column(0);
                let (bytes, close) = chunk.finish(descr).unwrap();
                let mut rg = file.next_row_group().unwrap();
                rg.append_column(&bytes, close).unwrap();
                rg.close().unwrap();
            }
            file.close().unwrap();
        }
        let r = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(buf)).unwrap().build().unwrap();
        let all: Vec<i32> = r.flat_map(|b| b.unwrap().column(0).as_primitive::<arrow::datatypes::Int32Type>().values().to_vec()).collect();
        let mut out = Vec::new();
        let mut at = 0;
        for c in columns {
            out.push(all[at..at + c.len()].to_vec());
            at += c.len();
        }
        assert_eq!(at, all.len());
        out
    }

    #[test]
    fn chunks_read_back_in_the_parquet_crate() {
        let mut seed = 0x9E37_79B9u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let columns = vec![
            vec![7],
            vec![0, 0],
            vec![5; 129],
            (0..128).collect(),
            (0..129).collect(),
            (0..1000).map(|i| i / 20).collect(),
            (0..1000).map(|i| i % 20).collect(),
            // Extremes: deltas that wrap in 32 bits, widths up to 32.
            vec![i32::MIN, i32::MAX, i32::MIN, 0, -1, i32::MAX, i32::MAX, i32::MIN],
            (0..5000).map(|_| next() as i32).collect(),
            (0..5000).map(|_| (next() % 7) as i32 - 3).collect(),
            // Several pages: 600k values of 32-bit deltas, about 2.4 MB encoded.
            (0..600_000).map(|_| next() as i32).collect(),
            // A token's offsets as the pipeline writes them.
            (0..300_000).map(|i| (i % 9000) * 2 + i / 9000).collect(),
        ];
        assert_eq!(round_trip(&columns), columns);
    }

    /// An empty chunk is refused rather than written without pages.
    #[test]
    fn an_empty_chunk_is_refused() {
        let descr = parquet::schema::types::SchemaDescriptor::new(Arc::new(
            parquet::schema::parser::parse_message_type("message m { required int32 v; }").unwrap(),
        ))
        .column(0);
        assert!(DeltaChunk::new(1).unwrap().finish(descr).is_err());
    }

    #[test]
    fn a_block_is_its_minimum_delta_width_and_packed_deltas() {
        let mut out = Vec::new();
        let mut scratch = Vec::new();
        // Deltas 2, 3, 1: minimum 1 (zigzag 2), width 2 (1, 2, 0 less the minimum), 128 values of
        // 2 bits = 32 bytes.
        encode_block(&[10, 12, 15, 16], &mut scratch, &mut out);
        assert_eq!(out[0], 2);
        assert_eq!(out[1], 2);
        assert_eq!(out.len(), 2 + 32);
        assert_eq!(out[2], 0b00_10_01);
        assert!(out[3..].iter().all(|&b| b == 0));
        // Equal deltas: width 0, no bytes for the values.
        out.clear();
        encode_block(&[4, 5, 6, 7], &mut scratch, &mut out);
        assert_eq!(out, [2, 0]);
    }

    #[test]
    fn zigzag_maps_signed_to_unsigned() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(i32::MIN as i64), u32::MAX as u64);
    }

    #[test]
    fn nulls_are_refused() {
        let mut chunk = DeltaChunk::new(1).unwrap();
        assert!(chunk.push(&Int32Array::from(vec![Some(1), None])).is_err());
    }
}
