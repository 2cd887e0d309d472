//! `targets_vs_actuals`: each target a report sets, paired with the actual that the same
//! region's next report (report year + 1) states for the same indicator, measure, unit and year.

use std::cmp::Ordering;
use rustc_hash::FxHashMap;

use super::across::{put_f64, put_i64, put_opt_i64, put_opt_str, put_str, put_u64, Dec, Key, Mention};
use super::facts::{DocFacts, Str};
use crate::sink::TableBuffer;

/// Whether the actual reached the target, by the direction the measure counts in.
pub fn met(measure: &str, target_qualifier: Option<&str>, target: f64, actual: f64) -> bool {
    if measure == "rank" || target_qualifier == Some("under") {
        actual <= target
    } else {
        actual >= target
    }
}

/// One row of `targets_vs_actuals`, with the place of its target in the stream of figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub seq: u64,
    pub region: Str,
    pub region_source: Str,
    pub code: Option<Str>,
    pub indicator: Str,
    pub measure: Str,
    pub unit: Str,
    pub year: i64,
    pub target: Side,
    pub actual: Side,
}

/// The target's or the actual's half of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub doc_id: Str,
    pub source_file: Str,
    pub source_line: i64,
    pub indicator_index: i64,
    pub report_year: Option<i64>,
    pub value: f64,
    pub qualifier: Option<Str>,
}

impl Side {
    fn of(m: &Mention, d: &DocFacts) -> Side {
        Side {
            doc_id: m.doc_id.clone(),
            source_file: m.source_file.clone(),
            source_line: m.source_line,
            indicator_index: m.indicator_index,
            report_year: d.report_year.map(i64::from),
            value: m.value,
            qualifier: m.qualifier.clone(),
        }
    }

    fn encode(&self, b: &mut Vec<u8>) {
        put_str(b, &self.doc_id);
        put_str(b, &self.source_file);
        put_i64(b, self.source_line);
        put_i64(b, self.indicator_index);
        put_opt_i64(b, self.report_year);
        put_f64(b, self.value);
        put_opt_str(b, self.qualifier.as_deref());
    }

    fn decode(d: &mut Dec) -> anyhow::Result<Side> {
        Ok(Side {
            doc_id: d.text()?,
            source_file: d.text()?,
            source_line: d.i64()?,
            indicator_index: d.i64()?,
            report_year: d.opt_i64()?,
            value: d.f64()?,
            qualifier: d.opt_text()?,
        })
    }
}

impl Row {
    /// The table's sort order (region, year, indicator, target_source_file,
    /// target_indicator_index), ties in stream order.
    pub fn order(a: &Row, b: &Row) -> Ordering {
        (&a.region, a.year, &a.indicator, &a.target.source_file, a.target.indicator_index, a.seq)
            .cmp(&(&b.region, b.year, &b.indicator, &b.target.source_file, b.target.indicator_index, b.seq))
    }

    pub(crate) fn encode(&self, b: &mut Vec<u8>) {
        put_u64(b, self.seq);
        put_str(b, &self.region);
        put_str(b, &self.region_source);
        put_opt_str(b, self.code.as_deref());
        put_str(b, &self.indicator);
        put_str(b, &self.measure);
        put_str(b, &self.unit);
        put_i64(b, self.year);
        self.target.encode(b);
        self.actual.encode(b);
    }

    pub(crate) fn decode(d: &mut Dec) -> anyhow::Result<Row> {
        Ok(Row {
            seq: d.u64()?,
            region: d.text()?,
            region_source: d.text()?,
            code: d.opt_text()?,
            indicator: d.text()?,
            measure: d.text()?,
            unit: d.text()?,
            year: d.i64()?,
            target: Side::decode(d)?,
            actual: Side::decode(d)?,
        })
    }

