//! A columnar row buffer for one table, typed by its definition in `schemas/tables.toml`.
//!
//! Emitters look a column up by name once, then either push one value per column per row, or
//! hand over whole columns (from an iterator over the document's items) and close the rows
//! with [`TableBuffer::end_rows`]. Whole columns are built straight into exact-size Arrow
//! buffers, laid out as the builders lay them out, so the batch, the Parquet bytes and the Arrow
//! IPC bytes are the same either way; the per-document tables use them (the tokens table has
//! ~190k rows per MB of input). Either way the buffer checks that every row fills every column
//! exactly once and that nulls only go where the schema allows them, so a writer can never
//! drift from the schema.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, Date32Builder, Float64Array, Float64Builder, Int32Array, Int32Builder,
    Int64Array, Int64Builder, StringArray, StringBuilder, TimestampMillisecondBuilder,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::record_batch::RecordBatch;

use crate::schema::{ColumnType, TableDef};

enum Col {
    Utf8(StringBuilder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    Bool(BooleanBuilder),
    Date32(Date32Builder),
    TimestampMs(TimestampMillisecondBuilder),
    /// A whole column given at once (see [`TableBuffer::strs_column`]): built straight into its
    /// final buffers, with no builder to grow and no per-value bookkeeping.
    Whole(ArrayRef),
}

/// Bytes of text reserved per row of a string column when the row count is known up front (a
/// word is a few bytes, a sentence a hundred; the builder grows past it when needed).
const TEXT_BYTES_PER_ROW: usize = 16;

/// A value for an int32 column; a value out of range is a bug in the emitter, not bad input.
fn to_i32(x: i64) -> i32 {
    i32::try_from(x).unwrap_or_else(|_| panic!("{x} overflows int32"))
}

impl Col {
    fn new(ty: ColumnType, rows: usize) -> Col {
        match ty {
            ColumnType::Utf8 => Col::Utf8(StringBuilder::with_capacity(rows, rows * TEXT_BYTES_PER_ROW)),
            ColumnType::Int32 => Col::Int32(Int32Builder::with_capacity(rows)),
            ColumnType::Int64 => Col::Int64(Int64Builder::with_capacity(rows)),
            ColumnType::Float64 => Col::Float64(Float64Builder::with_capacity(rows)),
            ColumnType::Bool => Col::Bool(BooleanBuilder::with_capacity(rows)),
            ColumnType::Date32 => Col::Date32(Date32Builder::with_capacity(rows)),
            ColumnType::TimestampMs => Col::TimestampMs(TimestampMillisecondBuilder::with_capacity(rows)),
        }
    }

    fn len(&self) -> usize {
        use arrow::array::ArrayBuilder;
        match self {
            Col::Utf8(b) => b.len(),
            Col::Int32(b) => b.len(),
            Col::Int64(b) => b.len(),
            Col::Float64(b) => b.len(),
            Col::Bool(b) => b.len(),
            Col::Date32(b) => b.len(),
            Col::TimestampMs(b) => b.len(),
            Col::Whole(a) => a.len(),
        }
    }

