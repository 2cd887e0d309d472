//! Operations: validation findings on crafted reports, targets vs actuals, `validate` on its
//! own, bad input and bounded memory, killed runs, releases, the incremental cache and JSON logs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use govreport::runner::{run, RunConfig};
use govreport::sink::manifest::{sha256_file, Manifest};
use govreport::validate::read_table;
use polars::prelude::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_govreport"))
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Every file of a folder (not hidden, not recursing) with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn col_strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c).unwrap().str().unwrap().iter().map(|s| s.map(str::to_string)).collect()
}

/// The manifest lists every table file with the checksum, size and row count it has.
fn assert_manifest_matches(dir: &Path) {
    let m = Manifest::read(&dir.join("manifest.json")).unwrap();
    for t in &m.tables {
        let (sha, bytes) = sha256_file(&dir.join(&t.file)).unwrap();
        assert_eq!((sha.as_str(), bytes), (t.sha256.as_str(), t.bytes), "{} does not match manifest.json", t.file);
        if t.file.ends_with(".parquet") {
            assert_eq!(read_table(dir, &t.name).unwrap().height() as u64, t.rows, "{} rows", t.name);
        }
    }
}

/// Every table file but `skip` matches manifest.json.
fn assert_manifest_matches_except(dir: &Path, skip: &str) {
    let m = Manifest::read(&dir.join("manifest.json")).unwrap();
    for t in m.tables.iter().filter(|t| t.file != skip) {
        let (sha, _) = sha256_file(&dir.join(&t.file)).unwrap();
        assert_eq!(sha, t.sha256, "{}", t.file);
    }
}

/// A dataset made from seeds/, shared by the tests of this file.
fn seeds_dataset() -> PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        common::run_into(&common::seeds(), d.path(), 2);
        d
    })
    .path()
    .to_path_buf()
}

const REPORT_2022: &str = "江北区2022年政府工作报告
各位代表：
一、2021年工作回顾
全区地区生产总值完成500亿元，增长6.5%。外贸自营出口额50亿元，其中跨境电商出口额80亿元。社会消费品零售总额200亿元，增长5%。
二、2022年主要目标
地区生产总值增长7%左右，社会消费品零售总额增长8%。
";

const REPORT_2023: &str = "江北区2023年政府工作报告
各位代表：
一、2022年工作回顾
全区地区生产总值完成530亿元，增长6%。社会消费品零售总额300亿元，增长6%。地区生产总值达到9000吨。
二、2023年主要目标
地区生产总值增长6%左右。
";

/// A long simplified report with a few traditional characters left in one line (too few to
/// make normalize convert the document) and a line of mojibake.
fn residue_report() -> String {
    let mut s = String::from("政府工作报告\n各位代表：\n");
    for k in 0..60 {
        s.push_str(&format!("第{k}项工作稳步推进，全区经济社会发展取得新成效，人民群众获得感不断增强。\n"));
    }
    s.push_str("經濟發展區域協調，這是我們的目標。\n");
    s.push_str("鍦板尯鐢熶骇鎬诲€硷紝鈥滃崄鍥涗簲鈥濊鍒掞紝锟斤拷锟斤拷。\n");
    s
}

fn crafted_inputs(dir: &Path) {
    write(dir, "江北区/2022年报告.txt", REPORT_2022);
    write(dir, "江北区/2023年报告.txt", REPORT_2023);
    write(dir, "residue.txt", &residue_report());
    // Truncated UTF-8 in the middle of a line: decoded with U+FFFD.
    let mut b = "政府工作报告\n全区经济稳定增长。".as_bytes().to_vec();
    b.extend_from_slice(&"增长".as_bytes()[..4]);
    b.extend_from_slice("其他内容正常。\n".as_bytes());
    std::fs::write(dir.join("damaged.txt"), b).unwrap();
}

fn issue_codes(dir: &Path) -> Vec<(String, Option<String>, String)> {
    let iss = read_table(dir, "issues").unwrap();
    let (stage, file, code) = (col_strs(&iss, "stage"), col_strs(&iss, "source_file"), col_strs(&iss, "code"));
    (0..iss.height()).map(|k| (stage[k].clone().unwrap(), file[k].clone(), code[k].clone().unwrap())).collect()
}

