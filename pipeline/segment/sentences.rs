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

/// One sentence of a paragraph: its byte range and its char range in the paragraph's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub bytes: (usize, usize),
    pub chars: (usize, usize),
}

/// The first byte at or after `from` that can begin a terminator or a quote that
/// [`split_text`] looks at: the lead bytes of 。！？；“「『 (E3, EF, E2), searched for with
/// memchr before `next_ascii`, the byte offset of the next ASCII terminator (or the end), which
/// is searched for once and again only once the scan has passed it. UTF-8 continuation bytes
/// never equal any of these, so every byte found begins a character, and every character
/// skipped could not mark.
fn next_mark(bytes: &[u8], from: usize, next_ascii: &mut usize) -> usize {
    if *next_ascii < from {
        *next_ascii = memchr::memchr3(b'!', b'?', b';', &bytes[from..]).map_or(bytes.len(), |k| from + k);
    }
    memchr::memchr3(0xE2, 0xE3, 0xEF, &bytes[from..*next_ascii]).map_or(*next_ascii, |k| from + k)
}

/// The sentences of `text`, exactly as the char-by-char reading it replaced (`split`, kept in
/// the tests) finds them, without decoding every character into a buffer first: the scan jumps
/// from one character that can begin a terminator or a quote to the next (`next_mark`),
/// looks closer only at those, and counts chars once per sentence. The two passes of
/// `split` are one here: an opening quote that closes within the paragraph sends the scan
/// straight to its closing quote (as the first pass skips over it, and no terminator between
/// counts), and what a terminator pulls into its sentence (closers and terminators) holds no
/// opening quote. (Test `split_text_matches_split` holds the two together.)
pub fn split_text(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let char_at = |b: usize| text[b..].chars().next().expect("a char boundary before the end");
    let mut out = Vec::new();
    // The sentence being built starts at byte `start`, char `start_char`.
    let (mut start, mut start_char) = (0, 0);
    let mut i = 0;
    // Byte offset of the next ASCII terminator (see `next_mark`).
    let mut next_ascii = memchr::memchr3(b'!', b'?', b';', bytes).unwrap_or(bytes.len());
    loop {
        i = next_mark(bytes, i, &mut next_ascii);
        if i >= bytes.len() {
            break;
        }
        let c = char_at(i);
        if let Some(close) = quote_pair(c) {
            let from = i + c.len_utf8();
            if let Some(len) = text[from..].find(close) {
                i = from + len;
                continue;
            }
        } else if is_terminator(c) {
            let mut end = i + c.len_utf8();
            while end < bytes.len() {
                let d = char_at(end);
                if !(is_closer(d) || is_terminator(d)) {
                    break;
                }
                end += d.len_utf8();
            }
            let end_char = start_char + text[start..end].chars().count();
            push_bounded_text(text, (start, start_char), (end, end_char), &mut out);
            (start, start_char) = (end, end_char);
            i = end;
            continue;
        }
        i += c.len_utf8();
    }
    if start < bytes.len() {
        let end_char = start_char + text[start..].chars().count();
        push_bounded_text(text, (start, start_char), (bytes.len(), end_char), &mut out);
    }
    out
}

/// [`push_bounded`] for [`split_text`]: a sentence too long is cut by the same rule, over its
/// own chars (rare: only past [`MAX_SENTENCE_CHARS`] are the chars collected).
fn push_bounded_text(text: &str, start: (usize, usize), end: (usize, usize), out: &mut Vec<Span>) {
    if end.1 - start.1 <= MAX_SENTENCE_CHARS {
        out.push(Span { bytes: (start.0, end.0), chars: (start.1, end.1) });
        return;
    }
    let piece = &text[start.0..end.0];
    let chars: Vec<char> = piece.chars().collect();
    let mut cuts = Vec::new();
    push_bounded(&chars, 0, chars.len(), &mut cuts);
    let mut byte = start.0;
    for (a, b) in cuts {
        let len: usize = chars[a..b].iter().map(|c| c.len_utf8()).sum();
        out.push(Span { bytes: (byte, byte + len), chars: (start.1 + a, start.1 + b) });
        byte += len;
    }
}