    /// The column's values as an array; the column is empty afterwards (a whole column gives
    /// way to a fresh builder of its type).
    fn finish(&mut self, ty: ColumnType) -> ArrayRef {
        match self {
            Col::Utf8(b) => Arc::new(b.finish()),
            Col::Int32(b) => Arc::new(b.finish()),
            Col::Int64(b) => Arc::new(b.finish()),
            Col::Float64(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Date32(b) => Arc::new(b.finish()),
            Col::TimestampMs(b) => Arc::new(b.finish()),
            Col::Whole(a) => {
                let a = a.clone();
                *self = Col::new(ty, 0);
                a
            }
        }
    }
}

/// A string array from values known up front: one pass sums the lengths, so the value buffer
/// is allocated once at its exact size (a builder reserves a guess and grows, copying). Nulls
/// are laid out as a builder lays them out (an empty slice, and a validity bitmap only when
/// there is a null), so the array is the same to a reader and in Arrow IPC.
fn string_array<'a, V: Into<Option<&'a str>>>(values: impl Iterator<Item = V> + Clone) -> StringArray {
    let (n, bytes, nulls) = values.clone().fold((0usize, 0usize, 0usize), |(n, b, z), v| match v.into() {
        Some(v) => (n + 1, b + v.len(), z),
        None => (n + 1, b, z + 1),
    });
    let mut offsets = Vec::with_capacity(n + 1);
    let mut data = Vec::with_capacity(bytes);
    // The validity bits come from the same pass as the offsets, so they can never disagree with
    // them in length, whatever the iterator does on a second walk.
    let mut valid = Vec::with_capacity(if nulls > 0 { n } else { 0 });
    offsets.push(0i32);
    for v in values {
        let v = v.into();
        if nulls > 0 {
            valid.push(v.is_some());
        }
        let v = v.unwrap_or_default().as_bytes();
        // The first pass sized `data` exactly: a value that outgrows it is a second walk that
        // gave other values (caught by the assertion below), and takes the plain way.
        if !push_short(&mut data, v) {
            data.extend_from_slice(v);
        }
        offsets.push(offset(data.len()));
    }
    assert_eq!(data.len(), bytes, "the values changed between the two passes");
    let validity: Option<NullBuffer> = (nulls > 0).then(|| valid.into_iter().collect());
    assert!(validity.as_ref().is_none_or(|v| v.len() + 1 == offsets.len()), "validity and offsets differ in length");
    // SAFETY: the offsets start at 0, rise, end at the buffer's length and fall between whole
    // `&str`s, so every slice is valid UTF-8 (what `try_new` would check, byte by byte); the
    // validity bitmap, when there is one, has one bit per offset pair (checked just above).
    unsafe { StringArray::new_unchecked(OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)), Buffer::from_vec(data), validity) }
}

/// Appends `v` to `data` if `v` is at most 16 bytes and `data` has room for it without
/// growing; else leaves `data` as it is and returns false. Most values of a text column are a
/// word or a tag of a few bytes (a `tokens` row each, twenty million per 100 MB of input), and
/// `extend_from_slice` calls `memmove` for each, whose dispatch costs more than the copy: a
/// short value is copied as two fixed-size loads and stores that overlap in the middle (both
/// within the value and within the room), so there is no call and no branch per byte.
#[inline(always)]
fn push_short(data: &mut Vec<u8>, v: &[u8]) -> bool {
    let n = v.len();
    if n > 16 || data.capacity() - data.len() < n {
        return false;
    }
    // SAFETY: `data` has room for `n` more bytes (checked just above), every read below lies
    // within `v` and every write within those `n` bytes, and the new length covers exactly the
    // bytes written.
    unsafe {
        let dst = data.as_mut_ptr().add(data.len());
        let src = v.as_ptr();
        if n >= 8 {
            let (a, b) = (src.cast::<u64>().read_unaligned(), src.add(n - 8).cast::<u64>().read_unaligned());
            dst.cast::<u64>().write_unaligned(a);
            dst.add(n - 8).cast::<u64>().write_unaligned(b);
        } else if n >= 4 {
            let (a, b) = (src.cast::<u32>().read_unaligned(), src.add(n - 4).cast::<u32>().read_unaligned());
            dst.cast::<u32>().write_unaligned(a);
            dst.add(n - 4).cast::<u32>().write_unaligned(b);
        } else if n > 0 {
            // 1 to 3 bytes: first, middle and last (the same byte when n is 1).
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
        data.set_len(data.len() + n);
    }
    true
}

/// The values of a primitive column (a builder's layout: the default value under a null). For
/// non-optional values the null test compiles away, so the loop is a plain copy.
fn primitive_values<S, T: Default, V: Into<Option<S>>>(
    values: impl Iterator<Item = V> + Clone,
    mut convert: impl FnMut(S) -> T,
) -> (Vec<T>, Option<NullBuffer>) {
    let mut any_null = false;
    let v = values
        .clone()
        .map(|v| match v.into() {
            Some(v) => convert(v),
            None => {
                any_null = true;
                T::default()
            }
        })
        .collect();
    (v, validity(any_null, values))
}

/// The validity bitmap of a column, made in a second pass only when it holds a null (a builder
/// makes none otherwise).
fn validity<T, V: Into<Option<T>>>(any_null: bool, values: impl Iterator<Item = V>) -> Option<NullBuffer> {
    any_null.then(|| values.map(|v| v.into().is_some()).collect())
}

/// `value` `n` times (a document's id on each of its rows): the bytes are copied by doubling
/// and the offsets are a multiplication.
fn repeated_string_array(value: &str, n: usize) -> StringArray {
    offset(value.len() * n);
    let offsets: Vec<i32> = (0..=n).map(|k| (k * value.len()) as i32).collect();
    // SAFETY: as in `string_array`: every slice is one whole copy of `value`.
    unsafe {
        StringArray::new_unchecked(OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets)), Buffer::from_vec(value.repeat(n).into_bytes()), None)
    }
}

