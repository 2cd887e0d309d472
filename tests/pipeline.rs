//! End to end: seeds/ → every table, read back with polars and checked against schemas/.

mod common;

use govreport::schema::catalog;
use govreport::sink::rows::DOC_TABLES;
use govreport::validate::{check_schema, read_table, validate_dir};
use polars::prelude::*;

#[test]
fn seeds_become_a_valid_dataset_with_real_content() {
    let out = tempfile::tempdir().unwrap();
    let summary = common::run_into(&common::seeds(), out.path(), 0);
    assert_eq!(summary.documents, 5);
    assert_eq!(summary.quarantined, 0);
    assert_eq!(summary.validation_errors, 0);

    // Every table is there, reads back with polars, and matches its schema.
    for t in DOC_TABLES {
        assert!(out.path().join(format!("{t}.parquet")).is_file(), "{t}.parquet missing");
        let df = read_table(out.path(), t).unwrap();
        let mut findings = Vec::new();
        check_schema(catalog().table(t), &df, &mut findings);
        assert!(findings.is_empty(), "{t}: {findings:?}");
    }
    assert!(out.path().join("manifest.json").is_file());
    assert!(!out.path().join(".staging").exists(), "staging folder left behind");
    let all = DOC_TABLES.to_vec();
    let findings = validate_dir(out.path(), &all).unwrap();
    assert!(findings.iter().all(|f| f.severity != govreport::model::Severity::Error), "{findings:?}");

    let docs = read_table(out.path(), "documents").unwrap();
    assert_eq!(docs.height(), 5);
    let status: Vec<_> = docs.column("status").unwrap().str().unwrap().iter().map(|s| s.unwrap().to_string()).collect();
    assert!(status.iter().all(|s| s == "ok"), "{status:?}");

    // Seed 003 is traditional with pinyin glosses: none survives normalization.
    let paras = read_table(out.path(), "paragraphs").unwrap();
    let d003 = docs.column("doc_id").unwrap().str().unwrap().get(3).unwrap().to_string();
    let ids = paras.column("doc_id").unwrap().str().unwrap();
    let texts = paras.column("text").unwrap().str().unwrap();
    let removed = paras.column("removed").unwrap().str().unwrap();
    let gloss = regex::Regex::new(r"\p{Han}[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]").unwrap();
    let mut seen = 0;
    for k in 0..paras.height() {
        if ids.get(k) == Some(d003.as_str()) && removed.get(k).is_none() {
            seen += 1;
            let t = texts.get(k).unwrap();
            assert!(!gloss.is_match(t), "gloss left in seed 003: {t}");
            assert!(!t.contains('區') && !t.contains('發'), "traditional left in seed 003: {t}");
        }
    }
    assert!(seen > 5);

    // The seed 000 figure: 社会消费品零售总额 449.7亿元 = 44,970,000,000 CNY.
    let ind = read_table(out.path(), "indicators").unwrap();
    let hit = ind
        .lazy()
        .filter(
            col("source_file").str().ends_with(lit("000_2ee2e79b26ac3452.txt"))
                .and(col("indicator").eq(lit("社会消费品零售总额")))
                .and(col("measure").eq(lit("level")))
                .and(col("unit").eq(lit("CNY")))
                .and(col("value").eq(lit(44_970_000_000.0f64))),
        )
        .collect()
        .unwrap();
    assert_eq!(hit.height(), 1, "{hit}");
    let line = hit.column("source_line").unwrap().i32().unwrap().get(0).unwrap();
    assert_eq!(line, 2);
}

#[test]
fn same_inputs_give_the_same_bytes_with_one_thread_or_many() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    common::run_into(&common::seeds(), a.path(), 1);
    common::run_into(&common::seeds(), b.path(), 4);
    // Files only: the run also keeps its cache folder (.cache/) there.
    let mut names: Vec<String> = std::fs::read_dir(a.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= DOC_TABLES.len() + 1, "{names:?}");
    for n in names {
        let x = std::fs::read(a.path().join(&n)).unwrap();
        let y = std::fs::read(b.path().join(&n)).unwrap();
        assert!(x == y, "{n} differs between a 1-thread and a 4-thread run");
    }
}

