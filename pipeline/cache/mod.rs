//! The incremental cache for nightly runs: `OUTPUT/.cache/<key>.grc` holds the finished record
//! batches of one input file (every document's rows of every table), keyed by the file's
//! content hash and path, the pipeline version and build, and the configuration hash. A rerun
//! takes unchanged files from here instead of running the stages again; since the batches read
//! back equal, buffer for buffer, to the ones a fresh run writes, the dataset bytes are the same.
//!
//! The path is part of the key because rows carry it (`source_file`). Entries that the latest
//! run did not use are deleted after it publishes, so the cache never outgrows one dataset.
//!
//! An entry is the magic bytes, then one zstd frame of its batches in the column encoding of
//! `columns.rs` (a document's id once, integers as small steps, text as lengths plus bytes).
//! The cache is written on every first run, so what it costs is paid by every new file: as
//! Arrow IPC streams (about 50 bytes a `tokens` row) compressing the entries took a quarter of
//! a first run's instructions; this encoding holds a `tokens` row in about 12 bytes before
//! compression, and the entries are smaller too.

mod columns;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

use columns::Reader;

use crate::schema::catalog;
use crate::sink::manifest::hex;
use crate::sink::rows::DOC_TABLES;
use crate::sink::DocBatches;

pub const CACHE_DIR: &str = ".cache";
const MAGIC: &[u8; 8] = b"GRCACHE3";
const EXT: &str = "grc";
/// zstd level 1. On the entries of this encoding (a 3.6 MB slice of the 100 MB bench corpus:
/// 19.6 MB of entries before compression) level 1 compresses about 1.4 times as fast as the
/// default level 3, into entries 12 % larger (3.8 MB against 3.4 MB); the first run of that
/// slice took 2.7 % fewer instructions. (Arrow IPC entries, before this encoding, were twice
/// as large at level 1, which is why the level was 3 then.)
const ZSTD_LEVEL: i32 = 1;

/// Identifies this build of the pipeline: a rebuilt binary never reads a stale entry, even
/// when the version number did not change during development.
fn build_id() -> String {
    let exe = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok());
    match exe {
        Some(m) => {
            let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
            format!("{}:{mtime}", m.len())
        }
        None => "unknown".into(),
    }
}

pub struct Cache {
    dir: PathBuf,
    salt: String,
}

impl Cache {
    /// `settings` is everything else that changes the rows (config hash, limits).
    pub fn open(output: &Path, settings: &str) -> anyhow::Result<Cache> {
        let dir = output.join(CACHE_DIR);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the cache folder {}", dir.display()))?;
        let salt = format!("{}\0{}\0{}\0{settings}", crate::VERSION, build_id(), String::from_utf8_lossy(MAGIC));
        Ok(Cache { dir, salt })
    }

    pub fn key(&self, content_sha256: &str, rel_path: &str) -> String {
        let mut h = Sha256::new();
        for part in [self.salt.as_str(), content_sha256, rel_path] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        hex(&h.finalize())[..32].to_string()
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{EXT}"))
    }

