//! Keywords per document: TF-IDF over the document's own tokens (the `tokens` table), with
//! jieba's IDF table, so a keyword is always a word of the tokens table, domain terms such as
//! 营商环境 or 共同富裕 included, and the text is segmented once, not twice.
//!
//! Candidates are tokens with a noun-like part of speech (`KEYWORD_POS`) of at least two
//! characters that are not only digits or ASCII punctuation. Weight = tf × idf / total, where tf
//! is the word's count in the document and total the count of all candidates (jieba's formula).
//!
//! The IDF values are jieba-rs's own (its bundled `idf.txt`), but jieba-rs keeps that table
//! private; it is read through the public API instead: TF-IDF over a text that is the word
//! alone is tf = total = 1, so the weight returned *is* the word's IDF. Words the IDF table does
//! not hold get the table's median, as in jieba. Each distinct word is looked up once per
//! thread and cached.
//!
//! Candidates are known by an id in a per-thread table. The segmenter hands the ranking the ids
//! of a document's candidate tokens ([`keywords_of`]): the word table it tags from holds each
//! word's id, so a candidate token costs no second hash lookup and string comparison here.
//! [`keywords`] ranks from the tokens themselves, the same way.
//!
//! Determinism: candidates are sorted by weight (descending), then keyword; the first
//! [`TOP_K`] are kept.

use std::cell::RefCell;
use std::sync::OnceLock;

use jieba_rs::{KeywordExtract, TfIdf};
use rustc_hash::FxHashMap;

use super::words::jieba;
use crate::model::{Keyword, Token};

/// Keywords kept per document.
pub const TOP_K: usize = 20;

/// Parts of speech a keyword may have: nouns, proper terms, places, organisations, verbal nouns
/// and fixed expressions (the domain dictionary's tags); verbs and numbers are left out.
const KEYWORD_POS: [&str; 7] = ["n", "nz", "ns", "nt", "nr", "vn", "l"];

/// Distinct candidate words a thread keeps (with their IDF) before its table starts again
/// (bounds memory on a corpus with an unbounded vocabulary). A reset costs more than IDF
/// lookups: the word table that holds candidate ids is emptied with it (see [`begin_document`]),
/// so every word it held is tagged alone again when next met.
const IDF_CACHE_WORDS: usize = 1 << 18;

/// The size at which the thread's candidate table starts again: [`IDF_CACHE_WORDS`].
#[cfg(not(test))]
#[inline]
fn candidate_table_cap() -> usize {
    IDF_CACHE_WORDS
}

/// The size at which the thread's candidate table starts again: [`IDF_CACHE_WORDS`] unless a
/// test lowered it ([`set_candidate_table_cap`]) to see the table start again mid-run.
#[cfg(test)]
fn candidate_table_cap() -> usize {
    CANDIDATE_TABLE_CAP.with(|c| c.get())
}

#[cfg(test)]
thread_local! {
    static CANDIDATE_TABLE_CAP: std::cell::Cell<usize> = const { std::cell::Cell::new(IDF_CACHE_WORDS) };
}

/// Lowers (or restores) the candidate table cap of the calling thread, for tests only.
#[cfg(test)]
pub(super) fn set_candidate_table_cap(cap: usize) {
    CANDIDATE_TABLE_CAP.with(|c| c.set(cap));
}

fn tfidf() -> &'static TfIdf {
    static TFIDF: OnceLock<TfIdf> = OnceLock::new();
    // On huge pages, like the dictionary (see `allocator::with_huge_pages`).
    TFIDF.get_or_init(|| crate::allocator::with_huge_pages(TfIdf::default))
}

/// The median IDF, which jieba gives words outside its table: read as the IDF of a word that
/// no Chinese IDF table holds (an ASCII run is one jieba token and a keyword candidate).
fn median_idf() -> f64 {
    static MEDIAN: OnceLock<f64> = OnceLock::new();
    *MEDIAN.get_or_init(|| probe("qqzzxjvk").expect("an ASCII run is one keyword candidate"))
}

/// Loads jieba's IDF table (and the dictionary) now, so that a run can do it beside other work.
pub fn warm() {
    median_idf();
}

