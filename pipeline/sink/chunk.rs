//! The pages of one Parquet column chunk encoded by this crate ([`super::dictionary`],
//! [`super::delta`]): each page compressed with zstd and written with its header, and at the
//! end the chunk's bytes with the metadata that `SerializedRowGroupWriter::append_column`
//! needs to splice them into a row group (sizes, offsets, encodings, an offset index).
//!
//! Only what those encoders need: format v1 data pages of a REQUIRED top-level column (no
//! levels), no statistics; and the two encoding primitives both use, bit-packing and ULEB128
//! varints.

use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use parquet::basic::{Compression, Encoding, EncodingMask, PageType, ZstdLevel};
use parquet::column::page::{CompressedPage, Page, PageWriteSpec, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::{ColumnChunkMetaData, OffsetIndexBuilder, PageEncodingStats};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescriptor;

/// Largest encoded data page, before compression: the parquet crate's default page size.
pub const DATA_PAGE_BYTES: usize = 1024 * 1024;

/// A column chunk being written page by page into memory.
pub struct ChunkPages {
    sink: TrackedWrite<Vec<u8>>,
    compressor: zstd::bulk::Compressor<'static>,
    level: i32,
    offset_index: OffsetIndexBuilder,
    compressed: i64,
    uncompressed: i64,
    dictionary_offset: Option<i64>,
    data_offset: Option<i64>,
    data_pages: i32,
    data_encoding: Option<Encoding>,
    values: i64,
}

impl ChunkPages {
    pub fn new(zstd_level: i32) -> anyhow::Result<Self> {
        Ok(ChunkPages {
            sink: TrackedWrite::new(Vec::new()),
            compressor: zstd::bulk::Compressor::new(zstd_level).context("zstd compressor")?,
            level: zstd_level,
            offset_index: OffsetIndexBuilder::new(),
            compressed: 0,
            uncompressed: 0,
            dictionary_offset: None,
            data_offset: None,
            data_pages: 0,
            data_encoding: None,
            values: 0,
        })
    }

    /// Writes the dictionary page (PLAIN values); it must come before any data page.
    pub fn dictionary(&mut self, plain: &[u8], values: usize) -> anyhow::Result<()> {
        anyhow::ensure!(self.dictionary_offset.is_none() && self.data_offset.is_none(), "the dictionary page comes first, once");
        let buf = Bytes::from(self.compressor.compress(plain).context("zstd")?);
        let page = Page::DictionaryPage { buf, num_values: values as u32, encoding: Encoding::PLAIN, is_sorted: false };
        let spec = self.write_page(page, plain.len())?;
        self.dictionary_offset = Some(spec.offset as i64);
        Ok(())
    }

    /// Writes a compressed page (`uncompressed` bytes before compression) and counts its sizes.
    fn write_page(&mut self, page: Page, uncompressed: usize) -> anyhow::Result<PageWriteSpec> {
        let spec = SerializedPageWriter::new(&mut self.sink).write_page(CompressedPage::new(page, uncompressed))?;
        self.compressed += spec.compressed_size as i64;
        self.uncompressed += spec.uncompressed_size as i64;
        Ok(spec)
    }

    /// Writes a data page of `values` values encoded as `encoding` (every data page of a chunk
    /// has the same). `unencoded_bytes`: the values' own bytes, for text columns.
    pub fn data(&mut self, encoded: &[u8], values: usize, encoding: Encoding, unencoded_bytes: Option<i64>) -> anyhow::Result<()> {
        anyhow::ensure!(self.data_encoding.is_none_or(|e| e == encoding), "one encoding for every data page");
        self.data_encoding = Some(encoding);
        let buf = Bytes::from(self.compressor.compress(encoded).context("zstd")?);
        let page = Page::DataPage {
            buf,
            num_values: values as u32,
            encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        let spec = self.write_page(page, encoded.len())?;
        self.data_offset.get_or_insert(spec.offset as i64);
        self.offset_index.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
        self.offset_index.append_row_count(values as i64);
        self.offset_index.append_unencoded_byte_array_data_bytes(unencoded_bytes);
        self.data_pages += 1;
        self.values += values as i64;
        Ok(())
    }

    /// The chunk's bytes (offsets from 0) and its metadata.
    pub fn finish(self, descr: Arc<ColumnDescriptor>) -> anyhow::Result<(Bytes, ColumnCloseResult)> {
        let (Some(data_offset), Some(encoding)) = (self.data_offset, self.data_encoding) else {
            anyhow::bail!("a column chunk without data pages");
        };
        let bytes_written = self.sink.bytes_written() as u64;
        let buf = self.sink.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        // The encodings as the crate lists them: the levels' RLE (declared in every data page
        // header), the dictionary page's PLAIN, the values'.
        let mut encodings = vec![Encoding::RLE, encoding];
        let mut stats = Vec::new();
        if self.dictionary_offset.is_some() {
            encodings.push(Encoding::PLAIN);
            stats.push(PageEncodingStats { page_type: PageType::DICTIONARY_PAGE, encoding: Encoding::PLAIN, count: 1 });
        }
        stats.push(PageEncodingStats { page_type: PageType::DATA_PAGE, encoding, count: self.data_pages });
        let metadata = ColumnChunkMetaData::builder(descr)
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(self.level)?))
            .set_encodings_mask(EncodingMask::new_from_encodings(encodings.iter()))
            .set_page_encoding_stats(stats)
            .set_total_compressed_size(self.compressed)
            .set_total_uncompressed_size(self.uncompressed)
            .set_num_values(self.values)
            .set_data_page_offset(data_offset)
            .set_dictionary_page_offset(self.dictionary_offset)
            .build()?;
        let close = ColumnCloseResult {
            bytes_written,
            rows_written: self.values as u64,
            metadata,
            bloom_filter: None,
            column_index: None,
            offset_index: Some(self.offset_index.build()),
        };
        Ok((Bytes::from(buf), close))
    }
}

/// Packs `values` (padded with zeros to `padded` values) `bit_width` bits each, least
/// significant bit first.
pub fn bit_pack(values: &[u32], padded: usize, bit_width: u8, out: &mut Vec<u8>) {
    let w = bit_width as u32;
    if w == 0 {
        return;
    }
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    for &v in values.iter().chain(std::iter::repeat_n(&0, padded - values.len())) {
        acc |= (v as u64) << bits;
        bits += w;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    debug_assert_eq!(bits, 0, "a group of 8 values fills whole bytes");
}

/// Appends `v` as an unsigned LEB128 varint (Parquet's headers and counts).
pub fn uleb128(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
