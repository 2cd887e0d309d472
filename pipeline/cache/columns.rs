//! The column encoding of cache entries: one record batch written column by column in a form
//! that is cheap to compress, and read back into arrays equal buffer for buffer to the ones
//! written (so a cached file gives the same dataset bytes, Parquet and Arrow IPC alike).
//!
//! Arrow IPC, which the entries held before, stores a `tokens` row in about 50 bytes: the
//! document's id again in every row, four byte offsets and four 32-bit integers that mostly
//! step by one. zstd then spent a fifth of a whole first run compressing the cache. Here:
//! - a text column whose rows all hold the same value (a document's `doc_id`) is that value
//!   once;
//! - other text is a varint length per row, then the rows' bytes back to back;
//! - integers (and dates and times) are zigzag varints of the step from the row before;
//! - floats and booleans are their raw bits;
//! - a null buffer, where the array has one, is its bitmap bytes; values under null slots are
//!   kept like any other (Arrow IPC writes them too).
//!
//! A `tokens` row then takes about 12 bytes before compression. The entry's frame checksum
//! (see the parent module) guards against damage; the reader here still checks every length
//! against the bytes it has and every text for UTF-8, so a foreign entry is an error, never
//! other rows.

use std::sync::Arc;

use anyhow::{bail, ensure, Context};
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, PrimitiveArray, StringArray};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Date32Type, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampMillisecondType};
use arrow::record_batch::RecordBatch;

use crate::schema::TableDef;

/// Text column kinds.
const TEXT_SAME: u8 = 0;
const TEXT_ROWS: u8 = 1;

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// A tag per Arrow type, written before each column so that an entry from another schema is
/// refused rather than misread.
fn type_tag(t: &DataType) -> anyhow::Result<u8> {
    Ok(match t {
        DataType::Utf8 => 1,
        DataType::Int32 => 2,
        DataType::Int64 => 3,
        DataType::Float64 => 4,
        DataType::Boolean => 5,
        DataType::Date32 => 6,
        DataType::Timestamp(TimeUnit::Millisecond, None) => 7,
        other => bail!("the cache cannot hold a column of type {other}"),
    })
}

/// Appends `batch` (rows of table `def`) to `out`.
pub fn put_batch(out: &mut Vec<u8>, def: &TableDef, batch: &RecordBatch) -> anyhow::Result<()> {
    let rows = batch.num_rows();
    let schema = def.arrow_schema();
    ensure!(
        batch.num_columns() == schema.fields().len() && batch.schema().fields().iter().zip(schema.fields()).all(|(a, b)| a.data_type() == b.data_type()),
        "rows of {} do not have the schema's columns",
        def.name
    );
    put_uvarint(out, rows as u64);
    for col in batch.columns() {
        out.push(type_tag(col.data_type())?);
        put_nulls(out, col.nulls(), rows);
        match col.data_type() {
            DataType::Utf8 => put_text(out, col.as_string::<i32>()),
            DataType::Int32 => put_steps(out, col.as_primitive::<Int32Type>().values().iter().map(|&v| v as i64)),
            DataType::Date32 => put_steps(out, col.as_primitive::<Date32Type>().values().iter().map(|&v| v as i64)),
            DataType::Int64 => put_steps(out, col.as_primitive::<Int64Type>().values().iter().copied()),
            DataType::Timestamp(..) => put_steps(out, col.as_primitive::<TimestampMillisecondType>().values().iter().copied()),
            DataType::Float64 => {
                for v in col.as_primitive::<Float64Type>().values().iter() {
                    out.extend_from_slice(&v.to_bits().to_le_bytes());
                }
            }
            DataType::Boolean => out.extend_from_slice(col.as_boolean().values().sliced().as_slice()),
            _ => unreachable!("type_tag refused it"),
        }
    }
    Ok(())
}

fn put_nulls(out: &mut Vec<u8>, nulls: Option<&NullBuffer>, rows: usize) {
    match nulls {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            let bytes = n.inner().sliced();
            out.extend_from_slice(&bytes.as_slice()[..rows.div_ceil(8)]);
        }
    }
}

fn put_steps(out: &mut Vec<u8>, values: impl ExactSizeIterator<Item = i64>) {
    out.reserve(values.len());
    let mut prev = 0i64;
    for v in values {
        put_uvarint(out, zigzag(v.wrapping_sub(prev)));
        prev = v;
    }
}