#[test]
fn validation_findings_on_crafted_reports_are_issues_rows() {
    let input = tempfile::tempdir().unwrap();
    crafted_inputs(input.path());
    let out = tempfile::tempdir().unwrap();
    let summary = common::run_into(input.path(), out.path(), 2);
    assert_eq!(summary.validation_errors, 0);
    let codes = issue_codes(out.path());
    let has = |file: &str, code: &str| codes.iter().any(|(s, f, c)| s == "validate" && f.as_deref() == Some(file) && c == code);
    // 其中跨境电商出口额 80亿元 > 外贸自营出口额 50亿元.
    assert!(has("江北区/2022年报告.txt", "part_exceeds_total"), "{codes:?}");
    // 300亿元 "增长6%" after 200亿元 the year before is +50 %.
    assert!(has("江北区/2023年报告.txt", "growth_contradicts_levels"), "{codes:?}");
    // 500 → 530亿元 with 6% is consistent: no finding for GDP.
    let iss = read_table(out.path(), "issues").unwrap();
    let msgs = col_strs(&iss, "message");
    assert!(!msgs.iter().flatten().any(|m| m.contains("growth_contradicts") || (m.contains("地区生产总值 530") && m.contains("implies"))), "{msgs:?}");
    // GDP in 吨 contradicts the code book's money family.
    assert!(codes.iter().any(|(s, _, c)| s == "validate" && c == "unit_family_mismatch"), "{codes:?}");
    // Text residue.
    assert!(has("residue.txt", "residual_traditional"), "{codes:?}");
    assert!(has("residue.txt", "mojibake"), "{codes:?}");
    assert!(has("damaged.txt", "replacement_chars"), "{codes:?}");
    // Clean seeds give none of these.
    let seeds_out = tempfile::tempdir().unwrap();
    common::run_into(&common::seeds(), seeds_out.path(), 2);
    assert!(issue_codes(seeds_out.path()).iter().all(|(s, _, _)| s != "validate"), "{:?}", issue_codes(seeds_out.path()));
}

#[test]
fn targets_are_paired_with_the_next_reports_actuals_of_the_same_region() {
    let input = tempfile::tempdir().unwrap();
    crafted_inputs(input.path());
    // A report of another region for 2023 must not pair with 江北区's 2022 targets.
    write(input.path(), "其他县/2023.txt", &REPORT_2023.replace("江北区", "其他县").replace("增长6%。社会", "增长9%。社会"));
    let out = tempfile::tempdir().unwrap();
    common::run_into(input.path(), out.path(), 2);
    let t = read_table(out.path(), "targets_vs_actuals").unwrap();
    assert_eq!(t.height(), 2, "{t}");
    let region = col_strs(&t, "region");
    let code = col_strs(&t, "indicator_code");
    let tf = col_strs(&t, "target_source_file");
    let af = col_strs(&t, "actual_source_file");
    let tv: Vec<f64> = t.column("target_value").unwrap().f64().unwrap().iter().flatten().collect();
    let av: Vec<f64> = t.column("actual_value").unwrap().f64().unwrap().iter().flatten().collect();
    let met: Vec<bool> = t.column("met").unwrap().bool().unwrap().iter().flatten().collect();
    let year: Vec<i32> = t.column("year").unwrap().i32().unwrap().iter().flatten().collect();
    for k in 0..2 {
        assert_eq!(region[k].as_deref(), Some("江北区"));
        assert_eq!(tf[k].as_deref(), Some("江北区/2022年报告.txt"));
        assert_eq!(af[k].as_deref(), Some("江北区/2023年报告.txt"));
        assert_eq!(year[k], 2022);
    }
    // GDP: target 7% (左右), actual 6%; retail sales: target 8%, actual 6%.
    let gdp = code.iter().position(|c| c.as_deref() == Some("gdp")).unwrap();
    assert_eq!((tv[gdp], av[gdp], met[gdp]), (7.0, 6.0, false));
    let retail = code.iter().position(|c| c.as_deref() == Some("retail_sales")).unwrap();
    assert_eq!((tv[retail], av[retail]), (8.0, 6.0));
}

