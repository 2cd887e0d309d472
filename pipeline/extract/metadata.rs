//! Document metadata from the opening lines: title, kind of report, report year.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{DocType, Metadata};

/// Joins letter-spaced CJK ("政 府 工 作 报 告" → "政府工作报告") and trims.
pub fn join_letter_spacing(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let is_cjk = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || c == '\u{3000}' {
            let prev = out.chars().last();
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace() && **c != '\u{3000}');
            if prev.is_some_and(is_cjk) && next.is_some_and(|&n| is_cjk(n)) {
                continue;
            }
            if prev.is_some_and(|p| p == ' ') {
                continue;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out.trim().to_string()
}

fn delivery_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*在").unwrap())
}

fn published_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?:发布时间|發布時間|成文日期|发文时间|日期)[:：|\s]*((?:19|20)\d{2})[-/年.]").unwrap())
}

/// Reads metadata from the first lines of a document. `simplify` converts to simplified script.
pub fn read(lines: &[&str], simplify: impl Fn(&str) -> String) -> Metadata {
    let mut meta = Metadata::default();
    let head: Vec<String> = lines.iter().take(40).map(|l| simplify(&join_letter_spacing(l))).collect();
    // Title: the first short line naming a report.
    for l in &head {
        let t = l.trim_start_matches(|c: char| c == '标' || c == '题' || c == ':' || c == '：');
        let t = t.trim();
        if t.chars().count() <= 80 && (t.contains("报告") || t.contains("工作总结")) && !t.starts_with("现在") {
            meta.title = Some(t.to_string());
            break;
        }
    }
    let all = head.join("\n");
    let title = meta.title.clone().unwrap_or_default();
    meta.doc_type = Some(if title.contains("计划执行情况") || all.contains("计划执行情况") {
        DocType::PlanExecutionReport
    } else if title.contains("政府工作报告") || head.iter().take(15).any(|l| l.trim() == "政府工作报告") {
        DocType::WorkReport
    } else if all.contains("上半年工作") || all.contains("半年工作总结") {
        DocType::HalfYearSummary
    } else if title.contains("工作报告") {
        DocType::WorkReport
    } else {
        DocType::Other
    });
    meta.report_year = delivery_re()
        .captures(&all)
        .and_then(|c| c[1].parse().ok())
        .or_else(|| crate::extract::structure::year_in(&title))
        .or_else(|| published_re().captures(&all).and_then(|c| c[1].parse().ok()));
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_spacing_is_joined() {
        assert_eq!(join_letter_spacing("政 府 工 作 报 告"), "政府工作报告");
        assert_eq!(join_letter_spacing("  RCEP 原产地证书"), "RCEP 原产地证书");
        assert_eq!(join_letter_spacing("Hello  world"), "Hello world");
    }

    #[test]
    fn work_report_header() {
        let lines = ["政 府 工 作 报 告", "", "2023年2月1日在海曙区", "第十二届人民代表大会第二次会议上"];
        let m = read(&lines, |s| s.to_string());
        assert_eq!(m.title.as_deref(), Some("政府工作报告"));
        assert_eq!(m.doc_type, Some(DocType::WorkReport));
        assert_eq!(m.report_year, Some(2023));
    }
}
