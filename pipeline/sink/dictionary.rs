//! Dictionary-encoded Parquet column chunks for the narrow text columns of `tokens` (`doc_id`,
//! `word`, `pos`), built without the parquet crate's per-value interner.
//!
//! Why: the parquet crate dictionary-encodes a text column by hashing every row's value and
//! comparing it byte for byte with the stored one (through a call to `memcmp`), whatever the
//! column holds. For `tokens` that is three lookups per word of the corpus, 60 million per
//! 100 MB of input, and it was 7.5 % of a whole run's CPU in `perf` (session 14). The values
//! here are short (a word, a part-of-speech tag, a 16-digit id) and repeat in runs (one
//! `doc_id` for thousands of rows), so this encoder
//! - reuses the previous row's dictionary index when the value is the previous row's, compared
//!   as two 64-bit integers and a length (no `memcmp` call);
//! - looks up other values of up to 16 bytes in an open-addressed table of 8-byte slots (hash
//!   bits and index), confirmed against the key kept by index; longer values go to a map of
//!   their own.
//!
//! The chunk has the layout the crate writes for these columns: a PLAIN dictionary page, then
//! RLE_DICTIONARY data pages (format v1, no levels: the columns are REQUIRED) of at most about
//! 1 MB encoded, each compressed with zstd at the writer's level; chunk metadata with the page
//! encoding counts and an offset index; no statistics (the schema marks these columns
//! `statistics = false`). Two differences, both within the format: the dictionary is never
//! given up for PLAIN pages (the crate gives it up past its dictionary page limit; here a row
//! group's dictionary is at most the bytes of its own values, 1 Mi rows of `tokens`), and a
//! run of equal values that starts inside a bit-packed stretch may stay bit-packed up to the
//! next group of eight. Tests read the chunks back with the parquet crate (with its page
//! index), polars, and, in CI, pyarrow and DuckDB.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, StringArray};
use bytes::Bytes;
use parquet::basic::Encoding;
use parquet::column::writer::ColumnCloseResult;
use parquet::schema::types::ColumnDescriptor;

use super::chunk::{bit_pack, uleb128, ChunkPages, DATA_PAGE_BYTES};

/// Most groups of eight values in one bit-packed run: 63, as the parquet crate's encoder and
/// parquet-mr write them, so that the run's header is one byte.
pub const MAX_GROUPS_PER_RUN: usize = 63;

/// One REQUIRED text column's chunk in the making: the dictionary (distinct values in the order
/// first seen) and one dictionary index per row.
pub struct DictionaryChunk {
    keys: Vec<u32>,
    vocabulary: Vocabulary,
    /// The previous row's value as a short key and its index (runs of one value skip the table).
    last: Option<(ShortKey, u32)>,
    zstd_level: i32,
}

impl DictionaryChunk {
    pub fn new(zstd_level: i32) -> Self {
        DictionaryChunk { keys: Vec::new(), vocabulary: Vocabulary::new(), last: None, zstd_level }
    }

    /// Appends every value of `values` (which must hold no nulls: the column is REQUIRED).
    pub fn push(&mut self, values: &StringArray) -> anyhow::Result<()> {
        anyhow::ensure!(values.null_count() == 0, "a null in a required text column");
        let offsets = values.value_offsets();
        let data = values.value_data();
        self.keys.reserve(values.len());
        let mut start = offsets[0] as usize;
        for &end in &offsets[1..] {
            let end = end as usize;
            let index = match ShortKey::of(data, start, end) {
                Some(key) => match self.last {
                    Some((k, index)) if k == key => index,
                    _ => {
                        let index = self.vocabulary.short(key, &data[start..end]);
                        self.last = Some((key, index));
                        index
                    }
                },
                None => {
                    self.last = None;
                    self.vocabulary.long(&data[start..end])
                }
            };
            self.keys.push(index);
            start = end;
        }
        Ok(())
    }

