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

use compact_str::CompactString;
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
    /// The number as written ("1,234.5", "三", "24.7"). Inline (no heap) for all but
    /// freak lengths: every quantity word of the corpus is parsed.
    pub value_text: CompactString,
    /// The number without its scale word.
    pub number: f64,
    /// Scale factor from 亿/万/千 (1 when none).
    pub scale: f64,
    /// number × scale, exact on the decimal text for Arabic numbers.
    pub base: f64,
    /// Stored unit code (CNY, m2, 个 …; % / pp / rank for the others).
    pub unit: &'static str,
    /// The unit as written with its scale ("亿元").
    pub unit_text: CompactString,
    pub family: &'static str,
    /// 余 / 多 inside the figure → over; a range → over (Arabic) or approx (七八).
    pub qualifier: Option<Qualifier>,
    pub needs_scale: bool,
    /// Written in Chinese numerals.
    pub chinese: bool,
    /// A range read as its lower bound.
    pub range: bool,
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
    // The shifted digits, written on the stack (a figure's are short).
    let mut buf = [0u8; 64];
    let mut n = 0;
    let mut put = |s: &[u8]| {
        if n + s.len() <= buf.len() {
            buf[n..n + s.len()].copy_from_slice(s);
        }
        n += s.len();
    };
    if frac.len() <= k {
        put(int.as_bytes());
        put(frac.as_bytes());
        for _ in frac.len()..k {
            put(b"0");
        }
    } else {
        put(int.as_bytes());
        put(frac[..k].as_bytes());
        put(b".");
        put(frac[k..].as_bytes());
    }
    let shifted = if n <= buf.len() {
        std::str::from_utf8(&buf[..n]).ok()
    } else {
        None
    };
    match shifted {
        Some(t) => t.parse().unwrap_or(f64::NAN),
        None if frac.len() <= k => format!("{int}{frac}{}", "0".repeat(k - frac.len()))
            .parse()
            .unwrap_or(f64::NAN),
        None => format!("{int}{}.{}", &frac[..k], &frac[k..])
            .parse()
            .unwrap_or(f64::NAN),
    }
}

/// Unit of a figure: (kind, stored code, family, needs_scale).
fn unit_of(unit_raw: &str) -> Option<(FigureKind, &'static str, &'static str, bool)> {
    Some(match unit_raw {
        "%" => (FigureKind::Percent, "%", "ratio", false),
        "‰" => (FigureKind::PerMille, "%", "ratio", false),
        "个百分点" => (FigureKind::Points, "pp", "ratio", false),
        "倍" => (FigureKind::Times, "%", "ratio", false),
        "" => (FigureKind::Bare, "", "", false),
        u => {
            let def = units().unit(u)?;
            (FigureKind::Amount, def.code.as_str(), def.family.as_str(), def.needs_scale)
        }
    })
}