#[test]
fn validate_alone_replaces_its_rows_in_issues_and_keeps_the_manifest_true() {
    let input = tempfile::tempdir().unwrap();
    crafted_inputs(input.path());
    let fresh = tempfile::tempdir().unwrap();
    common::run_into(input.path(), fresh.path(), 2);
    let before = files(fresh.path());

    // Validating a fresh dataset again changes nothing, byte for byte.
    let st = bin().arg("validate").arg(fresh.path()).stdout(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(0));
    assert_eq!(files(fresh.path()), before, "validate rewrote a fresh dataset differently");

    // A dataset whose issues also hold a stale validate row (from an older validator), with
    // its manifest out of date: validate drops the stale row, keeps one copy of each current
    // finding, and restores the manifest — the result is the fresh dataset, byte for byte.
    let stale = tempfile::tempdir().unwrap();
    for (n, b) in &before {
        std::fs::write(stale.path().join(n), b).unwrap();
    }
    {
        use govreport::model::{Issue, Severity};
        use govreport::schema::catalog;
        use govreport::sink::{rows::push_issues, DatasetWriter, TableBuffer};
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let def = catalog().table("issues");
        let f = std::fs::File::open(fresh.path().join("issues.parquet")).unwrap();
        let old: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(f).unwrap().build().unwrap().map(|b| b.unwrap()).collect();
        let mut t = TableBuffer::new(def);
        push_issues(&mut t, None, None, &[Issue::new("validate", Severity::Error, "stale_finding", "from an older run")]);
        let mut w = DatasetWriter::create(stale.path(), &[def], false).unwrap();
        for b in &old {
            w.write(0, &arrow::record_batch::RecordBatch::try_new(def.arrow_schema(), b.columns().to_vec()).unwrap()).unwrap();
        }
        w.write(0, &t.finish()).unwrap();
        w.finish().unwrap();
    }
    assert!(issue_codes(stale.path()).iter().any(|(_, _, c)| c == "stale_finding"));
    let out = bin().arg("validate").arg(stale.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("part_exceeds_total") && stdout.contains("recorded in issues"), "{stdout}");
    let codes = issue_codes(stale.path());
    assert!(!codes.iter().any(|(_, _, c)| c == "stale_finding"), "{codes:?}");
    assert_eq!(codes.iter().filter(|(_, _, c)| c == "part_exceeds_total").count(), 1, "{codes:?}");
    assert_manifest_matches(stale.path());
    assert!(!stale.path().join(".staging").exists());
    assert_eq!(files(stale.path()), before);

    // Findings that are errors give status 4: a documents count that no longer matches.
    let broken = tempfile::tempdir().unwrap();
    for (n, b) in &before {
        std::fs::write(broken.path().join(n), b).unwrap();
    }
    std::fs::copy(seeds_dataset().join("sentences.parquet"), broken.path().join("sentences.parquet")).unwrap();
    let out = bin().arg("validate").arg(broken.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(issue_codes(broken.path()).iter().any(|(s, _, c)| s == "validate" && c == "orphan_row"));
    assert_manifest_matches_except(broken.path(), "sentences.parquet");

    // Validate on a folder with no dataset fails with status 1.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(bin().arg("validate").arg(empty.path()).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap().code(), Some(1));
}

/// The JSON events a run printed on stderr (every line must be one JSON object).
fn json_lines(stderr: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn summary_line(events: &[serde_json::Value]) -> &serde_json::Value {
    let last = events.last().expect("no log lines");
    assert_eq!(last["message"], "run summary", "the summary is not the last line: {last}");
    last
}

/// The bad-input folder of issue 7, built here (nothing binary is committed). `big` adds the
/// 50 MB one-line file.
fn bad_inputs(dir: &Path, big: bool) -> Vec<&'static str> {
    let mut names = vec![];
    std::fs::write(dir.join("empty.txt"), b"").unwrap();
    names.push("empty.txt");
    // A PNG image: signature, IHDR, then bytes of every value.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
    png.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    std::fs::write(dir.join("photo.png"), png).unwrap();
    names.push("photo.png");
    let text = "政府工作报告\n全区地区生产总值增长6.5%。\n".as_bytes();
    std::fs::write(dir.join("truncated.txt"), &text[..text.len() - 5]).unwrap();
    names.push("truncated.txt");
    let mut nul = "政府工作报告\n".as_bytes().to_vec();
    nul.extend_from_slice(b"\0\0\0abc\0def\0");
    std::fs::write(dir.join("nul.txt"), nul).unwrap();
    names.push("nul.txt");
    let depth = 20_000;
    let html = format!("<html><body>{}<p>增长6.5%</p>{}</body></html>", "<div>".repeat(depth), "</div>".repeat(depth));
    std::fs::write(dir.join("nested.html"), html).unwrap();
    names.push("nested.html");
    // Unreadable even for root: a link to nothing. And a mode-000 file (unreadable for others).
    std::os::unix::fs::symlink("/nonexistent/govreport/report.txt", dir.join("dangling.txt")).unwrap();
    names.push("dangling.txt");
    std::fs::write(dir.join("locked.txt"), "政府工作报告\n增长6%。\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("locked.txt"), std::fs::Permissions::from_mode(0o000)).unwrap();
    names.push("locked.txt");
    std::fs::copy(common::seeds().join("000_2ee2e79b26ac3452.txt"), dir.join("2023年 政府 工作报告 final.txt")).unwrap();
    names.push("2023年 政府 工作报告 final.txt");
    if big {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("one_line.txt")).unwrap());
        let chunk = "全区地区生产总值增长百分之六点五".repeat(2048);
        let mut n = 0;
        while n < 50 << 20 {
            f.write_all(chunk.as_bytes()).unwrap();
            n += chunk.len();
        }
        f.flush().unwrap();
        names.push("one_line.txt");
    }
    names
}

