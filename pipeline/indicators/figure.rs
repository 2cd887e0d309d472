//! One written figure parsed into number, scale, unit and the qualifier written inside it, using
//! the unit code book. Forms (each one token from segment/words.rs):
//! - Arabic: "449.7亿元", "1,234.5万元", "100余家", "8.2%", "24.1个百分点", "1.1倍", "1.2万亿元", "3千万元";
//! - Chinese numerals with a unit: "三批次", "四个", "一百零五项", "两万人", "三十六点九%";
//! - shares: "百分之三十六点九" (36.9%), "千分之五" (0.5%), "万分之24.7" (0.247%), "三分之一", "1/4";
//! - doubling: "翻一番" (growth 100%), "翻两番" (300%);
//! - ranges, written as their lower bound: "15%至25%", "15-25%" (qualifier over: at least the
//!   lower bound), and adjacent Chinese numerals "七八千万" (qualifier approx). The span text
//!   keeps the whole range.

use std::sync::OnceLock;

use regex::Regex;

use crate::numeral;
use crate::model::Qualifier;
use crate::units::units;

/// What a figure's unit says about its measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// An amount with a unit (money, area, count …).
    Amount,
    /// A percentage: growth or ratio, decided by context. `number` is in percent.
    Percent,
    /// A share written as a fraction or per-x ("万分之24.7", "三分之一"): always a ratio.
    Share,
    /// Per mille.
    PerMille,
    /// Percentage points.
    Points,
    /// A multiple ("1.1倍").
    Times,
    /// "翻一番": a growth whose percent is `number`.
    Doubling,
    /// A number with only a scale word, or with nothing: not a figure by itself.
    Bare,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub kind: FigureKind,
    /// The number as written ("1,234.5", "三", "24.7").
    pub value_text: String,
    /// The number without its scale word.
    pub number: f64,
    /// Scale factor from 亿/万/千 (1 when none).
    pub scale: f64,
    /// number × scale, exact on the decimal text for Arabic numbers.
    pub base: f64,
    /// Stored unit code (CNY, m2, 个 …; % / pp / rank for the others).
    pub unit: String,
    /// The unit as written with its scale ("亿元").
    pub unit_text: String,
    pub family: String,
    /// 余 / 多 inside the figure → over; a range → over (Arabic) or approx (七八).
    pub qualifier: Option<Qualifier>,
    pub needs_scale: bool,
    /// Written in Chinese numerals.
    pub chinese: bool,
    /// A range read as its lower bound.
    pub range: bool,
}

fn esc(v: Vec<&str>) -> String {
    v.iter()
        .map(|s| regex::escape(s))
        .collect::<Vec<_>>()
        .join("|")
}

fn parts_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let b = units();
        Regex::new(&format!(
            r"^(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<q1>余|多)?(?P<scale>{})?(?P<q2>余|多)?(?P<unit>%|‰|个百分点|倍|{})?$",
            esc(b.scale_texts()),
            esc(b.unit_texts())
        ))
        .expect("figure parts pattern compiles")
    })
}

fn chinese_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"^(?P<num>[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*(?:点[零〇一二三四五六七八九]+)?)(?P<q1>余|多)?(?P<unit>%|个百分点|倍|{})$",
            esc(units().unit_texts())
        ))
        .expect("Chinese figure pattern compiles")
    })
}

fn share_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?:(?P<per>百|千|万)分之(?P<num>\d+(?:\.\d+)?|[零〇○一二两三四五六七八九十百点]+)|(?P<den>[一二两三四五六七八九十]+)分之(?P<nom>[一二两三四五六七八九十]+)|(?P<a>\d+)/(?P<b>\d+))$",
        )
        .expect("share pattern compiles")
    })
}

fn range_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?P<lo>\d+(?:\.\d+)?)(?P<u>%|‰)?(?:至|到|-|~|～|—|－)(?P<rest>\d.*)$")
            .expect("range pattern compiles")
    })
}

