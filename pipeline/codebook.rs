//! The indicator code book (`schemas/indicator_codebook.toml`), loaded once: canonical codes,
//! names and aliases, expected measure and unit family.

use std::collections::HashMap;
use std::sync::OnceLock;

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
    #[serde(skip)]
    by_name: HashMap<String, usize>,
}

/// Region words that may stand before an indicator name without changing it.
const REGION_PREFIXES: [&str; 8] = ["全区", "全市", "全省", "全国", "全县", "全镇", "全街道", "我区"];

impl CodeBook {
    pub fn parse(text: &str) -> anyhow::Result<CodeBook> {
        let mut b: CodeBook = toml::from_str(text)?;
        for (i, ind) in b.indicator.iter().enumerate() {
            for name in std::iter::once(&ind.zh).chain(&ind.aliases) {
                if let Some(prev) = b.by_name.insert(name.clone(), i) {
                    anyhow::bail!("name {name} belongs to both {} and {}", b.indicator[prev].code, ind.code);
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
        self.by_name.get(n).map(|&i| &self.indicator[i])
    }

    pub fn by_code(&self, code: &str) -> Option<&CodedIndicator> {
        self.indicator.iter().find(|i| i.code == code)
    }
}

pub fn codebook() -> &'static CodeBook {
    static BOOK: OnceLock<CodeBook> = OnceLock::new();
    BOOK.get_or_init(|| CodeBook::parse(CODEBOOK_TOML).expect("schemas/indicator_codebook.toml parses"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_region_prefixes_resolve() {
        let b = codebook();
        assert_eq!(b.lookup("社会消费品零售总额").unwrap().code, "retail_sales");
        assert_eq!(b.lookup("全区地区生产总值").unwrap().code, "gdp");
        assert_eq!(b.lookup("实际使用外资").unwrap().en, "Foreign direct investment actually used");
        assert!(b.lookup("消费券").is_none());
    }
}
