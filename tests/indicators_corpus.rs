//! The indicators of the shared corpus, checked row by row against rules of GUIDELINES.md:
//! no row from a URL, a date or a code, and values that make sense for their measure.
//! Needs GOVREPORT_CORPUS (prints SKIPPED without it).

mod common;

use govreport::units::units;
use govreport::validate::read_table;
use polars::prelude::*;
use regex::Regex;

fn strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

#[test]
fn corpus_indicator_rows_follow_the_guideline() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    common::run_into(&corpus, out.path(), 0);
    let df = read_table(out.path(), "indicators").unwrap();
    assert!(
        df.height() > 1000,
        "the corpus should give well over a thousand figures, got {}",
        df.height()
    );

    let text = strs(&df, "text");
    let value_text = strs(&df, "value_text");
    let measure = strs(&df, "measure");
    let unit = strs(&df, "unit");
    let indicator = strs(&df, "indicator");
    let code = strs(&df, "indicator_code");
    let period = strs(&df, "period");
    let value: Vec<f64> = df
        .column("value")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let year: Vec<Option<i32>> = df.column("year").unwrap().i32().unwrap().iter().collect();

    let url = Regex::new(r"(?i)https?:|www\.|\.html?|\.shtml|\.cn/|\.com/|/art/|/\d{6}/").unwrap();
    let date = Regex::new(r"^\d{1,2}月\d{1,2}日$|^(?:19|20)\d{2}年$|^\d{1,2}-\d{1,2}月$").unwrap();
    let known_units: Vec<String> = units()
        .unit
        .iter()
        .map(|u| u.code.clone())
        .chain(["%", "pp", "rank"].map(String::from))
        .collect();

    for i in 0..df.height() {
        let t = text[i].as_deref().unwrap_or("");
        let vt = value_text[i].as_deref().unwrap_or("");
        let m = measure[i].as_deref().unwrap();
        let v = value[i];
        let row = format!("row {i}: {t:?} {m} {v} {:?} ({:?})", unit[i], indicator[i]);
        assert!(!url.is_match(t), "a figure from a URL: {row}");
        assert!(
            !date.is_match(t) && !date.is_match(vt),
            "a date as a figure: {row}"
        );
        // A code or an address: the number glued to ASCII letters, digits or a slash ("S309").
        if !vt.is_empty()
            && vt
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        {
            let clean = t.match_indices(vt).any(|(k, _)| {
                let before = t[..k].chars().next_back();
                let after = t[k + vt.len()..].chars().next();
                !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/' || c == '.')
                    && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
            });
            assert!(clean, "a code as a figure: {row}");
        }
        assert!(v.is_finite(), "{row}");
        assert!(
            known_units
                .iter()
                .any(|u| Some(u.as_str()) == unit[i].as_deref()),
            "unknown unit: {row}"
        );
        match m {
            "level" => assert!(
                v > 0.0 && v < 1e16,
                "a level must be a positive amount: {row}"
            ),
            "growth" => assert!(
                v >= -100.0 && v.abs() < 1e6,
                "a fall cannot exceed 100%: {row}"
            ),
            "pp_change" => assert!(v.abs() <= 100.0, "{row}"),
            "ratio" => assert!((0.0..=1000.0).contains(&v), "{row}"),
            "rank" => assert!(v >= 1.0 && v <= 100.0 && v.fract() == 0.0, "{row}"),
            other => panic!("unknown measure {other}: {row}"),
        }
        let expected_unit = match m {
            "growth" | "ratio" => Some("%"),
            "pp_change" => Some("pp"),
            "rank" => Some("rank"),
            _ => None,
        };
        if let Some(u) = expected_unit {
            assert_eq!(unit[i].as_deref(), Some(u), "{row}");
        }
        assert!(
            indicator[i]
                .as_deref()
                .is_some_and(|n| n.chars().count() >= 2),
            "a row needs a name: {row}"
        );
        if let Some(c) = code[i].as_deref() {
            assert!(
                govreport::codebook::codebook().by_code(c).is_some(),
                "unknown code {c}: {row}"
            );
        }
        if let Some(y) = year[i] {
            assert!((1949..=2100).contains(&y), "{row}");
            assert!(
                period[i]
                    .as_deref()
                    .is_some_and(|p| p.starts_with(&y.to_string())),
                "period must start with the year: {row}"
            );
        }
    }
    // The code book names the common indicators of the corpus.
    let coded = code.iter().filter(|c| c.is_some()).count();
    assert!(
        coded * 10 >= df.height(),
        "only {coded} of {} rows got an indicator code",
        df.height()
    );
}
