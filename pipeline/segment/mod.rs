//! Segment: paragraphs → sentences → words with parts of speech, and keywords per document.

pub mod keywords;
pub mod sentences;
pub mod words;
#[cfg(test)]
pub(crate) mod test_texts;

use crate::model::{Document, Sentence, Stage};

pub const STAGE: &str = "segment";

/// Loads what segmenting needs (jieba's dictionary with the domain terms, its IDF table, the
/// figure pattern): about a quarter of a second on one core, which a run spends while the
/// first files are read and extracted, instead of inside the first segment call of every
/// worker. The IDF table and the dictionary are separate loads of about the same size, so they
/// are made on two threads (the keyword side then waits for the dictionary only for its last
/// step).
pub fn warm() {
    std::thread::scope(|s| {
        s.spawn(keywords::warm);
        words::warm();
    });
}

#[derive(Debug, Default, Clone)]
pub struct Segmenter;

impl Stage for Segmenter {
    fn name(&self) -> &'static str {
        STAGE
    }

    fn process(&self, doc: &mut Document) -> anyhow::Result<()> {
        let kept_bytes: usize = doc.paragraphs.iter().filter(|p| p.is_kept()).map(|p| p.text.len()).sum();
        // Report text runs at about one word per 5 bytes of UTF-8 (190k words per MB): sized
        // once, the token vector is not copied over and over as it grows.
        let mut sents = Vec::with_capacity(kept_bytes / 40 + 1);
        let mut toks = Vec::with_capacity(kept_bytes / 5 + 16);
        // The ids of the keyword candidates among the tokens (about one token in four).
        let mut candidates = Vec::with_capacity(kept_bytes / 20 + 16);
        keywords::begin_document();
        for p in doc.paragraphs.iter().filter(|p| p.is_kept()) {
            let base = p.char_start.expect("normalize ran before segment");
            for sentences::Span { bytes: (x, y), chars: (a, b) } in sentences::split_text(&p.text) {
                let text = &p.text[x..y];
                let index = sents.len() as u32;
                let cs = base + a as u32;
                let first = toks.len();
                words::tokens_into(text, index, cs, &mut toks, &mut candidates);
                let has_quantity = toks[first..].iter().any(|t| words::is_quantity_tag(t.pos));
                sents.push(Sentence {
                    index,
                    paragraph_index: p.index,
                    source_line: p.source_line,
                    char_start: cs,
                    char_end: base + b as u32,
                    text_bytes: (x as u32, y as u32),
                    tokens: (first as u32, toks.len() as u32),
                    has_quantity,
                });
            }
        }
        doc.sentences = sents;
        doc.tokens = toks;
        doc.keywords = keywords::keywords_of(&candidates);
        Ok(())
    }
}
