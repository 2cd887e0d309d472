//! CSV corpus files: one document per data row; the text column is the body, the other
//! columns (title, publish_date, province, year, source_url …) are metadata.
//!
//! The `csv` crate parses the records; to keep every body char traceable, the text field is
//! then located in the decoded source from the record's start position by walking the CSV
//! quoting rules, so each char keeps its bytes and the editor line of the file it sits on
//! (the escape quote of a `""` pair is skipped).

use crate::extract::lines::{Line, Source};

/// Column names that hold the body, in order of preference.
const TEXT_COLUMNS: [&str; 8] = ["full_text", "text", "content", "body", "正文", "全文", "内容", "fulltext"];

#[derive(Debug)]
/// One data row: 1-based row number, its named fields (other than the text), its body lines.
pub struct Row {
    pub number: u32,
    pub fields: Vec<(String, String)>,
    pub lines: Vec<Line>,
}

/// Char indices of field `want` of the record that starts at char `start`, escape quotes
/// removed; None when the record has fewer fields.
fn field_chars(chars: &[char], start: usize, want: usize) -> Option<Vec<usize>> {
    let mut i = start;
    let mut field = 0;
    loop {
        let mut idx = Vec::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        idx.push(i + 1);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                idx.push(i);
                i += 1;
            }
            while i < chars.len() && !matches!(chars[i], ',' | '\n' | '\r') {
                i += 1;
            }
        } else {
            while i < chars.len() && !matches!(chars[i], ',' | '\n' | '\r') {
                idx.push(i);
                i += 1;
            }
        }
        if field == want {
            return Some(idx);
        }
        if chars.get(i) != Some(&',') {
            return None;
        }
        i += 1;
        field += 1;
    }
}

/// The rows of a CSV file, or why it cannot be read as one.
pub fn rows(source: &Source) -> Result<Vec<Row>, String> {
    let text = source.text();
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("the CSV header row cannot be read ({e}); check the quoting"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{FEFF}').trim().to_string())
        .collect();
    let text_col = TEXT_COLUMNS
        .iter()
        .find_map(|name| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
        .ok_or_else(|| format!("no text column among {headers:?}; name the body column one of {TEXT_COLUMNS:?}"))?;
    // `text` is the decoded file re-encoded as UTF-8: record positions are UTF-8 byte offsets
    // into it, which we turn into char indices of the source.
    let mut utf8_starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    utf8_starts.push(text.len());
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut number = 0u32;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("CSV row {} cannot be parsed ({e}); check its quoting", number + 1)),
        }
        number += 1;
        let pos = record.position().map(|p| p.byte() as usize).unwrap_or(0);
        let mut start = utf8_starts.partition_point(|&b| b < pos);
        // After a CRLF the reported position can sit on the LF.
        while matches!(source.chars().get(start), Some('\r' | '\n')) {
            start += 1;
        }
        let idx = field_chars(source.chars(), start, text_col)
            .ok_or_else(|| format!("CSV row {number} has no field {} ({})", text_col + 1, headers[text_col]))?;
        let fields = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != text_col)
            .filter_map(|(i, h)| record.get(i).map(|v| (h.clone(), v.to_string())))
            .collect();
        out.push(Row { number, fields, lines: source.lines_at(&idx) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_a_multiline_quoted_text_column() {
        let s = "\u{FEFF}province,year,title,full_text\r\n海南省,2026,\"2026年海南省政府工作报告\",\"政府工作报告\n各位代表：\n他说\"\"好\"\"。\"\r\n上海市,2026,t,\"一行\"\r\n";
        let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        src.push(s.len() as u32);
        let source = Source::new(s, &src);
        let rows = rows(&source).unwrap();
        assert_eq!(rows.len(), 2);
        let r = &rows[0];
        assert_eq!(r.number, 1);
        assert_eq!(r.fields[0], ("province".to_string(), "海南省".to_string()));
        let got: Vec<(u32, &str)> = r.lines.iter().map(|l| (l.number, l.text.as_str())).collect();
        assert_eq!(got, [(2, "政府工作报告"), (3, "各位代表："), (4, "他说\"好\"。")]);
        // Bytes of 各 point into the file.
        let l = &r.lines[1];
        assert_eq!(&s[l.src[0] as usize..l.src[1] as usize], "各");
        assert_eq!(rows[1].lines[0].number, 5);
    }

    #[test]
    fn a_csv_without_a_text_column_is_refused() {
        let s = "a,b\n1,2\n";
        let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        src.push(s.len() as u32);
        assert!(rows(&Source::new(s, &src)).unwrap_err().contains("no text column"));
    }
}