    /// Encodes the chunk: its bytes (dictionary page first, offsets from 0) and what the row
    /// group writer needs to splice them in (`SerializedRowGroupWriter::append_column`).
    pub fn finish(self, descr: Arc<ColumnDescriptor>) -> anyhow::Result<(Bytes, ColumnCloseResult)> {
        anyhow::ensure!(!self.keys.is_empty(), "an empty column chunk (a row group is started only for rows)");
        let mut pages = ChunkPages::new(self.zstd_level)?;
        let dictionary_values = self.vocabulary.len();
        pages.dictionary(&self.vocabulary.page, dictionary_values)?;
        let lengths = self.vocabulary.lengths;
        let bit_width = bit_width(dictionary_values);
        let mut encoded = Vec::new();
        for keys in self.keys.chunks(values_per_page(bit_width)) {
            encoded.clear();
            encoded.push(bit_width);
            encode_hybrid(keys, bit_width, &mut encoded);
            let unencoded = keys.iter().map(|&k| lengths[k as usize] as i64).sum();
            pages.data(&encoded, keys.len(), Encoding::RLE_DICTIONARY, Some(unencoded))?;
        }
        pages.finish(descr)
    }
}

/// Bits per dictionary index: enough for the largest index (0 for a one-value dictionary), as
/// the parquet crate computes it.
fn bit_width(dictionary_values: usize) -> u8 {
    let max = dictionary_values.saturating_sub(1) as u64;
    (64 - max.leading_zeros()) as u8
}

/// Values per data page: about [`DATA_PAGE_BYTES`] when every value is bit-packed, a multiple
/// of 8 so that only a page's last group is padded.
fn values_per_page(bit_width: u8) -> usize {
    let per = DATA_PAGE_BYTES * 8 / bit_width.max(1) as usize;
    (per / 8 * 8).max(8)
}

/// Appends `keys` in Parquet's RLE / bit-packed hybrid encoding (without the length prefix:
/// dictionary indices carry none): runs of 8 or more equal values that start where a run may
/// start (at the beginning, after an RLE run, or at a group boundary of a bit-packed stretch)
/// as RLE runs, the rest in bit-packed runs of up to [`MAX_GROUPS_PER_RUN`] groups of eight,
/// the last group padded with zeros.
pub fn encode_hybrid(keys: &[u32], bit_width: u8, out: &mut Vec<u8>) {
    let n = keys.len();
    let mut i = 0;
    while i < n {
        let run = run_length(keys, i, usize::MAX);
        if run >= 8 {
            uleb128((run as u64) << 1, out);
            let value = keys[i].to_le_bytes();
            out.extend_from_slice(&value[..(bit_width as usize).div_ceil(8)]);
            i += run;
            continue;
        }
        let start = i;
        let mut groups = 0;
        loop {
            i = (i + 8).min(n);
            groups += 1;
            if i >= n || groups == MAX_GROUPS_PER_RUN || run_length(keys, i, 8) >= 8 {
                break;
            }
        }
        uleb128(((groups as u64) << 1) | 1, out);
        bit_pack(&keys[start..i], groups * 8, bit_width, out);
    }
}

/// How many values from `at` on equal `keys[at]`, counting at most `limit`.
fn run_length(keys: &[u32], at: usize, limit: usize) -> usize {
    let v = keys[at];
    keys[at..].iter().take(limit).take_while(|&&k| k == v).count()
}

/// `MASKS[n]` keeps the low `n` bytes of a 128-bit word.
const MASKS: [u128; 17] = {
    let mut m = [0u128; 17];
    let mut n = 1;
    while n < 17 {
        m[n] = if n == 16 { u128::MAX } else { (1u128 << (n * 8)) - 1 };
        n += 1;
    }
    m
};

/// A value of at most 16 bytes as two integers, with its length (so that "a" and "a\0"
/// differ). 24 bytes, not the 32 a `u128` field would align it to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct ShortKey {
    lo: u64,
    hi: u64,
    len: u8,
}

impl ShortKey {
    /// The value `data[start..end]`, if it is at most 16 bytes long. Reads 16 bytes at once
    /// where the buffer has them and masks off what follows the value.
    #[inline]
    fn of(data: &[u8], start: usize, end: usize) -> Option<ShortKey> {
        let len = end - start;
        if len > 16 {
            return None;
        }
        let bits = match data.get(start..start + 16) {
            Some(b) => u128::from_le_bytes(b.try_into().expect("16 bytes")) & MASKS[len],
            None => {
                let mut b = [0u8; 16];
                b[..len].copy_from_slice(&data[start..end]);
                u128::from_le_bytes(b)
            }
        };
        Some(ShortKey { lo: bits as u64, hi: (bits >> 64) as u64, len: len as u8 })
    }

