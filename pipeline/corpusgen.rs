//! A deterministic generator of large, realistic corpora for benchmarks.
//!
//! It takes the paragraphs of real reports (seeds/, and the shared corpus when given), and
//! writes documents made of those paragraphs reshuffled, with their figures varied, a share
//! converted to traditional script, a share with pinyin glosses (learned from the glossed
//! seed), a share GBK-encoded, and a share wrapped in HTML, until the requested size is
//! reached. The same seed and inputs always give the same files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use crate::extract::{Extractor, SourceFile};
use crate::normalize::script::to_traditional;

/// A small, fast, deterministic PRNG (SplitMix64), so benchmarks need no extra crate.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Shares of the generated documents that get each kind of damage.
#[derive(Debug, Clone)]
pub struct Mix {
    pub traditional: f64,
    pub glossed: f64,
    pub gbk: f64,
    pub html: f64,
}

impl Default for Mix {
    fn default() -> Self {
        Mix { traditional: 0.2, glossed: 0.1, gbk: 0.2, html: 0.15 }
    }
}

/// Paragraph pool read from real reports.
#[derive(Debug, Default)]
pub struct Pool {
    pub headings: Vec<String>,
    pub body: Vec<String>,
    /// Pinyin glosses seen in the inputs, by the character they follow ("區" → "qū").
    pub glosses: BTreeMap<char, String>,
}

impl Pool {
    /// Reads every file under the given folders through the extract stage.
    pub fn from_dirs(dirs: &[&Path]) -> anyhow::Result<Pool> {
        let mut pool = Pool::default();
        for dir in dirs {
            for (rel, path) in crate::runner::discover(dir)? {
                let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    pool.learn_glosses(text);
                }
                for doc in Extractor.extract(&SourceFile { rel_path: rel, bytes: Ok(bytes) }) {
                    for p in doc.kept_paragraphs() {
                        let t = crate::normalize::script::to_simplified(p.raw.trim());
                        let t = strip_glosses(&t);
                        if t.chars().count() < 4 {
                            continue;
                        }
                        if p.heading_level.is_some() && t.chars().count() < 40 {
                            pool.headings.push(t);
                        } else {
                            pool.body.push(t);
                        }
                    }
                }
            }
        }
        if pool.body.is_empty() {
            anyhow::bail!("no paragraphs found in the input folders; point the generator at seeds/");
        }
        Ok(pool)
    }

    fn learn_glosses(&mut self, text: &str) {
        let chars: Vec<char> = text.chars().collect();
        for (a, b) in crate::normalize::gloss::find(&chars) {
            let syl: String = chars[a + 1..b - 1].iter().collect();
            // Keyed by the character as written (glossed copies are in traditional script).
            self.glosses.entry(chars[a - 1]).or_insert(syl);
        }
    }
}

fn strip_glosses(t: &str) -> String {
    crate::normalize::gloss::strip(&t.chars().collect::<Vec<_>>()).into_iter().collect()
}

