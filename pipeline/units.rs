//! The unit code book (`schemas/units.toml`), loaded once: scale words and units with their
//! stored code and family. Segment uses it to keep "449.7亿元" one token; indicators to scale
//! and type figures; validate to check unit families.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use serde::Deserialize;

pub const UNITS_TOML: &str = include_str!("../schemas/units.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Scale {
    pub text: String,
    pub factor: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Unit {
    pub text: String,
    pub code: String,
    pub family: String,
    #[serde(default)]
    pub needs_scale: bool,
}

#[derive(Debug, Deserialize)]
pub struct UnitBook {
    pub scale: Vec<Scale>,
    pub unit: Vec<Unit>,
    /// Position of each text's first entry in `unit` / `scale`: the tagger looks a unit up
    /// for every figure, and a scan of the book compared strings most of the time.
    /// (Fx hashing: built once from the code book, never grown by text.)
    #[serde(skip)]
    unit_at: FxHashMap<String, usize>,
    #[serde(skip)]
    scale_at: FxHashMap<String, usize>,
}

impl UnitBook {
    /// Unit texts, longest first (for regex alternations and greedy matching).
    pub fn unit_texts(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.unit.iter().map(|u| u.text.as_str()).collect();
        v.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        v
    }

    pub fn scale_texts(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.scale.iter().map(|u| u.text.as_str()).collect();
        v.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        v
    }

    /// Parses a code book and indexes its texts (the first entry of a text wins, as a scan
    /// of the lists would find it).
    pub fn parse(text: &str) -> Result<UnitBook, toml::de::Error> {
        let mut b: UnitBook = toml::from_str(text)?;
        for (i, u) in b.unit.iter().enumerate() {
            b.unit_at.entry(u.text.clone()).or_insert(i);
        }
        for (i, s) in b.scale.iter().enumerate() {
            b.scale_at.entry(s.text.clone()).or_insert(i);
        }
        Ok(b)
    }

    pub fn unit(&self, text: &str) -> Option<&Unit> {
        self.unit_at.get(text).map(|&i| &self.unit[i])
    }

    pub fn scale(&self, text: &str) -> Option<f64> {
        self.scale_at.get(text).map(|&i| self.scale[i].factor)
    }

    /// The family of a stored unit code (`CNY` → money), if the code book knows it.
    pub fn family_of_code(&self, code: &str) -> Option<&str> {
        self.unit
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.family.as_str())
    }
}

pub fn units() -> &'static UnitBook {
    static BOOK: OnceLock<UnitBook> = OnceLock::new();
    BOOK.get_or_init(|| UnitBook::parse(UNITS_TOML).expect("schemas/units.toml parses"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_book_loads_and_maps_people_words() {
        let u = units();
        assert_eq!(u.unit("名").unwrap().code, "人");
        assert!(u.unit("亿元").is_none(), "scale words are separate");
        assert_eq!(u.scale("亿"), Some(1e8));
        assert_eq!(u.unit_texts()[0].chars().count(), 4);
        assert_eq!(u.family_of_code("CNY"), Some("money"));
    }

    #[test]
    fn lookups_find_the_first_entry_of_a_text() {
        let b = UnitBook::parse(
            r#"
            [[scale]]
            text = "万"
            factor = 1e4
            [[unit]]
            text = "个"
            code = "个"
            family = "count"
            [[unit]]
            text = "个"
            code = "件"
            family = "count"
            "#,
        )
        .unwrap();
        assert_eq!(b.unit("个").unwrap().code, "个");
        assert!(b.unit("件").is_none());
        assert_eq!(b.scale("万"), Some(1e4));
        assert_eq!(b.scale("亿"), None);
        for u in &units().unit {
            assert_eq!(units().unit(&u.text).unwrap().code, units().unit.iter().find(|x| x.text == u.text).unwrap().code);
        }
    }
}
