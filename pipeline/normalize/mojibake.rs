//! Mojibake: runs of garbage left by broken GBK/GB18030 round trips, found, repaired where the
//! bytes allow it, and otherwise flagged so that no figure is read from them.
//!
//! The byte-shift kind ("規?!靶艅摶稹蓖瓿山M建", "??挂呷?" in seed 004): a GBK byte was lost,
//! the decoder paired every following trail byte with the next lead byte, and the orphan came out
//! as "?". Re-encoding the run to GBK and pairing its bytes one byte earlier gives back the
//! original characters until an ASCII byte resynchronises both alignments ("蓖瓿山M" → "完成組").
//! A full-width sign right after the "?" was narrowed by the scraper ("！" → "!"), so it is widened
//! again before re-encoding. Bytes the decoder dropped are gone: the repair keeps only the stretch
//! that reads as words (jieba's dictionary) up to its right neighbour; what is before it stays as
//! it was and is flagged. U+FFFD replacement characters and "锟斤拷" runs are flagged as well.

use super::width::is_han;

use encoding_rs::GBK;

use super::script;
use crate::segment::words::jieba;

/// Longest garbled body (after the "?") examined, in characters.
const MAX_BODY_CHARS: usize = 32;

/// What kind of garbage a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// GBK bytes decoded one byte off.
    ByteShift,
    /// U+FFFD replacement characters.
    Replacement,
    /// "锟斤拷": UTF-8 replacement characters read as GBK.
    Kunjinkao,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ByteShift => "GBK byte shift",
            Kind::Replacement => "U+FFFD replacement characters",
            Kind::Kunjinkao => "锟斤拷 (UTF-8 replacement characters read as GBK)",
        }
    }
}

/// A repaired stretch: the chars `[start, end)` of the input are replaced by `chars`; each
/// repaired char comes from the bytes of the input chars `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    pub start: usize,
    pub end: usize,
    pub chars: Vec<(char, usize, usize)>,
}

/// One garbled run in a paragraph's chars: `[start, end)`; `repair` covers its tail when the
/// bytes gave back text, the rest (`start..repair.start`) is flagged.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub repair: Option<Repair>,
}

impl Run {
    /// The part of the run that stays garbled: `[start, end)` minus the repaired tail.
    pub fn flagged(&self) -> Option<(usize, usize)> {
        let end = self.repair.as_ref().map_or(self.end, |r| r.start);
        (end > self.start).then_some((self.start, end))
    }
}

/// The one- or two-byte GBK form of a char.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Gbk {
    bytes: [u8; 2],
    len: u8,
}

impl Gbk {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// GBK bytes of one char, if it has a one- or two-byte GBK form. encoding_rs encodes a Han
/// char by searching its tables (~2,600 instructions a char), and garbled bodies repeat their
/// chars, so each thread keeps the answers it has found.
fn gbk_bytes(c: char) -> Option<Gbk> {
    thread_local! {
        static FOUND: std::cell::RefCell<rustc_hash::FxHashMap<char, Option<Gbk>>> = Default::default();
    }
    FOUND.with(|found| *found.borrow_mut().entry(c).or_insert_with(|| gbk_bytes_encoded(c)))
}

/// [`gbk_bytes`] from the encoder.
fn gbk_bytes_encoded(c: char) -> Option<Gbk> {
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    let (bytes, _, had_errors) = GBK.encode(s);
    if had_errors || !(1..=2).contains(&bytes.len()) {
        return None;
    }
    Some(Gbk { bytes: [bytes[0], *bytes.get(1).unwrap_or(&0)], len: bytes.len() as u8 })
}

/// The char a GBK byte pair decodes to, if it is a real (not user-defined) character.
fn gbk_pair(lead: u8, trail: u8) -> Option<char> {
    let pair = [lead, trail];
    let s = GBK.decode_without_bom_handling_and_without_replacement(&pair)?;
    let mut it = s.chars();
    let c = it.next()?;
    (it.next().is_none() && !('\u{E000}'..='\u{F8FF}').contains(&c) && !c.is_ascii()).then_some(c)
}

/// A common character: in GB2312's first level (3,755 most used), once simplified.
fn is_common(c: char) -> bool {
    script::to_simplified(&c.to_string()).chars().next().and_then(gbk_bytes).is_some_and(|b| b.len == 2 && (0xB0..=0xD7).contains(&b.bytes[0]))
}

/// Punctuation a repaired stretch may hold besides words.
fn is_repair_punct(c: char) -> bool {
    "，。、；：“”‘’（）《》！？".contains(c)
}

/// Whether the Han char at `i` of `ctx` belongs to a dictionary word of 2–4 chars inside `ctx`
/// (looked up in simplified script, as jieba's dictionary is).
fn supported(ctx: &[char], i: usize) -> bool {
    if !is_han(ctx[i]) {
        return false;
    }
    for len in 2..=4usize {
        for a in i.saturating_sub(len - 1)..=i {
            let b = a + len;
            if b > ctx.len() || !ctx[a..b].iter().all(|&c| is_han(c)) {
                continue;
            }
            let w: String = ctx[a..b].iter().collect();
            if jieba().has_word(&script::to_simplified(&w)) {
                return true;
            }
        }
    }
    false
}

/// Finds the garbled runs of a paragraph's chars, in order, without overlap.
pub fn scan(chars: &[char]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = if c == '\u{FFFD}' {
            let mut j = i;
            while j < chars.len() && (chars[j] == '\u{FFFD}' || chars[j] == '?') {
                j += 1;
            }
            Some(Run { start: i, end: j, kind: Kind::Replacement, repair: None })
        } else if (c == '锟' || c == '錕') && chars.get(i + 1) == Some(&'斤') {
            let mut j = i;
            while j + 1 < chars.len() && (chars[j] == '锟' || chars[j] == '錕') && chars[j + 1] == '斤' {
                j += 2;
                if chars.get(j) == Some(&'拷') {
                    j += 1;
                }
            }
            Some(Run { start: i, end: j, kind: Kind::Kunjinkao, repair: None })
        } else if c == '?' {
            byte_shift(chars, i)
        } else {
            None
        };
        match run {
            Some(r) => {
                i = r.end.max(i + 1);
                runs.push(r);
            }
            None => i += 1,
        }
    }
    runs
}