#[test]
fn bad_input_finishes_with_a_row_per_file_and_bounded_memory() {
    let small = tempfile::tempdir().unwrap();
    bad_inputs(small.path(), false);
    let input = tempfile::tempdir().unwrap();
    let names = bad_inputs(input.path(), true);

    let run_bin = |inp: &Path, out: &Path| {
        let o = bin().args(["--log-format", "json", "run", "--no-progress", "--no-cache", "--input"]).arg(inp).arg("--output").arg(out).output().unwrap();
        let events = json_lines(&o.stderr);
        (o.status.code(), summary_line(&events).clone())
    };
    let out_small = tempfile::tempdir().unwrap();
    let (_, base) = run_bin(small.path(), out_small.path());
    let out = tempfile::tempdir().unwrap();
    let (code, summary) = run_bin(input.path(), out.path());
    assert_eq!(code, Some(3), "quarantined documents give the documented status 3: {summary}");

    let docs = read_table(out.path(), "documents").unwrap();
    let (src, status, reason) = (col_strs(&docs, "source_file"), col_strs(&docs, "status"), col_strs(&docs, "quarantine_reason"));
    for name in &names {
        let k = src.iter().position(|s| s.as_deref() == Some(name)).unwrap_or_else(|| panic!("{name} has no documents row: {src:?}"));
        match status[k].as_deref() {
            Some("ok") => {}
            Some("quarantined") => assert!(reason[k].as_deref().is_some_and(|r| !r.is_empty()), "{name} quarantined without a reason"),
            s => panic!("{name}: status {s:?}"),
        }
    }
    assert_eq!(docs.height(), names.len());
    let reason_of = |n: &str| reason[src.iter().position(|s| s.as_deref() == Some(n)).unwrap()].clone().unwrap_or_default();
    assert!(reason_of("empty.txt").starts_with("empty_file"), "{}", reason_of("empty.txt"));
    assert!(reason_of("dangling.txt").starts_with("unreadable"), "{}", reason_of("dangling.txt"));
    assert!(reason_of("one_line.txt").starts_with("line_too_long"), "{}", reason_of("one_line.txt"));
    assert!(!reason_of("photo.png").is_empty(), "an image is not a report");
    let k = src.iter().position(|s| s.as_deref() == Some("2023年 政府 工作报告 final.txt")).unwrap();
    assert_eq!(status[k].as_deref(), Some("ok"));
    // The whole 50 MB was hashed (the manifest records it) but never held in memory.
    let m = Manifest::read(&out.path().join("manifest.json")).unwrap();
    let big = m.inputs.iter().find(|i| i.path == "one_line.txt").unwrap();
    assert!(big.bytes >= 50 << 20 && big.sha256.len() == 64);
    assert_manifest_matches(out.path());

    let peak = summary["peak_rss_kb"].as_u64().unwrap();
    let peak_small = base["peak_rss_kb"].as_u64().unwrap();
    eprintln!("peak RSS: {peak} KiB with the 50 MB line, {peak_small} KiB without");
    assert!(peak > 0 && peak_small > 0);
    assert!(peak < peak_small + 30 * 1024, "the 50 MB line raised peak memory from {peak_small} to {peak} KiB");
    assert!(peak < 1024 * 1024, "peak memory {peak} KiB");
}