/// A string column's end offset; more than 2 GB of text in one batch is a bug in the caller
/// (a builder panics there too).
fn offset(bytes: usize) -> i32 {
    i32::try_from(bytes).unwrap_or_else(|_| panic!("{bytes} bytes of text overflow a string column"))
}

/// Rows of one table under construction.
pub struct TableBuffer {
    def: &'static TableDef,
    cols: Vec<Col>,
    filled: usize,
    rows: usize,
}

impl TableBuffer {
    pub fn new(def: &'static TableDef) -> Self {
        Self::with_capacity(def, 0)
    }

    /// A buffer with room for `rows` rows, for emitters that know the count (a document's
    /// tokens): the builders then never reallocate and copy on the way.
    pub fn with_capacity(def: &'static TableDef, rows: usize) -> Self {
        let cols = def.columns.iter().map(|c| Col::new(c.ty, rows)).collect();
        TableBuffer { def, cols, filled: 0, rows: 0 }
    }

    /// Column position by name (look it up once, then push by position).
    pub fn col(&self, name: &str) -> usize {
        self.def.col(name)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    fn check_null(&self, i: usize, is_null: bool) {
        if is_null && !self.def.columns[i].nullable {
            panic!("null pushed into non-nullable column {}.{}", self.def.name, self.def.columns[i].name);
        }
    }

    fn wrong_type(&self, i: usize, what: &str) -> ! {
        let c = &self.def.columns[i];
        panic!("{} value pushed into {}.{} of type {}", what, self.def.name, c.name, c.ty.as_str())
    }

    pub fn str(&mut self, i: usize, v: Option<&str>) {
        self.check_null(i, v.is_none());
        match &mut self.cols[i] {
            Col::Utf8(b) => b.append_option(v),
            _ => self.wrong_type(i, "string"),
        }
        self.filled += 1;
    }

    /// Any integer column (int32 columns check the range).
    pub fn int(&mut self, i: usize, v: Option<i64>) {
        self.check_null(i, v.is_none());
        match &mut self.cols[i] {
            Col::Int64(b) => b.append_option(v),
            Col::Int32(b) => {
                let v32 = v.map(to_i32);
                b.append_option(v32)
            }
            _ => self.wrong_type(i, "integer"),
        }
        self.filled += 1;
    }

    pub fn float(&mut self, i: usize, v: Option<f64>) {
        self.check_null(i, v.is_none());
        match &mut self.cols[i] {
            Col::Float64(b) => b.append_option(v),
            _ => self.wrong_type(i, "float"),
        }
        self.filled += 1;
    }

    pub fn bool(&mut self, i: usize, v: Option<bool>) {
        self.check_null(i, v.is_none());
        match &mut self.cols[i] {
            Col::Bool(b) => b.append_option(v),
            _ => self.wrong_type(i, "bool"),
        }
        self.filled += 1;
    }

    /// A calendar date as days since 1970-01-01.
    pub fn date(&mut self, i: usize, days: Option<i32>) {
        self.check_null(i, days.is_none());
        match &mut self.cols[i] {
            Col::Date32(b) => b.append_option(days),
            _ => self.wrong_type(i, "date"),
        }
        self.filled += 1;
    }

    /// A wall-clock time as seconds since 1970-01-01 00:00:00 (no time zone).
    pub fn timestamp(&mut self, i: usize, secs: Option<i64>) {
        self.check_null(i, secs.is_none());
        match &mut self.cols[i] {
            Col::TimestampMs(b) => b.append_option(secs.map(|s| s * 1000)),
            _ => self.wrong_type(i, "timestamp"),
        }
        self.filled += 1;
    }

    /// Sets one whole column of integers (`i64` or `Option<i64>` values) for rows added column
    /// by column (see [`TableBuffer::end_rows`]): the checks run once per column, not once per
    /// value, and the values go straight into the array's buffer, which matters for the tokens
    /// table (~190k rows per MB of input).
    pub fn ints_column<V: Into<Option<i64>>>(&mut self, i: usize, values: impl Iterator<Item = V> + Clone) {
        let (array, nulls): (ArrayRef, bool) = match &self.cols[i] {
            Col::Int64(_) => {
                let (v, nulls) = primitive_values(values, |x: i64| x);
                (Arc::new(Int64Array::new(v.into(), nulls.clone())), nulls.is_some())
            }
            Col::Int32(_) => {
                // The range check is folded into one flag rather than a branch that may panic
                // per value, so the conversion stays a tight loop.
                let mut out_of_range = false;
                let (v, nulls) = primitive_values(values, |x: i64| {
                    out_of_range |= i64::from(x as i32) != x;
                    x as i32
                });
                if out_of_range {
                    self.wrong_range(i);
                }
                (Arc::new(Int32Array::new(v.into(), nulls.clone())), nulls.is_some())
            }
            _ => self.wrong_type(i, "integer"),
        };
        self.check_null(i, nulls);
        self.set_whole(i, array);
    }

    /// Sets one whole column of floats (`f64` or `Option<f64>`); see [`TableBuffer::ints_column`].
    pub fn floats_column<V: Into<Option<f64>>>(&mut self, i: usize, values: impl Iterator<Item = V> + Clone) {
        match &self.cols[i] {
            Col::Float64(_) => {}
            _ => self.wrong_type(i, "float"),
        }
        let (v, nulls) = primitive_values(values, |x: f64| x);
        self.check_null(i, nulls.is_some());
        self.set_whole(i, Arc::new(Float64Array::new(v.into(), nulls)));
    }

    #[cold]
    fn wrong_range(&self, i: usize) -> ! {
        let c = &self.def.columns[i];
        panic!("a value overflows int32 in {}.{}", self.def.name, c.name)
    }

    /// Sets one whole column of strings (`&str` or `Option<&str>`); see
    /// [`TableBuffer::ints_column`]. The values are walked twice (once to size the buffer
    /// exactly), so the iterator must be cheap to clone and give the same values both times.
    pub fn strs_column<'a, V: Into<Option<&'a str>>>(&mut self, i: usize, values: impl Iterator<Item = V> + Clone) {
        match &self.cols[i] {
            Col::Utf8(_) => {}
            _ => self.wrong_type(i, "string"),
        }
        let array = string_array(values);
        self.check_null(i, array.nulls().is_some());
        self.set_whole(i, Arc::new(array));
    }

    /// Sets one whole column holding `value` on each of `n` rows (a document's id); see
    /// [`TableBuffer::ints_column`].
    pub fn repeated_str_column(&mut self, i: usize, value: &str, n: usize) {
        match &self.cols[i] {
            Col::Utf8(_) => {}
            _ => self.wrong_type(i, "string"),
        }
        self.set_whole(i, Arc::new(repeated_string_array(value, n)));
    }

    /// A whole column replaces the column's builder, so the column must not hold values yet
    /// (whole columns are for a table built column by column in one go).
    fn set_whole(&mut self, i: usize, array: ArrayRef) {
        if self.cols[i].len() != 0 {
            let c = &self.def.columns[i];
            panic!("whole column given to {}.{}, which already holds values", self.def.name, c.name);
        }
        self.cols[i] = Col::Whole(array);
    }

    /// Closes `n` rows added column by column: every column must have received exactly `n`
    /// values, and no row may be half filled by the per-value methods.
    pub fn end_rows(&mut self, n: usize) {
        assert_eq!(self.filled, 0, "unfinished row in {}", self.def.name);
        for (c, def) in self.cols.iter().zip(&self.def.columns) {
            if c.len() != self.rows + n {
                panic!("column {}.{} has {} values for {} rows", self.def.name, def.name, c.len(), self.rows + n);
            }
        }
        self.rows += n;
    }

    /// Closes a row: every column must have received exactly one value.
    pub fn end_row(&mut self) {
        if self.filled != self.cols.len() {
            panic!(
                "row {} of {} filled {} of {} columns",
                self.rows, self.def.name, self.filled, self.cols.len()
            );
        }
        self.filled = 0;
        self.rows += 1;
    }

    /// Takes the rows so far as one record batch (the buffer is empty afterwards).
    pub fn finish(&mut self) -> RecordBatch {
        assert_eq!(self.filled, 0, "unfinished row in {}", self.def.name);
        let arrays: Vec<ArrayRef> = self.cols.iter_mut().zip(&self.def.columns).map(|(c, def)| c.finish(def.ty)).collect();
        self.rows = 0;
        RecordBatch::try_new(self.def.arrow_schema(), arrays)
            .unwrap_or_else(|e| panic!("batch for {} does not match its schema: {e}", self.def.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::catalog;

    #[test]
    fn a_full_row_builds_a_batch_with_the_schema() {
        let mut t = TableBuffer::new(catalog().table("sentences"));
        let cols: Vec<usize> = ["doc_id", "sentence_index", "paragraph_index", "source_line", "char_start", "char_end", "text"]
            .iter().map(|c| t.col(c)).collect();
        t.str(cols[0], Some("abc"));
        for &c in &cols[1..6] {
            t.int(c, Some(1));
        }
        t.str(cols[6], Some("句子。"));
        t.end_row();
        let b = t.finish();
        assert_eq!(b.num_rows(), 1);
        assert_eq!(b.schema(), catalog().table("sentences").arrow_schema());
    }

    #[test]
    fn whole_columns_build_the_same_batch_as_rows() {
        let def = catalog().table("tokens");
        let rows = [(0, 0, "营商环境", "n", 0, 4), (0, 1, "449.7亿元", "m", 4, 11), (1, 0, "。", "x", 11, 12)];
        let mut by_row = TableBuffer::new(def);
        let mut by_column = TableBuffer::new(def);
        let c = |n: &str| def.col(n);
        for (s, k, w, p, a, b) in rows {
            by_row.str(c("doc_id"), Some("d1"));
            by_row.int(c("sentence_index"), Some(s));
            by_row.int(c("token_index"), Some(k));
            by_row.str(c("word"), Some(w));
            by_row.str(c("pos"), Some(p));
            by_row.int(c("char_start"), Some(a));
            by_row.int(c("char_end"), Some(b));
            by_row.end_row();
        }
        by_column.strs_column(c("doc_id"), rows.iter().map(|_| "d1"));
        by_column.ints_column(c("sentence_index"), rows.iter().map(|r| r.0));
        by_column.ints_column(c("token_index"), rows.iter().map(|r| r.1));
        by_column.strs_column(c("word"), rows.iter().map(|r| r.2));
        by_column.strs_column(c("pos"), rows.iter().map(|r| r.3));
        by_column.ints_column(c("char_start"), rows.iter().map(|r| r.4));
        by_column.ints_column(c("char_end"), rows.iter().map(|r| r.5));
        by_column.end_rows(rows.len());
        assert_eq!(by_row.finish(), by_column.finish());
    }

    /// The whole-column arrays equal the builders' for edge cases: no rows, empty strings,
    /// multi-byte text, a repeated id; and the buffer is empty and reusable after `finish`.
    #[test]
    fn whole_string_columns_equal_the_builders() {
        let def = catalog().table("tokens");
        let c = |n: &str| def.col(n);
        // Every length up to past the short copy's 16 bytes, at every alignment, from ASCII,
        // CJK and mixed text.
        let mixed = "a营商环境bc449.7亿元，增长8.2%以上。Ü".repeat(3);
        let pieces: Vec<&str> = (0..mixed.len())
            .flat_map(|a| (a..=(a + 20).min(mixed.len())).map(move |b| (a, b)))
            .filter_map(|(a, b)| mixed.get(a..b))
            .collect();
        for words in [vec![], vec![""], vec!["", "营商环境", "", "a", "449.7亿元"], pieces] {
            let by_row = || {
                let mut t = TableBuffer::new(def);
                for (i, w) in words.iter().enumerate() {
                    t.str(c("doc_id"), Some("2ee2e79b26ac3452"));
                    for n in ["sentence_index", "token_index", "char_start", "char_end"] {
                        t.int(c(n), Some(i as i64));
                    }
                    t.str(c("word"), Some(w));
                    t.str(c("pos"), Some(if w.is_empty() { "x" } else { "n" }));
                    t.end_row();
                }
                t.finish()
            };
            let mut whole = TableBuffer::new(def);
            for round in 0..2 {
                whole.repeated_str_column(c("doc_id"), "2ee2e79b26ac3452", words.len());
                for n in ["sentence_index", "token_index", "char_start", "char_end"] {
                    whole.ints_column(c(n), 0..words.len() as i64);
                }
                whole.strs_column(c("word"), words.iter().copied());
                whole.strs_column(c("pos"), words.iter().map(|w| if w.is_empty() { "x" } else { "n" }));
                whole.end_rows(words.len());
                assert_eq!(whole.finish(), by_row(), "{words:?}, round {round}");
                assert_eq!(whole.rows(), 0);
            }
        }
    }

    /// The short copy appends exactly the value's bytes for every length it takes, whatever
    /// the room beyond (none, or more), and refuses, leaving the buffer as it was, a value
    /// longer than 16 bytes or one the buffer has no room for.
    #[test]
    fn short_values_are_appended_byte_for_byte_or_refused() {
        let text = "a营商环境bc449.7亿元，增长8.2%以上。".as_bytes();
        for n in 0..=20 {
            for at in [0, 1, 5, text.len() - n] {
                let v = &text[at..at + n];
                for room in [0, n, n + 9] {
                    let mut data = Vec::with_capacity(3 + room);
                    data.extend_from_slice(b"xyz");
                    let fits = n <= 16 && room >= n;
                    assert_eq!(push_short(&mut data, v), fits, "{n} bytes, room {room}");
                    let want = if fits { [&b"xyz"[..], v].concat() } else { b"xyz".to_vec() };
                    assert_eq!(data, want, "{n} bytes at {at}, room {room}");
                }
            }
        }
    }

    /// Nullable whole columns lay out values and validity as the builders do (the default value
    /// or an empty slice under a null, a bitmap only when there is a null): no nulls, some,
    /// all.
    #[test]
    fn nullable_whole_columns_equal_the_builders() {
        let def = catalog().table("paragraphs");
        let c = |n: &str| def.col(n);
        let cases: [Vec<(Option<i64>, Option<&str>)>; 4] = [
            vec![(Some(3), Some("一、总体要求"))],
            vec![(None, None), (Some(7), Some("")), (None, Some("二、主要任务")), (Some(9), None)],
            vec![(None, None), (None, None)],
            vec![],
        ];
        for rows in cases {
            let mut by_row = TableBuffer::new(def);
            for (k, (v, s)) in rows.iter().enumerate() {
                by_row.str(c("doc_id"), Some("d"));
                by_row.int(c("paragraph_index"), Some(k as i64));
                by_row.int(c("source_line"), Some(k as i64 + 1));
                by_row.int(c("char_start"), *v);
                by_row.int(c("char_end"), v.map(|x| x + 1));
                by_row.int(c("heading_level"), *v);
                by_row.str(c("section_path"), *s);
                by_row.str(c("section_role"), Some("body"));
                by_row.str(c("removed"), *s);
                by_row.str(c("text"), Some(s.unwrap_or("正文")));
                by_row.end_row();
            }
            let mut whole = TableBuffer::new(def);
            whole.repeated_str_column(c("doc_id"), "d", rows.len());
            whole.ints_column(c("paragraph_index"), 0..rows.len() as i64);
            whole.ints_column(c("source_line"), 1..rows.len() as i64 + 1);
            whole.ints_column(c("char_start"), rows.iter().map(|r| r.0));
            whole.ints_column(c("char_end"), rows.iter().map(|r| r.0.map(|x| x + 1)));
            whole.ints_column(c("heading_level"), rows.iter().map(|r| r.0));
            whole.strs_column(c("section_path"), rows.iter().map(|r| r.1));
            whole.strs_column(c("section_role"), rows.iter().map(|_| "body"));
            whole.strs_column(c("removed"), rows.iter().map(|r| r.1));
            whole.strs_column(c("text"), rows.iter().map(|r| r.1.unwrap_or("正文")));
            whole.end_rows(rows.len());
            let (a, b) = (whole.finish(), by_row.finish());
            assert_eq!(a, b, "{rows:?}");
            for (x, y) in a.columns().iter().zip(b.columns()) {
                assert_eq!(x.nulls(), y.nulls(), "{rows:?}");
                assert_eq!(x.to_data().buffers(), y.to_data().buffers(), "{rows:?}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "null pushed into non-nullable column paragraphs.text")]
    fn a_whole_column_refuses_a_null_where_the_schema_does() {
        let def = catalog().table("paragraphs");
        TableBuffer::new(def).strs_column(def.col("text"), [Some("a"), None].into_iter());
    }

    #[test]
    #[should_panic(expected = "a value overflows int32 in tokens.char_end")]
    fn a_whole_int32_column_checks_the_range() {
        let def = catalog().table("tokens");
        let mut t = TableBuffer::new(def);
        t.ints_column(def.col("char_end"), [1, i64::from(i32::MAX) + 1, 2].into_iter());
    }

    #[test]
    #[should_panic(expected = "already holds values")]
    fn a_whole_column_never_lands_on_values() {
        let def = catalog().table("keywords");
        let mut t = TableBuffer::new(def);
        t.str(def.col("doc_id"), Some("a"));
        t.repeated_str_column(def.col("doc_id"), "a", 1);
    }

    #[test]
    #[should_panic(expected = "has 1 values for 2 rows")]
    fn a_short_column_is_refused() {
        let def = catalog().table("keywords");
        let mut t = TableBuffer::new(def);
        t.strs_column(def.col("doc_id"), ["a", "b"].into_iter());
        t.ints_column(def.col("rank"), [1].into_iter());
        t.end_rows(2);
    }

    #[test]
    #[should_panic(expected = "filled 1 of")]
    fn a_short_row_is_refused() {
        let mut t = TableBuffer::new(catalog().table("sentences"));
        let c = t.col("doc_id");
        t.str(c, Some("abc"));
        t.end_row();
    }

    #[test]
    #[should_panic(expected = "null pushed into non-nullable")]
    fn null_in_a_required_column_is_refused() {
        let mut t = TableBuffer::new(catalog().table("sentences"));
        let c = t.col("text");
        t.str(c, None);
    }
}
