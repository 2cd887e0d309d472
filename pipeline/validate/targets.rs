//! `targets_vs_actuals`: each target a report sets, paired with the actual that the same
//! region's next report (report year + 1) states for the same indicator, measure, unit and year.

use std::collections::HashMap;

use arrow::record_batch::RecordBatch;

use super::facts::{DocFacts, Figure};
use crate::schema::catalog;
use crate::sink::TableBuffer;

/// Whether the actual reached the target, by the direction the measure counts in.
pub fn met(measure: &str, target_qualifier: Option<&str>, target: f64, actual: f64) -> bool {
    if measure == "rank" || target_qualifier == Some("under") {
        actual <= target
    } else {
        actual >= target
    }
}

struct Pair<'a> {
    region: &'a str,
    region_source: &'static str,
    year: i64,
    target: &'a Figure,
    target_doc: &'a DocFacts,
    actual: &'a Figure,
    actual_doc: &'a DocFacts,
}

/// The rows of `targets_vs_actuals`, in the table's sort order.
pub fn build(docs: &[DocFacts], figs: &[Figure]) -> RecordBatch {
    let doc_of: HashMap<&str, &DocFacts> = docs.iter().map(|d| (d.doc_id.as_str(), d)).collect();
    // Actuals by (region, report year, indicator key, measure, unit, year), first mention first
    // (documents in input order, mentions in document order).
    let mut actuals: HashMap<(&str, i32, String, &str, &str, i64), (&Figure, &DocFacts)> = HashMap::new();
    for f in figs.iter().filter(|f| f.status == "actual") {
        let Some(d) = doc_of.get(f.doc_id.as_str()) else { continue };
        let (Some((region, _)), Some(ry)) = (&d.region, d.report_year) else { continue };
        let Some(y) = f.effective_year(Some(ry)) else { continue };
        actuals.entry((region.as_str(), ry, f.key(), f.measure.as_str(), f.unit.as_str(), y)).or_insert((f, d));
    }
    let mut pairs = Vec::new();
    for t in figs.iter().filter(|f| f.status == "target") {
        let Some(d) = doc_of.get(t.doc_id.as_str()) else { continue };
        let (Some((region, source)), Some(ry)) = (&d.region, d.report_year) else { continue };
        let Some(y) = t.effective_year(Some(ry)) else { continue };
        // The report reviewing year y is delivered in y + 1.
        if let Some(&(a, ad)) = actuals.get(&(region.as_str(), (y + 1) as i32, t.key(), t.measure.as_str(), t.unit.as_str(), y)) {
            if ad.doc_id != d.doc_id {
                pairs.push(Pair { region, region_source: source, year: y, target: t, target_doc: d, actual: a, actual_doc: ad });
            }
        }
    }
    pairs.sort_by(|a, b| {
        (a.region, a.year, &a.target.indicator, &a.target.source_file, a.target.indicator_index)
            .cmp(&(b.region, b.year, &b.target.indicator, &b.target.source_file, b.target.indicator_index))
    });
    let mut t = TableBuffer::new(catalog().table("targets_vs_actuals"));
    let c = |n: &str| t.col(n);
    let cols = [
        c("region"), c("region_source"), c("indicator_code"), c("indicator"), c("measure"), c("unit"), c("year"),
        c("target_doc_id"), c("target_source_file"), c("target_source_line"), c("target_indicator_index"), c("target_report_year"),
        c("target_value"), c("target_qualifier"),
        c("actual_doc_id"), c("actual_source_file"), c("actual_source_line"), c("actual_indicator_index"), c("actual_report_year"),
        c("actual_value"), c("actual_qualifier"), c("gap"), c("met"),
    ];
    for p in &pairs {
        let (tg, ac) = (p.target, p.actual);
        let code = if tg.code.is_some() && tg.code == ac.code { tg.code.as_deref() } else { None };
        t.str(cols[0], Some(p.region));
        t.str(cols[1], Some(p.region_source));
        t.str(cols[2], code);
        t.str(cols[3], Some(&tg.indicator));
        t.str(cols[4], Some(&tg.measure));
        t.str(cols[5], Some(&tg.unit));
        t.int(cols[6], Some(p.year));
        t.str(cols[7], Some(&tg.doc_id));
        t.str(cols[8], Some(&tg.source_file));
        t.int(cols[9], Some(tg.source_line));
        t.int(cols[10], Some(tg.indicator_index));
        t.int(cols[11], p.target_doc.report_year.map(i64::from));
        t.float(cols[12], Some(tg.value));
        t.str(cols[13], tg.qualifier.as_deref());
        t.str(cols[14], Some(&ac.doc_id));
        t.str(cols[15], Some(&ac.source_file));
        t.int(cols[16], Some(ac.source_line));
        t.int(cols[17], Some(ac.indicator_index));
        t.int(cols[18], p.actual_doc.report_year.map(i64::from));
        t.float(cols[19], Some(ac.value));
        t.str(cols[20], ac.qualifier.as_deref());
        t.float(cols[21], Some(ac.value - tg.value));
        t.bool(cols[22], Some(met(&tg.measure, tg.qualifier.as_deref(), tg.value, ac.value)));
        t.end_row();
    }
    t.finish()
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