/// `n` distinct reports made from the seeds (a line naming the copy keeps them unique).
fn many_reports(dir: &Path, n: usize) {
    let seeds: Vec<PathBuf> = govreport::runner::discover(&common::seeds()).unwrap().into_iter().map(|(_, p)| p).collect();
    for k in 0..n {
        let text = std::fs::read_to_string(&seeds[k % seeds.len()]).unwrap();
        write(dir, &format!("copy_{k:03}.txt"), &format!("{text}\n第{k}份副本。\n"));
    }
}

#[test]
fn a_killed_run_leaves_the_previous_dataset_intact_and_readable() {
    let out = tempfile::tempdir().unwrap();
    common::run_into(&common::seeds(), out.path(), 2);
    let previous = files(out.path());
    let input = tempfile::tempdir().unwrap();
    many_reports(input.path(), 60);
    let run_cmd = |output: &Path| {
        let mut c = bin();
        c.args(["run", "--no-progress", "--no-cache", "--threads", "2", "--input"]).arg(input.path()).arg("--output").arg(output).stderr(Stdio::null());
        c
    };
    // Kill at fixed fractions of how long a whole run takes on this machine, not at fixed
    // times: a faster build or machine would otherwise finish before most kills (it did).
    // The shorter of two runs: one slowed by other tests running beside it would put the
    // kills after the ends of the runs that follow.
    let whole = (0..2)
        .map(|_| {
            let scratch = tempfile::tempdir().unwrap();
            let started = std::time::Instant::now();
            assert!(run_cmd(scratch.path()).status().unwrap().success());
            started.elapsed()
        })
        .min()
        .unwrap();
    eprintln!("a whole run takes {whole:?}");

    let (mut killed_while_running, mut in_publish_window) = (0, 0);
    for fraction in [0.02, 0.15, 0.3, 0.5, 0.7, 0.9, 0.97] {
        let delay = whole.mul_f64(fraction);
        let delay_ms = delay.as_millis();
        let mut child = run_cmd(out.path()).spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let staged_complete = out.path().join(".staging/.complete").exists();
        in_publish_window += usize::from(staged_complete);
        if !staged_complete {
            // Before the marker: the published files are exactly the previous dataset.
            let now = files(out.path());
            assert!(now == previous || {
                // ... unless the run finished before the kill: then the new dataset, whole.
                assert_manifest_matches(out.path());
                now.len() == previous.len()
            }, "killed after {delay_ms} ms: published files changed without a complete run");
        }
        // Whatever the moment, recovery (done by the next run or validate) leaves one whole,
        // readable dataset whose manifest is true.
        govreport::runner::recover(out.path()).unwrap();
        assert!(!out.path().join(".staging").exists());
        assert_manifest_matches(out.path());
        let findings = govreport::validate::validate_dir(out.path(), &govreport::sink::rows::DOC_TABLES).unwrap();
        assert!(findings.iter().all(|f| f.severity != govreport::model::Severity::Error), "after a kill at {delay_ms} ms: {findings:?}");
        // Reset to the previous dataset for the next kill if the run got through.
        if files(out.path()) != previous {
            common::run_into(&common::seeds(), out.path(), 2);
            assert_eq!(files(out.path()), previous);
        }
    }
    eprintln!("{killed_while_running} of 7 kills hit a running process, {in_publish_window} of them while it published");
    assert!(killed_while_running >= 3, "only {killed_while_running} of 7 kills hit a running process (a whole run took {whole:?})");
}

