//! Markdown files: YAML front matter (between `---` lines at the top) is read as metadata
//! (title, date, author, url …) and recorded as removed `front_matter` lines, not body; the
//! rest is body, with `#` heading marks taken off.

use crate::extract::lines::Line;

/// Splits lines into front-matter fields, the number of front-matter lines (fences included)
/// at the top, and the body lines.
pub fn front_matter(lines: &[Line]) -> (Vec<(String, String)>, usize) {
    if lines.first().map(|l| l.text.trim_start_matches('\u{FEFF}').trim()) != Some("---") {
        return (Vec::new(), 0);
    }
    let Some(close) = lines.iter().skip(1).position(|l| l.text.trim() == "---") else {
        return (Vec::new(), 0);
    };
    let mut fields = Vec::new();
    for l in &lines[1..=close] {
        // Simple `key: value` pairs; list items ("  - x") and nested keys are not metadata here.
        if l.text.starts_with([' ', '\t', '-']) {
            continue;
        }
        if let Some((k, v)) = l.text.split_once(':') {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
            if !v.is_empty() {
                fields.push((k.trim().to_string(), v.to_string()));
            }
        }
    }
    (fields, close + 2)
}

/// Takes a Markdown heading mark ("# ", "## ") off a body line, keeping the char→byte map.
pub fn strip_heading_mark(line: &mut Line) {
    let n = line.text.chars().take_while(|&c| c == '#').count();
    if n == 0 || n > 6 || !line.text[n..].starts_with(' ') {
        return;
    }
    let drop = n + 1;
    line.text = line.text.chars().skip(drop).collect();
    line.src.drain(..drop);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(s: &str) -> Vec<Line> {
        let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        src.push(s.len() as u32);
        crate::extract::lines::split_lines(s, &src)
    }

    #[test]
    fn front_matter_is_metadata_not_body() {
        let lines = ls("---\ntitle: \"李克強《政府工作報告》\"\ndate: \"2020-05-22\"\ntags:\n  - \"經濟\"\nurl: \"https://x/y\"\n---\n# 標題\n正文。");
        let (fields, n) = front_matter(&lines);
        assert_eq!(n, 7);
        assert_eq!(fields[0], ("title".to_string(), "李克強《政府工作報告》".to_string()));
        assert_eq!(fields[1].1, "2020-05-22");
        assert_eq!(fields[2], ("url".to_string(), "https://x/y".to_string()));
        let mut h = lines[7].clone();
        strip_heading_mark(&mut h);
        assert_eq!(h.text, "標題");
        assert_eq!(h.src.len(), 3);
        assert_eq!(front_matter(&ls("正文。\n---\n")).1, 0);
    }
}