    #[inline]
    fn hash(self) -> u64 {
        let m = ((self.lo ^ self.hi.rotate_left(23) ^ self.len as u64) as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        (m as u64) ^ ((m >> 64) as u64)
    }
}

/// The distinct values of a chunk: a PLAIN dictionary page being built, and the lookups.
struct Vocabulary {
    /// Open-addressed table of the short values, 8 bytes a slot so that a vocabulary of tens of
    /// thousands of words stays in the L2 cache (slots holding the keys themselves, 24 bytes
    /// and more, made the probe a cache miss most of the time): the high 32 bits of the key's
    /// hash and its index + 1; 0 marks an empty slot.
    slots: Vec<u64>,
    /// Every value's key by index, looked at only when a slot's hash bits match (long values
    /// hold [`NOT_SHORT`], which no short key equals).
    keys: Vec<ShortKey>,
    short_count: usize,
    long: HashMap<Box<[u8]>, u32, rustc_hash::FxBuildHasher>,
    /// The PLAIN dictionary page: each value's length (u32, little-endian) and bytes.
    page: Vec<u8>,
    /// Each value's length, by index (for the pages' unencoded sizes).
    lengths: Vec<u32>,
}

const NOT_SHORT: ShortKey = ShortKey { lo: 0, hi: 0, len: u8::MAX };

impl Vocabulary {
    fn new() -> Self {
        Vocabulary { slots: vec![0; 1024], keys: Vec::new(), short_count: 0, long: HashMap::default(), page: Vec::new(), lengths: Vec::new() }
    }

    fn len(&self) -> usize {
        self.lengths.len()
    }

    fn add(&mut self, value: &[u8], key: ShortKey) -> u32 {
        let index = self.lengths.len() as u32;
        self.page.extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.page.extend_from_slice(value);
        self.lengths.push(value.len() as u32);
        self.keys.push(key);
        index
    }

    #[inline]
    fn short(&mut self, key: ShortKey, value: &[u8]) -> u32 {
        let mask = self.slots.len() - 1;
        let hash = key.hash();
        let tag = hash >> 32 << 32;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                break;
            }
            if slot >> 32 << 32 == tag {
                let index = (slot as u32 - 1) as usize;
                if self.keys[index] == key {
                    return index as u32;
                }
            }
            at = (at + 1) & mask;
        }
        let index = self.add(value, key);
        self.slots[at] = tag | (index as u64 + 1);
        self.short_count += 1;
        if self.short_count * 2 > self.slots.len() {
            self.grow();
        }
        index
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        let mask = size - 1;
        for slot in old.into_iter().filter(|&s| s != 0) {
            let key = self.keys[(slot as u32 - 1) as usize];
            let mut at = key.hash() as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }

    fn long(&mut self, value: &[u8]) -> u32 {
        if let Some(&i) = self.long.get(value) {
            return i;
        }
        let index = self.add(value, NOT_SHORT);
        self.long.insert(value.into(), index);
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the hybrid encoding of `n` values (the reference reading of the format).
    fn decode_hybrid(buf: &[u8], bit_width: u8, n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let mut p = 0;
        while out.len() < n {
            let mut header = 0u64;
            let mut shift = 0;
            loop {
                let b = buf[p];
                p += 1;
                header |= ((b & 0x7f) as u64) << shift;
                shift += 7;
                if b & 0x80 == 0 {
                    break;
                }
            }
            if header & 1 == 1 {
                let values = (header >> 1) as usize * 8;
                let mut bitpos = 0usize;
                for _ in 0..values {
                    let mut v = 0u32;
                    for b in 0..bit_width as usize {
                        let bit = (buf[p + (bitpos + b) / 8] >> ((bitpos + b) % 8)) & 1;
                        v |= (bit as u32) << b;
                    }
                    bitpos += bit_width as usize;
                    out.push(v);
                }
                p += values * bit_width as usize / 8;
            } else {
                let run = (header >> 1) as usize;
                let bytes = (bit_width as usize).div_ceil(8);
                let mut v = [0u8; 4];
                v[..bytes].copy_from_slice(&buf[p..p + bytes]);
                p += bytes;
                out.extend(std::iter::repeat_n(u32::from_le_bytes(v), run));
            }
        }
        assert_eq!(p, buf.len(), "trailing bytes");
        out.truncate(n);
        out
    }

    #[test]
    fn hybrid_encoding_round_trips_runs_literals_and_every_width() {
        let mut cases: Vec<Vec<u32>> = vec![
            vec![],
            vec![0],
            vec![0; 7],
            vec![0; 8],
            vec![0; 1000],
            (0..9).collect(),
            (0..1000).map(|i| (i * 7919 % 13) as u32).collect(),
        ];
        // Runs that start and end inside a group of eight, next to literals.
        let mut mixed = Vec::new();
        for r in 0..40u32 {
            mixed.extend(std::iter::repeat_n(r % 5, (r as usize * 3) % 17 + 1));
            mixed.push(r % 3);
        }
        cases.push(mixed);
        // A literal stretch longer than one bit-packed run may hold.
        cases.push((0..MAX_GROUPS_PER_RUN as u32 * 8 * 3 + 5).map(|i| i % 3).collect());
        for keys in cases {
            let max = keys.iter().copied().max().unwrap_or(0);
            let min_width = bit_width(max as usize + 1);
            for w in min_width..=32 {
                let mut out = Vec::new();
                encode_hybrid(&keys, w, &mut out);
                assert_eq!(decode_hybrid(&out, w, keys.len()), keys, "width {w}");
            }
        }
    }

    #[test]
    fn bit_width_is_the_bits_of_the_largest_index() {
        assert_eq!(bit_width(0), 0);
        assert_eq!(bit_width(1), 0);
        assert_eq!(bit_width(2), 1);
        assert_eq!(bit_width(3), 2);
        assert_eq!(bit_width(256), 8);
        assert_eq!(bit_width(257), 9);
        assert_eq!(bit_width(1 << 20), 20);
    }

    #[test]
    fn short_keys_tell_values_of_every_length_apart() {
        let data = "经济增长8.2%\0a\0aab 地区生产总值增长8%以上".as_bytes();
        let mut seen = std::collections::HashMap::new();
        for start in 0..data.len() {
            for end in start..=data.len().min(start + 20) {
                let key = ShortKey::of(data, start, end);
                assert_eq!(key.is_some(), end - start <= 16);
                if let Some(k) = key {
                    // The same key as a copy of the value alone, which cannot read past it.
                    let alone = &data[start..end];
                    assert_eq!(Some(k), ShortKey::of(alone, 0, alone.len()));
                    if let Some(other) = seen.insert(k, alone) {
                        assert_eq!(other, alone);
                    }
                }
            }
        }
    }

    #[test]
    fn the_dictionary_holds_each_value_once_in_first_seen_order() {
        let long = "一二三四五六七八九十".repeat(2);
        let values = ["经济", "增长", "经济", "经济", long.as_str(), "", "增长", long.as_str(), "a\0", "a"];
        let mut chunk = DictionaryChunk::new(1);
        chunk.push(&StringArray::from(values.to_vec())).unwrap();
        assert_eq!(chunk.keys, vec![0, 1, 0, 0, 2, 3, 1, 2, 4, 5]);
        assert_eq!(chunk.vocabulary.len(), 6);
        let mut page = Vec::new();
        for v in ["经济", "增长", long.as_str(), "", "a\0", "a"] {
            page.extend_from_slice(&(v.len() as u32).to_le_bytes());
            page.extend_from_slice(v.as_bytes());
        }
        assert_eq!(chunk.vocabulary.page, page);
        assert_eq!(chunk.vocabulary.lengths, [6, 6, 60, 0, 2, 1]);
    }

    #[test]
    fn the_short_table_grows_without_losing_values() {
        let values: Vec<String> = (0..50_000).map(|i| format!("w{i}")).collect();
        let mut chunk = DictionaryChunk::new(1);
        let arr = StringArray::from(values.iter().map(String::as_str).collect::<Vec<_>>());
        chunk.push(&arr).unwrap();
        chunk.push(&arr).unwrap();
        assert_eq!(chunk.vocabulary.len(), 50_000);
        assert!(chunk.keys[..50_000].iter().copied().eq(0..50_000));
        assert_eq!(chunk.keys[..50_000], chunk.keys[50_000..]);
    }

    #[test]
    fn nulls_are_refused() {
        let mut chunk = DictionaryChunk::new(1);
        assert!(chunk.push(&StringArray::from(vec![Some("a"), None])).is_err());
    }
}
