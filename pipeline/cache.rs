//! The incremental cache for nightly runs: `OUTPUT/.cache/<key>.grc` holds the finished record
//! batches of one input file (one Arrow IPC stream per document and table), keyed by the file's
//! content hash and path, the pipeline version and build, and the configuration hash. A rerun
//! takes unchanged files from here instead of running the stages again; since the batches are
//! the ones a fresh run would write, the dataset bytes are the same.
//!
//! The path is part of the key because rows carry it (`source_file`). Entries that the latest
//! run did not use are deleted after it publishes, so the cache never outgrows one dataset.
//!
//! An entry is the magic bytes, then one zstd frame of its IPC streams: uncompressed, the tokens
//! rows alone made the cache several times the size of its input, on top of the dataset itself.
//! One frame over the whole entry compresses far better than Arrow's per-buffer IPC compression
//! (the schemas and the `doc_id` of every row repeat across an entry's small batches).

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use sha2::{Digest, Sha256};

use crate::schema::catalog;
use crate::sink::manifest::hex;
use crate::sink::rows::DOC_TABLES;
use crate::sink::DocBatches;

pub const CACHE_DIR: &str = ".cache";
const MAGIC: &[u8; 8] = b"GRCACHE2";
const EXT: &str = "grc";
/// zstd's default level. On the 10 MB bench corpus the cache is 29 MB instead of 142 MB, and a
/// first run takes as long as with plain entries (level 1: 36 MB, no faster).
const ZSTD_LEVEL: i32 = 3;

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
    let mut out = Vec::new();
    out.extend_from_slice(&(docs.len() as u64).to_le_bytes());
    for d in docs {
        out.push(d.quarantined as u8);
        put_bytes(&mut out, d.source_file.as_bytes());
        put_bytes(&mut out, d.content_sha256.as_bytes());
        out.extend_from_slice(&(d.batches.len() as u64).to_le_bytes());
        for (name, b) in DOC_TABLES.iter().zip(&d.batches) {
            put_bytes(&mut out, name.as_bytes());
            let mut ipc = Vec::new();
            {
                let mut w = StreamWriter::try_new(&mut ipc, &b.schema())?;
                w.write(b)?;
                w.finish()?;
            }
            put_bytes(&mut out, &ipc);
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

fn take_u64(c: &mut Cursor<&[u8]>) -> anyhow::Result<u64> {
    let mut b = [0u8; 8];
    c.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn take_bytes(c: &mut Cursor<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let n = take_u64(c)? as usize;
    anyhow::ensure!(n <= c.get_ref().len(), "length {n} beyond the entry");
    let mut b = vec![0u8; n];
    c.read_exact(&mut b)?;
    Ok(b)
}

fn decode(entry: &[u8]) -> anyhow::Result<Vec<DocBatches>> {
    let frame = entry.strip_prefix(MAGIC.as_slice()).context("not a cache entry")?;
    let bytes = zstd::decode_all(frame).context("damaged cache entry")?;
    let bytes = bytes.as_slice();
    let mut c = Cursor::new(bytes);
    let n = take_u64(&mut c)?;
    let mut docs = Vec::new();
    for _ in 0..n {
        let mut q = [0u8; 1];
        c.read_exact(&mut q)?;
        let source_file = String::from_utf8(take_bytes(&mut c)?)?;
        let content_sha256 = String::from_utf8(take_bytes(&mut c)?)?;
        let tables = take_u64(&mut c)? as usize;
        anyhow::ensure!(tables == DOC_TABLES.len(), "entry has {tables} tables, this version writes {}", DOC_TABLES.len());
        let mut batches = Vec::with_capacity(tables);
        for name in DOC_TABLES {
            let got = String::from_utf8(take_bytes(&mut c)?)?;
            anyhow::ensure!(got == name, "entry has table {got} where {name} belongs");
            let ipc = take_bytes(&mut c)?;
            let mut r = StreamReader::try_new(Cursor::new(ipc), None)?;
            let b = r.next().context("empty stream")??;
            anyhow::ensure!(b.schema() == catalog().table(name).arrow_schema(), "{name} schema changed");
            batches.push(b);
        }
        docs.push(DocBatches { source_file, content_sha256, quarantined: q[0] != 0, batches });
    }
    anyhow::ensure!(c.position() as usize == bytes.len(), "trailing bytes");
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
    }

    /// A seed's entry holds its batches compressed: it reads back equal, and is several times
    /// smaller than the same batches as plain IPC (4.6x on this seed) (the size that made the cache outgrow its
    /// input).
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
        }
        // Any flipped byte of the frame is refused (the frame carries a checksum), never read
        // back as other rows.
        for at in [MAGIC.len() + 20, bytes.len() / 2, bytes.len() - 5] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert!(decode(&damaged).is_err(), "damaged byte {at} was accepted");
        }
        let mut plain = 0;
        for b in docs.iter().flat_map(|d| &d.batches) {
            let mut ipc = Vec::new();
            let mut w = StreamWriter::try_new(&mut ipc, &b.schema()).unwrap();
            w.write(b).unwrap();
            w.finish().unwrap();
            drop(w);
            plain += ipc.len();
        }
        assert!(bytes.len() * 4 < plain, "entry {} bytes, plain IPC {plain} bytes", bytes.len());
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
