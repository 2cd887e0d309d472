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

impl Extractor {
    pub fn extract(&self, file: &SourceFile) -> Vec<Document> {
        let sha = file.sha256();
        let size = file.bytes.as_ref().map(|b| b.len() as u64).unwrap_or(0);
        let mut doc = Document::new(sha[..16].to_string(), file.rel_path.clone(), sha, size);
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
        doc.format = Some(Format::Text);
        if decoded.replacements > 0 {
            doc.issues.push(Issue::new(
                STAGE,
                Severity::Warning,
                "malformed_bytes",
                format!("{} malformed byte sequences decoded as U+FFFD (truncated or damaged file)", decoded.replacements),
            ));
        }
        let lines = lines::split_lines(&decoded.text, &decoded.char_src);
        doc.n_lines = lines.len() as u32;
        build_paragraphs(&mut doc, lines);
        vec![doc]
    }
}

/// Lines → paragraphs (non-empty lines), chrome marked, metadata and structure read.
fn build_paragraphs(doc: &mut Document, lines: Vec<lines::Line>) {
    let head: Vec<&str> = lines.iter().take(40).map(|l| l.text.as_str()).collect();
    doc.meta = metadata::read(&head, &[], to_simplified);
    for l in lines {
        if l.text.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}').is_empty() {
            continue;
        }
        let removed = chrome::classify(&l.text);
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