/// The weight jieba gives `word` as the whole text, when jieba keeps it as one candidate.
fn probe(word: &str) -> Option<f64> {
    let k = tfidf().extract_keywords(jieba(), word, 2, Vec::new());
    match k.as_slice() {
        [only] if only.keyword == word => Some(only.weight),
        _ => None,
    }
}

/// jieba's IDF of `word`, or the median where its table has no entry (or jieba, without HMM,
/// would not keep the word whole, so no entry can be for it).
///
/// Asks jieba afresh (nothing is remembered, so the thread's bounded candidate table does not
/// grow through this).
pub fn idf(word: &str) -> f64 {
    probe(word).unwrap_or_else(median_idf)
}

/// A keyword candidate as a thread knows it: its IDF, and its count in the document being
/// ranked (valid when `doc` is that document's number).
#[derive(Clone, Copy)]
struct Seen {
    idf: f64,
    count: u64,
    doc: u64,
}

/// The candidate words a thread has met, each with its IDF (looked up once per word and
/// thread) and the counter of the document at hand: the word's id both counts the word and
/// finds its IDF, where a per-document count table and then an IDF table took two lookups.
#[derive(Default)]
struct Candidates {
    ids: FxHashMap<Box<str>, u32>,
    seen: Vec<Seen>,
    /// The words by id.
    words: Vec<Box<str>>,
    /// Documents ranked on this thread (the number of the one at hand).
    doc: u64,
}

impl Candidates {
    /// The index in `seen` of `word`, looked up (and its IDF with it) the first time.
    fn id(&mut self, word: &str) -> usize {
        if let Some(&id) = self.ids.get(word) {
            return id as usize;
        }
        // `probe` runs jieba's extractor, which never comes back here.
        let idf = probe(word).unwrap_or_else(median_idf);
        let id = self.seen.len();
        self.seen.push(Seen { idf, count: 0, doc: 0 });
        self.words.push(word.into());
        self.ids.insert(word.into(), id as u32);
        id
    }
}

/// The id of no candidate (a word that is not one).
pub(super) const NO_CANDIDATE: u32 = u32::MAX;

/// The id of the candidate `word` in the thread's table (added, with its IDF, when new). Valid
/// until the table starts again, which only [`begin_document`] does.
pub(super) fn candidate_id(word: &str) -> u32 {
    CANDIDATES.with(|c| c.borrow_mut().id(word) as u32)
}

/// Starts a document: the thread's candidate table starts again if it is full (between
/// documents only, so no count of a document is lost), and with it the word table that holds
/// candidate ids. Call before the document's tokens are made.
pub(super) fn begin_document() {
    let full = CANDIDATES.with(|c| {
        let mut c = c.borrow_mut();
        let full = c.seen.len() >= candidate_table_cap();
        if full {
            *c = Candidates { doc: c.doc, ..Default::default() };
        }
        full
    });
    if full {
        super::words::forget_candidates();
    }
}

thread_local! {
    static CANDIDATES: RefCell<Candidates> = RefCell::new(Candidates::default());
}

/// Whether `pos` is one of [`KEYWORD_POS`] (test `keyword_pos_is_the_list` holds the two
/// together), matched by its bytes.
fn is_keyword_pos(pos: &str) -> bool {
    let yes = matches!(pos, "n" | "nz" | "ns" | "nt" | "nr" | "vn" | "l");
    debug_assert_eq!(yes, KEYWORD_POS.contains(&pos), "{pos}");
    yes
}

pub(super) fn is_candidate(t: &Token) -> bool {
    is_candidate_word(&t.word, (t.char_end - t.char_start) as usize, t.pos)
}

/// Whether a word of `chars` chars tagged `pos` is a keyword candidate.
pub(super) fn is_candidate_word(word: &str, chars: usize, pos: &str) -> bool {
    // Cheapest tests first: most tokens are one character long, and a tag is matched by its
    // bytes rather than compared with each of the list's strings in turn. A non-ASCII byte
    // is never an ASCII digit or punctuation, so the bytes answer as the chars would.
    chars >= 2 && is_keyword_pos(pos) && word.bytes().any(|b| !b.is_ascii_digit() && !b.is_ascii_punctuation())
}

