//! Sentence boundaries inside one paragraph.
//!
//! Splits after 。！？； and their ASCII forms, keeps closing quotes and brackets with their
//! sentence, never splits inside quotes that open and close in the same paragraph, and never
//! inside a number (ASCII full stops are not boundaries). Very long runs without a boundary are
//! cut at a comma so that no sentence grows without bound.

/// Longest sentence, in characters, before a forced cut.
pub const MAX_SENTENCE_CHARS: usize = 2000;

fn is_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';')
}

fn is_closer(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '】' | '》' | '"' | '\'' | '〕' | ']')
}

fn quote_pair(c: char) -> Option<char> {
    match c {
        '“' => Some('”'),
        '「' => Some('」'),
        '『' => Some('』'),
        _ => None,
    }
}

/// Char ranges `[start, end)` of the sentences of `chars`; they tile the paragraph exactly.
pub fn split(chars: &[char]) -> Vec<(usize, usize)> {
    // Quotes that close within the paragraph: a boundary inside them is not a boundary.
    let mut inside = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        if let Some(close) = quote_pair(chars[i]) {
            if let Some(len) = chars[i + 1..].iter().position(|&c| c == close) {
                for f in inside.iter_mut().skip(i + 1).take(len) {
                    *f = true;
                }
                i += len + 2;
                continue;
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        if is_terminator(chars[i]) && !inside[i] {
            let mut end = i + 1;
            while end < chars.len() && (is_closer(chars[end]) || is_terminator(chars[end])) {
                end += 1;
            }
            push_bounded(chars, start, end, &mut out);
            start = end;
            i = end;
            continue;
        }
        i += 1;
    }
    if start < chars.len() {
        push_bounded(chars, start, chars.len(), &mut out);
    }
    out
}

/// Pushes `[start, end)`, cutting it at commas (or anywhere not inside a number) when too long.
fn push_bounded(chars: &[char], mut start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    while end - start > MAX_SENTENCE_CHARS {
        let limit = start + MAX_SENTENCE_CHARS;
        let cut = (start + MAX_SENTENCE_CHARS / 2..limit)
            .rev()
            .find(|&k| matches!(chars[k - 1], '，' | ',' | '、' | '：' | ':' | ' '))
            .or_else(|| (start + 1..limit).rev().find(|&k| !(chars[k - 1].is_ascii_digit() && chars[k].is_ascii_digit())))
            .unwrap_or(limit);
        out.push((start, cut));
        start = cut;
    }
    if start < end {
        out.push((start, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(s: &str) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        split(&chars).into_iter().map(|(a, b)| chars[a..b].iter().collect()).collect()
    }

    #[test]
    fn splits_on_terminators_and_keeps_closers() {
        assert_eq!(sents("引进内资194.3亿元;实际利用外资2.3亿美元。好!"), ["引进内资194.3亿元;", "实际利用外资2.3亿美元。", "好!"]);
        assert_eq!(sents("他说：“很好。”然后走了。再见。"), ["他说：“很好。”然后走了。", "再见。"]);
        assert_eq!(sents("（完成率100%。）下一句"), ["（完成率100%。）", "下一句"]);
    }

    #[test]
    fn numbers_and_closed_quotes_are_not_split() {
        assert_eq!(sents("增长8.2%,1-6月实现3.5亿元。"), ["增长8.2%,1-6月实现3.5亿元。"]);
        assert_eq!(sents("坚持“疫情要防住；经济要稳住”的要求。"), ["坚持“疫情要防住；经济要稳住”的要求。"]);
        // An unclosed quote does not swallow the rest of the paragraph.
        assert_eq!(sents("“甲。乙。"), ["“甲。", "乙。"]);
    }

    #[test]
    fn long_runs_are_cut_and_still_tile() {
        let s: String = "一二三四五，".repeat(1000);
        let chars: Vec<char> = s.chars().collect();
        let parts = split(&chars);
        assert!(parts.iter().all(|(a, b)| b - a <= MAX_SENTENCE_CHARS && b > a));
        assert_eq!(parts.first().unwrap().0, 0);
        assert_eq!(parts.last().unwrap().1, chars.len());
        assert!(parts.windows(2).all(|w| w[0].1 == w[1].0));
    }
}
