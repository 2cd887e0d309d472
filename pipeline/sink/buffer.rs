//! A columnar row buffer for one table, typed by its definition in `schemas/tables.toml`.
//!
//! Emitters look a column up by name once, then push one value per column per row; the buffer
//! checks that every row fills every column exactly once and that nulls only go where the schema
//! allows them, so a writer can never drift from the schema.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder,
    StringBuilder, TimestampMillisecondBuilder,
};
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
}

/// Bytes of text reserved per row of a string column when the row count is known up front (a
/// word is a few bytes, a sentence a hundred; the builder grows past it when needed).
const TEXT_BYTES_PER_ROW: usize = 16;

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

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Utf8(b) => Arc::new(b.finish()),
            Col::Int32(b) => Arc::new(b.finish()),
            Col::Int64(b) => Arc::new(b.finish()),
            Col::Float64(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Date32(b) => Arc::new(b.finish()),
            Col::TimestampMs(b) => Arc::new(b.finish()),
        }
    }
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
                let v32 = v.map(|x| i32::try_from(x).unwrap_or_else(|_| panic!("{x} overflows int32")));
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
        let arrays: Vec<ArrayRef> = self.cols.iter_mut().map(Col::finish).collect();
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
