//! Puts validation findings where the data is: `issues` keeps every row of the processing
//! stages and gets the current findings as its `validate` rows (older ones are replaced), and
//! `targets_vs_actuals` is rewritten. A run and `govreport validate` both go through
//! [`refresh`], so validating a fresh dataset again gives the same bytes.

use std::fs::File;
use std::path::Path;

use anyhow::Context;
use arrow::array::{Array, BooleanArray, StringArray};
use arrow::compute::{concat_batches, filter_record_batch};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{validate_dataset, Finding, Report, STAGE};
use crate::schema::catalog;
use crate::sink::rows::{push_issues, DOC_TABLES};
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

/// The rows of `issues.parquet` in `dir` that the processing stages wrote (not `validate`).
fn stage_issue_rows(dir: &Path) -> anyhow::Result<RecordBatch> {
    let def = catalog().table("issues");
    let schema = def.arrow_schema();
    let path = dir.join(def.file_name("parquet"));
    let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)?.build()?;
    let stage = def.col("stage");
    let mut kept = Vec::new();
    for b in reader {
        let b = b?;
        // Same columns, with the schema (and its metadata) of schemas/tables.toml.
        let b = RecordBatch::try_new(schema.clone(), b.columns().to_vec()).context("issues.parquet does not match schemas/tables.toml")?;
        let stages = b.column(stage).as_any().downcast_ref::<StringArray>().context("issues.stage is not a string column")?;
        let keep: BooleanArray = (0..stages.len()).map(|i| Some(stages.is_null(i) || stages.value(i) != STAGE)).collect();
        kept.push(filter_record_batch(&b, &keep)?);
    }
    Ok(concat_batches(&schema, &kept)?)
}

/// Validates the dataset in `src` and writes `issues` and `targets_vs_actuals` into `dst`
/// (which may be `src`: the old rows are read before anything is written).
pub fn refresh(src: &Path, dst: &Path, arrow_ipc: bool) -> anyhow::Result<Refreshed> {
    let report = validate_dataset(src, &DOC_TABLES)?;
    let stage_rows = match stage_issue_rows(src) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("issues cannot be rewritten, findings are only printed: {e:#}");
            return Ok(Refreshed { report, stats: Vec::new() });
        }
    };
    let def = catalog().table("issues");
    let mut t = TableBuffer::new(def);
    push_findings(&mut t, &report.findings);
    // One batch, whatever the history of the file: the bytes depend only on the rows.
    let issues = concat_batches(&def.arrow_schema(), &[stage_rows, t.finish()])?;
    let defs = [def, catalog().table("targets_vs_actuals")];
    let mut w = DatasetWriter::create(dst, &defs, arrow_ipc)?;
    w.write(0, &issues)?;
    w.write(1, &report.targets_vs_actuals)?;
    Ok(Refreshed { report, stats: w.finish()? })
}