fn ratio(value_text: &str, number: f64) -> Figure {
    Figure {
        kind: FigureKind::Share,
        value_text: value_text.into(),
        number,
        scale: 1.0,
        base: number,
        unit: "%",
        unit_text: "%".into(),
        family: "ratio",
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
    let digit_first = token.chars().next().is_some_and(|c| {
        // Most tokens open with an ASCII digit or a common ideograph (U+4E00..U+9FFF, letters
        // all): only the other chars need the Unicode tables.
        c.is_ascii_digit() || (!c.is_ascii() && !('\u{4e00}'..='\u{9fff}').contains(&c) && c.is_numeric())
    });
    // The marks the rare forms need, found in one pass over the (short) token.
    let (mut share_mark, mut range_mark) = (false, false);
    for c in token.chars() {
        share_mark |= matches!(c, '之' | '/');
        range_mark |= matches!(c, '至' | '到' | '-' | '~' | '～' | '—' | '－');
    }
    let share = share_mark.then(|| share_re().captures(token)).flatten();
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
            f.unit_text = compact_str::format_compact!("{}分之", per.as_str());
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
    let range = (digit_first && range_mark)
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
        f.value_text = lo.into();
        f.qualifier = Some(Qualifier::Over);
        f.range = true;
        return Some(f);
    }
    if digit_first {
        // An Arabic number must open the token; a number in other digits is no figure.
        let (num, parts) = arabic_parts(token)?;
        let value_text = &token[..num];
        let number: f64 = if value_text.contains(',') {
            value_text.replace(',', "").parse().ok()?
        } else {
            value_text.parse().ok()?
        };
        let scale = if parts.scale.is_empty() {
            1.0
        } else {
            units().scale(parts.scale)?
        };
        let (kind, unit, family, needs_scale) = parts.unit;
        let mut unit_text = CompactString::from(parts.scale);
        unit_text.push_str(parts.unit_raw);
        return Some(Figure {
            kind,
            // Without a scale the number is the digits as they are (what `scaled` reads).
            base: if scale == 1.0 { number } else { scaled(value_text, scale) },
            value_text: value_text.into(),
            number,
            scale,
            unit,
            unit_text,
            family,
            qualifier: parts.over.then_some(Qualifier::Over),
            needs_scale,
            chinese: false,
            range: false,
        });
    }
    let (num, parts) = chinese_parts(token)?;
    let value_text = &token[..num];
    let (base, range) = numeral::value_or_range(value_text)?;
    // The scale word a Chinese numeral ends with is its multiplier ("三千万" → 3000 × 1e4).
    let scale = if value_text.ends_with('亿') {
        1e8
    } else if value_text.ends_with('万') {
        1e4
    } else {
        1.0
    };
    let (kind, unit, family, needs_scale) = parts.unit;
    let qualifier = if range {
        Some(Qualifier::Approx)
    } else {
        parts.over.then_some(Qualifier::Over)
    };
    Some(Figure {
        kind,
        value_text: value_text.into(),
        number: base / scale,
        scale,
        base,
        unit,
        unit_text: parts.unit_raw.into(),
        family,
        qualifier,
        needs_scale,
        chinese: true,
        range,
    })
}

/// What follows the number of a figure: a scale word, the unit and whether 余/多 stands
/// between them.
struct Parts<'t> {
    over: bool,
    scale: &'t str,
    unit_raw: &'t str,
    unit: (FigureKind, &'static str, &'static str, bool),
}

/// The unit code book's scale words, longest first (the order greedy matching tries them in).
fn scale_texts() -> &'static [&'static str] {
    static TEXTS: OnceLock<Vec<&'static str>> = OnceLock::new();
    TEXTS.get_or_init(|| units().scale_texts())
}

/// 余 or 多 at the start of `s`: the byte length of the qualifier (0 when none).
fn over_len(s: &str) -> usize {
    if s.starts_with('余') || s.starts_with('多') {
        '余'.len_utf8()
    } else {
        0
    }
}

/// Length of the Arabic number that opens `token`: `\d+(?:,\d{3})*(?:\.\d+)?` on ASCII
/// digits, as long as it goes. A number in other digits ends here and fails the unit that
/// must follow, as the Unicode `\d` of a pattern would fail the decimal parse.
fn arabic_number_len(token: &str) -> usize {
    let b = token.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut n = digits(0);
    if n == 0 {
        return 0;
    }
    // No unit, scale word or qualifier starts with a digit, a comma or a point, so the
    // longest number is the only one after which the rest can match: no backtracking needed.
    while b.get(n) == Some(&b',') && digits(n + 1) >= 3 {
        n += 4;
    }
    if b.get(n) == Some(&b'.') {
        let d = digits(n + 1);
        if d > 0 {
            n += 1 + d;
        }
    }
    n
}

/// `^(num)(余|多)?(scale)?(余|多)?(%|‰|个百分点|倍|unit)?$` read by hand, trying the choices
/// in the order a leftmost-first pattern does (qualifier before none, longer scale words
/// first), so that "4万千瓦" is 4 万 千瓦 and "3千瓦" is 3 千瓦. A pattern with captures cost
/// more than the rest of the parse for every quantity word.
fn arabic_parts(token: &str) -> Option<(usize, Parts<'_>)> {
    let num = arabic_number_len(token);
    if num == 0 {
        return None;
    }
    let rest = &token[num..];
    let q1 = over_len(rest);
    for q1 in [q1, 0].into_iter().take(if q1 > 0 { 2 } else { 1 }) {
        let after_q1 = &rest[q1..];
        // (Most figures have no scale word: only a text opening with a scale word's first
        // char is compared with them.)
        let may_scale = after_q1
            .chars()
            .next()
            .is_some_and(|c| scale_texts().iter().any(|t| t.starts_with(c)));
        let scales = scale_texts()
            .iter()
            .copied()
            .filter(|t| may_scale && after_q1.starts_with(*t))
            .chain(std::iter::once(""));
        for scale in scales {
            let after_scale = &after_q1[scale.len()..];
            let q2 = over_len(after_scale);
            for q2 in [q2, 0].into_iter().take(if q2 > 0 { 2 } else { 1 }) {
                let unit_raw = &after_scale[q2..];
                if let Some(unit) = unit_of(unit_raw) {
                    let over = q1 > 0 || q2 > 0;
                    return Some((num, Parts { over, scale, unit_raw, unit }));
                }
            }
        }
    }
    None
}