/// Varies every Arabic number of a paragraph by up to ±30 %, keeping its written form
/// (digits after the decimal point, no leading zeros), so figures stay plausible but differ.
pub fn vary_figures(text: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || (chars[i] == '.' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()))) {
                i += 1;
            }
            let num: String = chars[start..i].iter().collect();
            // Years and short codes keep their digits.
            let is_year = num.len() == 4 && (num.starts_with("19") || num.starts_with("20")) && chars.get(i) == Some(&'年');
            match num.parse::<f64>() {
                Ok(v) if !is_year && v > 0.0 => {
                    let decimals = num.split_once('.').map_or(0, |(_, f)| f.len());
                    let factor = 0.7 + (rng.below(601) as f64) / 1000.0;
                    out.push_str(&format!("{:.*}", decimals, (v * factor).max(if decimals == 0 { 1.0 } else { 0.1 })));
                }
                _ => out.push_str(&num),
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn add_glosses(text: &str, glosses: &BTreeMap<char, String>, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        out.push(c);
        if let Some(g) = glosses.get(&c) {
            if rng.chance(0.5) {
                out.push('(');
                out.push_str(g);
                out.push(')');
            }
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One generated document: its file name and bytes.
pub struct Generated {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Generates one document of roughly `target_bytes` bytes of text.
pub fn generate_one(pool: &Pool, index: usize, target_bytes: usize, mix: &Mix, rng: &mut Rng) -> Generated {
    let year = 2012 + rng.below(14) as i32;
    let mut paras = vec![
        "政 府 工 作 报 告".to_string(),
        format!("{year}年2月{}日在第{}届人民代表大会第{}次会议上", 1 + rng.below(27), ["十二", "十三", "十四", "十五"][rng.below(4)], ["一", "二", "三", "四"][rng.below(4)]),
        "各位代表:".to_string(),
        format!("一、{}年工作回顾", year - 1),
    ];
    let mut size: usize = paras.iter().map(|p| p.len()).sum();
    let mut planned = false;
    while size < target_bytes {
        if !planned && size > target_bytes * 2 / 3 {
            paras.push(format!("二、{year}年主要目标和重点工作"));
            planned = true;
        } else if !pool.headings.is_empty() && rng.chance(0.08) {
            paras.push(pool.headings[rng.below(pool.headings.len())].clone());
        }
        let p = vary_figures(&pool.body[rng.below(pool.body.len())], rng);
        size += p.len();
        paras.push(p);
    }
    let traditional = rng.chance(mix.traditional);
    let glossed = traditional && rng.chance(mix.glossed / mix.traditional.max(1e-9));
    let gbk = !traditional && rng.chance(mix.gbk);
    let html = rng.chance(mix.html);
    let mut text = paras.join("\n");
    if traditional {
        text = to_traditional(&text);
    }
    if glossed {
        text = add_glosses(&text, &pool.glosses, rng);
    }
    if html {
        let body: String = text.lines().map(|l| format!("<p>{}</p>\n", html_escape(l))).collect();
        text = format!("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>政府工作报告</title></head>\n<body><div class=\"content\">\n{body}</div></body></html>\n");
    }
    let ext = if html { "html" } else { "txt" };
    let bytes = if gbk && !html {
        let (b, _, _) = encoding_rs::GB18030.encode(&text);
        b.into_owned()
    } else {
        text.into_bytes()
    };
    Generated { name: format!("gen_{index:07}.{ext}"), bytes }
}

/// Writes a corpus of about `total_bytes` into `out` (created), returns (files, bytes).
pub fn generate(pool: &Pool, out: &Path, total_bytes: u64, seed: u64, mix: &Mix) -> anyhow::Result<(usize, u64)> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut rng = Rng::new(seed);
    let mut written = 0u64;
    let mut n = 0;
    while written < total_bytes {
        let target = 20_000 + rng.below(60_000);
        let g = generate_one(pool, n, target, mix, &mut rng);
        std::fs::write(out.join(&g.name), &g.bytes)?;
        written += g.bytes.len() as u64;
        n += 1;
    }
    Ok((n, written))
}

/// Parses sizes such as `10MB`, `1GB`, `500KB`, `123` (bytes).
pub fn parse_size(s: &str) -> anyhow::Result<u64> {
    let t = s.trim().to_ascii_uppercase();
    let (num, mult) = if let Some(n) = t.strip_suffix("GB") {
        (n, 1u64 << 30)
    } else if let Some(n) = t.strip_suffix("MB") {
        (n, 1u64 << 20)
    } else if let Some(n) = t.strip_suffix("KB") {
        (n, 1u64 << 10)
    } else {
        (t.as_str(), 1)
    };
    let v: f64 = num.trim().parse().map_err(|_| anyhow::anyhow!("size {s:?} is not like 10MB, 100MB or 1GB"))?;
    Ok((v * mult as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
    }

    #[test]
    fn figures_vary_but_keep_their_form_and_years_stay() {
        let mut rng = Rng::new(7);
        let v = vary_figures("2022年实现社会消费品零售总额449.7亿元,增长8.2%,46个项目", &mut rng);
        assert!(v.starts_with("2022年实现社会消费品零售总额"), "{v}");
        let re = regex::Regex::new(r"总额\d+\.\d亿元,增长\d+\.\d%,\d+个项目").unwrap();
        assert!(re.is_match(&v), "{v}");
    }

    #[test]
    fn generation_is_deterministic_and_mixes_damage_kinds() {
        let pool = Pool::from_dirs(&[&seeds()]).unwrap();
        assert!(pool.body.len() > 50);
        assert!(pool.glosses.contains_key(&'區'), "glosses learned from seed 003");
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let mix = Mix { traditional: 0.5, glossed: 0.25, gbk: 0.5, html: 0.3 };
        let (n, bytes) = generate(&pool, a.path(), 2 << 20, 42, &mix).unwrap();
        generate(&pool, b.path(), 2 << 20, 42, &mix).unwrap();
        assert!(bytes >= 2 << 20 && n > 10);
        let mut kinds = (0, 0, 0);
        for e in std::fs::read_dir(a.path()).unwrap() {
            let e = e.unwrap();
            let x = std::fs::read(e.path()).unwrap();
            assert_eq!(x, std::fs::read(b.path().join(e.file_name())).unwrap());
            if std::str::from_utf8(&x).is_err() {
                kinds.0 += 1;
            }
            if e.file_name().to_string_lossy().ends_with(".html") {
                kinds.1 += 1;
            }
            if String::from_utf8_lossy(&x).contains("(qū)") {
                kinds.2 += 1;
            }
        }
        assert!(kinds.0 > 0 && kinds.1 > 0 && kinds.2 > 0, "{kinds:?}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MB").unwrap(), 10 << 20);
        assert_eq!(parse_size("1GB").unwrap(), 1 << 30);
        assert!(parse_size("ten").is_err());
    }
}
