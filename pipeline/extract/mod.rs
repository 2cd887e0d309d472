//! Extract: source file bytes → documents made of source lines (paragraphs), with their
//! encoding, metadata, chrome removed-with-a-reason, and heading structure.
//!
//! Nothing is dropped: an unreadable or undecodable file still yields a quarantined document.

pub mod chrome;
pub mod decode;
pub mod html;
pub mod lines;
pub mod markdown;
pub mod metadata;
pub mod structure;
pub mod tabular;

use sha2::{Digest, Sha256};

use crate::model::{Document, Format, Issue, Paragraph, Severity};
use crate::normalize::script::to_simplified;
use crate::sink::manifest::hex;

pub const STAGE: &str = "extract";

/// One input file as the runner found it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the input folder, `/`-separated.
    pub rel_path: String,
    /// The bytes, or why they could not be read.
    pub bytes: Result<Vec<u8>, String>,
}

impl SourceFile {
    pub fn sha256(&self) -> String {
        match &self.bytes {
            Ok(b) => hex(&Sha256::digest(b)),
            Err(_) => hex(&Sha256::digest(format!("unreadable:{}", self.rel_path).as_bytes())),
        }
    }
}

/// The extract stage.
#[derive(Debug, Default, Clone)]
pub struct Extractor;

/// Input format from the file name, then the content (HTML saved as .txt is HTML).
fn detect_format(rel_path: &str, text: &str) -> Format {
    let lower = rel_path.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        Format::Csv
    } else if lower.ends_with(".md") || lower.ends_with(".markdown") {
        Format::Markdown
    } else if lower.ends_with(".html") || lower.ends_with(".htm") || html::looks_like_html(text) {
        Format::Html
    } else {
        Format::Text
    }
}

impl Extractor {
    pub fn extract(&self, file: &SourceFile) -> Vec<Document> {
        self.extract_hashed(file, file.sha256())
    }

    /// [`Extractor::extract`] for a file whose [`SourceFile::sha256`] is already known (the
    /// runner hashes each file as it reads it), so that it is not hashed twice.
    pub fn extract_hashed(&self, file: &SourceFile, sha: String) -> Vec<Document> {
        debug_assert_eq!(sha, file.sha256());
        let size = file.bytes.as_ref().map(|b| b.len() as u64).unwrap_or(0);
        let mut doc = Document::new(sha[..16].to_string(), file.rel_path.clone(), sha.clone(), size);
        let bytes = match &file.bytes {
            Ok(b) => b,
            Err(e) => {
                doc.quarantine(STAGE, "unreadable", format!("cannot read the file: {e}; check its permissions"));
                return vec![doc];
            }
        };
        let decoded = match decode::decode(bytes) {
            Ok(d) => d,
            Err(e) => {
                doc.quarantine(STAGE, e.code(), e.to_string());
                return vec![doc];
            }
        };
        doc.encoding = Some(decoded.encoding);
        if decoded.replacements > 0 {
            doc.issues.push(Issue::new(
                STAGE,
                Severity::Warning,
                "malformed_bytes",
                format!("{} malformed byte sequences decoded as U+FFFD (truncated or damaged file)", decoded.replacements),
            ));
        }
        // The format from the text as decoded (before `<U+XXXX>` residue is turned back).
        let format = detect_format(&file.rel_path, &decoded.text);
        let source = lines::Source::from_decoded(decoded);
        doc.format = Some(format);
        doc.n_lines = source.n_lines();
        match format {
            Format::Csv => {
                let rows = match tabular::rows(&source) {
                    Ok(r) => r,
                    Err(e) => {
                        doc.quarantine(STAGE, "bad_csv", e);
                        return vec![doc];
                    }
                };
                let mut docs = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut h = Sha256::new();
                    h.update(bytes);
                    h.update(row.number.to_string().as_bytes());
                    let id = hex(&h.finalize());
                    let mut d = doc.clone();
                    d.doc_id = id[..16].to_string();
                    d.row_in_file = Some(row.number);
                    let pre = vec![None; row.lines.len()];
                    build_paragraphs(&mut d, row.lines, pre, &row.fields);
                    docs.push(d);
                }
                if docs.is_empty() {
                    doc.quarantine(STAGE, "empty_csv", "the CSV file has a header but no data rows");
                    return vec![doc];
                }
                docs
            }
            Format::Markdown => {
                let mut all = source.all_lines();
                let (fields, n_front) = markdown::front_matter(&all);
                let mut pre = vec![None; all.len()];
                for (i, l) in all.iter_mut().enumerate() {
                    if i < n_front {
                        pre[i] = Some("front_matter");
                    } else {
                        markdown::strip_heading_mark(l);
                    }
                }
                build_paragraphs(&mut doc, all, pre, &fields);
                vec![doc]
            }
            Format::Html => {
                let (lines, lost) = html::lines(&source);
                if lost > 0 {
                    doc.issues.push(Issue::new(
                        STAGE,
                        Severity::Warning,
                        "html_unaligned",
                        format!("{lost} characters of the parsed HTML could not be located in the source; their source bytes are approximate"),
                    ));
                }
                let pre = vec![None; lines.len()];
                build_paragraphs(&mut doc, lines, pre, &[]);
                vec![doc]
            }
            Format::Text => {
                let lines = source.all_lines();
                let pre = vec![None; lines.len()];
                build_paragraphs(&mut doc, lines, pre, &[]);
                vec![doc]
            }
        }
    }
}

