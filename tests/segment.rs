//! Sentences and flagged text over the seeds, through every per-document stage.

mod common;

use govreport::extract::{Extractor, SourceFile};
use govreport::model::Document;
use govreport::runner::{process_document, stages};

fn processed_seeds() -> Vec<Document> {
    let mut names: Vec<_> = std::fs::read_dir(common::seeds()).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let stages = stages();
    names
        .iter()
        .flat_map(|path| {
            let f = SourceFile {
                rel_path: path.file_name().unwrap().to_string_lossy().into_owned(),
                bytes: Ok(std::fs::read(path).unwrap()),
            };
            Extractor.extract(&f)
        })
        .map(|d| process_document(d, &stages))
        .collect()
}

/// No sentence is empty, none spans two paragraphs, and a paragraph's sentences put back
/// together give the paragraph.
#[test]
fn sentences_tile_their_paragraphs() {
    let docs = processed_seeds();
    assert_eq!(docs.len(), 5);
    let mut n = 0;
    for d in &docs {
        assert!(d.is_ok(), "{d}");
        for p in d.kept_paragraphs() {
            let (ps, pe) = (p.char_start.unwrap(), p.char_end.unwrap());
            let sents: Vec<_> = d.sentences.iter().filter(|s| s.paragraph_index == p.index).collect();
            let mut at = ps;
            for s in &sents {
                assert!(!s.text(p).trim().is_empty(), "{d}: empty sentence {}", s.index);
                assert!(s.char_start >= ps && s.char_end <= pe, "{d}: sentence {} leaves paragraph {}", s.index, p.index);
                assert_eq!(s.char_start, at, "{d}: gap before sentence {}", s.index);
                assert_eq!(s.text(p).chars().count() as u32, s.char_end - s.char_start);
                assert_eq!(s.source_line, p.source_line);
                at = s.char_end;
            }
            let joined: String = sents.iter().map(|s| s.text(p)).collect();
            assert_eq!(joined, p.text, "{d}: paragraph {}", p.index);
            n += sents.len();
        }
        // Sentence indices run 0.. in order, so no sentence is counted twice.
        assert!(d.sentences.iter().enumerate().all(|(i, s)| s.index as usize == i));
    }
    assert!(n > 500, "only {n} sentences");
}

/// Seed 004's garbled runs are flagged and no indicator comes from a flagged span.
#[test]
fn no_indicator_comes_from_flagged_text() {
    let docs = processed_seeds();
    let d4 = docs.iter().find(|d| d.source_file.starts_with("004_")).unwrap();
    let flagged: Vec<(u32, u32)> = d4
        .kept_paragraphs()
        .flat_map(|p| p.flagged.iter().map(move |&(a, b)| (p.char_start.unwrap() + a, p.char_start.unwrap() + b)))
        .collect();
    assert!(flagged.len() >= 3, "{flagged:?}");
    assert!(!d4.indicators.is_empty());
    for x in &d4.indicators {
        for &(a, b) in &flagged {
            assert!(x.char_end <= a || b <= x.char_start, "indicator {:?} overlaps flagged {a}..{b}", x.text);
        }
    }
    let text = govreport::normalize::document_text(d4);
    for &(a, b) in &flagged {
        let s: String = text.chars().skip(a as usize).take((b - a) as usize).collect();
        assert!(s.contains('?') || s.chars().any(|c| c == '\u{FFFD}'), "flagged {s:?} is not garbage");
    }
}
