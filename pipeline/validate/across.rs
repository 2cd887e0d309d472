//! The checks across reports — targets paired with the next report's actuals
//! (`targets_vs_actuals`, [`super::targets`]) and growth rates against the level stated for the
//! year before ([`super::accounting::growth_against_levels`]) — in memory that does not grow
//! with the corpus.
//!
//! Both checks pair mentions of one region with the same indicator key and unit. So each
//! regional document's figures that either check can use become compact [`Mention`]s, written
//! as they stream past to one of several bucket files in a scratch folder, chosen by a stable
//! hash of (region, indicator key, unit); the buckets are then read back and checked one at a
//! time. How many buckets there are follows from the corpus (about [`Reading::bucket_mentions`]
//! mentions each), so a bucket holds about as much on any corpus. A mention carries its place in
//! the stream (`seq`): findings are put back in stream order, and each bucket's rows of
//! `targets_vs_actuals` are sorted and written as a run, which [`Targets`] merges in the table's
//! sort order (ties by stream order, as the stable sort over all rows had them). The result
//! does not depend on the number of buckets.
//!
//! [`Reading::bucket_mentions`]: super::stream::Reading::bucket_mentions

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use arrow::record_batch::RecordBatch;

use super::facts::{DocFacts, Figure, Str};
use super::targets::Row;
use super::Finding;
use crate::schema::catalog;
use crate::sink::TableBuffer;

/// One figure as the checks across reports need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// An order key in table order: rises with the figure's place in `indicators` (not a
    /// count of the figures before it: figures checked in lanes are keyed from their lane's
    /// first row), and only compared, never written out.
    pub seq: u64,
    /// The document in the list of [`DocFacts`] (the last one of its doc_id), if any.
    pub doc: Option<u32>,
    pub doc_id: Str,
    pub source_file: Str,
    pub indicator_index: i64,
    pub source_line: i64,
    pub indicator: Str,
    pub code: Option<Str>,
    pub measure: Str,
    pub unit: Str,
    pub value: f64,
    pub value_text: Str,
    pub unit_text: Str,
    pub qualifier: Option<Str>,
    pub status: Str,
    /// [`Figure::effective_year`].
    pub year: i64,
    /// For a plain actual level: the growth rate stated with it, when it is one the level can
    /// be checked against (see [`growth_partners`]).
    pub growth: Option<Growth>,
}

/// A growth rate stated with a level.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    pub value: f64,
    pub value_text: Str,
    pub indicator_index: i64,
}

/// What "the same indicator" means across mentions: the code, else the name (as
/// [`Figure::key`], without building a string).
pub type Key<'a> = (bool, &'a str);

impl Mention {
    pub fn key(&self) -> Key<'_> {
        match &self.code {
            Some(c) => (true, c),
            None => (false, &self.indicator),
        }
    }

    /// Exact or approximate (not a floor, ceiling or range).
    pub fn plain(&self) -> bool {
        plain(self.qualifier.as_deref())
    }
}

fn plain(q: Option<&str>) -> bool {
    q.map_or(true, |q| q == "approx")
}

/// For each figure of one document (in table order), the growth rate stated with it when it
/// is a plain actual level: the next growth mention of the same indicator in the same sentence,
/// if that one is year on year (or of no stated basis) and plain.
pub fn growth_partners(figs: &[Figure]) -> Vec<Option<Growth>> {
    let plain_level = |f: &Figure| f.measure == "level" && f.status == "actual" && plain(f.qualifier.as_deref());
    figs.iter()
        .enumerate()
        .map(|(k, l1)| {
            if !plain_level(l1) {
                return None;
            }
            let g = figs[k + 1..]
                .iter()
                .take_while(|f| f.doc_id == l1.doc_id && f.sentence_index == l1.sentence_index)
                .find(|f| f.measure == "growth" && (same_key(f, l1) || f.indicator == l1.indicator))?;
            if !(g.basis.is_none() || g.basis.as_deref() == Some("yoy")) || !plain(g.qualifier.as_deref()) {
                return None;
            }
            Some(Growth { value: g.value, value_text: g.value_text.clone(), indicator_index: g.indicator_index })
        })
        .collect()
}

/// `a.key() == b.key()`, without building the keys.
fn same_key(a: &Figure, b: &Figure) -> bool {
    match (&a.code, &b.code) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.indicator == b.indicator,
        _ => false,
    }
}

