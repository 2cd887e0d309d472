//! End-to-end benchmark on generated corpora: throughput (MB/s) end to end and per stage, on
//! one thread and on all threads, peak resident memory, and jieba-rs segmentation alone on the
//! same text as the floor no pipeline can beat.
//!
//!   cargo bench --bench pipeline                           # 10MB and 100MB
//!   cargo bench --bench pipeline -- --sizes 10MB,100MB,1GB
//!   cargo bench --bench pipeline -- --corpus ../shared/corpus   # add the shared corpus to the pool
//!   cargo bench --bench pipeline -- --sizes 100MB,1GB --repeat 3  # median of three first runs
//!
//! Each corpus size and thread count is measured three ways: a first run as `govreport run`
//! starts it (the incremental cache on, in a new folder), the same run again (every file's rows
//! read back from the dataset it published, as a nightly rerun over unchanged files), and a
//! run with the cache off. With `--repeat N` the first run is made N times (each in a new
//! folder, and every one must write the same tables) and the run of median wall time is
//! reported (of an even N, the faster of the middle two), with the slowest and fastest beside
//! it; jieba alone is timed N times too (median). The rerun and the run without the cache are
//! made once.
//! On a shared virtual machine the same run varies by 10–20 % from minute to minute, which one
//! run per figure cannot tell from a change.
//!
//! Each measurement runs in a child process so that its peak memory is its own. Corpora are
//! generated once into target/bench/ (deterministic) and reused. Results go to stdout and
//! target/bench/results.md. Run without `--bench` (as `cargo test --all-targets` does) it makes
//! a 1 MB smoke run only.
//!
//! Every run writes into a folder that did not exist: the output folders of an earlier
//! benchmark (and a corpus to regenerate) are moved aside at the start and deleted only once
//! every measurement is done. Until the twelfth session a first run created one cache entry
//! per input file, and ext4 without a journal (as on this project's machine) allocates inodes
//! slowly for a few minutes after thousands were deleted nearby: it checks each recently freed
//! inode. Deleting the previous output right before the first run made that run take about a
//! fifth more CPU on the 100 MB corpus, in the kernel (`recently_deleted`, `find_inode_bit` and
//! a spinning directory lock), which neither a first run in a new folder nor a nightly run
//! pays. Runs now create a handful of files, but the rule stays (it costs nothing and keeps
//! runs comparable); leave a few minutes between two invocations all the same. Disk: the
//! outputs of the last invocation stay until the next one ends (about 3 GB with the 1 GB
//! corpus: its dataset on each thread count, and the runs without the cache; with `--repeat N`,
//! N − 1 more datasets per size and thread count).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use govreport::corpusgen::{generate, parse_size, Mix, Pool};
use govreport::runner::{self, peak_rss_kb, RunConfig};
use govreport::sink::manifest::sha256_file;
use rayon::prelude::*;
use serde_json::{json, Value};

const SEED: u64 = 20261121;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// `--repeat N`: how many times each first run (and jieba alone) is measured; 1 without it.
fn repeat_arg(args: &[String]) -> anyhow::Result<usize> {
    anyhow::ensure!(!args.iter().any(|a| a == "--repeat") || arg(args, "--repeat").is_some(), "--repeat needs a number of runs");
    Ok(arg(args, "--repeat").map(|r| r.parse()).transpose()?.unwrap_or(1).max(1))
}

/// The position of the median in `len` sorted measurements (of an even number, the lower of
/// the middle two: the faster run, the shorter time).
fn median_at(len: usize) -> usize {
    (len - 1) / 2
}

