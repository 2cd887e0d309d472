//! HTML pages (and HTML saved in a .txt) → body lines, with the `scraper` parser.
//!
//! Block elements (p, div, h1–h6, li, td, br …) become paragraphs; script, style and head
//! content is dropped. Text lying loose in a container (body, div) keeps its own line breaks,
//! as pages saved half-rendered do; inside a paragraph element line breaks are spaces.
//!
//! Traceability: the parser does not report source positions, so each block's text is located
//! in the decoded source. A scan of the source lists its visible characters (outside tags and
//! comments, with `&…;` entities decoded) with their positions; each block's characters are then
//! matched in order against that list from a cursor that only moves forward. Every paragraph
//! char so gets the source bytes and editor line of the character it came from (a decoded
//! entity maps to its `&`). Characters that cannot be found (the parser re-ordered a broken
//! table) take the position of the previous found one, and are counted for a warning.

use scraper::{Html, Node};

use crate::extract::lines::{Line, Source};

/// Whether decoded text is HTML: it opens with a doctype/html tag, or carries several tags or
/// comments of common HTML elements near its start.
pub fn looks_like_html(text: &str) -> bool {
    // The first 4000 chars, read in place: tags are ASCII, compared without case.
    let end = text.char_indices().nth(4000).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let t = head.trim_start_matches(['\u{feff}', '[', ' ', '\n', '\r', '\t']).as_bytes();
    let opens = |tag: &[u8]| t.len() >= tag.len() && t[..tag.len()].eq_ignore_ascii_case(tag);
    if opens(b"<!doctype html") || opens(b"<html") {
        return true;
    }
    // Every mark starts with its only "<", so occurrences of one mark never overlap and
    // counting marks at each "<" counts what a search for each mark would.
    const MARKS: [&[u8]; 14] = [b"<!--", b"<div", b"<p>", b"<p ", b"</p>", b"<br", b"<span", b"<h1", b"<h4", b"<h5", b"<table", b"<body", b"<meta", b"<script"];
    let bytes = head.as_bytes();
    let mut hits = 0;
    for (i, _) in head.match_indices('<') {
        let rest = &bytes[i..];
        hits += MARKS.iter().filter(|m| rest.len() >= m.len() && rest[..m.len()].eq_ignore_ascii_case(m)).count();
        if hits >= 2 {
            return true;
        }
    }
    false
}

const BLOCKS: [&str; 30] = [
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "td", "th", "tr", "table", "tbody", "thead",
    "section", "article", "header", "footer", "nav", "blockquote", "pre", "figcaption", "figure", "dt", "dd", "body", "center",
];
/// Blocks whose loose text keeps its line breaks.
const CONTAINERS: [&str; 8] = ["div", "body", "html", "section", "article", "td", "center", "pre"];
const SKIPPED: [&str; 8] = ["script", "style", "head", "noscript", "template", "iframe", "object", "select"];

struct Walker {
    blocks: Vec<String>,
    cur: String,
}

impl Walker {
    fn flush(&mut self) {
        let t = std::mem::take(&mut self.cur);
        let collapsed = t.split(|c: char| c.is_whitespace() && c != '\u{A0}' && c != '\u{3000}').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        if !collapsed.trim_matches(|c: char| c.is_whitespace() || c == '\u{A0}' || c == '\u{3000}').is_empty() {
            self.blocks.push(collapsed);
        }
    }

    fn walk(&mut self, node: ego_tree::NodeRef<'_, Node>, container: bool) {
        for child in node.children() {
            match child.value() {
                Node::Text(t) => {
                    if container {
                        let mut parts = t.text.split('\n').peekable();
                        while let Some(p) = parts.next() {
                            self.cur.push_str(p);
                            if parts.peek().is_some() {
                                self.flush();
                            }
                        }
                    } else {
                        self.cur.push_str(&t.text);
                    }
                }
                Node::Element(e) => {
                    let name = e.name();
                    if SKIPPED.contains(&name) {
                        continue;
                    }
                    if name == "br" {
                        self.flush();
                        continue;
                    }
                    if BLOCKS.contains(&name) {
                        self.flush();
                        self.walk(child, CONTAINERS.contains(&name));
                        self.flush();
                    } else {
                        self.walk(child, container);
                    }
                }
                Node::Document | Node::Fragment => self.walk(child, container),
                _ => {}
            }
        }
    }
}

/// The text blocks of an HTML document, in document order.
pub fn blocks(text: &str) -> Vec<String> {
    let html = Html::parse_document(text);
    let mut w = Walker { blocks: Vec::new(), cur: String::new() };
    w.walk(html.tree.root(), true);
    w.flush();
    w.blocks
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let v = if let Some(h) = num.strip_prefix(['x', 'X']) { u32::from_str_radix(h, 16).ok()? } else { num.parse().ok()? };
        return char::from_u32(v);
    }
    Some(match name {
        "nbsp" => '\u{A0}',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "middot" => '·',
        "mdash" => '—',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "copy" => '©',
        _ => return None,
    })
}

