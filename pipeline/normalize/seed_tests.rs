//! Normalize on the seed reports: hand-checked sentences, punctuation kept, the offset map, the
//! traditional round trip and the garbled runs of seed 004.

use super::*;
use crate::extract::{Extractor, SourceFile};

const SEEDS: [&str; 5] = [
    "000_2ee2e79b26ac3452.txt",
    "001_0b36d22c870bd8f0.txt",
    "002_a755411d869c0c4b.txt",
    "003_d422b980451038db.txt",
    "004_7f0fc1a2ba6e0861.txt",
];

fn seed_bytes(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn normalized(name: &str) -> (Document, Vec<u8>) {
    let bytes = seed_bytes(name);
    let f = SourceFile { rel_path: name.into(), bytes: Ok(bytes.clone()) };
    let mut doc = Extractor.extract(&f).remove(0);
    Normalizer.process(&mut doc).unwrap();
    (doc, bytes)
}

fn paragraph_with<'a>(doc: &'a Document, needle: &str) -> &'a str {
    doc.kept_paragraphs()
        .map(|p| p.text.as_str())
        .find(|t| t.contains(needle))
        .unwrap_or_else(|| panic!("no paragraph holds {needle:?}"))
}

/// Sentences of seeds 003 and 004 against the simplified text written by hand.
#[test]
fn seed_003_and_004_read_as_natural_simplified_chinese() {
    let (d3, _) = normalized(SEEDS[3]);
    for expected in [
        "今年以来,我们面对百年变局和世纪疫情相互叠加的复杂局面,可以清楚看到宏观环境的复杂性、严峻性、不确定性上升,风险挑战不断增多。",
        "今年上半年,在区委区政府的坚强领导下,我们紧紧围绕“1586”专项行动,统筹做好疫情防控和经济社会发展工作,",
        "一季度经济指标亮灯考核实现14绿6红,在全区乡镇街道中取得了来之不易的第一名。",
        "1-6月,预计:规上工业增加值实现31.3亿元,同比增长9.5%;规上服务业增加值实现1.5亿元,同比增长16.7%;",
        "随着四个城中村改造项目顺利推进,",
    ] {
        paragraph_with(&d3, expected);
    }
    // The traditional, glossed header row (發(fā)布機構: | 前江街道) is read as metadata, in
    // simplified script, and removed from the body.
    assert_eq!(d3.meta.publisher.as_deref(), Some("前江街道"));
    let (d4, _) = normalized(SEEDS[4]);
    for expected in [
        "2022年,是极具考验的一年。百年变局加速演进,宏观形势复杂严峻,多重困难叠加,多重风险交织,发展承压前所未有。",
        "确定了“浙中增长极、未来新中心”的战略定位,吹响了奋进新征程、谱写新篇章的嘹亮号角。",
        "全年实现固定资产投资217.3亿元,同比增长14.8%。",
        "推动绿色产业循环发展。继续实施“光伏倍增”计划,新增光伏并网容量4万千瓦。",
        // Repaired garbage: the bytes gave back 完成組 (then simplified); the lost part stays flagged.
        "”完成组建。",
        "“三区三线”划定成果正式启用",
        "养老保险提标扩面",
    ] {
        paragraph_with(&d4, expected);
    }
}

const CHINESE_PUNCT: &str = "，。、；：“”（）《》";

