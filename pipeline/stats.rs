//! `govreport stats OUTPUT`: a summary of a dataset, computed with polars over the written
//! tables as a user would: documents by status, script, level and year; indicators by measure
//! and code; the most frequent issues.

use std::fmt::Write;
use std::path::Path;

use polars::prelude::*;

use crate::validate::read_table;

/// Counts of `by` in a frame, most frequent first, ties by the key so output is stable.
fn counts(df: &DataFrame, by: &[&str]) -> anyhow::Result<DataFrame> {
    let keys: Vec<Expr> = by.iter().map(|c| col(*c)).collect();
    let mut sort_cols: Vec<PlSmallStr> = vec!["rows".into()];
    sort_cols.extend(by.iter().map(|c| PlSmallStr::from(*c)));
    let mut desc = vec![true];
    desc.extend(by.iter().map(|_| false));
    Ok(df
        .clone()
        .lazy()
        .group_by(keys)
        .agg([len().alias("rows")])
        .sort(sort_cols, SortMultipleOptions::default().with_order_descending_multi(desc).with_nulls_last(true))
        .collect()?)
}

fn present<'a>(df: &DataFrame, cols: &[&'a str]) -> Vec<&'a str> {
    cols.iter().copied().filter(|c| df.column(c).is_ok()).collect()
}

/// The summary as text.
pub fn summary(dir: &Path) -> anyhow::Result<String> {
    // polars prints 10 rows by default; a summary wants the whole distribution.
    if std::env::var_os("POLARS_FMT_MAX_ROWS").is_none() {
        std::env::set_var("POLARS_FMT_MAX_ROWS", "25");
    }
    let mut s = String::new();
    let docs = read_table(dir, "documents")?;
    let ind = read_table(dir, "indicators")?;
    let issues = read_table(dir, "issues")?;
    let _ = writeln!(s, "dataset: {}\n", dir.display());
    let _ = writeln!(s, "{} documents, {} indicators, {} issues\n", docs.height(), ind.height(), issues.height());
    for by in [&["status"][..], &["script"], &["admin_level"], &["report_year"], &["doc_type"]] {
        let cols = present(&docs, by);
        if cols.is_empty() {
            continue;
        }
        let _ = writeln!(s, "documents by {}:\n{}\n", cols.join(", "), counts(&docs, &cols)?);
    }
    let _ = writeln!(s, "indicators by measure and unit:\n{}\n", counts(&ind, &["measure", "unit"])?);
    let coded = ind.clone().lazy().filter(col("indicator_code").is_not_null()).collect()?;
    let _ = writeln!(s, "indicators by code ({} of {} rows coded):\n{}\n", coded.height(), ind.height(), counts(&coded, &["indicator_code", "measure"])?);
    let _ = writeln!(s, "indicators by status and year:\n{}\n", counts(&ind, &["status", "year"])?);
    let top = counts(&issues, &["stage", "severity", "code"])?.head(Some(15));
    let _ = writeln!(s, "top issues:\n{top}");
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
