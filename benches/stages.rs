//! Throughput of the normalize and segment stages alone, in MB/s of source text.
//!
//! `cargo bench --bench stages` measures: normalize (one thread), segment (one thread and all
//! threads through rayon) over the seeds, plus the corpus when GOVREPORT_CORPUS names it.
//! Without `--bench` (as `cargo test --all-targets` runs it) it does one quick smoke pass over
//! one seed, so the benchmark itself stays tested.


use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use govreport::extract::{Extractor, SourceFile};
use govreport::model::{Document, Stage};
use govreport::normalize::Normalizer;
use govreport::segment::Segmenter;
use rayon::prelude::*;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

fn extracted(paths: &[PathBuf]) -> Vec<Document> {
    paths
        .iter()
        .flat_map(|p| {
            let f = SourceFile { rel_path: p.file_name().unwrap().to_string_lossy().into_owned(), bytes: Ok(std::fs::read(p).unwrap()) };
            Extractor.extract(&f)
        })
        .filter(|d| d.is_ok())
        .collect()
}

/// Runs `pass` on fresh copies of `docs` until `budget` is spent; returns MB/s of source bytes.
fn throughput(docs: &[Document], budget: Duration, mut pass: impl FnMut(Vec<Document>)) -> f64 {
    let bytes: u64 = docs.iter().map(|d| d.byte_size).sum();
    let (mut total, mut spent, mut rounds) = (0u64, Duration::ZERO, 0);
    while spent < budget || rounds == 0 {
        let copy = docs.to_vec();
        let t = Instant::now();
        pass(copy);
        spent += t.elapsed();
        total += bytes;
        rounds += 1;
    }
    total as f64 / 1e6 / spent.as_secs_f64()
}

fn main() {
    govreport::allocator::configure();
    let measure = std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = files(&root.join("seeds"));
    if measure {
        if let Some(c) = std::env::var_os("GOVREPORT_CORPUS") {
            paths.extend(files(Path::new(&c)));
        }
    } else {
        paths.truncate(1);
    }
    let budget = if measure { Duration::from_secs(5) } else { Duration::ZERO };
    let docs = extracted(&paths);
    assert!(!docs.is_empty(), "no document to measure");
    let mb = docs.iter().map(|d| d.byte_size).sum::<u64>() as f64 / 1e6;

    let norm = throughput(&docs, budget, |mut v| v.iter_mut().for_each(|d| Normalizer.process(d).unwrap()));
    let mut normalized = docs.clone();
    normalized.iter_mut().for_each(|d| Normalizer.process(d).unwrap());
    // Load jieba before timing: it loads once per process, not per document.
    Segmenter.process(&mut normalized[0].clone()).unwrap();
    let seg1 = throughput(&normalized, budget, |mut v| v.iter_mut().for_each(|d| Segmenter.process(d).unwrap()));
    let segn = throughput(&normalized, budget, |mut v| v.par_iter_mut().for_each(|d| Segmenter.process(d).unwrap()));

    let mode = if measure { "bench" } else { "smoke" };
    println!("stages ({mode}): {} documents, {mb:.2} MB of source", docs.len());
    println!("normalize            {norm:8.2} MB/s (1 thread)");
    println!("segment              {seg1:8.2} MB/s (1 thread)");
    println!("segment              {segn:8.2} MB/s ({} threads)", rayon::current_num_threads());
    assert!(norm > 0.0 && seg1 > 0.0 && segn > 0.0);
    if !measure {
        assert!(normalized[0].sentences.is_empty(), "benchmark copies, never the prepared documents, are segmented");
    }
}