#[test]
fn releases_are_immutable_documented_and_byte_identical() {
    let a = tempfile::tempdir().unwrap();
    let st = bin().args(["run", "--no-progress", "--release", "2025.1", "--input"]).arg(common::seeds()).arg("--output").arg(a.path()).stderr(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(0));
    let b = tempfile::tempdir().unwrap();
    let st = bin().args(["run", "--no-progress", "--threads", "1", "--input"]).arg(common::seeds()).arg("--output").arg(b.path()).stderr(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(0));
    let st = bin().args(["release", "--version", "2025.1", "--output"]).arg(b.path()).stderr(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(0));

    let ra = a.path().join("releases/2025.1");
    let rb = b.path().join("releases/2025.1");
    let (fa, fb) = (files(&ra), files(&rb));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (n, bytes) in &fa {
        assert!(bytes == &fb[n], "{n} differs between two releases of the same inputs");
    }
    for t in govreport::schema::catalog().tables.iter() {
        assert!(fa.contains_key(&format!("{}.parquet", t.name)), "{} missing from the release", t.name);
    }
    assert_manifest_matches(&ra);
    let m = Manifest::read(&ra.join("manifest.json")).unwrap();
    assert_eq!(m.tool_version, govreport::VERSION);
    assert_eq!(m.schema_version, govreport::schema::catalog().schema_version);
    assert_eq!(m.inputs.len(), 5);
    assert!(m.inputs.iter().all(|i| i.sha256.len() == 64));
    // The dataset card: every table and column, row counts, how to load.
    let card = String::from_utf8(fa["README.md"].clone()).unwrap();
    for t in govreport::schema::catalog().tables.iter() {
        let rows = m.tables.iter().find(|e| e.name == t.name).unwrap().rows;
        assert!(card.contains(&format!("### `{}` ({rows} rows)", t.name)), "card lacks {}", t.name);
        for c in &t.columns {
            assert!(card.contains(&format!("| `{}` |", c.name)), "card lacks {}.{}", t.name, c.name);
        }
    }
    assert!(card.contains("pl.read_parquet(\"indicators.parquet\")"));
    // Immutable: files read-only, the same version refused (status 1), content unchanged.
    assert!(std::fs::metadata(ra.join("indicators.parquet")).unwrap().permissions().readonly());
    let again = bin().args(["release", "--version", "2025.1", "--output"]).arg(a.path()).output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let again = bin().args(["run", "--no-progress", "--release", "2025.1", "--input"]).arg(common::seeds()).arg("--output").arg(a.path()).output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(files(&ra), fa);
    // A release is a copy: a later run does not touch it.
    let st = bin().args(["run", "--no-progress", "--input"]).arg(small_input().path()).arg("--output").arg(a.path()).stderr(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(0));
    assert_eq!(files(&ra), fa);
}

fn small_input() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(common::seeds().join("000_2ee2e79b26ac3452.txt"), d.path().join("one.txt")).unwrap();
    d
}

/// Small distinct reports for the cache test.
fn tiny_reports(dir: &Path, from: usize, to: usize) {
    for k in from..to {
        write(
            dir,
            &format!("r{k:04}.txt"),
            &format!("政府工作报告\n一、{y}年工作回顾\n全区地区生产总值完成{k}.5亿元，增长{g}%。\n社会消费品零售总额{k}亿元。\n", y = 2000 + k % 20, g = k % 9 + 1),
        );
    }
}

/// The files the cache index of `out` lists, and how many of them have a key (can be reused).
fn index_files(out: &Path) -> (usize, usize) {
    let dir = out.join(govreport::cache::CACHE_DIR);
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, [govreport::cache::INDEX_FILE], "the cache folder holds the index only");
    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(govreport::cache::INDEX_FILE)).unwrap()).unwrap();
    let files = index["files"].as_array().unwrap();
    (files.len(), files.iter().filter(|f| !f["key"].is_null()).count())
}

/// A full run without the cache over `input`, compared byte for byte with `out`.
fn same_as_a_full_run(input: &Path, out: &Path, what: &str) {
    let full = tempfile::tempdir().unwrap();
    let fresh = run(&RunConfig { threads: 1, cache: false, ..RunConfig::new(input, full.path()) }).unwrap();
    assert_eq!(fresh.cached, 0);
    // Without the cache nothing is reused, but the index is written for the next run.
    assert_eq!(index_files(full.path()).0, fresh.files);
    assert_eq!(files(out), files(full.path()), "{what} differs from a full run");
}

/// `n` tiny reports in a new input folder, a new output folder, and a 2-thread run config.
fn tiny_setup(n: usize) -> (tempfile::TempDir, tempfile::TempDir, RunConfig) {
    let input = tempfile::tempdir().unwrap();
    tiny_reports(input.path(), 0, n);
    let out = tempfile::tempdir().unwrap();
    let cfg = RunConfig { threads: 2, ..RunConfig::new(input.path(), out.path()) };
    (input, out, cfg)
}