/// The visible characters of the source (outside tags, comments, scripts), with the index of
/// the source char each comes from.
fn visible(chars: &[char]) -> Vec<(char, usize)> {
    let mut out = Vec::with_capacity(chars.len());
    let starts = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| chars.get(i + k).is_some_and(|x| x.eq_ignore_ascii_case(&c)));
    let find = |from: usize, s: &str| (from..chars.len()).find(|&j| starts(j, s));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '<' {
            if starts(i, "<!--") {
                i = find(i + 4, "-->").map_or(chars.len(), |j| j + 3);
                continue;
            }
            for tag in ["script", "style"] {
                if starts(i, &format!("<{tag}")) {
                    let close = format!("</{tag}");
                    i = find(i + 1, &close).unwrap_or(i);
                }
            }
            if chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == '/' || *n == '!' || *n == '?') {
                i = (i..chars.len()).find(|&j| chars[j] == '>').map_or(chars.len(), |j| j + 1);
                continue;
            }
        }
        if c == '&' {
            if let Some(end) = (i + 1..chars.len().min(i + 12)).find(|&j| chars[j] == ';') {
                let name: String = chars[i + 1..end].iter().collect();
                if let Some(ch) = entity(&name) {
                    out.push((ch, i));
                    i = end + 1;
                    continue;
                }
            }
        }
        out.push((c, i));
        i += 1;
    }
    out
}

fn same(a: char, b: char) -> bool {
    let norm = |c: char| if c.is_whitespace() || c == '\u{A0}' { ' ' } else { c };
    norm(a) == norm(b)
}

/// HTML source → one line per text block, each char mapped to its source bytes and line.
/// Returns the lines and how many chars could not be located in the source.
pub fn lines(source: &Source) -> (Vec<Line>, usize) {
    let text = source.text();
    let vis = visible(source.chars());
    let line = source.line();
    let mut cursor = 0usize;
    let mut lost = 0usize;
    let mut out = Vec::new();
    const WINDOW: usize = 4000;
    for block in blocks(text) {
        let mut src = Vec::new();
        let mut last_idx: Option<usize> = None;
        let mut first_line = None;
        for c in block.chars() {
            let hit = if c == ' ' {
                // Collapsed whitespace: any whitespace run at the cursor, else stay put.
                vis.get(cursor).filter(|(v, _)| same(*v, ' ')).map(|_| cursor)
            } else {
                (cursor..vis.len().min(cursor + WINDOW)).find(|&k| vis[k].0 == c)
            };
            let idx = match hit {
                Some(k) => {
                    cursor = k + 1;
                    if c == ' ' {
                        while cursor < vis.len() && same(vis[cursor].0, ' ') && vis[cursor].0 != '\u{A0}' {
                            cursor += 1;
                        }
                    }
                    vis[k].1
                }
                None => {
                    if c != ' ' {
                        lost += 1;
                    }
                    last_idx.unwrap_or_else(|| vis.get(cursor).map_or(source.len().saturating_sub(1), |v| v.1))
                }
            };
            first_line.get_or_insert(line.get(idx).copied().unwrap_or(1));
            src.push(source.src[idx]);
            last_idx = Some(idx);
        }
        let end = last_idx.map_or(0, |i| source.src[i + 1]);
        src.push(end);
        out.push(Line { number: first_line.unwrap_or(1), text: block, src });
    }
    (out, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(s: &str) -> Source {
        let mut src: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        src.push(s.len() as u32);
        Source::new(s, &src)
    }

    #[test]
    fn html_is_detected_by_content() {
        assert!(looks_like_html("[<div class=\"x\">\n<h4>各位代表：</h4>\n<p>现在</p>"));
        assert!(looks_like_html("\n\n<!--\n-->\n<!--\n-->\n当前位置： 首页>> 中国概况"));
        assert!(!looks_like_html("一、2022年工作回顾\n增长8.2%。"));
        // Tags in any case; one tag is not enough; tags past the first 4000 chars do not count.
        assert!(looks_like_html("\u{feff}<!DOCTYPE HTML><p>"));
        assert!(looks_like_html("正文<P>一段</P>"));
        assert!(!looks_like_html("正文<br>一段"));
        assert!(!looks_like_html(&format!("{}<p>一段</p>", "字".repeat(4000))));
        assert!(looks_like_html(&format!("{}<p>一段</p>", "字".repeat(3990))));
    }

    #[test]
    fn blocks_become_lines_traceable_to_source_bytes() {
        let s = "[<div id=\"t\">\n<h4>各位代表：</h4>\n<p><span class=\"a\">——经济运行。</span>国内生产总值增长6.6%&nbsp;。</p>\n<p>现在，\n我代表国务院。</p><script>var x=1;</script>\n</div>]";
        let src = source(s);
        let (lines, lost) = lines(&src);
        assert_eq!(lost, 0);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["[", "各位代表：", "——经济运行。国内生产总值增长6.6%\u{A0}。", "现在， 我代表国务院。", "]"]);
        let l = &lines[2];
        assert_eq!(l.number, 3);
        // 国 maps to its own bytes, past the </span> tag.
        let k = l.text.chars().position(|c| c == '国').unwrap();
        assert_eq!(&s[l.src[k] as usize..l.src[k] as usize + 3], "国");
        // The entity maps to its "&".
        let k = l.text.chars().position(|c| c == '\u{A0}').unwrap();
        assert!(s[l.src[k] as usize..].starts_with("&nbsp;"));
        assert_eq!(lines[3].number, 4);
    }

    #[test]
    fn loose_text_keeps_its_lines() {
        let s = "<!--\n-->\n当前位置： 首页>> 中国概况\n\n　　各位代表：\n　　我们第一届全国人民代表大会。\n<!--\n-->";
        let (lines, lost) = lines(&source(s));
        assert_eq!(lost, 0);
        let got: Vec<(u32, &str)> = lines.iter().map(|l| (l.number, l.text.as_str())).collect();
        assert_eq!(got, [(3, "当前位置： 首页>> 中国概况"), (5, "　　各位代表："), (6, "　　我们第一届全国人民代表大会。")]);
    }
}