fn put_text(out: &mut Vec<u8>, a: &StringArray) {
    let offsets = a.value_offsets();
    let (first, last) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
    let bytes = &a.value_data()[first..last];
    // One value repeated in every row (no nulls): the value once.
    if a.nulls().is_none() && !a.is_empty() {
        let v = a.value(0).as_bytes();
        if bytes.len() == v.len() * a.len() && (1..a.len()).all(|i| a.value(i).as_bytes() == v) {
            out.push(TEXT_SAME);
            put_uvarint(out, v.len() as u64);
            out.extend_from_slice(v);
            return;
        }
    }
    out.push(TEXT_ROWS);
    for w in offsets.windows(2) {
        put_uvarint(out, (w[1] - w[0]) as u64);
    }
    out.extend_from_slice(bytes);
}

/// Reads what [`put_batch`] wrote, every length checked against the bytes there are.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.at == self.bytes.len()
    }

    pub fn u8(&mut self) -> anyhow::Result<u8> {
        let b = *self.bytes.get(self.at).context("the entry ends early")?;
        self.at += 1;
        Ok(b)
    }

    pub fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        ensure!(n <= self.bytes.len() - self.at, "length {n} beyond the entry");
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    pub fn uvarint(&mut self) -> anyhow::Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            ensure!(shift < 63 || b <= 1, "a varint runs past 64 bits");
            v |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        bail!("a varint runs past 64 bits")
    }

}

/// Reads one batch of table `def` (its schema from the catalog).
pub fn take_batch(r: &mut Reader, def: &TableDef) -> anyhow::Result<RecordBatch> {
    let schema = def.arrow_schema();
    // A row takes at least a byte of the entry in every integer or float column (a boolean or
    // null bit an eighth, text written once nothing), so a damaged count cannot ask for more
    // rows than the bytes left could hold.
    let rows = r.uvarint()? as usize;
    let per_byte = if schema.fields().iter().all(|f| matches!(f.data_type(), DataType::Utf8 | DataType::Boolean)) { 8 } else { 1 };
    ensure!(rows <= (r.bytes.len() - r.at).saturating_mul(per_byte), "row count {rows} beyond the entry");
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let tag = r.u8()?;
        ensure!(tag == type_tag(field.data_type())?, "{}.{}: column of another type", def.name, field.name());
        let nulls = take_nulls(r, rows)?;
        let col: ArrayRef = match field.data_type() {
            DataType::Utf8 => Arc::new(take_text(r, rows, nulls)?),
            DataType::Int32 | DataType::Int64 | DataType::Date32 | DataType::Timestamp(..) => {
                let values = take_steps(r, rows)?;
                int_array(field.data_type(), values, nulls)?
            }
            DataType::Float64 => {
                let raw = r.take(rows.checked_mul(8).context("row count overflows")?)?;
                let values: Vec<f64> = raw.chunks_exact(8).map(|c| f64::from_bits(u64::from_le_bytes(c.try_into().expect("8 bytes")))).collect();
                Arc::new(PrimitiveArray::<Float64Type>::new(ScalarBuffer::from(values), nulls))
            }
            DataType::Boolean => {
                let raw = r.take(rows.div_ceil(8))?;
                Arc::new(BooleanArray::new(BooleanBuffer::new(Buffer::from(raw), 0, rows), nulls))
            }
            _ => unreachable!("type_tag refused it"),
        };
        ensure!(col.null_count() == 0 || field.is_nullable(), "{}.{}: nulls in a non-nullable column", def.name, field.name());
        columns.push(col);
    }
    RecordBatch::try_new(schema, columns).with_context(|| format!("cache rows of {}", def.name))
}

fn take_nulls(r: &mut Reader, rows: usize) -> anyhow::Result<Option<NullBuffer>> {
    Ok(match r.u8()? {
        0 => None,
        1 => Some(NullBuffer::new(BooleanBuffer::new(Buffer::from(r.take(rows.div_ceil(8))?), 0, rows))),
        f => bail!("null flag {f}"),
    })
}

