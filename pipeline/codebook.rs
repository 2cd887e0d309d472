//! The indicator code book (`schemas/indicator_codebook.toml`), loaded once: canonical codes,
//! names and aliases, expected measure and unit family.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use serde::Deserialize;

pub const CODEBOOK_TOML: &str = include_str!("../schemas/indicator_codebook.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct CodedIndicator {
    pub code: String,
    pub zh: String,
    pub en: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub measure: String,
    pub family: String,
}

#[derive(Debug, Deserialize)]
pub struct CodeBook {
    pub indicator: Vec<CodedIndicator>,
    /// Fx hashing: a name is looked up for every indicator row. The map is built once from
    /// the code book and lookups never grow it, so text cannot make it degrade.
    #[serde(skip)]
    by_name: FxHashMap<String, usize>,
}

/// Region words that may stand before an indicator name without changing it.
const REGION_PREFIXES: [&str; 8] = [
    "全区",
    "全市",
    "全省",
    "全国",
    "全县",
    "全镇",
    "全街道",
    "我区",
];

const LEADING_WORDS: [&str; 6] = ["全年", "当年", "上半年", "今年", "全社会", "累计"];
const TRAILING_WORDS: [&str; 7] = ["控制在", "控制", "总量", "增速", "增幅", "完成", "实现"];

impl CodeBook {
    pub fn parse(text: &str) -> anyhow::Result<CodeBook> {
        let mut b: CodeBook = toml::from_str(text)?;
        for (i, ind) in b.indicator.iter().enumerate() {
            for name in std::iter::once(&ind.zh).chain(&ind.aliases) {
                if let Some(prev) = b.by_name.insert(name.clone(), i) {
                    anyhow::bail!(
                        "name {name} belongs to both {} and {}",
                        b.indicator[prev].code,
                        ind.code
                    );
                }
            }
        }
        Ok(b)
    }

    /// The coded indicator a name stands for.
    pub fn lookup(&self, name: &str) -> Option<&CodedIndicator> {
        let mut n = name.trim();
        for p in REGION_PREFIXES {
            if let Some(rest) = n.strip_prefix(p) {
                n = rest;
                break;
            }
        }
        if let Some(&i) = self.by_name.get(n) {
            return Some(&self.indicator[i]);
        }
        // Words a name may carry around the indicator itself ("全年地区生产总值",
        // "城镇登记失业率控制在", "地区生产总值总量").
        let trimmed = LEADING_WORDS
            .iter()
            .fold(n, |acc, p| acc.strip_prefix(p).unwrap_or(acc));
        let trimmed = TRAILING_WORDS
            .iter()
            .fold(trimmed, |acc, p| acc.strip_suffix(p).unwrap_or(acc));
        self.by_name.get(trimmed).map(|&i| &self.indicator[i])
    }

    pub fn by_code(&self, code: &str) -> Option<&CodedIndicator> {
        self.indicator.iter().find(|i| i.code == code)
    }
}

pub fn codebook() -> &'static CodeBook {
    static BOOK: OnceLock<CodeBook> = OnceLock::new();
    BOOK.get_or_init(|| {
        CodeBook::parse(CODEBOOK_TOML).expect("schemas/indicator_codebook.toml parses")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_region_prefixes_resolve() {
        let b = codebook();
        assert_eq!(b.lookup("社会消费品零售总额").unwrap().code, "retail_sales");
        assert_eq!(b.lookup("全区地区生产总值").unwrap().code, "gdp");
        assert_eq!(
            b.lookup("实际使用外资").unwrap().en,
            "Foreign direct investment actually used"
        );
        assert!(b.lookup("消费券").is_none());
    }
}