    /// Appends the row to a `targets_vs_actuals` buffer (`cols` from [`columns`]).
    pub fn push(&self, t: &mut TableBuffer, cols: &[usize; 23]) {
        let (tg, ac) = (&self.target, &self.actual);
        t.str(cols[0], Some(&self.region));
        t.str(cols[1], Some(&self.region_source));
        t.str(cols[2], self.code.as_deref());
        t.str(cols[3], Some(&self.indicator));
        t.str(cols[4], Some(&self.measure));
        t.str(cols[5], Some(&self.unit));
        t.int(cols[6], Some(self.year));
        t.str(cols[7], Some(&tg.doc_id));
        t.str(cols[8], Some(&tg.source_file));
        t.int(cols[9], Some(tg.source_line));
        t.int(cols[10], Some(tg.indicator_index));
        t.int(cols[11], tg.report_year);
        t.float(cols[12], Some(tg.value));
        t.str(cols[13], tg.qualifier.as_deref());
        t.str(cols[14], Some(&ac.doc_id));
        t.str(cols[15], Some(&ac.source_file));
        t.int(cols[16], Some(ac.source_line));
        t.int(cols[17], Some(ac.indicator_index));
        t.int(cols[18], ac.report_year);
        t.float(cols[19], Some(ac.value));
        t.str(cols[20], ac.qualifier.as_deref());
        t.float(cols[21], Some(ac.value - tg.value));
        t.bool(cols[22], Some(met(&self.measure, tg.qualifier.as_deref(), tg.value, ac.value)));
        t.end_row();
    }
}

/// Where each column of `targets_vs_actuals` is in a buffer of the table, in the order
/// [`Row::push`] fills them.
pub fn columns(t: &TableBuffer) -> [usize; 23] {
    let c = |n: &str| t.col(n);
    [
        c("region"), c("region_source"), c("indicator_code"), c("indicator"), c("measure"), c("unit"), c("year"),
        c("target_doc_id"), c("target_source_file"), c("target_source_line"), c("target_indicator_index"), c("target_report_year"),
        c("target_value"), c("target_qualifier"),
        c("actual_doc_id"), c("actual_source_file"), c("actual_source_line"), c("actual_indicator_index"), c("actual_report_year"),
        c("actual_value"), c("actual_qualifier"), c("gap"), c("met"),
    ]
}

/// The rows of `targets_vs_actuals` among `mentions` (in stream order; all mentions of a
/// region, indicator key and unit must be among them), unsorted.
pub fn pairs(docs: &[DocFacts], mentions: &[Mention]) -> Vec<Row> {
    let doc = |m: &Mention| m.doc.map(|d| &docs[d as usize]);
    // Actuals by (region, report year, indicator key, measure, unit, year), first mention first
    // (documents in input order, mentions in document order).
    let mut actuals: FxHashMap<(&str, i32, Key, &str, &str, i64), (&Mention, &DocFacts)> = FxHashMap::default();
    for f in mentions.iter().filter(|f| f.status == "actual") {
        let Some(d) = doc(f) else { continue };
        let (Some((region, _)), Some(ry)) = (&d.region, d.report_year) else { continue };
        actuals.entry((region.as_str(), ry, f.key(), f.measure.as_str(), f.unit.as_str(), f.year)).or_insert((f, d));
    }
    let mut rows = Vec::new();
    for t in mentions.iter().filter(|f| f.status == "target") {
        let Some(d) = doc(t) else { continue };
        let (Some((region, source)), Some(_)) = (&d.region, d.report_year) else { continue };
        let y = t.year;
        // The report reviewing year y is delivered in y + 1.
        let Some(&(a, ad)) = actuals.get(&(region.as_str(), (y + 1) as i32, t.key(), t.measure.as_str(), t.unit.as_str(), y)) else { continue };
        if ad.doc_id == d.doc_id {
            continue;
        }
        let code = if t.code.is_some() && t.code == a.code { t.code.clone() } else { None };
        rows.push(Row {
            seq: t.seq,
            region: region.as_str().into(),
            region_source: (*source).into(),
            code,
            indicator: t.indicator.clone(),
            measure: t.measure.clone(),
            unit: t.unit.clone(),
            year: y,
            target: Side::of(t, d),
            actual: Side::of(a, ad),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn met_counts_in_the_direction_of_the_measure() {
        assert!(met("growth", Some("approx"), 6.0, 6.5));
        assert!(!met("growth", None, 6.0, 5.5));
        assert!(met("ratio", Some("under"), 3.0, 2.1), "CPI kept under 3%");
        assert!(!met("ratio", Some("under"), 3.0, 3.4));
        assert!(met("rank", None, 10.0, 8.0));
    }
}