/// `rows` values written as steps from the row before.
fn take_steps(r: &mut Reader, rows: usize) -> anyhow::Result<Vec<i64>> {
    ensure!(rows <= r.bytes.len() - r.at, "{rows} integers beyond the entry");
    let mut prev = 0i64;
    (0..rows)
        .map(|_| {
            prev = prev.wrapping_add(unzigzag(r.uvarint()?));
            Ok(prev)
        })
        .collect()
}

fn int_array(t: &DataType, values: Vec<i64>, nulls: Option<NullBuffer>) -> anyhow::Result<ArrayRef> {
    fn narrow<T: ArrowPrimitiveType<Native = i32>>(values: Vec<i64>, nulls: Option<NullBuffer>) -> anyhow::Result<ArrayRef> {
        let values: Vec<i32> = values.into_iter().map(i32::try_from).collect::<Result<_, _>>().context("a 32-bit value out of range")?;
        Ok(Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(values), nulls)))
    }
    Ok(match t {
        DataType::Int32 => narrow::<Int32Type>(values, nulls)?,
        DataType::Date32 => narrow::<Date32Type>(values, nulls)?,
        DataType::Int64 => Arc::new(PrimitiveArray::<Int64Type>::new(ScalarBuffer::from(values), nulls)),
        DataType::Timestamp(..) => Arc::new(PrimitiveArray::<TimestampMillisecondType>::new(ScalarBuffer::from(values), nulls)),
        _ => unreachable!("an integer type"),
    })
}

