//! How a processed [`Document`] becomes rows of each table.
//!
//! Runs in the worker threads, so the writer thread only appends finished record batches.

use arrow::record_batch::RecordBatch;

use crate::model::{Document, Issue};
use crate::schema::catalog;
use crate::sink::TableBuffer;

/// The tables the per-document stages fill, in the order they are written.
pub const DOC_TABLES: [&str; 7] = ["documents", "paragraphs", "sentences", "tokens", "keywords", "indicators", "issues"];

/// One document's rows, one record batch per table of [`DOC_TABLES`], in that order.
#[derive(Debug, Clone)]
pub struct DocBatches {
    pub source_file: String,
    pub content_sha256: String,
    pub quarantined: bool,
    pub batches: Vec<RecordBatch>,
}

fn n(x: u32) -> Option<i64> {
    Some(x as i64)
}

pub fn doc_batches(doc: &Document) -> DocBatches {
    let cat = catalog();
    let batches = vec![
        documents(doc, TableBuffer::new(cat.table("documents"))),
        paragraphs(doc, TableBuffer::new(cat.table("paragraphs"))),
        sentences(doc, TableBuffer::new(cat.table("sentences"))),
        tokens(doc, TableBuffer::new(cat.table("tokens"))),
        keywords(doc, TableBuffer::new(cat.table("keywords"))),
        indicators(doc, TableBuffer::new(cat.table("indicators"))),
        {
            let mut t = TableBuffer::new(cat.table("issues"));
            push_issues(&mut t, Some(&doc.doc_id), Some(&doc.source_file), &doc.issues);
            t.finish()
        },
    ];
    DocBatches {
        source_file: doc.source_file.clone(),
        content_sha256: doc.content_sha256.clone(),
        quarantined: !doc.is_ok(),
        batches,
    }
}

fn documents(d: &Document, mut t: TableBuffer) -> RecordBatch {
    let c = |name: &str| t.col(name);
    let (doc_id, source_file, row_in_file, sha, size, format, encoding, script, status, reason, title, doc_type, year) = (
        c("doc_id"), c("source_file"), c("row_in_file"), c("content_sha256"), c("byte_size"), c("format"),
        c("encoding"), c("script"), c("status"), c("quarantine_reason"), c("title"), c("doc_type"), c("report_year"),
    );
    let (n_lines, n_par, n_removed, n_sent, n_tok, n_ind, n_iss, conv, gloss, width) = (
        c("n_lines"), c("n_paragraphs"), c("n_removed"), c("n_sentences"), c("n_tokens"), c("n_indicators"),
        c("n_issues"), c("chars_converted"), c("glosses_removed"), c("width_fixes"),
    );
    let (moji_found, moji_repaired) = (c("mojibake_runs_found"), c("mojibake_runs_repaired"));
    t.str(doc_id, Some(&d.doc_id));
    t.str(source_file, Some(&d.source_file));
    t.int(row_in_file, d.row_in_file.map(i64::from));
    t.str(sha, Some(&d.content_sha256));
    t.int(size, Some(d.byte_size as i64));
    t.str(format, d.format.map(|f| f.as_str()));
    t.str(encoding, d.encoding);
    t.str(script, d.script.map(|s| s.as_str()));
    t.str(status, Some(d.status.as_str()));
    t.str(reason, d.quarantine_reason.as_deref());
    t.str(title, d.meta.title.as_deref());
    t.str(doc_type, d.meta.doc_type.map(|x| x.as_str()));
    t.int(year, d.meta.report_year.map(i64::from));
    t.int(n_lines, n(d.n_lines));
    t.int(n_par, Some(d.paragraphs.len() as i64));
    t.int(n_removed, Some(d.paragraphs.iter().filter(|p| !p.is_kept()).count() as i64));
    t.int(n_sent, Some(d.sentences.len() as i64));
    t.int(n_tok, Some(d.tokens.len() as i64));
    t.int(n_ind, Some(d.indicators.len() as i64));
    t.int(n_iss, Some(d.issues.len() as i64));
    t.int(conv, n(d.changes.chars_converted));
    t.int(gloss, n(d.changes.glosses_removed));
    t.int(width, n(d.changes.width_fixes));
    t.int(moji_found, n(d.changes.mojibake_runs_found));
    t.int(moji_repaired, n(d.changes.mojibake_runs_repaired));
    let m = &d.meta;
    for (col, v) in [
        ("index_no", &m.index_no),
        ("doc_number", &m.doc_number),
        ("subject_category", &m.subject),
        ("disclosure_mode", &m.disclosure),
        ("genre", &m.genre),
        ("publisher", &m.publisher),
    ] {
        let i = t.col(col);
        t.str(i, v.as_deref());
    }
    let (written, pub_date, pub_at) = (t.col("written_date"), t.col("published_date"), t.col("published_at"));
    t.date(written, m.written_date.map(|x| x.days_since_epoch()));
    t.date(pub_date, m.published_date.map(|x| x.days_since_epoch()));
    t.timestamp(pub_at, m.published_at.map(|x| x.seconds_since_epoch()));
    for (col, v) in [
        ("source_site", &m.source_site),
        ("source_url", &m.source_url),
        ("author", &m.author),
        ("speaker", &m.speaker),
        ("speaker_role", &m.speaker_role),
        ("meeting", &m.meeting),
    ] {
        let i = t.col(col);
        t.str(i, v.as_deref());
    }
    let (delivery, region, level) = (t.col("delivery_date"), t.col("region"), t.col("admin_level"));
    t.date(delivery, m.delivery_date.map(|x| x.days_since_epoch()));
    t.str(region, m.region.as_deref());
    t.str(level, m.admin_level.map(|x| x.as_str()));
    t.end_row();
    t.finish()
}