fn main() -> anyhow::Result<()> {
    govreport::allocator::configure();
    let args: Vec<String> = std::env::args().collect();
    if arg(&args, "--child").is_some() {
        return child(&args);
    }
    let real = args.iter().any(|a| a == "--bench");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target").join(if real { "bench" } else { "bench-smoke" });
    let sizes: Vec<String> = match arg(&args, "--sizes") {
        Some(s) => s.split(',').map(str::to_string).collect(),
        None if real => vec!["10MB".into(), "100MB".into()],
        None => vec!["1MB".into()],
    };
    let mut dirs: Vec<PathBuf> = vec![root.join("seeds")];
    if let Some(c) = arg(&args, "--corpus") {
        dirs.push(PathBuf::from(c));
    }
    let dir_refs: Vec<&Path> = dirs.iter().map(|d| d.as_path()).collect();
    let pool = Pool::from_dirs(&dir_refs)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let exe = std::env::current_exe()?;
    let trash = set_aside_outputs(&work)?;
    let mut thread_counts = vec![1];
    if cores > 1 {
        thread_counts.push(cores);
    }
    let repeat = repeat_arg(&args)?;
    let mut rows = Vec::new();
    for size in &sizes {
        let bytes = parse_size(size)?;
        let corpus = work.join(format!("corpus-{size}"));
        let marker = corpus.join(".generated");
        let tag = format!("seed={SEED} bytes={bytes} pool={}", pool.body.len());
        if std::fs::read_to_string(&marker).ok().as_deref() != Some(tag.as_str()) {
            if corpus.exists() {
                set_aside(&corpus, &trash)?;
            }
            let t = Instant::now();
            let (files, written) = generate(&pool, &corpus, bytes, SEED, &Mix::default())?;
            std::fs::write(&marker, &tag)?;
            eprintln!("generated {size}: {files} files, {:.1} MB in {:.1}s", written as f64 / 1e6, t.elapsed().as_secs_f64());
        }
        for &threads in &thread_counts {
            let out = work.join(format!("out-{size}-{threads}"));
            let bare_out = work.join(format!("out-{size}-{threads}-nocache"));
            let t = threads.to_string();
            let child = |mode: &str, out: &Path, cache: &str| spawn(&exe, &["--child", mode, "--input", path(&corpus), "--output", path(out), "--threads", &t, "--cache", cache]);
            // As `govreport run` starts: the cache on, in a new folder (every file processed);
            // `repeat` times, each in a folder of its own, and the run of median wall time kept.
            let mut runs = vec![child("run", &out, "on")?];
            let written = tables(&out)?;
            for k in 1..repeat {
                let again = work.join(format!("out-{size}-{threads}-r{k}"));
                runs.push(child("run", &again, "on")?);
                anyhow::ensure!(tables(&again)? == written, "run {} wrote other tables than the first (runs must be reproducible)", k + 1);
            }
            runs.sort_by(|a, b| mb(a, "wall_s").total_cmp(&mb(b, "wall_s")));
            let walls: Vec<f64> = runs.iter().map(|r| mb(r, "wall_s")).collect();
            let run = runs.swap_remove(median_at(runs.len()));
            // A nightly rerun over the same files: every file's rows come from the published dataset, and the
            // tables come out the same.
            let rerun = child("rerun", &out, "on")?;
            anyhow::ensure!(rerun["processed"] == 0, "the rerun processed {} documents instead of taking them from the cache", rerun["processed"]);
            anyhow::ensure!(tables(&out)? == written, "the rerun from the cache wrote other tables than the first run");
            // The stages and the writer alone, without the cache (the figures of earlier sessions).
            let bare = child("run", &bare_out, "off")?;
            anyhow::ensure!(tables(&bare_out)? == written, "the run without the cache wrote other tables than the run with it");
            let jieba = spawn(&exe, &["--child", "jieba", "--input", path(&corpus), "--threads", &t, "--repeat", &repeat.to_string()])?;
            rows.push(Row { size: size.clone(), threads, run, walls, rerun, bare, jieba });
        }
    }
    let table = report(&rows, cores);
    println!("{table}");
    std::fs::create_dir_all(&work)?;
    std::fs::write(work.join("results.md"), &table)?;
    if let Err(e) = std::fs::remove_dir_all(&trash) {
        eprintln!("could not delete {} ({e}); delete it by hand", trash.display());
    }
    Ok(())
}

/// Moves the output folders of an earlier benchmark into a folder of their own (a rename frees
/// no inode), so that every run writes into a new folder; returns that folder, to delete once
/// the measurements are done (see the module comment).
fn set_aside_outputs(work: &Path) -> anyhow::Result<PathBuf> {
    let trash = work.join("set-aside");
    std::fs::create_dir_all(&trash)?;
    if let Ok(entries) = std::fs::read_dir(work) {
        for e in entries {
            let e = e?;
            if e.file_name().to_string_lossy().starts_with("out-") {
                set_aside(&e.path(), &trash)?;
            }
        }
    }
    Ok(trash)
}

/// Moves `dir` into `trash` under its own name (or, when a benchmark stopped before its cleanup
/// left that name there, the name with a number).
fn set_aside(dir: &Path, trash: &Path) -> anyhow::Result<()> {
    let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let mut to = trash.join(&name);
    for k in 1.. {
        if !to.exists() {
            break;
        }
        to = trash.join(format!("{name}.{k}"));
    }
    std::fs::rename(dir, to)?;
    Ok(())
}