/// The top keywords of a document, from its tokens (the ids of its candidates are looked up
/// here; the segmenter has them already and calls [`keywords_of`]).
pub fn keywords(tokens: &[Token]) -> Vec<Keyword> {
    begin_document();
    let candidates: Vec<u32> = tokens.iter().filter(|t| is_candidate(t)).map(|t| candidate_id(&t.word)).collect();
    keywords_of(&candidates)
}

/// The top keywords of a document from the ids of its candidate tokens, in token order (as
/// `candidate_id` gave them since `begin_document`).
pub fn keywords_of(candidates: &[u32]) -> Vec<Keyword> {
    CANDIDATES.with(|c| {
        let mut c = c.borrow_mut();
        c.doc += 1;
        let doc = c.doc;
        // The document's distinct candidates.
        let mut distinct: Vec<u32> = Vec::with_capacity(candidates.len() / 4);
        for &id in candidates {
            let seen = &mut c.seen[id as usize];
            if seen.doc != doc {
                *seen = Seen { doc, count: 0, ..*seen };
                distinct.push(id);
            }
            seen.count += 1;
        }
        let total: u64 = distinct.iter().map(|&id| c.seen[id as usize].count).sum();
        let all: Vec<(f64, &str)> = distinct
            .iter()
            .map(|&id| {
                let s = c.seen[id as usize];
                (s.count as f64 * s.idf / total as f64, &*c.words[id as usize])
            })
            .collect();
        best(all)
    })
}