/// Char ranges `[start, end)` of the sentences of `chars`; they tile the paragraph exactly.
/// The char-by-char reading [`split_text`] replaced, kept as the reference the tests hold it to.
#[cfg(test)]
fn split(chars: &[char]) -> Vec<(usize, usize)> {
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
        split_text(s).into_iter().map(|sp| s[sp.bytes.0..sp.bytes.1].to_string()).collect()
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

    /// The byte scan finds the sentences the char scan finds, with the same char ranges and
    /// the bytes of exactly those chars, on every line of the seeds and of the shared corpus
    /// (when GOVREPORT_CORPUS names it; GBK files read lossily) and on crafted paragraphs (quotes open and unclosed, closers
    /// after terminators, ASCII terminators before, between and after the others, other
    /// characters led by E2/E3/EF, long runs with and without commas).
    #[test]
    fn split_text_matches_split() {
        let mut paras: Vec<String> = Vec::new();
        for text in crate::segment::test_texts::seed_and_corpus_texts() {
            paras.extend(text.lines().map(str::to_string));
        }
        // The seeds alone hold 336 lines.
        assert!(paras.len() > 300, "{}", paras.len());
        let crafted = [
            "", "。", "。。", "a", "好!", "!?;", "他说：“很好。”然后走了。再见。", "“甲。乙。", "“甲。”", "「甲；乙」丙。『丁』。",
            "（完成率100%。）下一句", "坚持“疫情要防住；经济要稳住”的要求。", "“”。“", "引进内资194.3亿元;实际利用外资2.3亿美元。好!",
            "结尾没有句号", "。开头", "a.b.c. d! e? f; g", "“一。”“二。”三。", "‘单引号。’后。", "》。】。", "“未闭合。「也未闭合。",
            "x“y”z。w", "中文！英文!混合？?；;", "\u{2029}。\u{e2}", "€。", "…。—。", "‥。",
            "!开头;中间?结尾!", "甲;“乙!丙”丁?", "，、：（）“”。", "「;」!『?』。", "a!b", "!", ";;", "你好?\u{ff1f}\u{3002}", "“!;?”",
        ];
        paras.extend(crafted.iter().map(|s| s.to_string()));
        paras.push("一二三四五，".repeat(1000));
        paras.push("一二三四五".repeat(900));
        paras.push("1234567890".repeat(500));
        paras.push(format!("{}。{}", "甲".repeat(2500), "乙，".repeat(1500)));
        paras.push(format!("“{}。”{}", "丙。".repeat(1500), "丁".repeat(10)));
        for p in &paras {
            let chars: Vec<char> = p.chars().collect();
            let want: Vec<Span> = split(&chars)
                .into_iter()
                .map(|(a, b)| {
                    let byte = |k: usize| chars[..k].iter().map(|c| c.len_utf8()).sum::<usize>();
                    Span { bytes: (byte(a), byte(b)), chars: (a, b) }
                })
                .collect();
            assert_eq!(split_text(p), want, "{p}");
        }
    }

    #[test]
    fn long_runs_are_cut_and_still_tile() {
        let s: String = "一二三四五，".repeat(1000);
        let chars: Vec<char> = s.chars().collect();
        let parts: Vec<(usize, usize)> = split_text(&s).into_iter().map(|sp| sp.chars).collect();
        assert!(parts.iter().all(|(a, b)| b - a <= MAX_SENTENCE_CHARS && b > a));
        assert_eq!(parts.first().unwrap().0, 0);
        assert_eq!(parts.last().unwrap().1, chars.len());
        assert!(parts.windows(2).all(|w| w[0].1 == w[1].0));
    }
}