/// The mentions of one document's figures that a check across reports can use (actuals and
/// targets of a known year), numbered from `seq` on in table order.
pub fn mentions(figs: &[Figure], doc: Option<u32>, report_year: Option<i32>, seq: u64) -> Vec<Mention> {
    let partners = growth_partners(figs);
    // Room for all at once (a mention is some hundred bytes: no copying as the vector grows).
    let mut out = Vec::with_capacity(figs.len());
    for (k, (f, growth)) in figs.iter().zip(partners).enumerate() {
        if !(f.status == "actual" || f.status == "target") {
            continue;
        }
        // The year first: a figure without one makes no mention, and nothing is copied for it.
        let Some(year) = f.effective_year(report_year) else { continue };
        out.push(Mention {
            seq: seq + k as u64,
            doc,
            doc_id: f.doc_id.clone(),
            source_file: f.source_file.clone(),
            indicator_index: f.indicator_index,
            source_line: f.source_line,
            indicator: f.indicator.clone(),
            code: f.code.clone(),
            measure: f.measure.clone(),
            unit: f.unit.clone(),
            value: f.value,
            value_text: f.value_text.clone(),
            unit_text: f.unit_text.clone(),
            qualifier: f.qualifier.clone(),
            status: f.status.clone(),
            year,
            growth,
        });
    }
    out
}