    /// The cached documents of a file; None when absent or unusable (then it is recomputed).
    pub fn load(&self, key: &str) -> Option<Vec<DocBatches>> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        match decode(&bytes) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!(key, "cache entry unusable, recomputing: {e:#}");
                None
            }
        }
    }

    /// Stores a file's documents (written to a temporary name, then renamed: never half an entry).
    pub fn store(&self, key: &str, docs: &[DocBatches]) -> anyhow::Result<()> {
        let bytes = encode(docs)?;
        let tmp = self.dir.join(format!("{key}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, self.path(key))?;
        Ok(())
    }

    /// Deletes every entry not in `used` (and leftovers of killed runs); returns how many.
    pub fn retain(&self, used: &HashSet<String>) -> anyhow::Result<usize> {
        let mut removed = 0;
        for e in std::fs::read_dir(&self.dir)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let keep = name.strip_suffix(&format!(".{EXT}")).is_some_and(|k| used.contains(k));
            if !keep {
                std::fs::remove_file(e.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

fn encode(docs: &[DocBatches]) -> anyhow::Result<Vec<u8>> {
    let cat = catalog();
    let mut out = Vec::new();
    out.extend_from_slice(&(docs.len() as u64).to_le_bytes());
    for d in docs {
        out.push(d.quarantined as u8);
        put_bytes(&mut out, d.source_file.as_bytes());
        put_bytes(&mut out, d.content_sha256.as_bytes());
        out.extend_from_slice(&(d.batches.len() as u64).to_le_bytes());
        for (name, b) in DOC_TABLES.iter().zip(&d.batches) {
            put_bytes(&mut out, name.as_bytes());
            columns::put_batch(&mut out, cat.table(name), b)?;
        }
    }
    // With the frame's checksum, a damaged entry fails to decode (and is recomputed) instead of
    // decoding into other rows.
    let mut z = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
    z.set_parameter(zstd::stream::raw::CParameter::ChecksumFlag(true))?;
    let mut entry = MAGIC.to_vec();
    entry.extend(z.compress(&out)?);
    Ok(entry)
}

fn take_u64(r: &mut Reader) -> anyhow::Result<u64> {
    Ok(u64::from_le_bytes(r.take(8)?.try_into().expect("8 bytes")))
}

fn take_string(r: &mut Reader) -> anyhow::Result<String> {
    let n = take_u64(r)?;
    let n = usize::try_from(n).context("length beyond the entry")?;
    Ok(String::from_utf8(r.take(n)?.to_vec())?)
}

fn decode(entry: &[u8]) -> anyhow::Result<Vec<DocBatches>> {
    let frame = entry.strip_prefix(MAGIC.as_slice()).context("not a cache entry")?;
    let bytes = zstd::decode_all(frame).context("damaged cache entry")?;
    let cat = catalog();
    let mut r = Reader::new(&bytes);
    let n = take_u64(&mut r)?;
    // Every file gives at least one document (a quarantined one when it cannot be read).
    anyhow::ensure!(n >= 1, "an entry without documents");
    let mut docs = Vec::new();
    for _ in 0..n {
        let q = r.u8()?;
        let source_file = take_string(&mut r)?;
        let content_sha256 = take_string(&mut r)?;
        let tables = take_u64(&mut r)? as usize;
        anyhow::ensure!(tables == DOC_TABLES.len(), "entry has {tables} tables, this version writes {}", DOC_TABLES.len());
        let mut batches = Vec::with_capacity(tables);
        for name in DOC_TABLES {
            let got = take_string(&mut r)?;
            anyhow::ensure!(got == name, "entry has table {got} where {name} belongs");
            batches.push(columns::take_batch(&mut r, cat.table(name))?);
        }
        docs.push(DocBatches { source_file, content_sha256, quarantined: q != 0, batches });
    }
    anyhow::ensure!(r.is_empty(), "trailing bytes");
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;
    use crate::sink::rows::doc_batches;

    #[test]
    fn entries_round_trip_and_foreign_bytes_are_refused() {
        let mut d = Document::new("abcd".into(), "a b/报告 1.txt".into(), "ff".repeat(32), 10);
        d.quarantine("extract", "empty_file", "no bytes");
        let docs = vec![doc_batches(&d)];
        let bytes = encode(&docs).unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].source_file, docs[0].source_file);
        assert!(back[0].quarantined);
        assert_eq!(back[0].batches, docs[0].batches);
        assert!(decode(&bytes[..bytes.len() - 3]).is_err());
        assert!(decode(b"GRCACHE0xxxxxxxx").is_err());
        assert!(decode(&encode(&[]).unwrap()).unwrap_err().to_string().contains("without documents"));
    }

    /// The batches of `docs` as the entries before this encoding held them (one Arrow IPC
    /// stream per batch, all in one zstd frame at level 3, the level of those entries): the
    /// size to beat.
    fn ipc_entry_bytes(docs: &[DocBatches]) -> (usize, usize) {
        let plain: Vec<u8> = docs.iter().flat_map(|d| &d.batches).flat_map(columns::tests::ipc).collect();
        (plain.len(), zstd::bulk::compress(&plain, 3).unwrap().len())
    }

    /// A seed's entry holds its batches compressed: it reads back equal buffer for buffer, a
    /// flipped byte is refused, and it is smaller than the same batches as plain Arrow IPC
    /// (7x on this seed) and than those streams compressed (the entries before).
    #[test]
    fn a_seed_entry_is_compressed_and_reads_back_equal() {
        use crate::runner::{load, process_loaded, stages, Limits};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let rel = "003_d422b980451038db.txt";
        let docs = process_loaded(load(rel, &root.join("seeds").join(rel), Limits::default()), &stages());
        assert!(docs[0].batches[3].num_rows() > 1000, "the seed has a tokens table worth compressing");
        let bytes = encode(&docs).unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(back.len(), docs.len());
        for (b, d) in back.iter().zip(&docs) {
            assert_eq!((&b.source_file, &b.content_sha256, b.quarantined, &b.batches), (&d.source_file, &d.content_sha256, d.quarantined, &d.batches));
            for (x, y) in b.batches.iter().zip(&d.batches) {
                assert!(columns::tests::ipc(x) == columns::tests::ipc(y), "{:?} differs in its buffers", x.schema().metadata());
            }
        }
        // Any flipped byte of the frame is refused (the frame carries a checksum), never read
        // back as other rows.
        for at in [MAGIC.len() + 20, bytes.len() / 2, bytes.len() - 5] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert!(decode(&damaged).is_err(), "damaged byte {at} was accepted");
        }
        let (plain, ipc_entry) = ipc_entry_bytes(&docs);
        assert!(bytes.len() * 7 < plain, "entry {} bytes, plain IPC {plain} bytes", bytes.len());
        assert!(bytes.len() < ipc_entry, "entry {} bytes, IPC entry {ipc_entry} bytes", bytes.len());
    }

    /// Every file of the seeds and of the shared corpus (quarantined ones, CSVs of several
    /// documents and HTML included) comes back from its entry with the same buffers, so a
    /// cached rerun writes the same Parquet and Arrow bytes.
    #[test]
    fn every_seed_and_corpus_file_reads_back_buffer_for_buffer() {
        use crate::runner::{load, process_loaded, stages, Limits};
        let stages = stages();
        let (mut entries, mut ipc_entries) = (0, 0);
        for path in crate::segment::test_texts::seed_and_corpus_files() {
            let rel = path.file_name().unwrap().to_string_lossy().into_owned();
            let docs = process_loaded(load(&rel, &path, Limits::default()), &stages);
            let bytes = encode(&docs).unwrap();
            let back = decode(&bytes).unwrap();
            assert_eq!(back.len(), docs.len(), "{rel}");
            for (b, d) in back.iter().zip(&docs) {
                assert_eq!((&b.source_file, &b.content_sha256, b.quarantined), (&d.source_file, &d.content_sha256, d.quarantined), "{rel}");
                for (name, (x, y)) in DOC_TABLES.iter().zip(b.batches.iter().zip(&d.batches)) {
                    assert!(columns::tests::ipc(x) == columns::tests::ipc(y), "{rel}: {name} differs in its buffers");
                }
            }
            entries += bytes.len();
            ipc_entries += ipc_entry_bytes(&docs).1;
        }
        assert!(entries < ipc_entries, "entries {entries} bytes, IPC entries {ipc_entries} bytes");
    }

    #[test]
    fn keys_depend_on_content_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::open(dir.path(), "cfg").unwrap();
        assert_ne!(c.key("aa", "x.txt"), c.key("ab", "x.txt"));
        assert_ne!(c.key("aa", "x.txt"), c.key("aa", "y.txt"));
        let other = Cache::open(dir.path(), "cfg2").unwrap();
        assert_ne!(c.key("aa", "x.txt"), other.key("aa", "x.txt"));
    }
}