#[test]
fn the_binary_runs_and_reports_its_exit_status() {
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_govreport"))
        .args(["run", "--no-progress", "--arrow", "--input"])
        .arg(common::seeds())
        .arg("--output")
        .arg(out.path())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    for t in DOC_TABLES {
        assert!(out.path().join(format!("{t}.arrow")).is_file(), "{t}.arrow missing");
    }
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_govreport")).arg("validate").arg(out.path()).status().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn every_corpus_file_is_decoded_or_quarantined_with_a_reason() {
    let Some(corpus) = common::corpus() else { return };
    let out = tempfile::tempdir().unwrap();
    let summary = common::run_into(&corpus, out.path(), 0);
    let files = govreport::runner::discover(&corpus).unwrap();
    assert!(summary.documents >= files.len());
    let docs = read_table(out.path(), "documents").unwrap();
    let src = docs.column("source_file").unwrap().str().unwrap();
    let status = docs.column("status").unwrap().str().unwrap();
    let reason = docs.column("quarantine_reason").unwrap().str().unwrap();
    for (rel, _) in &files {
        let rows: Vec<usize> = (0..docs.height()).filter(|&k| src.get(k) == Some(rel.as_str())).collect();
        assert!(!rows.is_empty(), "{rel} has no documents row");
        for k in rows {
            if status.get(k) != Some("ok") {
                assert!(reason.get(k).is_some_and(|r| !r.is_empty()), "{rel} quarantined without a reason");
            }
        }
    }
    assert_eq!(summary.validation_errors, 0);
}

#[test]
fn identical_bad_files_each_get_their_own_row_and_id() {
    // Two empty files and two copies of the same image: four quarantined rows, four ids, and
    // the dataset stays valid (no duplicate doc_id, counts match).
    let input = tempfile::tempdir().unwrap();
    std::fs::write(input.path().join("a.txt"), b"").unwrap();
    std::fs::write(input.path().join("b.txt"), b"").unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    std::fs::write(input.path().join("p1.png"), png).unwrap();
    std::fs::write(input.path().join("p2.png"), png).unwrap();
    std::fs::copy(common::seeds().join("000_2ee2e79b26ac3452.txt"), input.path().join("report.txt")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let summary = common::run_into(input.path(), out.path(), 2);
    assert_eq!((summary.documents, summary.ok, summary.quarantined), (5, 1, 4));
    assert_eq!(summary.validation_errors, 0);
    assert_eq!(summary.exit_code(), govreport::runner::exit::QUARANTINED);
    let docs = read_table(out.path(), "documents").unwrap();
    let ids: std::collections::HashSet<_> = docs.column("doc_id").unwrap().str().unwrap().iter().flatten().map(str::to_string).collect();
    assert_eq!(ids.len(), 5);
    let reasons: Vec<String> = docs.column("quarantine_reason").unwrap().str().unwrap().iter().flatten().map(str::to_string).collect();
    assert!(reasons.iter().any(|r| r.contains("same bytes as a.txt") && r.contains("empty_file")), "{reasons:?}");
}

/// A key of one row: ints compare as ints, strings as strings, nulls first.
#[derive(PartialEq, PartialOrd, Debug, Clone)]
enum Key {
    Null,
    Int(i64),
    Str(String),
}

fn keys(df: &DataFrame, col: &str) -> Vec<Key> {
    let c = df.column(col).unwrap();
    match c.dtype() {
        DataType::String => c.str().unwrap().iter().map(|v| v.map_or(Key::Null, |s| Key::Str(s.to_string()))).collect(),
        _ => c.cast(&DataType::Int64).unwrap().i64().unwrap().iter().map(|v| v.map_or(Key::Null, Key::Int)).collect(),
    }
}

#[test]
fn every_table_is_in_the_order_its_schema_states() {
    let out = tempfile::tempdir().unwrap();
    common::run_into(&common::seeds(), out.path(), 2);
    let docs = read_table(out.path(), "documents").unwrap();
    let doc_pos: std::collections::HashMap<String, i64> =
        docs.column("doc_id").unwrap().str().unwrap().iter().enumerate().map(|(i, d)| (d.unwrap().to_string(), i as i64)).collect();
    for def in &catalog().tables {
        let path = out.path().join(format!("{}.parquet", def.name));
        if !path.exists() {
            continue;
        }
        let df = read_table(out.path(), &def.name).unwrap();
        let mut rows: Vec<Vec<Key>> = vec![Vec::new(); df.height()];
        if def.grouped_by_document {
            for (k, d) in df.column("doc_id").unwrap().str().unwrap().iter().enumerate() {
                rows[k].push(Key::Int(doc_pos[d.unwrap()]));
            }
        }
        for col in &def.sort_key {
            for (k, v) in keys(&df, col).into_iter().enumerate() {
                rows[k].push(v);
            }
        }
        if rows.first().is_some_and(|r| r.is_empty()) {
            continue;
        }
        for w in rows.windows(2) {
            assert!(w[0] <= w[1], "{} is not in the order its schema states: {:?} before {:?}", def.name, w[0], w[1]);
        }
    }
}