#[test]
fn a_rerun_reprocesses_only_new_files_and_gives_the_same_bytes() {
    let (input, out, cfg) = tiny_setup(100);
    let first = run(&cfg).unwrap();
    assert_eq!((first.processed, first.cached), (100, 0));
    assert_eq!(index_files(out.path()), (100, 100));

    // One more file: one goes through the stages, a hundred come from the published dataset.
    tiny_reports(input.path(), 100, 101);
    let second = run(&cfg).unwrap();
    assert_eq!((second.files_processed, second.files_cached), (1, 100));
    assert_eq!((second.processed, second.cached), (1, 100));
    same_as_a_full_run(input.path(), out.path(), "the rerun");

    // A changed file is reprocessed; a removed file's rows are skipped and leave the index.
    std::fs::remove_file(input.path().join("r0003.txt")).unwrap();
    write(input.path(), "r0004.txt", "政府工作报告\n全区地区生产总值完成1.5亿元。\n");
    let third = run(&cfg).unwrap();
    assert_eq!((third.files_processed, third.files_cached), (1, 99));
    assert_eq!(index_files(out.path()), (100, 100));
    same_as_a_full_run(input.path(), out.path(), "the rerun after a change");

    // A copy of another file (r0050b.txt sorts after r0050.txt) is one quarantined row naming
    // that file: taken again while it is a copy of the same file, processed once the file it
    // copied has changed.
    std::fs::copy(input.path().join("r0050.txt"), input.path().join("r0050b.txt")).unwrap();
    let fourth = run(&cfg).unwrap();
    assert_eq!((fourth.files_processed, fourth.files_cached), (1, 100));
    assert_eq!(index_files(out.path()), (101, 101));
    let fifth = run(&cfg).unwrap();
    assert_eq!((fifth.files_processed, fifth.files_cached), (0, 101));
    same_as_a_full_run(input.path(), out.path(), "the rerun with a copy");
    write(input.path(), "r0050.txt", "政府工作报告\n全区地区生产总值完成2.5亿元。\n");
    let changed = run(&cfg).unwrap();
    assert_eq!((changed.files_processed, changed.files_cached), (2, 99));
    same_as_a_full_run(input.path(), out.path(), "the rerun after the copied file changed");

    // A run without the cache processes every file but still writes the index, and
    // `govreport validate` rewrites issues (keeping the stages' rows): the next run reuses all.
    let bare = run(&RunConfig { cache: false, ..cfg.clone() }).unwrap();
    assert_eq!((bare.files_processed, bare.files_cached), (101, 0));
    let st = bin().arg("validate").arg(out.path()).stdout(Stdio::null()).status().unwrap();
    assert!(st.code().is_some_and(|c| c == 0 || c == 1), "{st:?}");
    let sixth = run(&cfg).unwrap();
    assert_eq!((sixth.files_processed, sixth.files_cached), (0, 101));
    same_as_a_full_run(input.path(), out.path(), "the rerun after validate");

    // With Arrow IPC files as well (which show how buffers are laid out, unlike Parquet), the
    // rows read back are copied into the stages' layout: the same .arrow and .parquet bytes.
    let with_arrow = run(&RunConfig { arrow_ipc: true, ..cfg.clone() }).unwrap();
    assert_eq!((with_arrow.files_processed, with_arrow.files_cached), (0, 101));
    let full = tempfile::tempdir().unwrap();
    run(&RunConfig { threads: 1, cache: false, arrow_ipc: true, ..RunConfig::new(input.path(), full.path()) }).unwrap();
    let (a, b) = (files(out.path()), files(full.path()));
    assert!(a.keys().any(|f| f.ends_with(".arrow")));
    assert_eq!(a, b, "the rerun with Arrow IPC files differs from a full run");
}