/// No Chinese punctuation mark of any seed becomes ASCII: each one in the source is still there,
/// at the same source bytes, after normalization.
#[test]
fn chinese_punctuation_is_never_narrowed() {
    let mut checked = 0;
    for name in SEEDS {
        let (doc, _) = normalized(name);
        for p in doc.kept_paragraphs() {
            let text: Vec<char> = p.text.chars().collect();
            for (i, c) in p.raw.chars().enumerate() {
                if !CHINESE_PUNCT.contains(c) {
                    continue;
                }
                let at = p.raw_src[i];
                let kept = p.src_start.iter().zip(&text).any(|(&s, &t)| s == at && t == c);
                assert!(kept, "{name} line {}: {c} at byte {at} changed", p.source_line);
                checked += 1;
            }
            for (k, &t) in text.iter().enumerate() {
                if t.is_ascii_punctuation() && !p.flagged.iter().any(|&(a, b)| a as usize <= k && k < b as usize) {
                    let src = std::str::from_utf8(&seed_bytes(name)[p.src_start[k] as usize..p.src_end[k] as usize])
                        .unwrap()
                        .to_string();
                    assert!(!src.chars().any(|c| CHINESE_PUNCT.contains(c)), "{name}: {src:?} became {t}");
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} marks checked");
}

/// A small deterministic generator (xorshift), so the spans are the same on every run.
struct XorShift(u64);
impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Random spans of the normalized text map to source bytes that decode to exactly the text the
/// span had before normalization (the raw characters it came from), in every case. Normalized on
/// their own, those bytes also give the span's text again, except where a phrase conversion
/// crosses the span's edge (著力 → 着力 needs its 力) or a repair needs its neighbours; that
/// agreement is measured and must stay above 98 %.
#[test]
fn random_spans_map_back_to_their_source_bytes() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut tried, mut exact, mut agree, mut comparable) = (0, 0, 0, 0);
    for name in SEEDS {
        let (doc, bytes) = normalized(name);
        assert_eq!(doc.encoding, Some("UTF-8"), "the seeds are UTF-8");
        let convert = doc.script != Some(Script::Simplified);
        let paras: Vec<&Paragraph> = doc.kept_paragraphs().filter(|p| p.text.chars().count() >= 2).collect();
        for _ in 0..300 {
            tried += 1;
            let p = paras[rng.below(paras.len())];
            let text: Vec<char> = p.text.chars().collect();
            let a = rng.below(text.len() - 1);
            let b = a + 1 + rng.below((text.len() - a).min(40));
            let (s, e) = (p.src_start[a], p.src_end[b - 1]);
            let src = std::str::from_utf8(&bytes[s as usize..e as usize]).expect("span maps to whole UTF-8 chars");
            // The raw characters whose bytes start and end exactly there.
            let raw: Vec<char> = p.raw.chars().collect();
            let i = p.raw_src.iter().position(|&x| x == s).expect("span starts on a raw char boundary");
            let j = p.raw_src.iter().position(|&x| x == e).expect("span ends on a raw char boundary");
            assert_eq!(src, raw[i..j].iter().collect::<String>(), "{name} line {}: bytes {s}..{e}", p.source_line);
            exact += 1;
            let raw_runs = mojibake::scan(&raw);
            let touches_run = raw_runs.iter().any(|r| p.raw_src[r.start] < e + 6 && s < p.raw_src[r.end] + 6);
            let edge_space = text[a] == ' ' || text[b - 1] == ' ' || text.get(b) == Some(&' ') || (a > 0 && text[a - 1] == ' ');
            if touches_run || edge_space {
                continue;
            }
            comparable += 1;
            if normalize_line(src, convert) == text[a..b].iter().collect::<String>() {
                agree += 1;
            }
        }
    }
    assert_eq!(exact, tried);
    let share = agree as f64 / comparable as f64;
    println!("offset map: {exact}/{tried} spans decode to their raw text; {agree}/{comparable} ({:.2} %) also normalize alone to the span", share * 100.0);
    assert!(share >= 0.98, "only {agree} of {comparable} spans normalize alone to their text");
    assert!(comparable * 10 >= tried * 8, "only {comparable} of {tried} spans comparable");
}

/// Simplified seed text → traditional (OpenCC s2t through zhconv) → simplified gives the original
/// back in at least 99.9 % of its characters.
#[test]
fn traditional_round_trip_keeps_999_per_mille_of_characters() {
    let (mut same, mut total) = (0usize, 0usize);
    for name in &SEEDS[..3] {
        let (doc, _) = normalized(name);
        assert_eq!(doc.script, Some(Script::Simplified), "{name}");
        for p in doc.kept_paragraphs() {
            let back = script::to_simplified(&script::to_traditional(&p.text));
            let (x, y): (Vec<char>, Vec<char>) = (p.text.chars().collect(), back.chars().collect());
            assert_eq!(x.len(), y.len(), "{name}: length changed: {} → {back}", p.text);
            total += x.len();
            same += x.iter().zip(&y).filter(|(a, b)| a == b).count();
            for (a, b) in x.iter().zip(&y).filter(|(a, b)| a != b) {
                eprintln!("round trip: {a} → {b} in {name}");
            }
        }
    }
    let share = same as f64 / total as f64;
    eprintln!("round trip: {same} of {total} characters back unchanged ({:.4} %)", share * 100.0);
    assert!(total > 20_000 && share >= 0.999, "round trip kept {share:.5} of {total}");
}

/// Every garbled run of seed 004 is repaired or flagged with its span, and the counts say so.
#[test]
fn every_garbled_run_of_seed_004_is_repaired_or_flagged() {
    let (doc, _) = normalized(SEEDS[4]);
    let raw_marks: usize = doc.kept_paragraphs().map(|p| p.raw.matches('?').count()).sum();
    assert!(raw_marks >= 8, "seed 004 has its garbled runs");
    let mut garbled_left = 0;
    for p in doc.kept_paragraphs() {
        // Every "?" of the text lies in a flagged span; no other char of it is garbage.
        for (k, c) in p.text.chars().enumerate() {
            if c == '?' {
                assert!(p.flagged.iter().any(|&(a, b)| a as usize <= k && k < b as usize), "unflagged ? in {}", p.text);
                garbled_left += 1;
            }
        }
    }
    assert!(garbled_left > 0);
    assert_eq!(doc.changes.mojibake_runs_found, 8);
    assert!(doc.changes.mojibake_runs_repaired >= 5, "{:?}", doc.changes);
    let rows: Vec<&Issue> = doc.issues.iter().filter(|i| i.code.starts_with("mojibake")).collect();
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|i| i.location.as_deref().is_some_and(|l| l.contains("chars ") && l.contains("source bytes"))), "{rows:?}");
    // Clean seeds have none.
    for name in &SEEDS[..4] {
        assert_eq!(normalized(name).0.changes.mojibake_runs_found, 0, "{name}");
    }
}