/// One byte of the garbled stream and the input char it came from (`None`: a lost byte, "?").
#[derive(Clone, Copy)]
struct Byte {
    value: Option<u8>,
    owner: usize,
}

/// A byte-shift run starting at the "?" at `q0`, if the text after it is garbled.
fn byte_shift(chars: &[char], q0: usize) -> Option<Run> {
    // A "?" glued to ASCII (URLs, "a?b") is not an orphan byte.
    let prev = q0.checked_sub(1).map(|k| chars[k]);
    if prev.is_some_and(|p| p.is_ascii_alphanumeric() || p == '/' || p == '=' || p == '&') {
        return None;
    }
    let mut q = q0;
    while q < chars.len() && chars[q] == '?' {
        q += 1;
    }
    // The garbled stream: a full-width sign narrowed right after the "?" is widened again.
    let mut bytes: Vec<Byte> = Vec::new();
    let mut starts: Vec<usize> = Vec::new(); // byte offset where each body char starts
    let mut k = q;
    while k < chars.len() && k - q < MAX_BODY_CHARS {
        let c = chars[k];
        starts.push(bytes.len());
        if c == '?' {
            bytes.push(Byte { value: None, owner: k });
        } else if k == q && c.is_ascii_punctuation() {
            bytes.push(Byte { value: Some(0xA3), owner: k });
            bytes.push(Byte { value: Some(c as u8 | 0x80), owner: k });
        } else {
            match gbk_bytes(c) {
                Some(b) => bytes.extend(b.as_slice().iter().map(|&v| Byte { value: Some(v), owner: k })),
                None => break,
            }
        }
        k += 1;
    }
    let body_end = k;
    if body_end == q || !chars[q..body_end].iter().any(|&c| !c.is_ascii()) {
        return None;
    }
    // Pair the bytes one byte earlier than the decoder did, until both alignments meet.
    let mut shifted: Vec<(Option<char>, usize, usize)> = Vec::new();
    let mut pos: isize = -1; // the lost lead byte
    let mut resync = body_end;
    loop {
        if pos >= 0 {
            if let Some(ci) = starts.iter().position(|&s| s as isize == pos) {
                resync = q + ci;
                break;
            }
        }
        if pos as usize >= bytes.len() && pos >= 0 {
            break;
        }
        let lead = if pos < 0 { None } else { bytes[pos as usize].value };
        let lead_owner = if pos < 0 { q } else { bytes[pos as usize].owner };
        if matches!(lead, Some(b) if b < 0x80) {
            shifted.push((lead.map(char::from), lead_owner, lead_owner + 1));
            pos += 1;
            continue;
        }
        let Some(trail) = bytes.get((pos + 1) as usize) else {
            shifted.push((None, lead_owner, body_end));
            break;
        };
        let c = match (lead, trail.value) {
            (Some(l), Some(t)) => gbk_pair(l, t),
            _ => None,
        };
        shifted.push((c, lead_owner, trail.owner + 1));
        pos += 2;
    }
    // The body as written must not read as words: then it is garbage.
    let left: Vec<char> = chars[q0.saturating_sub(2)..q0].to_vec();
    let right_end = (resync + 3).min(chars.len());
    let right: Vec<char> = chars[resync..right_end].to_vec();
    let body = &chars[q..resync];
    let mut ctx: Vec<char> = left.clone();
    ctx.extend(body.iter().map(|&c| if c == '?' { '\u{0}' } else { c }));
    ctx.extend(&right);
    let body_han: Vec<usize> = (0..body.len()).filter(|&i| is_han(body[i])).collect();
    let normal_support = body_han.iter().filter(|&&i| supported(&ctx, left.len() + i)).count();
    let garbled_question_marks = q - q0 >= 2 || body.contains(&'?');
    if body_han.is_empty() || (normal_support * 2 >= body_han.len() && !garbled_question_marks) {
        return None;
    }
    if normal_support * 4 >= body_han.len() * 3 {
        return None; // reads as text: a plain question mark
    }
    // The repairable tail: valid chars, each Han char part of a word within the tail and the
    // text right after the run.
    let mut tail_ctx: Vec<char> = shifted.iter().map(|s| s.0.unwrap_or('\u{0}')).collect();
    let n = tail_ctx.len();
    tail_ctx.extend(&right);
    let mut t = n;
    while t > 0 {
        let ok = match shifted[t - 1].0 {
            // The char right before the resync point touches no lost byte: a common character
            // there fits even without a dictionary word (農 of 農宅通).
            Some(c) if is_han(c) => supported(&tail_ctx, t - 1) || (t == n && is_common(c)),
            Some(c) => is_repair_punct(c),
            None => false,
        };
        if !ok {
            break;
        }
        t -= 1;
    }
    // Leading punctuation alone proves nothing: the tail starts at a quote only before a word.
    let han_in_tail = shifted[t..n].iter().filter(|s| s.0.is_some_and(is_han)).count();
    let repair = (han_in_tail >= 1).then(|| {
        let start = shifted[t].1;
        Repair { start, end: resync, chars: shifted[t..n].iter().map(|&(c, a, b)| (c.expect("checked"), a, b)).collect() }
    });
    Some(Run { start: q0, end: resync, kind: Kind::ByteShift, repair })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept answers are the encoder's, asked for the first time and again, on every char
    /// of the BMP and a few beyond it.
    #[test]
    fn gbk_bytes_kept_are_the_encoders() {
        let encoded = |c: char| {
            let mut buf = [0u8; 4];
            let (bytes, _, had_errors) = GBK.encode(c.encode_utf8(&mut buf));
            (!had_errors && (1..=2).contains(&bytes.len())).then(|| bytes.into_owned())
        };
        for c in (0..=0xFFFFu32).chain(0x20000..0x20100).filter_map(char::from_u32) {
            let want = encoded(c);
            for _ in 0..2 {
                assert_eq!(gbk_bytes(c).map(|b| b.as_slice().to_vec()), want, "{c:?}");
            }
        }
    }

    fn apply(s: &str) -> (String, Vec<String>) {
        let chars: Vec<char> = s.chars().collect();
        let runs = scan(&chars);
        let mut out = String::new();
        let mut flagged = Vec::new();
        let mut i = 0;
        for r in &runs {
            out.extend(&chars[i..r.start]);
            if let Some((a, b)) = r.flagged() {
                flagged.push(chars[a..b].iter().collect());
                out.extend(&chars[a..b]);
            }
            if let Some(rep) = &r.repair {
                out.extend(rep.chars.iter().map(|x| x.0));
            }
            i = r.end;
        }
        out.extend(&chars[i..]);
        (out, flagged)
    }

    #[test]
    fn byte_shift_runs_of_seed_004_are_repaired_where_the_bytes_allow() {
        let (out, flagged) = apply("30億元規?!靶艅摶稹蓖瓿山M建。企業");
        assert!(out.contains("”完成組建。企業"), "{out}");
        assert!(!flagged.is_empty(), "the lost bytes before 完成 stay flagged");
        let (out, flagged) = apply("全域布局定位?!叭齾^三線”劃定成果");
        assert_eq!(out, "全域布局定位?“三區三線”劃定成果");
        assert_eq!(flagged, ["?"]);
        let (out, _) = apply("新增城鎮就業人口超1.1萬?;攫B老保險提標擴面");
        assert_eq!(out, "新增城鎮就業人口超1.1萬?;養老保險提標擴面");
    }

    #[test]
    fn runs_without_recoverable_bytes_are_flagged_whole() {
        let (out, flagged) = apply("極為感動的一年??挂呷?,歷時彌久");
        assert_eq!(out, "極為感動的一年??挂呷?,歷時彌久");
        assert_eq!(flagged, ["??挂呷?"]);
    }

    #[test]
    fn replacement_characters_and_kunjinkao_are_flagged() {
        let (_, flagged) = apply("增长\u{FFFD}\u{FFFD}%，锟斤拷锟斤拷元");
        assert_eq!(flagged, ["\u{FFFD}\u{FFFD}", "锟斤拷锟斤拷"]);
    }

    #[test]
    fn plain_question_marks_and_urls_are_left_alone() {
        assert!(scan(&"怎么办?我们要坚持稳中求进工作总基调".chars().collect::<Vec<_>>()).is_empty());
        assert!(scan(&"见 http://x.gov.cn/a?id=3 的公告".chars().collect::<Vec<_>>()).is_empty());
        assert!(scan(&"实现社会消费品零售总额449.7亿元,增长8.2%".chars().collect::<Vec<_>>()).is_empty());
    }
}