/// The best [`TOP_K`] of `all`, ranked.
fn best(mut all: Vec<(f64, &str)>) -> Vec<Keyword> {
    // Best first: weight descending, then keyword. Keywords are distinct, so this order is
    // total and taking the best TOP_K before sorting them gives the same list as sorting all.
    let order = |a: &(f64, &str), b: &(f64, &str)| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1));
    if all.len() > TOP_K {
        all.select_nth_unstable_by(TOP_K - 1, order);
        all.truncate(TOP_K);
    }
    all.sort_by(order);
    all.into_iter()
        .enumerate()
        .map(|(i, (weight, k))| Keyword { rank: i as u32 + 1, keyword: k.to_string(), weight })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        super::super::words::words(text)
            .into_iter()
            .enumerate()
            .map(|(i, w)| Token { sentence_index: 0, index: i as u32, word: w.word, pos: w.pos, char_start: w.start as u32, char_end: w.end as u32 })
            .collect()
    }

    #[test]
    fn domain_terms_rank_and_order_is_stable() {
        let text = "优化营商环境,推进共同富裕。营商环境持续改善,共同富裕示范区建设扎实推进。营商环境评价位列全省第一。\
                    招商引资持续发力,招商引资签约项目79个。";
        let toks = tokens(text);
        let k = keywords(&toks);
        assert_eq!(k[0].keyword, "营商环境", "{k:?}");
        assert!(k.iter().any(|x| x.keyword == "招商引资"), "{k:?}");
        assert!(k.iter().any(|x| x.keyword == "共同富裕"), "{k:?}");
        assert!(k.windows(2).all(|w| w[0].weight > w[1].weight || (w[0].weight == w[1].weight && w[0].keyword < w[1].keyword)));
        assert_eq!(k.iter().map(|x| x.rank).collect::<Vec<_>>(), (1..=k.len() as u32).collect::<Vec<_>>());
        // Every keyword is a word of the tokens, never a figure or a verb.
        for x in &k {
            let t = toks.iter().find(|t| t.word == x.keyword).expect("keyword is a token");
            assert!(KEYWORD_POS.contains(&t.pos), "{t:?}");
        }
        // Same input, same list, every time.
        for _ in 0..5 {
            assert_eq!(keywords(&toks), k);
        }
        assert!(keywords(&[]).is_empty());
    }

    /// The weights are jieba's TF-IDF: on a text whose candidates jieba segments as we do,
    /// jieba's own extractor gives the same words with the same weights.
    #[test]
    fn weights_equal_jiebas_own_tfidf() {
        let text = "推进城市更新,城市更新项目开工建设。加强生态保护,生态保护红线全面落实。";
        let ours = keywords(&tokens(text));
        let pos: Vec<String> = KEYWORD_POS.iter().map(|s| s.to_string()).collect();
        let theirs = tfidf().extract_keywords(jieba(), text, 50, pos);
        assert!(!ours.is_empty());
        for k in &ours {
            let t = theirs.iter().find(|t| t.keyword == k.keyword).unwrap_or_else(|| panic!("{} not in {theirs:?}", k.keyword));
            assert!((t.weight - k.weight).abs() < 1e-9, "{}: ours {} jieba {}", k.keyword, k.weight, t.weight);
        }
    }

    /// The ranking as it was, with a count table per document and a per-thread IDF table:
    /// the reference the one-lookup ranking is held to.
    fn keywords_by_tables(tokens: &[Token]) -> Vec<Keyword> {
        let mut tf: FxHashMap<&str, u64> = FxHashMap::default();
        let candidate = |t: &Token| {
            KEYWORD_POS.contains(&t.pos)
                && t.char_end - t.char_start >= 2
                && t.word.chars().any(|c| !c.is_ascii_digit() && !c.is_ascii_punctuation())
        };
        for t in tokens.iter().filter(|t| candidate(t)) {
            *tf.entry(t.word.as_str()).or_default() += 1;
        }
        let total: u64 = tf.values().sum();
        let idf = |w: &str| probe(w).unwrap_or_else(median_idf);
        best(tf.into_iter().map(|(w, n)| (n as f64 * idf(w) / total as f64, w)).collect())
    }

    /// Every seed, as a document of its own and all together, ranked in turns so that the
    /// per-thread table carries words from one document to the next: the same keywords and
    /// weights, bit for bit, as the two-table ranking.
    #[test]
    fn one_lookup_ranking_matches_the_tables_on_the_seeds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut docs: Vec<Vec<Token>> = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            docs.push(text.lines().flat_map(tokens).collect());
        }
        docs.push(docs.concat());
        docs.push(Vec::new());
        let mut ranked = 0;
        for _ in 0..2 {
            for d in &docs {
                let k = keywords(d);
                assert_eq!(k, keywords_by_tables(d));
                assert!(k.iter().zip(keywords_by_tables(d)).all(|(a, b)| a.weight.to_bits() == b.weight.to_bits()));
                ranked += k.len();
            }
        }
        assert!(ranked > 100, "{ranked}");
    }

    /// The candidate ids the segmenter collects while tagging (from the word table, or asked
    /// token by token where numerals merged or a gap was tagged whole) are exactly the ids of
    /// the candidate tokens looked up one by one, and rank the same keywords, bit for bit, as
    /// the two-table ranking: on every line of the seeds and of the shared corpus (GBK files
    /// read lossily, so replacement chars too; the corpus when GOVREPORT_CORPUS names it), and
    /// on crafted text (numeral counts that merge, words past 24 bytes, codes, ASCII), with the
    /// word table warm and cold.
    #[test]
    fn segmenter_candidate_ids_match_the_tokens() {
        let docs = real_and_crafted_documents();
        let mut checked = 0;
        for round in 0..3 {
            if round == 2 {
                super::super::words::forget_candidates();
            }
            for lines in &docs {
                begin_document();
                checked += check_segmenter_ids(lines);
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    /// The same as [`segmenter_candidate_ids_match_the_tokens`] across resets of a full
    /// candidate table: with the cap lowered on this thread, the table starts again every few
    /// documents mid-run, and the ids the segmenter collects from the word table must still be
    /// those of the new table (the word table is emptied with it), and rank the same keywords.
    /// Without that, a word still in the word table would carry an id from the old table.
    #[test]
    fn candidate_ids_stay_right_across_a_reset_of_a_full_table() {
        // Documents of 20 lines: many per file, so resets fall inside files as well as between.
        let mut docs: Vec<Vec<String>> = Vec::new();
        for lines in real_and_crafted_documents() {
            docs.extend(lines.chunks(20).map(<[String]>::to_vec));
        }
        set_candidate_table_cap(300);
        let (mut resets, mut carried, mut checked) = (0, 0, 0);
        for _ in 0..2 {
            for lines in &docs {
                let before = CANDIDATES.with(|c| c.borrow().seen.len());
                begin_document();
                let after = CANDIDATES.with(|c| c.borrow().seen.len());
                if after < before {
                    assert_eq!(after, 0);
                    resets += 1;
                } else if before > 0 {
                    carried += 1;
                }
                checked += check_segmenter_ids(lines);
            }
        }
        set_candidate_table_cap(IDF_CACHE_WORDS);
        assert!(resets >= 10 && carried >= 10, "{resets} resets, {carried} documents on a warm table");
        assert!(checked > 10_000, "{checked}");
    }

    /// Every file of the seeds and of the shared corpus (read lossily) as a document of lines,
    /// and last, crafted lines as one more.
    fn real_and_crafted_documents() -> Vec<Vec<String>> {
        let mut docs: Vec<Vec<String>> = crate::segment::test_texts::seed_and_corpus_texts()
            .iter()
            .map(|text| text.lines().map(str::to_string).collect())
            .collect();
        let crafted = [
            "三批次项目,四个方面,二千一百一十六个村,八方面工作", "一是优化营商环境,二是推进共同富裕,三农工作", "十四五规划纲要,十三五时期",
            "社会消费品零售总额社会消费品零售总额增长", "城乡居民人均可支配收入和农村居民人均可支配收入", "S309改造工程,G107国道,v2.0版本",
            "GDP增长,CPI上涨,PPI下降,abc-def", "", "。", "一", "两个百分点", "五百多家企业", "百分之三十六点九", "一九五三年建设",
            "\u{fffd}\u{fffd}营商环境", "\u{1F600}表情符号𠀀字", "ｅｎｇｌｉｓｈ全角字母", "1,234万元的项目,第1名",
        ];
        docs.push(crafted.iter().map(|s| s.to_string()).collect());
        docs
    }

    /// Segments `lines` as one document (after [`begin_document`]) and checks the candidate ids
    /// the segmenter collected against the tokens' ids asked one by one, and their keywords
    /// against the two-table ranking, bit for bit. Returns the number of candidates.
    fn check_segmenter_ids(lines: &[String]) -> usize {
        let (mut toks, mut ids) = (Vec::new(), Vec::new());
        for (i, line) in lines.iter().enumerate() {
            super::super::words::tokens_into(line, i as u32, 0, &mut toks, &mut ids);
        }
        let want: Vec<u32> = toks.iter().filter(|t| is_candidate(t)).map(|t| candidate_id(&t.word)).collect();
        assert_eq!(ids, want, "document from {:?}", lines.first());
        let k = keywords_of(&ids);
        let by_tables = keywords_by_tables(&toks);
        assert_eq!(k, by_tables);
        assert!(k.iter().zip(&by_tables).all(|(a, b)| a.weight.to_bits() == b.weight.to_bits()));
        ids.len()
    }

    #[test]
    fn keyword_pos_is_the_list() {
        let mut tags: Vec<&str> = vec!["", "N", "n ", "nn", "nrt", "nrfg", "ng", "v", "vd", "a", "m", "t", "eng", "x", "uj", "ll", "lv"];
        tags.extend(KEYWORD_POS);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            tags.extend(text.lines().flat_map(tokens).map(|t| t.pos));
        }
        for t in tags {
            assert_eq!(is_keyword_pos(t), KEYWORD_POS.contains(&t), "{t:?}");
        }
    }

    #[test]
    fn unknown_words_get_the_median_idf() {
        let m = median_idf();
        assert!(m > 1.0 && m < 20.0, "{m}");
        // A common word has a lower IDF than the median, a rare term a higher one.
        assert!(idf("经济") < m, "{}", idf("经济"));
        assert_eq!(idf("qqzzxjvkk"), m);
        // Cached: the same value on the second call.
        assert_eq!(idf("经济"), idf("经济"));
    }
}
