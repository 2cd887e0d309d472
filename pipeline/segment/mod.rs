//! Segment: paragraphs → sentences → words with parts of speech, and keywords per document.

pub mod keywords;
pub mod sentences;
pub mod words;

use crate::model::{Document, Sentence, Stage, Token};

pub const STAGE: &str = "segment";

#[derive(Debug, Default, Clone)]
pub struct Segmenter;

impl Stage for Segmenter {
    fn name(&self) -> &'static str {
        STAGE
    }

    fn process(&self, doc: &mut Document) -> anyhow::Result<()> {
        let mut sents = Vec::new();
        let mut toks = Vec::new();
        for p in doc.paragraphs.iter().filter(|p| p.is_kept()) {
            let base = p.char_start.expect("normalize ran before segment");
            let chars: Vec<char> = p.text.chars().collect();
            for (a, b) in sentences::split(&chars) {
                let text: String = chars[a..b].iter().collect();
                let index = sents.len() as u32;
                let cs = base + a as u32;
                for (k, w) in words::words(&text).into_iter().enumerate() {
                    toks.push(Token {
                        sentence_index: index,
                        index: k as u32,
                        word: w.word,
                        pos: w.pos,
                        char_start: cs + w.start as u32,
                        char_end: cs + w.end as u32,
                    });
                }
                sents.push(Sentence {
                    index,
                    paragraph_index: p.index,
                    source_line: p.source_line,
                    char_start: cs,
                    char_end: base + b as u32,
                    text,
                });
            }
        }
        doc.sentences = sents;
        doc.tokens = toks;
        doc.keywords = keywords::keywords(&doc.tokens);
        Ok(())
    }
}
