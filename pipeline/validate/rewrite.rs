//! Puts validation findings where the data is: `issues` keeps every row of the processing
//! stages and gets the current findings as its `validate` rows (older ones are replaced), and
//! `targets_vs_actuals` is rewritten. A run and `govreport validate` both go through
//! [`refresh`], so validating a fresh dataset again gives the same bytes.

use std::fs::File;
use std::path::Path;

use anyhow::Context;
use arrow::array::{Array, BooleanArray, StringArray};
use arrow::compute::{concat_batches, filter_record_batch};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::across::Targets;
use super::stream::{DEFAULT_CHUNK_ROWS, DEFAULT_LANE_FIGURES};
use super::{validate_with, Finding, Reading, Report, STAGE};

/// The folder (in the destination) that validation spills its cross-report state to.
const SPILL: &str = ".validate-spill";
use crate::schema::catalog;
use crate::sink::rows::{push_issues, DOC_TABLES};
use crate::sink::writer::row_group_rows;
use crate::sink::{DatasetWriter, TableBuffer, TableStats};

/// What [`refresh`] found and wrote.
pub struct Refreshed {
    pub report: Report,
    /// The rewritten tables (`issues`, `targets_vs_actuals`); empty when `issues` could not be
    /// read back and nothing was written.
    pub stats: Vec<TableStats>,
}

/// Appends findings as `issues` rows.
pub fn push_findings(t: &mut TableBuffer, findings: &[Finding]) {
    for f in findings {
        push_issues(t, f.doc_id.as_deref(), f.source_file.as_deref(), std::slice::from_ref(&f.issue));
    }
}

/// Batches of exactly `group` rows (the table's row group, the last one shorter) from batches
/// of any size, so that the bytes written depend only on the rows, not on how they were read:
/// each batch the writer gets is then one whole row group, as if all rows came in one batch.
struct Rechunk {
    schema: SchemaRef,
    group: usize,
    held: Vec<RecordBatch>,
    rows: usize,
}

impl Rechunk {
    fn push(&mut self, b: RecordBatch, w: &mut DatasetWriter) -> anyhow::Result<()> {
        self.rows += b.num_rows();
        self.held.push(b);
        while self.rows >= self.group {
            let all = concat_batches(&self.schema, &self.held)?;
            w.write(0, &all.slice(0, self.group))?;
            let rest = all.slice(self.group, all.num_rows() - self.group);
            self.rows = rest.num_rows();
            self.held = vec![rest];
        }
        Ok(())
    }

    fn finish(self, w: &mut DatasetWriter) -> anyhow::Result<()> {
        w.write(0, &concat_batches(&self.schema, &self.held)?)
    }
}

/// Reads the rows of `issues.parquet` in `dir` that the processing stages wrote (not
/// `validate`), chunk by chunk, and gives each chunk to `f`.
fn stage_issue_rows(dir: &Path, mut f: impl FnMut(RecordBatch) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let def = catalog().table("issues");
    let schema = def.arrow_schema();
    let path = dir.join(def.file_name("parquet"));
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(super::stream::DEFAULT_CHUNK_ROWS).build()?;
    let stage = def.col("stage");
    for b in reader {
        let b = b?;
        // Same columns, with the schema (and its metadata) of schemas/tables.toml.
        let b = RecordBatch::try_new(schema.clone(), b.columns().to_vec()).context("issues.parquet does not match schemas/tables.toml")?;
        let stages = b.column(stage).as_any().downcast_ref::<StringArray>().context("issues.stage is not a string column")?;
        let keep: BooleanArray = (0..stages.len()).map(|i| Some(stages.is_null(i) || stages.value(i) != STAGE)).collect();
        f(filter_record_batch(&b, &keep)?)?;
    }
    Ok(())
}

/// Validates the dataset in `src` and writes `issues` and `targets_vs_actuals` into `dst`
/// (which may be `src`: the old rows are read before anything is written).
pub fn refresh(src: &Path, dst: &Path, arrow_ipc: bool) -> anyhow::Result<Refreshed> {
    refresh_in_lanes_of(src, dst, arrow_ipc, DEFAULT_LANE_FIGURES)
}

/// [`refresh`] with at least `lane_figures` figures to a lane of the figure checks (tests ask
/// for small lanes, to see the rewritten bytes of several lanes on small tables).
pub(crate) fn refresh_in_lanes_of(src: &Path, dst: &Path, arrow_ipc: bool, lane_figures: usize) -> anyhow::Result<Refreshed> {
    // The cross-report state spills beside the files being written, and is gone (with the
    // rows of targets_vs_actuals taken out here) before refresh returns.
    let reading = Reading::new(src, DEFAULT_CHUNK_ROWS).spilling_to(&dst.join(SPILL)).with_lane_figures(lane_figures);
    let mut report = validate_with(&reading, &DOC_TABLES)?;
    let targets = std::mem::take(&mut report.targets_vs_actuals);
    // The stage rows are written as they are read, so `issues` is read to its end first: a
    // damaged file is reported before anything is written.
    if let Err(e) = stage_issue_rows(src, |_| Ok(())) {
        tracing::error!("issues cannot be rewritten, findings are only printed: {e:#}");
        return Ok(Refreshed { report, stats: Vec::new() });
    }
    let def = catalog().table("issues");
    let defs = [def, catalog().table("targets_vs_actuals")];
    if src == dst {
        // Writing over the file being read: go through a folder beside it.
        let tmp = dst.join(".validate-rewrite");
        let stats = write(src, &tmp, &defs, arrow_ipc, &report, targets)?;
        let mut moved = Vec::new();
        for s in stats {
            let mut files = Vec::new();
            for f in &s.files {
                let to = dst.join(f.file_name().expect("a table file"));
                std::fs::rename(f, &to).with_context(|| format!("cannot move {} to {}", f.display(), to.display()))?;
                files.push(to);
            }
            moved.push(TableStats { files, ..s });
        }
        std::fs::remove_dir(&tmp).with_context(|| format!("cannot remove {}", tmp.display()))?;
        return Ok(Refreshed { report, stats: moved });
    }
    let stats = write(src, dst, &defs, arrow_ipc, &report, targets)?;
    Ok(Refreshed { report, stats })
}

fn write(src: &Path, dst: &Path, defs: &[&'static crate::schema::TableDef], arrow_ipc: bool, report: &Report, targets: Targets) -> anyhow::Result<Vec<TableStats>> {
    let mut w = DatasetWriter::create(dst, defs, arrow_ipc)?;
    // `issues` is written while the first rows of targets_vs_actuals are merged, then those
    // in whole row groups, as if all rows came in one batch (see Rechunk), each written while
    // the next is merged (see Targets::write).
    let (issues_group, targets_group) = (row_group_rows(defs[0]), row_group_rows(defs[1]));
    let mut merge = targets.merge()?;
    let (done, ready) = rayon::join(
        || -> anyhow::Result<()> {
            let mut issues = Rechunk { schema: defs[0].arrow_schema(), group: issues_group, held: Vec::new(), rows: 0 };
            stage_issue_rows(src, |b| issues.push(b, &mut w))?;
            let mut t = TableBuffer::new(defs[0]);
            push_findings(&mut t, &report.findings);
            issues.push(t.finish(), &mut w)?;
            issues.finish(&mut w)
        },
        || merge.batch(targets_group),
    );
    done?;
    let mut ready = ready?;
    while let Some(b) = ready {
        let (written, next) = rayon::join(|| w.write(1, &b), || merge.batch(targets_group));
        written?;
        ready = next?;
    }
    w.finish()
}