fn paragraphs(d: &Document, mut t: TableBuffer) -> RecordBatch {
    let c = |name: &str| t.col(name);
    let (doc_id, idx, line, cs, ce, level, path, role, removed, text) = (
        c("doc_id"), c("paragraph_index"), c("source_line"), c("char_start"), c("char_end"),
        c("heading_level"), c("section_path"), c("section_role"), c("removed"), c("text"),
    );
    // Column by column, like tokens (nullable columns take `Option`s); the text is copied once
    // into a buffer of its exact size.
    let ps = &d.paragraphs;
    t.repeated_str_column(doc_id, &d.doc_id, ps.len());
    t.ints_column(idx, ps.iter().map(|p| i64::from(p.index)));
    t.ints_column(line, ps.iter().map(|p| i64::from(p.source_line)));
    t.ints_column(cs, ps.iter().map(|p| p.char_start.map(i64::from)));
    t.ints_column(ce, ps.iter().map(|p| p.char_end.map(i64::from)));
    t.ints_column(level, ps.iter().map(|p| p.heading_level.map(i64::from)));
    t.strs_column(path, ps.iter().map(|p| p.section_path.as_deref()));
    t.strs_column(role, ps.iter().map(|p| p.section_role.as_str()));
    t.strs_column(removed, ps.iter().map(|p| p.removed));
    t.strs_column(text, ps.iter().map(|p| if p.is_kept() { p.text.as_str() } else { p.raw.as_str() }));
    t.end_rows(ps.len());
    t.finish()
}

fn sentences(d: &Document, mut t: TableBuffer) -> RecordBatch {
    let c = |name: &str| t.col(name);
    let (doc_id, idx, par, line, cs, ce, text) = (
        c("doc_id"), c("sentence_index"), c("paragraph_index"), c("source_line"), c("char_start"), c("char_end"), c("text"),
    );
    // Column by column, like tokens: no column holds a null, and the text is copied once into
    // a buffer of its exact size.
    let ss = &d.sentences;
    t.repeated_str_column(doc_id, &d.doc_id, ss.len());
    t.ints_column(idx, ss.iter().map(|s| i64::from(s.index)));
    t.ints_column(par, ss.iter().map(|s| i64::from(s.paragraph_index)));
    t.ints_column(line, ss.iter().map(|s| i64::from(s.source_line)));
    t.ints_column(cs, ss.iter().map(|s| i64::from(s.char_start)));
    t.ints_column(ce, ss.iter().map(|s| i64::from(s.char_end)));
    t.strs_column(text, ss.iter().map(|s| d.sentence_text(s)));
    t.end_rows(ss.len());
    t.finish()
}

