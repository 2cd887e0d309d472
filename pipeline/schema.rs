//! The table definitions of `schemas/tables.toml`, loaded once and turned into Arrow schemas.
//!
//! This is the only place that knows how a schema type maps to Arrow and to polars; writers,
//! the validator, tests and the generated dataset card all go through [`catalog`].

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use serde::Deserialize;

/// The embedded table definitions (the file in `schemas/`, compiled into the binary).
pub const TABLES_TOML: &str = include_str!("../schemas/tables.toml");

/// A column type as written in `schemas/tables.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Utf8,
    Int32,
    Int64,
    Float64,
    Bool,
    Date32,
    /// A wall-clock time without a time zone, stored as Parquet TIMESTAMP(MILLIS): Parquet has
    /// no seconds unit, and an Arrow second timestamp would reach pyarrow and DuckDB as int64.
    TimestampMs,
}

impl ColumnType {
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Utf8 => DataType::Utf8,
            ColumnType::Int32 => DataType::Int32,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Date32 => DataType::Date32,
            ColumnType::TimestampMs => DataType::Timestamp(TimeUnit::Millisecond, None),
        }
    }

    /// The name polars prints for the dtype it reads this column as.
    pub fn polars_name(self) -> &'static str {
        match self {
            ColumnType::Utf8 => "str",
            ColumnType::Int32 => "i32",
            ColumnType::Int64 => "i64",
            ColumnType::Float64 => "f64",
            ColumnType::Bool => "bool",
            ColumnType::Date32 => "date",
            ColumnType::TimestampMs => "datetime[ms]",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Utf8 => "utf8",
            ColumnType::Int32 => "int32",
            ColumnType::Int64 => "int64",
            ColumnType::Float64 => "float64",
            ColumnType::Bool => "bool",
            ColumnType::Date32 => "date32",
            ColumnType::TimestampMs => "timestamp_ms",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    pub nullable: bool,
    pub description: String,
    #[serde(default)]
    pub example: Option<String>,
    /// Parquet dictionary encoding for a text column. On by default: most text columns repeat
    /// (doc_id, pos, unit, …). Columns whose values are nearly all distinct (a sentence's text)
    /// say `dictionary = false`, so the writer does not hash every value into a dictionary it
    /// then abandons. Number columns never use a dictionary (see `sink::writer`).
    #[serde(default = "yes")]
    pub dictionary: bool,
    /// Min/max statistics per row group in the Parquet file. On by default (readers skip row
    /// groups with them). Columns whose values span every row group anyway (free text, words,
    /// parts of speech, a token's document hash, sentence index and offsets, which restart in
    /// every document) say `statistics = false`: their min/max could never prune a row group and
    /// cost the writer a comparison per value. Null counts are unaffected for non-nullable
    /// columns: those are `REQUIRED` in the file and cannot hold a null.
    #[serde(default = "yes")]
    pub statistics: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub sort_key: Vec<String>,
    /// Rows come grouped by document, in the order of the documents table.
    #[serde(default)]
    pub grouped_by_document: bool,
    /// Rows of a few bytes each once encoded (`tokens`, `keywords`): written in larger Parquet
    /// row groups (see `sink::writer::row_group_rows`).
    #[serde(default)]
    pub narrow_rows: bool,
    pub columns: Vec<ColumnDef>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    #[serde(skip)]
    arrow: Option<Arc<Schema>>,
}

impl TableDef {
    /// Position of a column; panics with the table's name when the code asks for a column the
    /// schema does not define (a programming error that every test run would catch).
    pub fn col(&self, name: &str) -> usize {
        match self.index.get(name) {
            Some(&i) => i,
            None => panic!("table `{}` has no column `{name}` in schemas/tables.toml", self.name),
        }
    }