/// The Parquet files of a dataset folder, by name, with the SHA-256 of their bytes.
fn tables(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "parquet") {
            files.push((p.file_name().unwrap_or_default().to_string_lossy().into_owned(), sha256_file(&p)?.0));
        }
    }
    files.sort();
    Ok(files)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn spawn(exe: &Path, args: &[&str]) -> anyhow::Result<Value> {
    let out = Command::new(exe).args(args).env("RUST_LOG", "warn").output()?;
    if !out.status.success() && out.status.code() != Some(3) {
        anyhow::bail!("child {:?} failed: {}", args, String::from_utf8_lossy(&out.stderr));
    }
    let line = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().to_string();
    Ok(serde_json::from_str(&line)?)
}

fn mb(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(0.0)
}

/// The measurements of one corpus size on one thread count.
struct Row {
    size: String,
    threads: usize,
    /// A first run, cache on (the default): the one of median wall time.
    run: Value,
    /// The wall times of every first run, fastest first.
    walls: Vec<f64>,
    /// The same run again, every file from the cache.
    rerun: Value,
    /// A run with `--no-cache`.
    bare: Value,
    jieba: Value,
}

/// Which build measured: `scripts/pgo.sh` sets `GOVREPORT_BUILD` while it compiles (read at
/// compile time, so cargo rebuilds the bench when it changes); a plain `cargo bench` has none.
fn build_kind() -> &'static str {
    match option_env!("GOVREPORT_BUILD") {
        Some("pgo") => "profile-guided (`bash scripts/pgo.sh cargo bench ...`)",
        _ => "plain release (`cargo bench`)",
    }
}

/// The results table (Markdown).
fn report(rows: &[Row], cores: usize) -> String {
    let mut s = format!(
        "Machine: {cores} cores, {} ({}). Build: {}.\n\n\
         | corpus | threads | end to end MB/s (runs: slowest–fastest) | per core MB/s | extract | normalize | segment | indicators | write | validate | without cache MB/s | rerun, all cached MB/s | jieba cut MB/s | jieba tag MB/s | pipeline / jieba tag | pipeline / jieba cut | peak RSS MB | rerun peak RSS MB |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())).unwrap_or_default(),
        std::env::consts::ARCH,
        build_kind(),
    );
    for Row { size, threads, run, walls, rerun, bare, jieba } in rows {
        let input_mb = mb(run, "input_mb");
        let mb_per_s = |v: &Value| input_mb / mb(v, "wall_s").max(1e-9);
        let (e2e, e2e_bare, e2e_rerun) = (mb_per_s(run), mb_per_s(bare), mb_per_s(rerun));
        let stage = |k: &str| {
            let secs = run["stage_s"][k].as_f64().unwrap_or(0.0);
            if secs > 0.0 { format!("{:.1}", input_mb / secs) } else { "–".into() }
        };
        let (cut, tag) = (mb(jieba, "cut_mb_per_s"), mb(jieba, "tag_mb_per_s"));
        let spread = match walls.as_slice() {
            [_] => String::new(),
            all => format!(" ({}: {:.1}–{:.1})", all.len(), input_mb / all[all.len() - 1].max(1e-9), input_mb / all[0].max(1e-9)),
        };
        s.push_str(&format!(
            "| {size} ({input_mb:.0} MB, {} docs) | {threads} | {e2e:.1}{spread} | {:.1} | {} | {} | {} | {} | {} | {} | {e2e_bare:.1} | {e2e_rerun:.1} | {cut:.1} | {tag:.1} | {:.2}× slower | {:.2}× slower | {:.0} | {:.0} |\n",
            run["documents"],
            e2e / *threads as f64,
            stage("extract"),
            stage("normalize"),
            stage("segment"),
            stage("indicators"),
            stage("write"),
            stage("validate"),
            tag / e2e.max(1e-9),
            cut / e2e.max(1e-9),
            mb(run, "peak_rss_mb"),
            mb(rerun, "peak_rss_mb"),
        ));
    }
    s.push_str(
        "\nEnd to end is a first run as `govreport run` starts it: the incremental cache on, in a new folder, \
         so every file is processed and the cache index written; with `--repeat N`, the run of median wall time \
         of N (its stage times and memory are the ones shown), with the slowest and fastest of the N in brackets, \
         and jieba's figures the median of N timings. Per-stage columns are MB of input per second of time spent \
         in that stage, summed over threads (per-core throughput); validate runs once at the end over the \
         written tables. End to end is input MB over wall time; per core is that divided by the threads. \
         Without cache is the same run with `--no-cache`; rerun is the first run again over the same files, \
         every file's rows read back from the dataset it published (its peak memory is the last column). jieba cut is jieba-rs `cut` (HMM on) alone \
         over the same normalized text; jieba tag is `tag` (HMM on, parts of speech), which the tokens table \
         needs.\n",
    );
    // Memory growth between sizes, all threads: the streaming target is peak(large) ≤ 1.5 × peak(small).
    let modes: [(&str, fn(&Row) -> &Value); 2] = [("Peak RSS", |r| &r.run), ("Rerun peak RSS", |r| &r.rerun)];
    for (label, mode) in modes {
        let peaks: Vec<(&str, f64)> = rows.iter().filter(|r| r.threads == cores).map(|r| (r.size.as_str(), mb(mode(r), "peak_rss_mb"))).collect();
        for w in peaks.windows(2) {
            s.push_str(&format!("\n{label} {} / {}: {:.2}×.", w[1].0, w[0].0, w[1].1 / w[0].1.max(1e-9)));
        }
    }
    s.push('\n');
    s
}