fn is_numeral_head(c: char) -> bool {
    matches!(c, '一' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十')
}

fn is_numeral_body(c: char) -> bool {
    is_numeral_head(c) || matches!(c, '零' | '〇' | '百' | '千' | '万' | '亿')
}

fn is_decimal_numeral(c: char) -> bool {
    matches!(c, '零' | '〇' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九')
}

/// `^(numeral(?:点decimals)?)(余|多)?(%|个百分点|倍|unit)$` read by hand: the numeral's
/// possible ends are tried longest first, as the greedy pattern backtracks ("三千瓦" is 三 千瓦
/// unless 瓦 were a unit).
fn chinese_parts(token: &str) -> Option<(usize, Parts<'_>)> {
    let mut chars = token.char_indices();
    let (_, first) = chars.next()?;
    if !is_numeral_head(first) {
        return None;
    }
    // Ends of the numeral's body, shortest first.
    let mut ends = vec![first.len_utf8()];
    let mut point = None;
    for (i, c) in chars {
        if is_numeral_body(c) {
            ends.push(i + c.len_utf8());
        } else {
            if c == '点' {
                point = Some(i + c.len_utf8());
            }
            break;
        }
    }
    // After the longest body, "点" and its decimals, longest first.
    let mut decimal_ends = Vec::new();
    if let Some(p) = point {
        let mut e = p;
        for c in token[p..].chars() {
            if !is_decimal_numeral(c) {
                break;
            }
            e += c.len_utf8();
            decimal_ends.push(e);
        }
    }
    let candidates = decimal_ends.iter().rev().chain(ends.iter().rev());
    for &num in candidates {
        let rest = &token[num..];
        let q = over_len(rest);
        for q in [q, 0].into_iter().take(if q > 0 { 2 } else { 1 }) {
            let unit_raw = &rest[q..];
            if unit_raw.is_empty() || unit_raw == "‰" {
                continue;
            }
            if let Some(unit) = unit_of(unit_raw) {
                return Some((num, Parts { over: q > 0, scale: "", unit_raw, unit }));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_scale_to_the_base_unit() {
        let f = parse("449.7亿元").unwrap();
        assert_eq!(
            (f.kind, scaled(&f.value_text, f.scale), f.unit),
            (FigureKind::Amount, 44_970_000_000.0, "CNY")
        );
        assert_eq!(f.unit_text, "亿元");
        let f = parse("2.3亿美元").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.unit),
            (230_000_000.0, "USD")
        );
        let f = parse("193万平方米").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.unit),
            (1_930_000.0, "m2")
        );
        let f = parse("4万千瓦").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.unit),
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
            (f.number, f.unit, f.qualifier),
            (100.0, "家", Some(Qualifier::Over))
        );
        let f = parse("3万余人").unwrap();
        assert_eq!(
            (scaled(&f.value_text, f.scale), f.qualifier),
            (30_000.0, Some(Qualifier::Over))
        );
    }

    fn esc(v: Vec<&str>) -> String {
        v.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|")
    }

    /// The patterns [`arabic_parts`] and [`chinese_parts`] replaced, kept as their
    /// specification: the hand-written readers must agree with them on every token.
    fn parts_re() -> Regex {
        let b = units();
        Regex::new(&format!(
            r"^(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<q1>余|多)?(?P<scale>{})?(?P<q2>余|多)?(?P<unit>%|‰|个百分点|倍|{})?$",
            esc(b.scale_texts()),
            esc(b.unit_texts())
        ))
        .unwrap()
    }

    fn chinese_re() -> Regex {
        Regex::new(&format!(
            r"^(?P<num>[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*(?:点[零〇一二三四五六七八九]+)?)(?P<q1>余|多)?(?P<unit>%|个百分点|倍|{})$",
            esc(units().unit_texts())
        ))
        .unwrap()
    }

    /// Units as written, the specials, nothing, and texts that only look like a unit.
    fn unit_like() -> Vec<String> {
        let mut v: Vec<String> = units().unit_texts().iter().map(|s| s.to_string()).collect();
        for x in ["", "%", "‰", "个百分点", "倍", "瓦", "x", "元x", "%%", "余", "多", "点", "百分点"] {
            v.push(x.to_string());
        }
        v
    }

    #[test]
    fn arabic_reader_matches_the_pattern() {
        let re = parts_re();
        let numbers = [
            "3", "12", "1,234", "1,2345", "1,23", "1.5", "12.", "1.5.3", "0.25", "1,234.5",
            "1,234,567.89", "3٣", "٣", "3,٣٣٣", ",3", "3.",
        ];
        let mut scales: Vec<&str> = units().scale_texts();
        scales.extend(["", "千千", "万万"]);
        let (mut n, mut matched) = (0, 0);
        for num in numbers {
            for q1 in ["", "余", "多"] {
                for scale in &scales {
                    for q2 in ["", "余", "多"] {
                        for unit in unit_like() {
                            let token = format!("{num}{q1}{scale}{q2}{unit}");
                            let want = re.captures(&token).map(|c| {
                                (
                                    c["num"].len(),
                                    c.name("q1").is_some() || c.name("q2").is_some(),
                                    c.name("scale").map_or("", |m| m.as_str()).to_string(),
                                    c.name("unit").map_or("", |m| m.as_str()).to_string(),
                                )
                            });
                            let got = arabic_parts(&token).map(|(k, p)| {
                                (k, p.over, p.scale.to_string(), p.unit_raw.to_string())
                            });
                            n += 1;
                            match want {
                                // The pattern's `\d` takes other digits, which no decimal parse reads.
                                Some(w) if !token[..w.0].is_ascii() => {
                                    assert_eq!(got, None, "{token}")
                                }
                                w => {
                                    matched += usize::from(w.is_some());
                                    assert_eq!(got, w, "{token}")
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(matched > 1000 && matched < n, "{matched} of {n}");
    }

    #[test]
    fn chinese_reader_matches_the_pattern() {
        let re = chinese_re();
        let numerals = [
            "三", "十二", "三千", "三千万", "一百零五", "三十六点九", "三点", "三点九九", "七八千万",
            "二〇二二", "两万", "十亿", "零", "点五", "三点零", "一点二三四",
        ];
        let (mut n, mut matched) = (0, 0);
        for num in numerals {
            for q in ["", "余", "多"] {
                for unit in unit_like() {
                    for tail in ["", "千", "点", "三"] {
                        let token = format!("{num}{q}{tail}{unit}");
                        let want = re.captures(&token).map(|c| {
                            (c["num"].len(), c.name("q1").is_some(), c["unit"].to_string())
                        });
                        let got = chinese_parts(&token)
                            .map(|(k, p)| (k, p.over, p.unit_raw.to_string()));
                        n += 1;
                        matched += usize::from(want.is_some());
                        assert_eq!(got, want, "{token}");
                    }
                }
            }
        }
        assert!(matched > 500 && matched < n, "{matched} of {n}");
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
    fn scaled_shifts_on_the_stack_and_beyond() {
        assert_eq!(scaled("1,234.5", 1e4), 12_345_000.0);
        assert_eq!(scaled("1.23456", 1e4), 12_345.6);
        assert_eq!(scaled("7", 1e8), 700_000_000.0);
        // Longer than the stack buffer: the same digits through a String.
        let long = format!("{}.5", "1".repeat(70));
        let want: f64 = format!("{}5", "1".repeat(70)).parse::<f64>().unwrap() * 1.0;
        assert_eq!(scaled(&long, 10.0), want);
    }

    #[test]
    fn ideographs_are_not_numeric() {
        // `parse` skips the Unicode tables for them.
        assert!(('\u{4e00}'..='\u{9fff}').all(|c| !c.is_numeric()));
        assert!('〇'.is_numeric() && '٣'.is_numeric());
    }

    #[test]
    fn percent_points_and_bare_numbers() {
        assert_eq!(parse("8.2%").unwrap().kind, FigureKind::Percent);
        assert_eq!(parse("24.1个百分点").unwrap().unit, "pp");
        assert_eq!(parse("1586").unwrap().kind, FigureKind::Bare);
        assert!(parse("13万方").is_some_and(|f| f.needs_scale && f.scale == 1e4));
    }
}