/// The group mentions are compared within: the region of their document, else the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group<'a> {
    Region(&'a str),
    Doc(&'a str),
}

pub fn group<'a>(docs: &'a [DocFacts], m: &'a Mention) -> Group<'a> {
    match m.doc.and_then(|d| docs[d as usize].region.as_ref()) {
        Some((r, _)) => Group::Region(r),
        None => Group::Doc(&m.doc_id),
    }
}

/// FNV-1a: a hash that is the same in every run and on every machine (bucket files must not
/// depend on a random seed, though the result does not depend on the buckets either).
fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Most buckets (each lane holds one file per bucket open while mentions are written; see
/// `lanes` in the validate module for how many lanes the open-file limit allows).
const MAX_BUCKETS: usize = 256;

/// A folder for the spilled state, removed when dropped.
#[derive(Debug)]
struct Scratch(PathBuf);

impl Scratch {
    fn create(dir: &Path) -> anyhow::Result<Self> {
        if dir.exists() {
            // Left by a run that was killed.
            std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Scratch(dir.to_path_buf()))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Mentions written to bucket files as they stream past, by one or more [`Lane`]s: each lane
/// writes the mentions of one stretch of `indicators` to files of its own, and a bucket is read
/// back lane after lane, so its mentions come in stream order however the lanes were timed.
pub struct Buckets {
    scratch: Scratch,
    lanes: Vec<Lane>,
}

/// The bucket files one stretch of the stream is written to.
pub struct Lane {
    files: Vec<BufWriter<File>>,
    /// Mentions per bucket.
    held: Vec<usize>,
    buf: Vec<u8>,
}

impl Buckets {
    /// Buckets in `dir` (created, and removed when done) for about `expected` mentions,
    /// `per_bucket` to a bucket, written by `lanes` lanes.
    pub fn create(dir: &Path, expected: usize, per_bucket: usize, lanes: usize) -> anyhow::Result<Self> {
        let scratch = Scratch::create(dir)?;
        let n = Self::count(expected, per_bucket);
        let lanes = (0..lanes.max(1))
            .map(|l| {
                let files = (0..n)
                    .map(|b| {
                        let p = scratch.0.join(format!("bucket-{b}-{l}"));
                        Ok(BufWriter::with_capacity(32 * 1024, File::create(&p).with_context(|| format!("cannot create {}", p.display()))?))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Ok(Lane { held: vec![0; n], files, buf: Vec::new() })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Buckets { scratch, lanes })
    }

    /// How many buckets [`Buckets::create`] makes for `expected` mentions, `per_bucket` each.
    pub fn count(expected: usize, per_bucket: usize) -> usize {
        expected.div_ceil(per_bucket.max(1)).clamp(1, MAX_BUCKETS)
    }

    pub fn len(&self) -> usize {
        self.lanes[0].files.len()
    }

    /// The lanes, in stream order.
    pub fn lanes_mut(&mut self) -> &mut [Lane] {
        &mut self.lanes
    }
}

impl Lane {
    /// Writes a mention to the bucket of its (group, key, unit).
    pub fn push(&mut self, docs: &[DocFacts], m: &Mention) -> anyhow::Result<()> {
        let (kind, name) = match group(docs, m) {
            Group::Region(r) => (&b"r"[..], r),
            Group::Doc(d) => (&b"d"[..], d),
        };
        let (coded, key) = m.key();
        let h = stable_hash(&[kind, name.as_bytes(), if coded { b"c" } else { b"n" }, key.as_bytes(), m.unit.as_bytes()]);
        let b = (h % self.files.len() as u64) as usize;
        self.buf.clear();
        encode_mention(&mut self.buf, m);
        write_record(&mut self.files[b], &self.buf)?;
        self.held[b] += 1;
        Ok(())
    }
}

impl Buckets {
    /// Checks each bucket in turn with `check`, which gets the bucket's mentions (in stream
    /// order) and gives findings (with the `seq` of the mention they are about) and rows of
    /// `targets_vs_actuals`. Returns the findings in stream order, the rows as sorted runs, and
    /// the most mentions one bucket held.
    pub fn finish(
        self,
        check: impl Fn(&[Mention], &mut Vec<(u64, Finding)>) -> Vec<Row> + Sync,
    ) -> anyhow::Result<(Vec<Finding>, Targets, usize)> {
        use rayon::prelude::*;
        let Buckets { scratch, lanes } = self;
        let n = lanes[0].files.len();
        let held: Vec<usize> = (0..n).map(|b| lanes.iter().map(|l| l.held[b]).sum()).collect();
        let n_lanes = lanes.len();
        for l in lanes {
            for f in l.files {
                f.into_inner().map_err(|e| e.into_error())?;
            }
        }
        // Buckets share nothing, so they are checked in parallel: one bucket per thread at a
        // time, so memory stays bounded by the largest bucket times the threads. Results are
        // put together in bucket order, so nothing depends on timing.
        let dir = &scratch.0;
        let per_bucket: Vec<anyhow::Result<(Vec<(u64, Finding)>, Option<(PathBuf, usize)>)>> = (0..held.len())
            .into_par_iter()
            .with_max_len(1)
            .map(|b| -> anyhow::Result<_> {
                let mut mentions = Vec::with_capacity(held[b]);
                for l in 0..n_lanes {
                    let path = dir.join(format!("bucket-{b}-{l}"));
                    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    std::fs::remove_file(&path)?;
                    let mut d = Dec { buf: &bytes, pos: 0 };
                    while d.pos < bytes.len() {
                        let len = d.u32()? as usize;
                        let mut r = Dec { buf: d.take(len)?, pos: 0 };
                        mentions.push(decode_mention(&mut r)?);
                    }
                }
                let mut found = Vec::new();
                let pairs = check(&mentions, &mut found);
                drop(mentions);
                if pairs.is_empty() {
                    return Ok((found, None));
                }
                // References are sorted, not the rows (a row is some hundred bytes to move).
                let mut sorted: Vec<&Row> = pairs.iter().collect();
                sorted.sort_by(|a, b| Row::order(a, b));
                let path = dir.join(format!("run-{b}"));
                let mut w = BufWriter::new(File::create(&path).with_context(|| format!("cannot create {}", path.display()))?);
                let mut buf = Vec::new();
                for p in sorted {
                    buf.clear();
                    p.encode(&mut buf);
                    write_record(&mut w, &buf)?;
                }
                w.into_inner().map_err(|e| e.into_error())?;
                Ok((found, Some((path, pairs.len()))))
            })
            .collect();
        let mut found: Vec<(u64, Finding)> = Vec::new();
        let mut runs = Vec::new();
        let mut rows = 0;
        for result in per_bucket {
            let (f, run) = result?;
            found.extend(f);
            if let Some((path, n)) = run {
                runs.push(path);
                rows += n;
            }
        }
        // Stable: findings about the same mention keep their bucket order.
        found.sort_by_key(|(seq, _)| *seq);
        let largest = held.iter().copied().max().unwrap_or(0);
        Ok((found.into_iter().map(|(_, f)| f).collect(), Targets { _scratch: Some(scratch), runs, rows }, largest))
    }
}

/// The rows of `targets_vs_actuals`: sorted runs on disk, merged as they are written out.
#[derive(Debug, Default)]
pub struct Targets {
    /// Held so that the runs' folder lives as long as they do, and goes with them.
    _scratch: Option<Scratch>,
    runs: Vec<PathBuf>,
    rows: usize,
}

/// The sorted runs being merged into the rows of `targets_vs_actuals`.
pub struct Merge {
    readers: Vec<BufReader<File>>,
    heap: BinaryHeap<Head>,
}

impl Merge {
    fn open(runs: &[PathBuf]) -> anyhow::Result<Self> {
        let mut readers = Vec::new();
        let mut heap = BinaryHeap::new();
        for (k, p) in runs.iter().enumerate() {
            let mut r = BufReader::new(File::open(p).with_context(|| format!("cannot open {}", p.display()))?);
            if let Some(row) = read_row(&mut r)? {
                heap.push(Head { row, run: k });
            }
            readers.push(r);
        }
        Ok(Merge { readers, heap })
    }

    /// The next `n` rows (fewer at the end) as a batch; None when all are given.
    pub fn batch(&mut self, n: usize) -> anyhow::Result<Option<RecordBatch>> {
        let n = n.max(1);
        let def = catalog().table("targets_vs_actuals");
        let mut t = TableBuffer::new(def);
        let cols = super::targets::columns(&t);
        let mut rows = 0;
        while rows < n {
            let Some(Head { row, run }) = self.heap.pop() else { break };
            row.push(&mut t, &cols);
            rows += 1;
            if let Some(row) = read_row(&mut self.readers[run])? {
                self.heap.push(Head { row, run });
            }
        }
        Ok((rows > 0).then(|| t.finish()))
    }
}

/// One run being merged: its reader and its next row.
struct Head {
    row: Row,
    run: usize,
}

impl PartialEq for Head {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Head {
    /// Reversed: the heap gives the smallest row first.
    fn cmp(&self, o: &Self) -> Ordering {
        Row::order(&o.row, &self.row).then(o.run.cmp(&self.run))
    }
}

impl Targets {
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Gives the rows in the table's sort order, in batches of `batch_rows` (the last shorter),
    /// holding one row per run and two batches: `f` takes a batch while the next is merged
    /// (on two threads when there are two; neither waits for the other within the step).
    pub fn write(&self, batch_rows: usize, mut f: impl FnMut(RecordBatch) -> anyhow::Result<()> + Send) -> anyhow::Result<()> {
        let mut merge = self.merge()?;
        let mut ready = merge.batch(batch_rows)?;
        while let Some(b) = ready {
            let (written, next) = rayon::join(|| f(b), || merge.batch(batch_rows));
            written?;
            ready = next?;
        }
        Ok(())
    }

    /// The rows in the table's sort order, a batch at a time.
    pub fn merge(&self) -> anyhow::Result<Merge> {
        Merge::open(&self.runs)
    }

    /// All rows in one batch (for tests and small datasets).
    pub fn batch(&self) -> anyhow::Result<RecordBatch> {
        let mut all = Vec::new();
        self.write(usize::MAX, |b| {
            all.push(b);
            Ok(())
        })?;
        Ok(all.pop().unwrap_or_else(|| TableBuffer::new(catalog().table("targets_vs_actuals")).finish()))
    }
}

fn write_record(w: &mut impl Write, payload: &[u8]) -> anyhow::Result<()> {
    let len = u32::try_from(payload.len()).context("a spilled record over 4 GB")?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(payload)?;
    Ok(())
}

fn read_row(r: &mut impl Read) -> anyhow::Result<Option<Row>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let mut buf = vec![0u8; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut buf)?;
    Ok(Some(Row::decode(&mut Dec { buf: &buf, pos: 0 })?))
}

// A plain little-endian encoding of the spilled records: numbers in fixed width, strings with
// their length, options with a flag byte.

pub(crate) fn put_u64(b: &mut Vec<u8>, v: u64) {
    b.extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_i64(b: &mut Vec<u8>, v: i64) {
    b.extend_from_slice(&v.to_le_bytes());
}
pub(crate) fn put_f64(b: &mut Vec<u8>, v: f64) {
    b.extend_from_slice(&v.to_bits().to_le_bytes());
}
pub(crate) fn put_str(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as u32).to_le_bytes());
    b.extend_from_slice(s.as_bytes());
}
pub(crate) fn put_opt_str(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            b.push(1);
            put_str(b, s);
        }
        None => b.push(0),
    }
}
pub(crate) fn put_opt_i64(b: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(v) => {
            b.push(1);
            put_i64(b, v);
        }
        None => b.push(0),
    }
}

/// Reads what the `put_*` functions wrote.
pub(crate) struct Dec<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).context("a spilled record is cut short")?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> anyhow::Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> anyhow::Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    pub(crate) fn u64(&mut self) -> anyhow::Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    pub(crate) fn i64(&mut self) -> anyhow::Result<i64> {
        Ok(self.u64()? as i64)
    }
    pub(crate) fn f64(&mut self) -> anyhow::Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// A string borrowed from the record.
    fn str_ref(&mut self) -> anyhow::Result<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).context("a spilled string is not UTF-8")
    }
    /// A string (short text kept inline, see [`Str`]).
    pub(crate) fn text(&mut self) -> anyhow::Result<Str> {
        Ok(Str::from(self.str_ref()?))
    }
    pub(crate) fn opt_text(&mut self) -> anyhow::Result<Option<Str>> {
        Ok(if self.u8()? == 1 { Some(self.text()?) } else { None })
    }
    pub(crate) fn opt_i64(&mut self) -> anyhow::Result<Option<i64>> {
        Ok(if self.u8()? == 1 { Some(self.i64()?) } else { None })
    }
}