fn take_text(r: &mut Reader, rows: usize, nulls: Option<NullBuffer>) -> anyhow::Result<StringArray> {
    let (offsets, data) = match r.u8()? {
        TEXT_SAME => {
            let len = r.uvarint()? as usize;
            let v = r.take(len)?;
            // At most what the entry's own bytes could hold as rows of text (a damaged count or
            // length must not ask for gigabytes).
            let total = len.checked_mul(rows).filter(|&t| t <= (i32::MAX as usize).min(r.bytes.len().saturating_mul(64))).context("repeated text too long")?;
            let offsets: Vec<i32> = (0..=rows).map(|i| (i * len) as i32).collect();
            let mut data = Vec::with_capacity(total);
            for _ in 0..rows {
                data.extend_from_slice(v);
            }
            (offsets, data)
        }
        TEXT_ROWS => {
            ensure!(rows <= r.bytes.len() - r.at, "{rows} lengths beyond the entry");
            let mut offsets = Vec::with_capacity(rows + 1);
            offsets.push(0i32);
            let mut end = 0usize;
            for _ in 0..rows {
                end = end.checked_add(r.uvarint()? as usize).filter(|&e| e <= i32::MAX as usize).context("text too long")?;
                offsets.push(end as i32);
            }
            (offsets, r.take(end)?.to_vec())
        }
        k => bail!("text kind {k}"),
    };
    Ok(StringArray::try_new(OffsetBuffer::new(ScalarBuffer::from(offsets)), Buffer::from_vec(data), nulls)?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use arrow::array::{Date32Array, Float64Array, Int32Array, Int64Array, TimestampMillisecondArray};
    use arrow::ipc::writer::StreamWriter;

    /// The batch as an Arrow IPC stream: every buffer, values under null slots and the bytes of
    /// null bitmaps included, so equal streams mean equal buffers.
    pub(crate) fn ipc(b: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = StreamWriter::try_new(&mut out, &b.schema()).unwrap();
        w.write(b).unwrap();
        w.finish().unwrap();
        drop(w);
        out
    }

    /// A table definition with one column of each type (nullable or not), for crafted batches.
    fn all_types() -> crate::schema::Catalog {
        let columns = [
            ("id", "utf8", false),
            ("text", "utf8", true),
            ("i32", "int32", true),
            ("i64", "int64", false),
            ("f64", "float64", true),
            ("flag", "bool", true),
            ("day", "date32", true),
            ("at", "timestamp_ms", true),
        ];
        let mut toml = String::from("schema_version = \"test\"\n[[tables]]\nname = \"crafted\"\ndescription = \"one column of each type\"\n");
        for (name, ty, nullable) in columns {
            toml += &format!("[[tables.columns]]\nname = \"{name}\"\ntype = \"{ty}\"\nnullable = {nullable}\ndescription = \"x\"\n");
        }
        crate::schema::Catalog::parse(&toml).unwrap()
    }

    fn round_trip(def: &TableDef, b: &RecordBatch) -> RecordBatch {
        let mut out = Vec::new();
        put_batch(&mut out, def, b).unwrap();
        let mut r = Reader::new(&out);
        let back = take_batch(&mut r, def).unwrap();
        assert!(r.is_empty());
        back
    }

    fn nulls(valid: &[bool]) -> Option<NullBuffer> {
        Some(NullBuffer::from(valid.to_vec()))
    }

    /// Rows of every type with the awkward values: nulls over non-zero values, a null buffer
    /// with no null in it, extreme integers (steps that wrap), NaN and -0.0, empty text,
    /// multi-byte text, a column holding one value in every row.
    fn crafted(def: &TableDef) -> RecordBatch {
        let n = 6;
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec!["2ee2e79b26ac3452"; n])),
            Arc::new(StringArray::try_new(OffsetBuffer::from_lengths([3, 0, 6, 3, 0, 12]), Buffer::from("abc社会xyz零售总额ab".as_bytes()), nulls(&[true, true, true, false, true, true])).unwrap()),
            Arc::new(Int32Array::new(vec![5, 7, -3, i32::MAX, i32::MIN, 0].into(), nulls(&[true, false, true, true, true, true]))),
            Arc::new(Int64Array::from(vec![i64::MIN, i64::MAX, 0, -1, 1 << 40, i64::MIN])),
            Arc::new(Float64Array::new(vec![1.5, f64::NAN, -0.0, f64::INFINITY, 449.7, 1e8].into(), nulls(&[true; 6]))),
            Arc::new(BooleanArray::new(BooleanBuffer::from(vec![true, false, true, true, false, true]), nulls(&[false, true, true, true, true, false]))),
            Arc::new(Date32Array::new(vec![19000, 19001, -5, 0, 20000, 1].into(), None)),
            Arc::new(TimestampMillisecondArray::new(vec![1_700_000_000_000, 0, -1, 5, i64::MAX, 3].into(), nulls(&[false; 6]))),
        ];
        RecordBatch::try_new(def.arrow_schema(), cols).unwrap()
    }

    #[test]
    fn every_type_reads_back_buffer_for_buffer() {
        let cat = all_types();
        let def = cat.table("crafted");
        let b = crafted(def);
        let back = round_trip(def, &b);
        assert_eq!(back, b);
        assert_eq!(ipc(&back), ipc(&b));
        // Null buffers are kept exactly where the array had one, even with no null in it.
        for (x, y) in back.columns().iter().zip(b.columns()) {
            assert_eq!(x.nulls().is_some(), y.nulls().is_some());
        }
        // No rows at all.
        let empty = b.slice(0, 0);
        assert_eq!(ipc(&round_trip(def, &empty)), ipc(&empty));
    }

    /// A batch that is a slice of a larger one (its arrays start past their buffers' first
    /// value or bit) reads back with the slice's values.
    #[test]
    fn a_sliced_batch_reads_back_its_own_rows() {
        let cat = all_types();
        let def = cat.table("crafted");
        let b = crafted(def);
        for (from, len) in [(1, 4), (3, 3), (5, 1)] {
            let part = b.slice(from, len);
            let back = round_trip(def, &part);
            assert_eq!(back, part, "slice {from}+{len}");
            assert!(ipc(&back) == ipc(&part), "slice {from}+{len}");
        }
        // Null maps and booleans over several bytes, sliced at an unaligned row.
        let long = arrow::compute::concat_batches(&b.schema(), &[b.clone(), b.clone(), b.clone(), b.clone()]).unwrap();
        let part = long.slice(3, 17);
        let back = round_trip(def, &part);
        assert_eq!(back, part);
        assert!(ipc(&back) == ipc(&part));
    }

    /// One value in every row is written once; a column that only looks repeated when its rows
    /// are run together (a, aa, "" against a a a) is not taken for one.
    #[test]
    fn text_is_taken_for_one_value_only_when_every_row_holds_it() {
        let one = StringArray::from(vec!["2ee2e79b26ac3452"; 1000]);
        let mut out = Vec::new();
        put_text(&mut out, &one);
        assert_eq!(out.len(), 2 + 16);
        let tricky = StringArray::from(vec!["a", "aa", ""]);
        let mut out = Vec::new();
        put_text(&mut out, &tricky);
        assert_eq!(out[0], TEXT_ROWS);
        let mut r = Reader::new(&out);
        assert_eq!(take_text(&mut r, 3, None).unwrap(), tricky);
        // All-empty text is one (empty) value too.
        let blank = StringArray::from(vec![""; 4]);
        let mut out = Vec::new();
        put_text(&mut out, &blank);
        assert_eq!(out, [TEXT_SAME, 0]);
        let mut r = Reader::new(&out);
        assert_eq!(take_text(&mut r, 4, None).unwrap(), blank);
    }

    /// A truncated encoding is an error; an altered one is an error or other rows, never a
    /// panic (what the bit flips check), and never text that is not UTF-8.
    #[test]
    fn damaged_encodings_are_refused_without_a_panic() {
        let cat = all_types();
        let def = cat.table("crafted");
        let mut out = Vec::new();
        put_batch(&mut out, def, &crafted(def)).unwrap();
        for cut in 0..out.len() {
            assert!(take_batch(&mut Reader::new(&out[..cut]), def).is_err(), "cut at {cut} accepted");
        }
        for at in 0..out.len() {
            for bit in [0x01, 0x80, 0xff] {
                let mut bad = out.clone();
                bad[at] ^= bit;
                let _ = take_batch(&mut Reader::new(&bad), def);
            }
        }
        // Text that is not UTF-8 is refused.
        let mut bytes = vec![TEXT_ROWS, 2];
        bytes.extend_from_slice(&[0xe7, 0xbb]);
        assert!(take_text(&mut Reader::new(&bytes), 1, None).is_err());
        // A column of another type, nulls in a required column, a 32-bit value out of range.
        let mut bad = out.clone();
        bad[1] = 7;
        assert!(take_batch(&mut Reader::new(&bad), def).is_err());
        let tokens = crate::schema::catalog().table("tokens");
        let mut t = crate::sink::TableBuffer::new(tokens);
        t.repeated_str_column(tokens.col("doc_id"), "2ee2e79b26ac3452", 2);
        for c in ["sentence_index", "token_index", "char_start", "char_end"] {
            t.ints_column(tokens.col(c), [0i64, 1].into_iter());
        }
        t.strs_column(tokens.col("word"), ["经济", "增长"].into_iter());
        t.strs_column(tokens.col("pos"), ["n", "v"].into_iter());
        t.end_rows(2);
        let mut good = Vec::new();
        put_batch(&mut good, tokens, &t.finish()).unwrap();
        assert!(take_batch(&mut Reader::new(&good), tokens).is_ok());
        // Row count 2, then doc_id: type tag, null flag 0 -> 1 with a bitmap marking row 1 null.
        let mut nulled = good.clone();
        assert_eq!(&nulled[..3], &[2, 1, 0]);
        nulled[2] = 1;
        nulled.insert(3, 0b01);
        assert!(take_batch(&mut Reader::new(&nulled), tokens).unwrap_err().to_string().contains("non-nullable"));
        // sentence_index's steps (after the row count, doc_id's tag, null flag, kind, length and
        // 16 bytes, and its own tag and null flag): 0, 1 -> 0, 2^31.
        let at = 1 + 4 + 16 + 2;
        assert_eq!(&good[at..at + 2], &[0, 2]);
        let mut wide = good[..at].to_vec();
        wide.push(0);
        put_uvarint(&mut wide, zigzag(1 << 31));
        wide.extend_from_slice(&good[at + 2..]);
        assert!(take_batch(&mut Reader::new(&wide), tokens).is_err());
        // A huge row count is refused before anything is allocated for it.
        let mut huge = Vec::new();
        put_uvarint(&mut huge, u64::MAX >> 1);
        assert!(take_batch(&mut Reader::new(&huge), def).is_err());
    }

    #[test]
    fn varints_and_zigzag_cover_the_whole_range() {
        for v in [0i64, 1, -1, 63, -64, 64, 1 << 40, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
            let mut out = Vec::new();
            put_uvarint(&mut out, zigzag(v));
            assert_eq!(Reader::new(&out).uvarint().unwrap(), zigzag(v));
        }
        // Small steps take one byte.
        let mut out = Vec::new();
        put_steps(&mut out, [10i64, 11, 12, 12, 9].into_iter());
        assert_eq!(out.len(), 5);
        // An 11th varint byte is refused.
        assert!(Reader::new(&[0x80; 11]).uvarint().is_err());
    }
}
