//! Real report text for the tests that hold a fast path to the reading it replaced: the seeds
//! and, when GOVREPORT_CORPUS names it (scripts/test.sh sets it to ../shared/corpus), the
//! shared corpus, as the rest of the suite finds them. Without it only the seeds are read,
//! and the tests say so.

use std::path::{Path, PathBuf};

/// The files of seeds/ and of the shared corpus (when GOVREPORT_CORPUS names a folder), sorted.
pub(crate) fn seed_and_corpus_files() -> Vec<PathBuf> {
    let corpus = std::env::var_os("GOVREPORT_CORPUS").map(PathBuf::from).filter(|p| p.is_dir());
    if corpus.is_none() {
        eprintln!("GOVREPORT_CORPUS not set: only the seeds are checked");
    }
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut files = Vec::new();
    for dir in std::iter::once(seeds).chain(corpus) {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        files.extend(entries.map(|e| e.unwrap().path()));
    }
    files.sort();
    files
}

/// Each file of [`seed_and_corpus_files`] as text, read lossily: the corpus's GBK files come
/// out with replacement chars, which the fast paths must read as the old ones did too.
pub(crate) fn seed_and_corpus_texts() -> Vec<String> {
    seed_and_corpus_files()
        .into_iter()
        .map(|path| String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).into_owned())
        .collect()
}