fn encode_mention(b: &mut Vec<u8>, m: &Mention) {
    put_u64(b, m.seq);
    put_opt_i64(b, m.doc.map(i64::from));
    put_str(b, &m.doc_id);
    put_str(b, &m.source_file);
    put_i64(b, m.indicator_index);
    put_i64(b, m.source_line);
    put_str(b, &m.indicator);
    put_opt_str(b, m.code.as_deref());
    put_str(b, &m.measure);
    put_str(b, &m.unit);
    put_f64(b, m.value);
    put_str(b, &m.value_text);
    put_str(b, &m.unit_text);
    put_opt_str(b, m.qualifier.as_deref());
    put_str(b, &m.status);
    put_i64(b, m.year);
    match &m.growth {
        Some(g) => {
            b.push(1);
            put_f64(b, g.value);
            put_str(b, &g.value_text);
            put_i64(b, g.indicator_index);
        }
        None => b.push(0),
    }
}

fn decode_mention(d: &mut Dec) -> anyhow::Result<Mention> {
    Ok(Mention {
        seq: d.u64()?,
        doc: d.opt_i64()?.map(|v| v as u32),
        doc_id: d.text()?,
        source_file: d.text()?,
        indicator_index: d.i64()?,
        source_line: d.i64()?,
        indicator: d.text()?,
        code: d.opt_text()?,
        measure: d.text()?,
        unit: d.text()?,
        value: d.f64()?,
        value_text: d.text()?,
        unit_text: d.text()?,
        qualifier: d.opt_text()?,
        status: d.text()?,
        year: d.i64()?,
        growth: if d.u8()? == 1 { Some(Growth { value: d.f64()?, value_text: d.text()?, indicator_index: d.i64()? }) } else { None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(seq: u64, growth: bool) -> Mention {
        Mention {
            seq,
            doc: Some(3),
            doc_id: "d".into(),
            source_file: "保定/2019.txt".into(),
            indicator_index: 7,
            source_line: 12,
            indicator: "地区生产总值".into(),
            code: (seq % 2 == 0).then(|| "gdp".into()),
            measure: "level".into(),
            unit: "CNY".into(),
            value: 3.5e11,
            value_text: "3500".into(),
            unit_text: "亿元".into(),
            qualifier: None,
            status: "actual".into(),
            year: 2018,
            growth: growth.then(|| Growth { value: -1.5, value_text: "-1.5".into(), indicator_index: 8 }),
        }
    }

    #[test]
    fn a_mention_reads_back_as_written() {
        for m in [mention(0, true), mention(1, false)] {
            let mut b = Vec::new();
            encode_mention(&mut b, &m);
            let mut d = Dec { buf: &b, pos: 0 };
            assert_eq!(decode_mention(&mut d).unwrap(), m);
            assert_eq!(d.pos, b.len());
            // A record cut short is an error, not a panic.
            assert!(decode_mention(&mut Dec { buf: &b[..b.len() - 3], pos: 0 }).is_err());
        }
    }

    #[test]
    fn the_bucket_count_follows_the_corpus_within_bounds() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Buckets::create(&dir.path().join("a"), 0, 100, 1).unwrap().len(), 1);
        assert_eq!(Buckets::create(&dir.path().join("b"), 1001, 100, 2).unwrap().len(), 11);
        assert_eq!(Buckets::create(&dir.path().join("c"), usize::MAX, 1, 1).unwrap().len(), MAX_BUCKETS);
        // Dropped: the scratch folders are gone.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