/// Header rows are looked for in this many opening lines.
const HEADER_ROWS_WITHIN: usize = 40;
const _: () = assert!(HEADER_ROWS_WITHIN <= metadata::HEAD_LINES, "header rows are found among the head lines");

fn is_blank(s: &str) -> bool {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}' || c == '\u{A0}' || c == '\u{200D}').is_empty()
}

/// Lines → paragraphs (non-blank lines), metadata read, chrome marked, structure annotated.
/// `pre` carries reasons fixed by the format (front matter); `fields` named metadata values.
fn build_paragraphs(doc: &mut Document, lines: Vec<lines::Line>, pre: Vec<Option<&'static str>>, fields: &[(String, String)]) {
    let (lines, pre): (Vec<lines::Line>, Vec<Option<&'static str>>) =
        lines.into_iter().zip(pre).filter(|(l, _)| !is_blank(&l.text)).unzip();
    // The opening body lines are prepared once, for the metadata and for the header rows.
    let head_idx: Vec<usize> = (0..lines.len()).filter(|&i| pre[i].is_none()).take(metadata::HEAD_LINES).collect();
    let head: Vec<metadata::HeadLine> =
        head_idx.iter().map(|&i| metadata::HeadLine::simplified(&lines[i].text)).collect();
    doc.meta = metadata::read_head(&head, fields, &to_simplified);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    // Header rows are looked for in the opening lines only: body text is never read as one.
    // (Every line before the 40th without a format reason is among the head lines.)
    let mut header = vec![false; lines.len()];
    // Head lines found plain while being prepared hold no space: chrome's duplicate check
    // need not search them for one.
    let mut spaceless = vec![false; lines.len()];
    for (h, &i) in head.iter().zip(&head_idx) {
        if i < HEADER_ROWS_WITHIN {
            header[i] = h.header;
        }
        spaceless[i] = h.spaceless;
    }
    let marks = chrome::marks_for(&texts, &header, &pre, &spaceless);
    for (i, why) in &marks.unsure {
        doc.issues.push(
            Issue::new(STAGE, Severity::Warning, "possible_chrome", why.clone()).at_line(lines[*i].number),
        );
    }
    for (l, removed) in lines.into_iter().zip(marks.removed) {
        if let Some(reason) = removed {
            doc.issues.push(
                Issue::new(STAGE, Severity::Info, "chrome_removed", format!("line removed as page chrome ({reason})"))
                    .at_line(l.number),
            );
        }
        doc.paragraphs.push(Paragraph {
            index: doc.paragraphs.len() as u32,
            source_line: l.number,
            text: l.text.clone(),
            raw: l.text,
            raw_src: l.src,
            removed,
            ..Default::default()
        });
    }
    if doc.kept_paragraphs().next().is_none() {
        doc.issues.push(Issue::new(STAGE, Severity::Warning, "no_body_text", "no body text left after removing page chrome"));
    }
    structure::annotate(&mut doc.paragraphs, doc.meta.report_year, to_simplified);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, bytes: &[u8]) -> SourceFile {
        SourceFile { rel_path: name.into(), bytes: Ok(bytes.to_vec()) }
    }

    #[test]
    fn a_plain_report_becomes_paragraphs_with_lines() {
        let docs = Extractor.extract(&file("a.txt", "首页\n\n一、2022年工作回顾\r\n增长8.2%。\n".as_bytes()));
        let d = &docs[0];
        assert!(d.is_ok());
        assert_eq!(d.paragraphs.len(), 3);
        assert_eq!(d.paragraphs[0].removed, Some("breadcrumb"));
        assert_eq!(d.paragraphs[1].source_line, 3);
        assert_eq!(d.paragraphs[2].source_line, 4);
        assert_eq!(d.paragraphs[2].section_year, Some(2022));
    }

    #[test]
    fn header_rows_after_front_matter_and_only_in_the_opening_lines() {
        // Front matter shifts the head lines: the row right after it is still a header row; a
        // row past the 40th line stays as body text.
        let mut md = String::from("---\ntitle: 海曙区政府工作报告\n---\n索引号: 2953384/2022-53376\n");
        for i in 0..45 {
            md.push_str(&format!("第{i}段正文，全年实现地区生产总值449.7亿元。\n"));
        }
        md.push_str("文号: 海政〔2023〕1号\n");
        let d = &Extractor.extract(&file("a.md", md.as_bytes()))[0];
        let removed = |t: &str| d.paragraphs.iter().find(|p| p.raw.starts_with(t)).unwrap().removed;
        assert_eq!(removed("---"), Some("front_matter"));
        assert_eq!(removed("索引号"), Some("metadata_header"));
        assert_eq!(removed("文号"), None);
        assert_eq!(d.meta.index_no.as_deref(), Some("2953384/2022-53376"));
        assert_eq!(d.meta.title.as_deref(), Some("海曙区政府工作报告"));
        // Past the 40th line a row is not removed, but metadata reads 60 lines.
        assert_eq!(d.meta.doc_number.as_deref(), Some("海政〔2023〕1号"));
    }

    #[test]
    fn unreadable_and_empty_files_are_quarantined_not_dropped() {
        let unreadable = SourceFile { rel_path: "x.txt".into(), bytes: Err("permission denied".into()) };
        let d = &Extractor.extract(&unreadable)[0];
        assert!(!d.is_ok());
        assert!(d.quarantine_reason.as_deref().unwrap().starts_with("unreadable"));
        let d = &Extractor.extract(&file("e.txt", b""))[0];
        assert!(d.quarantine_reason.as_deref().unwrap().starts_with("empty_file"));
        assert_eq!(d.issues[0].severity, Severity::Error);
    }
}
