//! One written figure ("449.7亿元", "100余家", "8.2%", "24.1个百分点", "1.1倍") parsed into number,
//! scale, unit and the qualifier written inside it, using the unit code book.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::Qualifier;
use crate::units::units;

/// What a figure's unit says about its measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// An amount with a unit (money, area, count …).
    Amount,
    /// A percentage: growth or ratio, decided by context.
    Percent,
    /// Per mille.
    PerMille,
    /// Percentage points.
    Points,
    /// A multiple ("1.1倍").
    Times,
    /// A number with only a scale word, or with nothing: not a figure by itself.
    Bare,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub kind: FigureKind,
    /// The number as written ("1,234.5").
    pub value_text: String,
    pub number: f64,
    /// Scale factor from 亿/万/千 (1 when none).
    pub scale: f64,
    /// Stored unit code (CNY, m2, 个 …; % / pp / rank for the others).
    pub unit: String,
    /// The unit as written with its scale ("亿元").
    pub unit_text: String,
    pub family: String,
    /// 余 / 多 inside the figure → over.
    pub qualifier: Option<Qualifier>,
    pub needs_scale: bool,
}

fn parts_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let b = units();
        let esc = |v: Vec<&str>| v.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|");
        Regex::new(&format!(
            r"^(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<q1>余|多)?(?P<scale>{})?(?P<q2>余|多)?(?P<unit>%|‰|个百分点|倍|{})?$",
            esc(b.scale_texts()),
            esc(b.unit_texts())
        ))
        .expect("figure parts pattern compiles")
    })
}

/// `number × scale` computed on the decimal text, so 2.3亿 is exactly 230000000 and not
/// 229999999.99999997.
pub fn scaled(value_text: &str, scale: f64) -> f64 {
    let digits = value_text.replace(',', "");
    let k = scale.log10().round();
    if scale <= 0.0 || (10f64.powf(k) - scale).abs() > 1e-9 * scale || k < 0.0 {
        return digits.parse::<f64>().unwrap_or(f64::NAN) * scale;
    }
    let k = k as usize;
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let shifted = if frac.len() <= k {
        format!("{int}{frac}{}", "0".repeat(k - frac.len()))
    } else {
        format!("{int}{}.{}", &frac[..k], &frac[k..])
    };
    shifted.parse().unwrap_or(f64::NAN)
}

/// Parses a quantity token from segment.
pub fn parse(token: &str) -> Option<Figure> {
    let c = parts_re().captures(token)?;
    let value_text = c["num"].to_string();
    let number: f64 = value_text.replace(',', "").parse().ok()?;
    let scale_text = c.name("scale").map_or("", |m| m.as_str());
    let scale = if scale_text.is_empty() { 1.0 } else { units().scale(scale_text)? };
    let unit_raw = c.name("unit").map_or("", |m| m.as_str());
    let qualifier = (c.name("q1").is_some() || c.name("q2").is_some()).then_some(Qualifier::Over);
    let (kind, unit, family, needs_scale) = match unit_raw {
        "%" => (FigureKind::Percent, "%".to_string(), "ratio".to_string(), false),
        "‰" => (FigureKind::PerMille, "%".to_string(), "ratio".to_string(), false),
        "个百分点" => (FigureKind::Points, "pp".to_string(), "ratio".to_string(), false),
        "倍" => (FigureKind::Times, "%".to_string(), "ratio".to_string(), false),
        "" => (FigureKind::Bare, String::new(), String::new(), false),
        u => {
            let def = units().unit(u)?;
            (FigureKind::Amount, def.code.clone(), def.family.clone(), def.needs_scale)
        }
    };
    Some(Figure {
        kind,
        value_text,
        number,
        scale,
        unit,
        unit_text: format!("{scale_text}{unit_raw}"),
        family,
        qualifier,
        needs_scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_scale_to_the_base_unit() {
        let f = parse("449.7亿元").unwrap();
        assert_eq!((f.kind, scaled(&f.value_text, f.scale), f.unit.as_str()), (FigureKind::Amount, 44_970_000_000.0, "CNY"));
        assert_eq!(f.unit_text, "亿元");
        let f = parse("2.3亿美元").unwrap();
        assert_eq!((scaled(&f.value_text, f.scale), f.unit.as_str()), (230_000_000.0, "USD"));
        let f = parse("193万平方米").unwrap();
        assert_eq!((scaled(&f.value_text, f.scale), f.unit.as_str()), (1_930_000.0, "m2"));
        let f = parse("4万千瓦").unwrap();
        assert_eq!((scaled(&f.value_text, f.scale), f.unit.as_str()), (40_000.0, "kW"));
        let f = parse("1,234.5万元").unwrap();
        assert_eq!(scaled(&f.value_text, f.scale), 12_345_000.0);
        assert_eq!(parse("20名").unwrap().unit, "人");
    }

    #[test]
    fn qualifiers_inside_figures() {
        let f = parse("100余家").unwrap();
        assert_eq!((f.number, f.unit.as_str(), f.qualifier), (100.0, "家", Some(Qualifier::Over)));
        let f = parse("3万余人").unwrap();
        assert_eq!((scaled(&f.value_text, f.scale), f.qualifier), (30_000.0, Some(Qualifier::Over)));
    }

    #[test]
    fn percent_points_and_bare_numbers() {
        assert_eq!(parse("8.2%").unwrap().kind, FigureKind::Percent);
        assert_eq!(parse("24.1个百分点").unwrap().unit, "pp");
        assert_eq!(parse("1586").unwrap().kind, FigureKind::Bare);
        assert!(parse("13万方").is_some_and(|f| f.needs_scale && f.scale == 1e4));
    }
}
