//! The unit code book (`schemas/units.toml`), loaded once: scale words and units with their
//! stored code and family. Segment uses it to keep "449.7亿元" one token; indicators to scale
//! and type figures; validate to check unit families.

use std::sync::OnceLock;

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

    pub fn unit(&self, text: &str) -> Option<&Unit> {
        self.unit.iter().find(|u| u.text == text)
    }

    pub fn scale(&self, text: &str) -> Option<f64> {
        self.scale.iter().find(|s| s.text == text).map(|s| s.factor)
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
    BOOK.get_or_init(|| toml::from_str(UNITS_TOML).expect("schemas/units.toml parses"))
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
}
