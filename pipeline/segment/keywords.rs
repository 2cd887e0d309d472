//! Keywords per document: TF-IDF from jieba-rs over the document's nouns and terms, with the
//! domain dictionary loaded, so terms such as 营商环境 or 共同富裕 count as one word.
//!
//! Determinism: jieba ranks its candidates in a hash map, so every candidate is taken and the
//! list is sorted here by weight (descending), then keyword; the first [`TOP_K`] are kept.

use std::sync::OnceLock;

use jieba_rs::{KeywordExtract, TfIdf};

use super::words::jieba;
use crate::model::Keyword;

/// Keywords kept per document.
pub const TOP_K: usize = 20;

/// Parts of speech a keyword may have: nouns, proper terms, places, organisations, verbal nouns
/// and fixed expressions (the domain dictionary's tags); verbs and numbers are left out.
const KEYWORD_POS: [&str; 7] = ["n", "nz", "ns", "nt", "nr", "vn", "l"];

fn tfidf() -> &'static TfIdf {
    static TFIDF: OnceLock<TfIdf> = OnceLock::new();
    TFIDF.get_or_init(TfIdf::default)
}

/// The top keywords of a document's normalized text.
pub fn keywords(text: &str) -> Vec<Keyword> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let pos: Vec<String> = KEYWORD_POS.iter().map(|s| s.to_string()).collect();
    let mut all = tfidf().extract_keywords(jieba(), text, usize::MAX >> 1, pos);
    all.retain(|k| k.keyword.chars().any(|c| !c.is_ascii_digit() && !c.is_ascii_punctuation()));
    all.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.keyword.cmp(&b.keyword)));
    all.truncate(TOP_K);
    all.into_iter()
        .enumerate()
        .map(|(i, k)| Keyword { rank: i as u32 + 1, keyword: k.keyword, weight: k.weight })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_terms_rank_and_order_is_stable() {
        let text = "优化营商环境，推进共同富裕。营商环境持续改善，共同富裕示范区建设扎实推进。营商环境评价位列全省第一。\
                    招商引资持续发力，招商引资签约项目79个。";
        let k = keywords(text);
        assert_eq!(k[0].keyword, "营商环境", "{k:?}");
        assert!(k.iter().any(|x| x.keyword == "招商引资"), "{k:?}");
        assert!(k.iter().any(|x| x.keyword == "共同富裕"), "{k:?}");
        assert!(k.windows(2).all(|w| w[0].weight > w[1].weight || (w[0].weight == w[1].weight && w[0].keyword < w[1].keyword)));
        assert_eq!(k.iter().map(|x| x.rank).collect::<Vec<_>>(), (1..=k.len() as u32).collect::<Vec<_>>());
        // Same input, same list, every time.
        for _ in 0..5 {
            assert_eq!(keywords(text), k);
        }
        assert!(keywords("  ").is_empty());
    }
}