/// When the published dataset does not fit its index (a damaged table), or its rows stop
/// matching the index part way (a document's id), the files are processed: same bytes.
#[test]
fn a_damaged_dataset_or_index_means_processing_not_other_rows() {
    let (input, out, cfg) = tiny_setup(60);
    run(&cfg).unwrap();

    // A flipped byte in tokens.parquet: its SHA-256 no longer matches, nothing is reused.
    let tokens = out.path().join("tokens.parquet");
    let mut bytes = std::fs::read(&tokens).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&tokens, bytes).unwrap();
    let again = run(&cfg).unwrap();
    assert_eq!((again.files_processed, again.files_cached), (60, 0));
    same_as_a_full_run(input.path(), out.path(), "the run after damage");

    // An index whose 41st file claims another document's id: the first 40 files are read
    // back, the rest are processed once the mismatch shows.
    let index_path = out.path().join(govreport::cache::CACHE_DIR).join(govreport::cache::INDEX_FILE);
    let mut index: serde_json::Value = serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    index["files"][40]["docs"][0]["doc_id"] = serde_json::Value::from("0000000000000000");
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    let partly = run(&RunConfig { batch_files: 8, ..cfg.clone() }).unwrap();
    assert_eq!((partly.files_processed, partly.files_cached), (20, 40));
    same_as_a_full_run(input.path(), out.path(), "the run with a misaligned index");
}

#[test]
fn json_logs_are_one_object_per_line_with_a_run_id_and_a_final_summary() {
    let input = tempfile::tempdir().unwrap();
    for (rel, p) in govreport::runner::discover(&common::seeds()).unwrap() {
        std::fs::copy(p, input.path().join(rel)).unwrap();
    }
    std::fs::write(input.path().join("empty.txt"), b"").unwrap();
    let out = tempfile::tempdir().unwrap();
    let go = || bin().args(["--log-format", "json", "run", "--no-progress", "--input"]).arg(input.path()).arg("--output").arg(out.path()).output().unwrap();
    let first = go();
    assert_eq!(first.status.code(), Some(3));
    let events = json_lines(&first.stderr);
    assert!(events.len() >= 4, "{events:?}");
    let id = events[0]["run_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 16);
    assert!(events.iter().all(|e| e["run_id"] == id.as_str() && e["level"].is_string() && e["timestamp"].is_string()));
    assert!(events.iter().any(|e| e["message"] == "batch done" && e["duration_ms"].is_u64() && e["files"] == 6));
    let s = summary_line(&events);
    assert_eq!((s["documents"].as_u64(), s["processed"].as_u64(), s["skipped_cached"].as_u64()), (Some(6), Some(6), Some(0)));
    assert_eq!(s["quarantined"].as_u64(), Some(1));
    let issues = read_table(out.path(), "issues").unwrap().height() as u64;
    assert_eq!(s["issues"].as_u64(), Some(issues));
    assert!(s["duration_ms"].is_u64() && s["exit_code"] == 3);

    // A second run: a new run id, everything from the cache, and no run id in any data file.
    let second = go();
    let events2 = json_lines(&second.stderr);
    let s2 = summary_line(&events2);
    assert_ne!(events2[0]["run_id"].as_str().unwrap(), id);
    assert_eq!((s2["processed"].as_u64(), s2["skipped_cached"].as_u64()), (Some(0), Some(6)));
    for (name, bytes) in files(out.path()) {
        let needle = events2[0]["run_id"].as_str().unwrap();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "run id written into {name}");
    }
}

/// Two commands writing into one output folder would clear each other's staging folder: while
/// one holds the folder, `run`, `validate` and `release` there are refused with exit status 1
/// and a message naming the folder, and the dataset stays as it was. The lock goes with its
/// holder: afterwards the same commands work.
#[test]
fn a_second_command_on_a_busy_output_folder_is_refused_and_changes_nothing() {
    let input = small_input();
    let out = tempfile::tempdir().unwrap();
    run(&RunConfig { threads: 1, cache: false, ..RunConfig::new(input.path(), out.path()) }).unwrap();
    let before = files(out.path());

    let held = govreport::runner::lock_output(out.path()).unwrap();
    let (i, o) = (input.path().to_str().unwrap(), out.path().to_str().unwrap());
    for args in [vec!["run", "--input", i, "--output", o, "--no-cache"], vec!["validate", o], vec!["release", "--output", o, "--version", "1.0.0"]] {
        let r = bin().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("another govreport command is writing into"), "{args:?}: {stderr}");
    }
    assert!(govreport::runner::lock_output(out.path()).is_err(), "the lock is exclusive within a process too");
    assert_eq!(files(out.path()), before, "a refused command changed the dataset");
    assert!(!out.path().join("releases").exists());

    drop(held);
    let r = bin().args(["validate", o]).output().unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(run(&RunConfig { threads: 1, cache: false, ..RunConfig::new(input.path(), out.path()) }).is_ok());
}