/// One measurement, in this process: prints one JSON line.
fn child(args: &[String]) -> anyhow::Result<()> {
    let input = PathBuf::from(arg(args, "--input").expect("--input"));
    let threads: usize = arg(args, "--threads").and_then(|t| t.parse().ok()).unwrap_or(0);
    match arg(args, "--child").as_deref() {
        Some(mode @ ("run" | "rerun")) => {
            let output = PathBuf::from(arg(args, "--output").expect("--output"));
            // A run starts from nothing, in a folder that did not exist (see the module comment:
            // deleting one here would slow the run down); a rerun finds the previous run's
            // dataset and cache.
            anyhow::ensure!(mode == "rerun" || !output.exists(), "{} exists; a run is measured in a new folder", output.display());
            let cache = arg(args, "--cache").as_deref() != Some("off");
            let cfg = RunConfig { threads, cache, ..RunConfig::new(&input, &output) };
            let t = Instant::now();
            let summary = runner::run(&cfg)?;
            let wall = t.elapsed().as_secs_f64();
            let stage_s: serde_json::Map<String, Value> = summary.stage_times.iter().map(|(k, v)| (k.to_string(), json!(v.as_secs_f64()))).collect();
            println!(
                "{}",
                json!({
                    "input_mb": summary.input_bytes as f64 / 1e6,
                    "documents": summary.documents,
                    "processed": summary.processed,
                    "wall_s": wall,
                    "stage_s": stage_s,
                    "peak_rss_mb": peak_rss_kb().unwrap_or(0) as f64 * 1024.0 / 1e6,
                })
            );
        }
        Some("jieba") => {
            // The floors: jieba-rs cut, and tag (both HMM on), over the same normalized text, same threads.
            let files = runner::discover(&input)?;
            let stages = runner::stages();
            let texts: Vec<String> = files
                .par_iter()
                .flat_map_iter(|(rel, path)| {
                    let file = govreport::extract::SourceFile { rel_path: rel.clone(), bytes: std::fs::read(path).map_err(|e| e.to_string()) };
                    govreport::extract::Extractor.extract(&file).into_iter().map(|mut d| {
                        let _ = stages[0].process(&mut d);
                        govreport::normalize::document_text(&d)
                    })
                })
                .collect();
            let input_bytes: u64 = files.iter().map(|(_, p)| std::fs::metadata(p).map_or(0, |m| m.len())).sum();
            let jieba = govreport::segment::words::jieba();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
            let repeat = repeat_arg(args)?;
            let (mut cuts, mut tags, mut words, mut tagged) = (Vec::new(), Vec::new(), 0, 0);
            // cut and tag in turn, `repeat` times each: the medians are reported.
            for _ in 0..repeat {
                let t = Instant::now();
                words = pool.install(|| texts.par_iter().map(|t| t.lines().map(|l| jieba.cut(l, true).len()).sum::<usize>()).sum());
                cuts.push(t.elapsed().as_secs_f64());
                let t = Instant::now();
                tagged = pool.install(|| texts.par_iter().map(|t| t.lines().map(|l| jieba.tag(l, true).len()).sum::<usize>()).sum());
                tags.push(t.elapsed().as_secs_f64());
            }
            cuts.sort_by(f64::total_cmp);
            tags.sort_by(f64::total_cmp);
            let (cut_s, tag_s) = (cuts[median_at(cuts.len())], tags[median_at(tags.len())]);
            let mb = input_bytes as f64 / 1e6;
            println!("{}", json!({"cut_mb_per_s": mb / cut_s, "tag_mb_per_s": mb / tag_s, "words": words, "tagged": tagged}));
        }
        other => anyhow::bail!("unknown child mode {other:?}"),
    }
    Ok(())
}