fn tokens(d: &Document, mut t: TableBuffer) -> RecordBatch {
    let c = |name: &str| t.col(name);
    let (doc_id, sent, idx, word, pos, cs, ce) = (
        c("doc_id"), c("sentence_index"), c("token_index"), c("word"), c("pos"), c("char_start"), c("char_end"),
    );
    // Column by column: the largest table by far, and none of its columns holds a null.
    let ks = &d.tokens;
    t.repeated_str_column(doc_id, &d.doc_id, ks.len());
    t.ints_column(sent, ks.iter().map(|k| i64::from(k.sentence_index)));
    t.ints_column(idx, ks.iter().map(|k| i64::from(k.index)));
    t.strs_column(word, ks.iter().map(|k| k.word.as_str()));
    t.strs_column(pos, ks.iter().map(|k| k.pos));
    t.ints_column(cs, ks.iter().map(|k| i64::from(k.char_start)));
    t.ints_column(ce, ks.iter().map(|k| i64::from(k.char_end)));
    t.end_rows(ks.len());
    t.finish()
}

fn keywords(d: &Document, mut t: TableBuffer) -> RecordBatch {
    let c = |name: &str| t.col(name);
    let (doc_id, rank, keyword, weight) = (c("doc_id"), c("rank"), c("keyword"), c("weight"));
    for k in &d.keywords {
        t.str(doc_id, Some(&d.doc_id));
        t.int(rank, n(k.rank));
        t.str(keyword, Some(&k.keyword));
        t.float(weight, Some(k.weight));
        t.end_row();
    }
    t.finish()
}

fn indicators(d: &Document, mut t: TableBuffer) -> RecordBatch {
    let c = |name: &str| t.col(name);
    let (doc_id, idx, sent, file, line, cs, ce, bs, be, text) = (
        c("doc_id"), c("indicator_index"), c("sentence_index"), c("source_file"), c("source_line"),
        c("char_start"), c("char_end"), c("source_byte_start"), c("source_byte_end"), c("text"),
    );
    let (name, code, en, measure, value, value_text, unit, unit_text, mult) = (
        c("indicator"), c("indicator_code"), c("indicator_en"), c("measure"), c("value"), c("value_text"),
        c("unit"), c("unit_text"), c("multiplier"),
    );
    let (qual, basis, status, year, period, scope, rule) = (
        c("qualifier"), c("basis"), c("status"), c("year"), c("period"), c("rank_scope"), c("rule"),
    );
    // Column by column, like tokens: 26 columns per row made the per-value checks add up.
    let xs = &d.indicators;
    t.repeated_str_column(doc_id, &d.doc_id, xs.len());
    t.ints_column(idx, 0..xs.len() as i64);
    t.ints_column(sent, xs.iter().map(|x| i64::from(x.sentence_index)));
    t.repeated_str_column(file, &d.source_file, xs.len());
    t.ints_column(line, xs.iter().map(|x| i64::from(x.source_line)));
    t.ints_column(cs, xs.iter().map(|x| i64::from(x.char_start)));
    t.ints_column(ce, xs.iter().map(|x| i64::from(x.char_end)));
    t.ints_column(bs, xs.iter().map(|x| x.source_byte_start as i64));
    t.ints_column(be, xs.iter().map(|x| x.source_byte_end as i64));
    t.strs_column(text, xs.iter().map(|x| x.text.as_str()));
    t.strs_column(name, xs.iter().map(|x| x.indicator.as_str()));
    t.strs_column(code, xs.iter().map(|x| x.indicator_code));
    t.strs_column(en, xs.iter().map(|x| x.indicator_en));
    t.strs_column(measure, xs.iter().map(|x| x.measure.as_str()));
    t.floats_column(value, xs.iter().map(|x| x.value));
    t.strs_column(value_text, xs.iter().map(|x| x.value_text.as_str()));
    t.strs_column(unit, xs.iter().map(|x| x.unit));
    t.strs_column(unit_text, xs.iter().map(|x| x.unit_text.as_str()));
    t.floats_column(mult, xs.iter().map(|x| x.multiplier));
    t.strs_column(qual, xs.iter().map(|x| x.qualifier.map(|q| q.as_str())));
    t.strs_column(basis, xs.iter().map(|x| x.basis.as_deref()));
    t.strs_column(status, xs.iter().map(|x| x.status.as_str()));
    t.ints_column(year, xs.iter().map(|x| x.year.map(i64::from)));
    t.strs_column(period, xs.iter().map(|x| x.period.as_deref()));
    t.strs_column(scope, xs.iter().map(|x| x.rank_scope.as_deref()));
    t.strs_column(rule, xs.iter().map(|x| x.rule));
    t.end_rows(xs.len());
    t.finish()
}

