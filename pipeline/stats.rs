//! `govreport stats OUTPUT`: a summary of a dataset, computed with polars over the written
//! tables as a user would: documents by status, script, level and year; indicators by measure
//! and code; the most frequent issues. Row counts come from the files' metadata and every query
//! scans only the columns it groups by (`tokens`, the largest table, is not read at all).

use std::fmt::Write;
use std::fs::File;
use std::path::Path;

use polars::prelude::*;

/// Rows printed of each distribution: a summary wants the whole of most of them.
const MAX_ROWS: usize = 25;

/// A lazy scan of one table: only the columns a query selects are read.
fn scan(dir: &Path, table: &str) -> anyhow::Result<LazyFrame> {
    let path = dir.join(format!("{table}.parquet"));
    anyhow::ensure!(path.is_file(), "{} is missing; run `govreport run --output {}` first", path.display(), dir.display());
    let path = path.to_str().ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", path.display()))?;
    Ok(LazyFrame::scan_parquet(PlRefPath::from(path), ScanArgsParquet::default())?)
}

/// The row count and column names of one table, from its metadata.
fn shape(dir: &Path, table: &str) -> anyhow::Result<(usize, Vec<String>)> {
    let path = dir.join(format!("{table}.parquet"));
    let f = File::open(&path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let mut r = ParquetReader::new(f);
    let names = r.schema()?.iter_names().map(|n| n.to_string()).collect();
    Ok((r.num_rows()?, names))
}

/// Counts of `by` in a scan, most frequent first, ties by the key so output is stable.
fn counts(lf: LazyFrame, by: &[&str]) -> anyhow::Result<DataFrame> {
    let keys: Vec<Expr> = by.iter().map(|c| col(*c)).collect();
    let mut sort_cols: Vec<PlSmallStr> = vec!["rows".into()];
    sort_cols.extend(by.iter().map(|c| PlSmallStr::from(*c)));
    let mut desc = vec![true];
    desc.extend(by.iter().map(|_| false));
    Ok(lf
        .select(keys.clone())
        .group_by(keys)
        .agg([len().alias("rows")])
        .sort(sort_cols, SortMultipleOptions::default().with_order_descending_multi(desc).with_nulls_last(true))
        .collect()?)
}

/// A frame as an aligned text table, the first `max_rows` rows of it.
fn table(df: &DataFrame, max_rows: usize) -> String {
    let names: Vec<String> = df.columns().iter().map(|c| c.name().to_string()).collect();
    let shown = df.height().min(max_rows);
    let cells: Vec<Vec<String>> = (0..shown)
        .map(|r| {
            df.columns()
                .iter()
                .map(|c| match c.get(r) {
                    Ok(AnyValue::Null) | Err(_) => "null".to_string(),
                    Ok(v) => v.get_str().map_or_else(|| v.to_string(), str::to_string),
                })
                .collect()
        })
        .collect();
    let width = |k: usize| cells.iter().map(|row| row[k].chars().count()).chain([names[k].chars().count()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..names.len()).map(width).collect();
    let line = |row: &[String]| -> String {
        let parts: Vec<String> = row.iter().zip(&widths).map(|(c, &w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
        format!("  {}", parts.join("  ").trim_end())
    };
    let mut s = line(&names);
    s.push('\n');
    s.push_str(&line(&widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>()));
    for row in &cells {
        s.push('\n');
        s.push_str(&line(row));
    }
    if df.height() > shown {
        let _ = write!(s, "\n  … {} more rows", df.height() - shown);
    }
    s
}

/// The summary as text.
pub fn summary(dir: &Path) -> anyhow::Result<String> {
    let mut s = String::new();
    let (n_docs, doc_cols) = shape(dir, "documents")?;
    let (n_ind, _) = shape(dir, "indicators")?;
    let (n_issues, _) = shape(dir, "issues")?;
    let _ = writeln!(s, "dataset: {}\n", dir.display());
    let _ = writeln!(s, "{n_docs} documents, {n_ind} indicators, {n_issues} issues\n");
    for by in ["status", "script", "admin_level", "report_year", "doc_type"] {
        if !doc_cols.iter().any(|c| c == by) {
            continue;
        }
        let _ = writeln!(s, "documents by {by}:\n{}\n", table(&counts(scan(dir, "documents")?, &[by])?, MAX_ROWS));
    }
    let ind = || scan(dir, "indicators");
    let _ = writeln!(s, "indicators by measure and unit:\n{}\n", table(&counts(ind()?, &["measure", "unit"])?, MAX_ROWS));
    let coded = ind()?.filter(col("indicator_code").is_not_null());
    let n_coded = coded.clone().select([len()]).collect()?.column("len")?.u32()?.get(0).unwrap_or(0);
    let by_code = counts(coded, &["indicator_code", "measure"])?;
    let _ = writeln!(s, "indicators by code ({n_coded} of {n_ind} rows coded):\n{}\n", table(&by_code, MAX_ROWS));
    let _ = writeln!(s, "indicators by status and year:\n{}\n", table(&counts(ind()?, &["status", "year"])?, MAX_ROWS));
    let top = counts(scan(dir, "issues")?, &["stage", "severity", "code"])?;
    let _ = writeln!(s, "top issues:\n{}", table(&top, 15));
    Ok(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn summary_of_a_seed_run_names_every_section() {
        let out = tempfile::tempdir().unwrap();
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        crate::runner::run(&crate::runner::RunConfig::new(seeds, out.path())).unwrap();
        let s = super::summary(out.path()).unwrap();
        assert!(s.contains("5 documents"), "{s}");
        for part in ["documents by status", "indicators by measure and unit", "indicators by code", "top issues"] {
            assert!(s.contains(part), "{part} missing:\n{s}");
        }
        assert!(s.contains("retail_sales"), "{s}");
    }
}
