//! Releases: `OUTPUT/releases/V/`, an immutable copy of a published dataset that papers can
//! cite — every table file, `manifest.json` (tool version, input hashes, table checksums and
//! row counts, schema version) and a dataset card `README.md` generated from `schemas/`.
//!
//! The release is assembled in a hidden folder and renamed into place, so a release folder is
//! either complete or absent; an existing release is never overwritten; the files are made
//! read-only. Nothing in a release depends on the clock, so the same inputs give the same bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::schema::catalog;
use crate::sink::manifest::{sha256_file, Manifest};

pub const RELEASES: &str = "releases";

/// A release name: letters, digits, `.`, `_`, `-`; not starting with a dot.
pub fn check_version(v: &str) -> anyhow::Result<()> {
    let ok = !v.is_empty() && !v.starts_with('.') && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    anyhow::ensure!(ok, "release version {v:?} is not valid: use letters, digits, '.', '_' and '-' (e.g. 2025.1 or v1.0.0)");
    Ok(())
}

/// Copies the dataset published in `output` into `output/releases/<version>/`.
pub fn create(output: &Path, version: &str) -> anyhow::Result<PathBuf> {
    check_version(version)?;
    let releases = output.join(RELEASES);
    let target = releases.join(version);
    if target.exists() {
        anyhow::bail!("release {version} already exists at {}; releases are immutable, choose a new version", target.display());
    }
    let manifest_path = output.join("manifest.json");
    let manifest = Manifest::read(&manifest_path)
        .with_context(|| format!("no published dataset in {} (manifest.json missing or unreadable); run `govreport run` first", output.display()))?;
    std::fs::create_dir_all(&releases)?;
    let tmp = releases.join(format!(".{version}.partial"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp)?;
    for t in &manifest.tables {
        let src = output.join(&t.file);
        let dst = tmp.join(&t.file);
        std::fs::copy(&src, &dst).with_context(|| format!("cannot copy {}", src.display()))?;
        let (sha, bytes) = sha256_file(&dst)?;
        if sha != t.sha256 || bytes != t.bytes {
            std::fs::remove_dir_all(&tmp)?;
            anyhow::bail!("{} no longer matches manifest.json (changed after the run); rerun `govreport run` before releasing", t.file);
        }
    }
    std::fs::copy(&manifest_path, tmp.join("manifest.json"))?;
    std::fs::write(tmp.join("README.md"), card(&manifest, version))?;
    for e in std::fs::read_dir(&tmp)? {
        let p = e?.path();
        let mut perm = std::fs::metadata(&p)?.permissions();
        perm.set_readonly(true);
        std::fs::set_permissions(&p, perm)?;
    }
    std::fs::rename(&tmp, &target).with_context(|| format!("cannot move the release into {}", target.display()))?;
    Ok(target)
}

/// The dataset card: what the release is, what each table and column means, how many rows
/// each holds, how to check and load it.
pub fn card(m: &Manifest, version: &str) -> String {
    let cat = catalog();
    let mut s = String::new();
    let _ = writeln!(s, "# govreport dataset, release {version}\n");
    let _ = writeln!(
        s,
        "Tables of quantitative statements from Chinese government work reports, made by {} {} \
         (schema {}, configuration {}) from {} input files. Generated from `schemas/tables.toml`; \
         do not edit by hand.\n",
        m.tool, m.tool_version, m.schema_version, m.config_hash, m.inputs.len()
    );
    let _ = writeln!(s, "## Files\n\n| table | file | rows | bytes | sha256 |\n|---|---|---|---|---|");
    for t in &m.tables {
        let _ = writeln!(s, "| `{}` | `{}` | {} | {} | `{}` |", t.name, t.file, t.rows, t.bytes, t.sha256);
    }
    let read = m.inputs.iter().filter(|i| i.status == "read").count();
    let _ = writeln!(
        s,
        "\n`manifest.json` lists the {} inputs ({read} read) with their SHA-256, and every file above with its checksum. \
         Check the files with `sha256sum` against it.\n",
        m.inputs.len()
    );
    let _ = writeln!(s, "## How to load\n\n```python\nimport polars as pl\n");
    for t in &m.tables {
        if t.file.ends_with(".parquet") {
            let _ = writeln!(s, "{} = pl.read_parquet(\"{}\")", t.name, t.file);
        }
    }
    let _ = writeln!(
        s,
        "\n# e.g. each figure with its sentence\nindicators.join(sentences, on=[\"doc_id\", \"sentence_index\"], suffix=\"_sentence\")\n```\n"
    );
    let _ = writeln!(s, "In Rust: `polars::prelude::ParquetReader::new(std::fs::File::open(\"indicators.parquet\")?).finish()?`.\n");
    let _ = writeln!(s, "## Tables\n");
    for def in &cat.tables {
        let rows: Option<u64> = m.tables.iter().find(|t| t.name == def.name && t.file.ends_with(".parquet")).map(|t| t.rows);
        let Some(rows) = rows else { continue };
        s.push_str(&def.markdown(&format!("### `{}` ({rows} rows)", def.name), false));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_plain_names() {
        assert!(check_version("2025.1").is_ok());
        assert!(check_version("v1.0.0-rc_1").is_ok());
        for bad in ["", ".hidden", "../x", "a/b", "a b"] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
    }
}