// Capture groups by index (a lookup by name hashes the name, once per figure): the test
// `group_indices_match_the_names` keeps these in step with the patterns.
/// parts_re: (?P<num>)(?P<q1>)(?P<scale>)(?P<q2>)(?P<unit>).
const P_NUM: usize = 1;
const P_Q1: usize = 2;
const P_SCALE: usize = 3;
const P_Q2: usize = 4;
const P_UNIT: usize = 5;
/// chinese_re: (?P<num>)(?P<q1>)(?P<unit>).
const C_NUM: usize = 1;
const C_Q1: usize = 2;
const C_UNIT: usize = 3;
/// share_re: (?P<per>)(?P<num>) | (?P<den>)(?P<nom>) | (?P<a>)(?P<b>).
const S_PER: usize = 1;
const S_NUM: usize = 2;
const S_DEN: usize = 3;
const S_NOM: usize = 4;
const S_A: usize = 5;
const S_B: usize = 6;
/// range_re: (?P<lo>)(?P<u>)(?P<rest>).
const R_LO: usize = 1;
const R_U: usize = 2;
const R_REST: usize = 3;

/// `number × scale` computed on the decimal text, so 2.3亿 is exactly 230000000 and not
/// 229999999.99999997.
pub fn scaled(value_text: &str, scale: f64) -> f64 {
    let owned: std::borrow::Cow<str> = if value_text.contains(',') {
        value_text.replace(',', "").into()
    } else {
        value_text.into()
    };
    let digits: &str = &owned;
    if scale == 1.0 {
        // No shift: the digits as they are (what the shift below gives for k = 0).
        return digits.parse().unwrap_or(f64::NAN);
    }
    let k = scale.log10().round();
    if scale <= 0.0 || (10f64.powf(k) - scale).abs() > 1e-9 * scale || k < 0.0 {
        return digits.parse::<f64>().unwrap_or(f64::NAN) * scale;
    }
    let k = k as usize;
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let shifted = if frac.len() <= k {
        format!("{int}{frac}{}", "0".repeat(k - frac.len()))
    } else {
        format!("{int}{}.{}", &frac[..k], &frac[k..])
    };
    shifted.parse().unwrap_or(f64::NAN)
}

/// Unit of a figure: (kind, stored code, family, needs_scale).
fn unit_of(unit_raw: &str) -> Option<(FigureKind, String, String, bool)> {
    Some(match unit_raw {
        "%" => (
            FigureKind::Percent,
            "%".to_string(),
            "ratio".to_string(),
            false,
        ),
        "‰" => (
            FigureKind::PerMille,
            "%".to_string(),
            "ratio".to_string(),
            false,
        ),
        "个百分点" => (
            FigureKind::Points,
            "pp".to_string(),
            "ratio".to_string(),
            false,
        ),
        "倍" => (
            FigureKind::Times,
            "%".to_string(),
            "ratio".to_string(),
            false,
        ),
        "" => (FigureKind::Bare, String::new(), String::new(), false),
        u => {
            let def = units().unit(u)?;
            (
                FigureKind::Amount,
                def.code.clone(),
                def.family.clone(),
                def.needs_scale,
            )
        }
    })
}

fn ratio(value_text: &str, number: f64) -> Figure {
    Figure {
        kind: FigureKind::Share,
        value_text: value_text.to_string(),
        number,
        scale: 1.0,
        base: number,
        unit: "%".into(),
        unit_text: "%".into(),
        family: "ratio".into(),
        qualifier: None,
        needs_scale: false,
        chinese: !value_text.chars().any(|c| c.is_ascii_digit()),
        range: false,
    }
}

/// Rounds a computed percent to 10 decimals so 0.247 stays 0.247.
fn tidy(v: f64) -> f64 {
    (v * 1e10).round() / 1e10
}