/// Appends issue rows (used for documents and for dataset-wide validation findings).
pub fn push_issues(t: &mut TableBuffer, doc_id: Option<&str>, source_file: Option<&str>, issues: &[Issue]) {
    let c = |name: &str| t.col(name);
    let (did, file, stage, sev, code, msg, line, loc) = (
        c("doc_id"), c("source_file"), c("stage"), c("severity"), c("code"), c("message"), c("source_line"), c("location"),
    );
    for i in issues {
        t.str(did, doc_id);
        t.str(file, source_file);
        t.str(stage, Some(i.stage));
        t.str(sev, Some(i.severity.as_str()));
        t.str(code, Some(i.code));
        t.str(msg, Some(&i.message));
        t.int(line, i.source_line.map(i64::from));
        t.str(loc, i.location.as_deref());
        t.end_row();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Extractor, SourceFile};
    use crate::sink::DatasetWriter;

    /// The seed reports through every stage, as the runner processes them.
    fn seed_documents() -> Vec<Document> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        let stages = crate::runner::stages();
        let mut docs = Vec::new();
        for p in paths {
            let f = SourceFile { rel_path: p.file_name().unwrap().to_string_lossy().into(), bytes: Ok(std::fs::read(&p).unwrap()) };
            for mut d in Extractor.extract(&f) {
                for s in &stages {
                    s.process(&mut d).unwrap();
                }
                docs.push(d);
            }
        }
        assert!(docs.iter().map(|d| d.tokens.len()).sum::<usize>() > 10_000, "the seeds have tokens");
        docs
    }

    /// Positions in [`DOC_TABLES`] of the tables built column by column.
    const WHOLE: [usize; 4] = [1, 2, 3, 5];

    /// The paragraphs, sentences, tokens and indicators rows pushed one value at a time through
    /// the builders (how they were made before the whole-column path).
    fn by_row(d: &Document) -> [RecordBatch; 4] {
        let cat = catalog();
        let mut s = TableBuffer::new(cat.table("sentences"));
        let c = |t: &TableBuffer, n: &str| t.col(n);
        let sc: Vec<usize> = ["doc_id", "sentence_index", "paragraph_index", "source_line", "char_start", "char_end", "text"]
            .iter().map(|n| c(&s, n)).collect();
        for x in &d.sentences {
            s.str(sc[0], Some(&d.doc_id));
            for (k, v) in [x.index, x.paragraph_index, x.source_line, x.char_start, x.char_end].into_iter().enumerate() {
                s.int(sc[k + 1], n(v));
            }
            s.str(sc[6], Some(d.sentence_text(x)));
            s.end_row();
        }
        let mut t = TableBuffer::new(cat.table("tokens"));
        let tc: Vec<usize> = ["doc_id", "sentence_index", "token_index", "word", "pos", "char_start", "char_end"]
            .iter().map(|n| c(&t, n)).collect();
        for k in &d.tokens {
            t.str(tc[0], Some(&d.doc_id));
            t.int(tc[1], n(k.sentence_index));
            t.int(tc[2], n(k.index));
            t.str(tc[3], Some(&k.word));
            t.str(tc[4], Some(k.pos));
            t.int(tc[5], n(k.char_start));
            t.int(tc[6], n(k.char_end));
            t.end_row();
        }
        let cat = catalog();
        [
            paragraphs_by_row(d, TableBuffer::with_capacity(cat.table("paragraphs"), d.paragraphs.len())),
            s.finish(),
            t.finish(),
            indicators_by_row(d, TableBuffer::with_capacity(cat.table("indicators"), d.indicators.len())),
        ]
    }

    // The per-value emitters as they were before the whole-column path, as references.

    fn paragraphs_by_row(d: &Document, mut t: TableBuffer) -> RecordBatch {
        let c = |name: &str| t.col(name);
        let (doc_id, idx, line, cs, ce, level, path, role, removed, text) = (
            c("doc_id"), c("paragraph_index"), c("source_line"), c("char_start"), c("char_end"),
            c("heading_level"), c("section_path"), c("section_role"), c("removed"), c("text"),
        );
        for p in &d.paragraphs {
            t.str(doc_id, Some(&d.doc_id));
            t.int(idx, n(p.index));
            t.int(line, n(p.source_line));
            t.int(cs, p.char_start.map(i64::from));
            t.int(ce, p.char_end.map(i64::from));
            t.int(level, p.heading_level.map(i64::from));
            t.str(path, p.section_path.as_deref());
            t.str(role, Some(p.section_role.as_str()));
            t.str(removed, p.removed);
            t.str(text, Some(if p.is_kept() { &p.text } else { &p.raw }));
            t.end_row();
        }
        t.finish()
    }

    fn indicators_by_row(d: &Document, mut t: TableBuffer) -> RecordBatch {
        let c = |name: &str| t.col(name);
        let (doc_id, idx, sent, file, line, cs, ce, bs, be, text) = (
            c("doc_id"), c("indicator_index"), c("sentence_index"), c("source_file"), c("source_line"),
            c("char_start"), c("char_end"), c("source_byte_start"), c("source_byte_end"), c("text"),
        );
        let (name, code, en, measure, value, value_text, unit, unit_text, mult) = (
            c("indicator"), c("indicator_code"), c("indicator_en"), c("measure"), c("value"), c("value_text"),
            c("unit"), c("unit_text"), c("multiplier"),
        );
        let (qual, basis, status, year, period, scope, rule) = (
            c("qualifier"), c("basis"), c("status"), c("year"), c("period"), c("rank_scope"), c("rule"),
        );
        for (i, x) in d.indicators.iter().enumerate() {
            t.str(doc_id, Some(&d.doc_id));
            t.int(idx, Some(i as i64));
            t.int(sent, n(x.sentence_index));
            t.str(file, Some(&d.source_file));
            t.int(line, n(x.source_line));
            t.int(cs, n(x.char_start));
            t.int(ce, n(x.char_end));
            t.int(bs, Some(x.source_byte_start as i64));
            t.int(be, Some(x.source_byte_end as i64));
            t.str(text, Some(&x.text));
            t.str(name, Some(&x.indicator));
            t.str(code, x.indicator_code);
            t.str(en, x.indicator_en);
            t.str(measure, Some(x.measure.as_str()));
            t.float(value, Some(x.value));
            t.str(value_text, Some(&x.value_text));
            t.str(unit, Some(x.unit));
            t.str(unit_text, Some(&x.unit_text));
            t.float(mult, Some(x.multiplier));
            t.str(qual, x.qualifier.map(|q| q.as_str()));
            t.str(basis, x.basis.as_deref());
            t.str(status, Some(x.status.as_str()));
            t.int(year, x.year.map(i64::from));
            t.str(period, x.period.as_deref());
            t.str(scope, x.rank_scope.as_deref());
            t.str(rule, Some(x.rule));
            t.end_row();
        }
        t.finish()
    }

    /// Writes each document's batches of those tables, as the runner does, and returns the
    /// files' bytes.
    fn parquet_bytes(batches: &[[RecordBatch; 4]]) -> Vec<Vec<u8>> {
        let dir = tempfile::tempdir().unwrap();
        let defs = WHOLE.map(|i| catalog().table(DOC_TABLES[i]));
        let mut w = DatasetWriter::create(dir.path(), &defs, false).unwrap();
        for b in batches {
            for (i, b) in b.iter().enumerate() {
                w.write(i, b).unwrap();
            }
        }
        w.finish().unwrap();
        defs.iter().map(|d| std::fs::read(dir.path().join(d.file_name("parquet"))).unwrap()).collect()
    }

    /// Whole columns built straight into their buffers give the batches, and the Parquet bytes,
    /// of pushing the same rows value by value, on the seed reports (nulls included).
    #[test]
    fn whole_columns_give_the_rows_and_bytes_of_row_by_row_on_the_seeds() {
        let docs = seed_documents();
        let mut fast = Vec::new();
        let mut slow = Vec::new();
        for d in &docs {
            let b = doc_batches(d).batches;
            let f = WHOLE.map(|i| b[i].clone());
            let s = by_row(d);
            for k in 0..4 {
                assert_eq!(f[k], s[k], "{} of {}", DOC_TABLES[WHOLE[k]], d.source_file);
                for (a, b) in f[k].columns().iter().zip(s[k].columns()) {
                    assert_eq!(a.nulls(), b.nulls(), "validity laid out as a builder lays it out");
                    assert_eq!(a.to_data().buffers(), b.to_data().buffers(), "values laid out as a builder lays them out");
                }
            }
            fast.push(f);
            slow.push(s);
        }
        let nulls = |k: usize| fast.iter().map(|f| f[k].columns().iter().map(|c| c.null_count()).sum::<usize>()).sum::<usize>();
        assert!(nulls(0) > 0 && nulls(3) > 0, "the seeds exercise nullable columns");
        assert!(parquet_bytes(&fast) == parquet_bytes(&slow), "the Parquet files differ");
    }
}