    pub fn try_col(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn arrow_schema(&self) -> Arc<Schema> {
        self.arrow.clone().expect("schema built at load")
    }

    /// How the rows are ordered, in one sentence for the data dictionary and dataset cards.
    pub fn order_note(&self) -> Option<String> {
        let keys = self.sort_key.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        match (self.grouped_by_document, keys.is_empty()) {
            (true, false) => Some(format!("Rows are grouped by document, in the order of `documents`, and ordered by {keys} within a document.")),
            (true, true) => Some("Rows are grouped by document, in the order of `documents`.".to_string()),
            (false, false) => Some(format!("Rows are ordered by {keys}.")),
            (false, true) => None,
        }
    }

    /// The table as Markdown: description, row order, and a row per column (with examples when
    /// asked). `heading` is the section title line.
    pub fn markdown(&self, heading: &str, with_examples: bool) -> String {
        use std::fmt::Write;
        let mut s = format!("{heading}\n\n{}\n\n", self.description);
        if let Some(note) = self.order_note() {
            let _ = writeln!(s, "{note}\n");
        }
        let esc = |x: &str| x.replace('|', "\\|");
        if with_examples {
            let _ = writeln!(s, "| column | type | nullable | meaning | example |\n|---|---|---|---|---|");
        } else {
            let _ = writeln!(s, "| column | type | nullable | meaning |\n|---|---|---|---|");
        }
        for c in &self.columns {
            let _ = write!(s, "| `{}` | {} | {} | {} |", c.name, c.ty.as_str(), if c.nullable { "yes" } else { "no" }, esc(&c.description));
            if with_examples {
                let _ = write!(s, " {} |", esc(c.example.as_deref().unwrap_or("")));
            }
            s.push('\n');
        }
        s.push('\n');
        s
    }

    pub fn file_name(&self, ext: &str) -> String {
        format!("{}.{}", self.name, ext)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub schema_version: String,
    pub tables: Vec<TableDef>,
}

impl Catalog {
    pub fn parse(text: &str) -> anyhow::Result<Catalog> {
        let mut cat: Catalog = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("schemas/tables.toml is not valid: {e}"))?;
        for t in &mut cat.tables {
            let mut fields = Vec::with_capacity(t.columns.len());
            for (i, c) in t.columns.iter().enumerate() {
                if t.index.insert(c.name.clone(), i).is_some() {
                    anyhow::bail!("table `{}` defines column `{}` twice", t.name, c.name);
                }
                fields.push(Field::new(&c.name, c.ty.arrow(), c.nullable));
            }
            for k in &t.sort_key {
                if !t.index.contains_key(k) {
                    anyhow::bail!("table `{}` sorts by unknown column `{k}`", t.name);
                }
            }
            let mut meta = HashMap::new();
            meta.insert("govreport.table".to_string(), t.name.clone());
            meta.insert("govreport.schema_version".to_string(), cat.schema_version.clone());
            t.arrow = Some(Arc::new(Schema::new_with_metadata(fields, meta)));
        }
        Ok(cat)
    }

    pub fn table(&self, name: &str) -> &TableDef {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("schemas/tables.toml defines no table `{name}`"))
    }
}

/// The embedded catalog, parsed once per process.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(TABLES_TOML).expect("embedded schemas/tables.toml parses"))
}

/// The data dictionary: every table and column from `schemas/tables.toml`, as text or Markdown.
pub fn dictionary(markdown: bool) -> String {
    use std::fmt::Write;
    let cat = catalog();
    let mut s = String::new();
    if markdown {
        let _ = writeln!(s, "# Data dictionary (schema {})\n", cat.schema_version);
        let _ = writeln!(s, "Generated from `schemas/tables.toml` by `govreport schema --markdown`; do not edit by hand.\n");
        for t in &cat.tables {
            s.push_str(&t.markdown(&format!("## `{}`", t.name), true));
        }
    } else {
        for t in &cat.tables {
            let _ = writeln!(s, "{}: {}", t.name, t.description);
            for c in &t.columns {
                let _ = writeln!(s, "  {:<20} {:<12} {:<9} {}", c.name, c.ty.as_str(), if c.nullable { "nullable" } else { "required" }, c.description);
            }
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_parses_and_has_the_core_tables() {
        let cat = catalog();
        for t in ["documents", "paragraphs", "sentences", "tokens", "indicators", "issues"] {
            let def = cat.table(t);
            assert!(!def.columns.is_empty());
            assert_eq!(def.arrow_schema().fields().len(), def.columns.len());
        }
        // The columns score_indicators.py reads.
        let ind = cat.table("indicators");
        for c in ["source_file", "source_line", "indicator", "measure", "value", "unit",
                  "qualifier", "status", "year", "rank_scope"] {
            ind.col(c);
        }
    }

    #[test]
    fn duplicate_columns_are_rejected() {
        let bad = r#"
schema_version = "x"
[[tables]]
name = "t"
description = "d"
  [[tables.columns]]
  name = "a"
  type = "utf8"
  nullable = false
  description = "d"
  [[tables.columns]]
  name = "a"
  type = "int32"
  nullable = false
  description = "d"
"#;
        let err = Catalog::parse(bad).unwrap_err().to_string();
        assert!(err.contains("twice"), "{err}");
    }
}