/// Parses a quantity token from segment.
///
/// Each pattern is only run on a token that has the mark it needs (a share has 之 or /, a
/// range a digit then a dash or 至, the Arabic forms a leading digit, the Chinese ones a
/// leading numeral): a pattern run that cannot match costs as much as one that does, and this
/// runs for every quantity word of the corpus.
pub fn parse(token: &str) -> Option<Figure> {
    // `\d` in the patterns is Unicode: is_numeric is a superset of it, and no Chinese numeral.
    let digit_first = token.chars().next().is_some_and(char::is_numeric);
    let share = (token.contains('之') || token.contains('/'))
        .then(|| share_re().captures(token))
        .flatten();
    if let Some(c) = share {
        if let Some(per) = c.get(S_PER) {
            let t = &c[S_NUM];
            let n = t.parse::<f64>().ok().or_else(|| numeral::value(t))?;
            // 百分之 and 千分之 read like "%" and "‰" (growth or ratio by context); 万分之 is a share.
            let mut f = ratio(t, n);
            match per.as_str() {
                "百" => f.kind = FigureKind::Percent,
                "千" => f.kind = FigureKind::PerMille,
                _ => f.base = tidy(n / 100.0),
            }
            f.unit_text = format!("{}分之", per.as_str());
            return Some(f);
        }
        let (a, b) = match (c.get(S_NOM), c.get(S_A)) {
            (Some(nom), _) => (numeral::value(nom.as_str())?, numeral::value(&c[S_DEN])?),
            (None, Some(a)) => (a.as_str().parse().ok()?, c[S_B].parse().ok()?),
            _ => return None,
        };
        if b == 0.0 || a > b {
            return None;
        }
        // A fraction reads like a percent: "减少1/3" is a growth, "占全省四分之一" a ratio.
        let mut f = ratio(token, tidy(a / b * 100.0));
        f.kind = FigureKind::Percent;
        return Some(f);
    }
    if let Some(n) = token.strip_prefix('翻').and_then(|t| t.strip_suffix('番')) {
        let times = numeral::value(n)?;
        let mut f = ratio(token, (2f64.powf(times) - 1.0) * 100.0);
        f.kind = FigureKind::Doubling;
        return Some(f);
    }
    let range = (digit_first && token.contains(['至', '到', '-', '~', '～', '—', '－']))
        .then(|| range_re().captures(token))
        .flatten();
    if let Some(c) = range {
        let mut f = parse(&c[R_REST])?;
        if c.get(R_U)
            .is_some_and(|u| !f.unit_text.ends_with(u.as_str()))
        {
            return None;
        }
        let lo = &c[R_LO];
        f.number = lo.parse().ok()?;
        f.base = scaled(lo, f.scale);
        f.value_text = lo.to_string();
        f.qualifier = Some(Qualifier::Over);
        f.range = true;
        return Some(f);
    }
    if !digit_first {
        // parts_re needs a leading digit; chinese_re below a leading numeral.
    } else if let Some(c) = parts_re().captures(token) {
        let value_text = c[P_NUM].to_string();
        let number: f64 = value_text.replace(',', "").parse().ok()?;
        let scale_text = c.get(P_SCALE).map_or("", |m| m.as_str());
        let scale = if scale_text.is_empty() {
            1.0
        } else {
            units().scale(scale_text)?
        };
        let unit_raw = c.get(P_UNIT).map_or("", |m| m.as_str());
        let qualifier =
            (c.get(P_Q1).is_some() || c.get(P_Q2).is_some()).then_some(Qualifier::Over);
        let (kind, unit, family, needs_scale) = unit_of(unit_raw)?;
        return Some(Figure {
            kind,
            base: scaled(&value_text, scale),
            value_text,
            number,
            scale,
            unit,
            unit_text: format!("{scale_text}{unit_raw}"),
            family,
            qualifier,
            needs_scale,
            chinese: false,
            range: false,
        });
    }
    if digit_first {
        return None;
    }
    let c = chinese_re().captures(token)?;
    let value_text = c[C_NUM].to_string();
    let (base, range) = numeral::value_or_range(&value_text)?;
    // The scale word a Chinese numeral ends with is its multiplier ("三千万" → 3000 × 1e4).
    let scale = if value_text.ends_with('亿') {
        1e8
    } else if value_text.ends_with('万') {
        1e4
    } else {
        1.0
    };
    let unit_raw = &c[C_UNIT];
    let (kind, unit, family, needs_scale) = unit_of(unit_raw)?;
    let qualifier = if range {
        Some(Qualifier::Approx)
    } else {
        c.get(C_Q1).map(|_| Qualifier::Over)
    };
    Some(Figure {
        kind,
        value_text,
        number: base / scale,
        scale,
        base,
        unit,
        unit_text: unit_raw.to_string(),
        family,
        qualifier,
        needs_scale,
        chinese: true,
        range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_scale_to_the_base_unit() {
        let f = parse("449.7亿元").unwrap();
        assert_eq!(
            (f.kind, scaled(&f.value_text, f.scale), f.unit.as_str()),
            (FigureKind::Amount, 44_970_000_000.0, "CNY")
        );
        assert_eq!(f.unit_text, "亿元");
        let f = parse("2.3亿美元").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.unit.as_str()),
            (230_000_000.0, "USD")
        );
        let f = parse("193万平方米").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.unit.as_str()),
            (1_930_000.0, "m2")
        );
        let f = parse("4万千瓦").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.unit.as_str()),
            (40_000.0, "kW")
        );
        let f = parse("1,234.5万元").unwrap();
        assert_eq!(scaled(&f.value_text, f.scale), 12_345_000.0);
        assert_eq!(parse("20名").unwrap().unit, "人");
    }

    #[test]
    fn qualifiers_inside_figures() {
        let f = parse("100余家").unwrap();
        assert_eq!(
            (f.number, f.unit.as_str(), f.qualifier),
            (100.0, "家", Some(Qualifier::Over))
        );
        let f = parse("3万余人").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.qualifier),
            (30_000.0, Some(Qualifier::Over))
        );
    }

    #[test]
    fn group_indices_match_the_names() {
        let check = |re: &Regex, want: &[(usize, &str)]| {
            let n: Vec<Option<&str>> = re.capture_names().collect();
            for &(i, name) in want {
                assert_eq!(n[i], Some(name), "{}", re.as_str());
            }
            assert_eq!(n.len(), want.len() + 1);
        };
        check(
            parts_re(),
            &[(P_NUM, "num"), (P_Q1, "q1"), (P_SCALE, "scale"), (P_Q2, "q2"), (P_UNIT, "unit")],
        );
        check(chinese_re(), &[(C_NUM, "num"), (C_Q1, "q1"), (C_UNIT, "unit")]);
        check(
            share_re(),
            &[(S_PER, "per"), (S_NUM, "num"), (S_DEN, "den"), (S_NOM, "nom"), (S_A, "a"), (S_B, "b")],
        );
        check(range_re(), &[(R_LO, "lo"), (R_U, "u"), (R_REST, "rest")]);
    }

    #[test]
    fn scaled_without_a_scale_reads_the_digits() {
        assert_eq!(scaled("1,234.5", 1.0), 1234.5);
        assert_eq!(scaled("12.", 1.0), 12.0);
        assert!(scaled("1.2.3", 1.0).is_nan());
        assert_eq!(scaled("2.3", 1e8), 230_000_000.0);
    }

    #[test]
    fn percent_points_and_bare_numbers() {
        assert_eq!(parse("8.2%").unwrap().kind, FigureKind::Percent);
        assert_eq!(parse("24.1个百分点").unwrap().unit, "pp");
        assert_eq!(parse("1586").unwrap().kind, FigureKind::Bare);
        assert!(parse("13万方").is_some_and(|f| f.needs_scale && f.scale == 1e4));
    }
}
