//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use govreport::runner::{run, RunConfig, RunSummary};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn seeds() -> PathBuf {
    repo().join("seeds")
}

/// The shared corpus (`../shared/corpus`), when the environment names it.
pub fn corpus() -> Option<PathBuf> {
    match std::env::var_os("GOVREPORT_CORPUS") {
        Some(p) if Path::new(&p).is_dir() => Some(PathBuf::from(p)),
        _ => {
            eprintln!("SKIPPED: set GOVREPORT_CORPUS to the shared corpus folder (.ci/run does) to run this test");
            None
        }
    }
}

pub fn run_into(input: &Path, output: &Path, threads: usize) -> RunSummary {
    let cfg = RunConfig { threads, ..RunConfig::new(input, output) };
    run(&cfg).expect("run succeeds")
}
