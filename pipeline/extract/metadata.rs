//! Document metadata from the page header, bylines and title: the disclosure table (索引号,
//! 文号, 发布机构, 成文日期 …), the publish bar (发布时间, 来源), scraper headers (标题:, 来源URL:),
//! CSV columns and front matter; then the speaker, meeting, delivery date, region,
//! administrative level, report year and kind of report.
//!
//! Word lists (labels, offices, level words, report kinds) live in `data/metadata.toml`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use crate::model::{AdminLevel, Date, DateTime, DocType, Metadata};
use crate::normalize::gloss;
use crate::normalize::script;
use crate::normalize::width;

pub const METADATA_TOML: &str = include_str!("../../data/metadata.toml");

#[derive(Deserialize)]
struct Words {
    labels: BTreeMap<String, Vec<String>>,
    speaker: Speaker,
    levels: Levels,
    doc_type: DocTypes,
}

#[derive(Deserialize)]
struct Speaker {
    offices: Vec<String>,
}

#[derive(Deserialize)]
struct Levels {
    national: Vec<String>,
    provincial_names: Vec<String>,
    provincial: Vec<String>,
    city: Vec<String>,
    county_district: Vec<String>,
    street_township: Vec<String>,
}

#[derive(Deserialize)]
struct DocTypes {
    plan_execution: Vec<String>,
    half_year: Vec<String>,
    news: Vec<String>,
    work_report: Vec<String>,
    address: Vec<String>,
}

struct Rules {
    words: Words,
    /// Any label, anchored where a label may start; group 1 is the label.
    label_re: Regex,
    /// Label (spaces removed, lower-case) → field.
    field_of: BTreeMap<String, String>,
    speaker_re: Regex,
    /// "在海曙区第十二届…": the region a delivery line names (group 1).
    at_re: Regex,
    /// A title opening with a region ("海曙区2023年…", "2023年海曙区人民政府…").
    title_re: Regex,
    /// A speaker's role without its office ("海曙区人民政府区长" → 海曙区).
    strip_re: Regex,
    /// The chars a label can end with, as `label_re` matches them (case-folded): ranges of
    /// code points (the tests read them; [`may_hold_label`] asks `label_end_chars`).
    #[cfg(test)]
    label_ends: Vec<(char, char)>,
    /// `label_ends` as a set: asked of the char before every digit and colon of every head
    /// line, where a scan of the ranges cost a compare per range.
    label_end_chars: width::CharSet,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let words: Words = toml::from_str(METADATA_TOML).expect("data/metadata.toml parses");
        let mut labels: Vec<(String, String)> =
            words.labels.iter().flat_map(|(f, ls)| ls.iter().map(move |l| (l.clone(), f.clone()))).collect();
        labels.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        // Letter-spacing is joined before matching, so a label may run straight on from the
        // previous value ("主动公开体裁分类:"): labels of four or more characters match anywhere;
        // short ones (文号, 来源) only at the start or after a non-Han character.
        let alts: Vec<String> = labels
            .iter()
            .map(|(l, _)| {
                let body = l.chars().map(|c| regex::escape(&c.to_string())).collect::<Vec<_>>().join(r"\s*");
                if l.chars().count() >= 4 { body } else { format!(r"(?:^|[\s:：,，;；])\s*{body}") }
            })
            .collect();
        let label_re = Regex::new(&format!(r"(?i)({})\s*([:：])?", alts.join("|"))).expect("label regex");
        let field_of = labels.iter().map(|(l, f)| (l.to_lowercase(), f.clone())).collect();
        let units = "省|自治区|市|自治州|州|盟|地区|区|县|自治县|旗|街道|镇|乡";
        let offices = words.speaker.offices.join("|");
        let speaker_re = Regex::new(&format!(
            r"(?:^|[^\p{{Han}}]|上)((?:国务院|\p{{Han}}{{1,14}}?(?:{units})(?:人民政府)?)(?:代理|代|副)?(?:{offices}))\s*(\p{{Han}}{{2,4}})\s*$"
        ))
        .expect("speaker regex");
        // Compiled once here, not per document: compiling them was a fifth of extract's time.
        let at_re = Regex::new(&format!(r"在(\p{{Han}}{{2,14}}?(?:{units}))(?:第|[一二三四五六七八九十]+届)")).expect("region regex");
        let title_re = Regex::new(&format!(
            r"^(?:关于)?(\p{{Han}}{{2,14}}?(?:{units}))(?:19|20)\d{{2}}年|^(?:19|20)\d{{2}}年(\p{{Han}}{{2,14}}?(?:{units}))(?:人民)?政府"
        ))
        .expect("title regex");
        let strip_re = Regex::new(&format!(r"^(\p{{Han}}+?(?:{units}))(?:人民政府)?(?:代理|代|副)?\p{{Han}}{{2}}$")).expect("role regex");
        // The last chars of the labels as the regex reads them: `(?i)` folds case (s also
        // matches ſ), so the class is folded by the regex parser itself.
        let ends: String = labels.iter().filter_map(|(l, _)| l.chars().last()).map(|c| regex::escape(&c.to_string())).collect();
        let label_ends = match regex_syntax::Parser::new().parse(&format!("(?i)[{ends}]")).expect("label ends parse").kind() {
            regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) => {
                class.ranges().iter().map(|r| (r.start(), r.end())).collect()
            }
            // One char without case variants (every label ending alike) parses as a literal.
            regex_syntax::hir::HirKind::Literal(lit) => match std::str::from_utf8(&lit.0).ok().and_then(|s| s.chars().next()) {
                Some(c) => vec![(c, c)],
                None => panic!("label ends are chars, not {lit:?}"),
            },
            other => panic!("label ends are a class of chars, not {other:?}"),
        };
        let label_end_chars = width::CharSet::from_ranges(label_ends.clone());
        Rules {
            words,
            label_re,
            field_of,
            speaker_re,
            at_re,
            title_re,
            strip_re,
            #[cfg(test)]
            label_ends,
            label_end_chars,
        }
    })
}

/// Joins letter-spaced CJK ("政 府 工 作 报 告" → "政府工作报告") and trims.
pub fn join_letter_spacing(s: &str) -> String {
    // Most lines have no space at all: nothing to join or trim.
    if !width::has_space(s) {
        return s.to_string();
    }
    let chars: Vec<char> = s.trim().chars().collect();
    let is_cjk = crate::normalize::width::is_han;
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

/// A header line made comparable: glosses dropped, table bars and odd spaces turned to spaces,
/// full-width digits narrowed, letter-spacing joined, simplified script.
pub fn prepare(line: &str, simplify: &dyn Fn(&str) -> String) -> String {
    prepare_noting_plain(line, simplify).0
}

/// [`prepare`], with whether the line was plain throughout ([`all_plain`]; `false` when that
/// was not asked). A plain line holds no space of any width (see
/// `plain_lines_hold_no_space`), which the duplicate-copy check would otherwise look for.
fn prepare_noting_plain(line: &str, simplify: &dyn Fn(&str) -> String) -> (String, bool) {
    // A gloss needs a parenthesis and a tone-marked vowel; nearly every line lacks one and
    // skips the char buffer.
    if gloss::may_hold(line) {
        let mut s = String::with_capacity(line.len());
        gloss::strip(&line.chars().collect::<Vec<_>>()).into_iter().for_each(|c| push_prepared(&mut s, c));
        return (simplify(&join_letter_spacing(&s)), false);
    }
    // Most head lines are plain throughout: the line itself is the prepared text.
    if all_plain(line) {
        return (simplify(line), true);
    }
    // Runs of chars the step leaves alone are copied as slices.
    let mut s = String::new();
    let mut run = 0;
    // Whether a space was written: plain chars are no spaces, and every space char is
    // written as ' ', so a line without one has no letter-spacing to join.
    let mut spaced = false;
    // The walk stops only at the chars to prepare ([`plain_in_head_chars`]).
    let plain = plain_in_head_chars();
    while let Some(i) = plain.first_outside(line, run) {
        let c = line[i..].chars().next().expect("a char boundary");
        if run == 0 && s.is_empty() {
            s.reserve(line.len());
        }
        s.push_str(&line[run..i]);
        run = i + c.len_utf8();
        spaced |= c == '|' || width::is_space(c);
        push_prepared(&mut s, c);
    }
    // `all_plain` answered above for a line with nothing to prepare.
    debug_assert!(run != 0, "a plain line reached the preparing loop: {line:?}");
    s.push_str(&line[run..]);
    let prepared = if spaced { simplify(&join_letter_spacing(&s)) } else { simplify(&s) };
    (prepared, false)
}

/// [`prepare_noting_plain`] with [`script::to_simplified`] as the conversion: a plain line
/// (most head lines) is read once for both questions, whether it is plain and whether the
/// conversion can change it ([`script::may_change_if_all`]), where the general path reads it
/// once for each.
fn prepare_simplified(line: &str) -> (String, bool) {
    static SET: OnceLock<width::CharSet> = OnceLock::new();
    if !gloss::may_hold(line) {
        let unmarked = SET.get_or_init(|| script::unmarked(plain_in_head));
        match script::may_change_if_all(line, unmarked, plain_in_head) {
            Some(false) => return (line.to_string(), true),
            Some(true) => return (script::convert_to_simplified(line), true),
            None => {}
        }
    }
    prepare_noting_plain(line, &script::to_simplified)
}

/// A char [`prepare`] leaves alone.
fn plain_in_head(c: char) -> bool {
    c != '|' && width::is_plain(c)
}

/// Whether every char of `s` is one [`prepare`] leaves alone: [`width::is_plain`] and not a
/// table bar (most chars told without decoding, by [`width::CharSet`]).
fn all_plain(s: &str) -> bool {
    plain_in_head_chars().holds_all(s)
}

/// The chars [`plain_in_head`] accepts, as a set to walk text with.
fn plain_in_head_chars() -> &'static width::CharSet {
    static SET: OnceLock<width::CharSet> = OnceLock::new();
    SET.get_or_init(|| width::CharSet::new(plain_in_head))
}

/// One char of a header line as [`prepare`] writes it: table bars and odd spaces as spaces,
/// invisible chars dropped, full-width digits narrowed.
fn push_prepared(s: &mut String, c: char) {
    let c = if c == '|' || width::is_space(c) { ' ' } else { c };
    if width::is_invisible(c) {
        return;
    }
    s.push(match c {
        '０'..='９' => width::narrow(c).unwrap_or(c),
        '：' => '：',
        _ => c,
    });
}

/// Whether a prepared line may hold a label [`label_pairs`] keeps: one followed by a colon or
/// by a date's digit, i.e. a colon or an ASCII digit whose nearest char before it (past
/// whitespace, which the label pattern skips with `\s*`) can end a label. Most head lines are
/// body text without one, and skip the label pattern (an alternation of every label, most of
/// them anchored after a comma or a space, which no literal search can run ahead of).
fn may_hold_label(prepared: &str) -> bool {
    let r = rules();
    let b = prepared.as_bytes();
    // Whether the nearest char before byte `at`, past whitespace, can end a label.
    let label_before = |at: usize| match prepared[..at].trim_end().chars().next_back() {
        // Digits, dots and signs before a figure's digits end no label.
        Some(c) if c.is_ascii() && !c.is_ascii_alphabetic() => false,
        Some(c) => r.label_end_chars.contains(c),
        None => false,
    };
    // Full-width colons by their three bytes: their last byte alone (0x9A) is in common chars
    // such as 的 (E7 9A 84), and stopped the scan below in nearly every block.
    if memchr::memmem::find_iter(b, "：".as_bytes()).any(label_before) {
        return true;
    }
    // '0'..='9' and ':' (0x3A) are one range. Blocks of 32 bytes are tested without branching
    // first (vectorised, as in `width::any_byte`); only a block with one is read byte by byte.
    let hit = |x: u8| x.wrapping_sub(b'0') < 11;
    for (k, block) in b.chunks(32).enumerate() {
        if block.iter().fold(0u8, |acc, &x| acc | hit(x) as u8) == 0 {
            continue;
        }
        for (j, &x) in block.iter().enumerate() {
            if hit(x) && label_before(k * 32 + j) {
                return true;
            }
        }
    }
    false
}

/// Label/value pairs of a prepared line, with whether the line is nothing but such pairs.
fn label_pairs(prepared: &str) -> (Vec<(String, String)>, bool) {
    if !may_hold_label(prepared) {
        return (Vec::new(), false);
    }
    label_pairs_matched(prepared)
}

/// [`label_pairs`] by the label pattern alone.
fn label_pairs_matched(prepared: &str) -> (Vec<(String, String)>, bool) {
    let r = rules();
    // A label without a colon counts only when a date follows ("添加时间 2026/2/12").
    let ms: Vec<_> = r
        .label_re
        .captures_iter(prepared)
        .filter(|c| c.get(2).is_some() || prepared[c.get(0).unwrap().end()..].trim_start().starts_with(|ch: char| ch.is_ascii_digit()))
        .collect();
    let mut out = Vec::new();
    let whole = ms.first().is_some_and(|m| m.get(0).unwrap().start() == 0);
    for (i, m) in ms.iter().enumerate() {
        let label: String = m[1].chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
        let label = r.field_of.keys().filter(|k| label.ends_with(k.as_str())).max_by_key(|k| k.len()).cloned().unwrap_or(label);
        let end = m.get(0).unwrap().end();
        let next = ms.get(i + 1).map_or(prepared.len(), |n| n.get(0).unwrap().start());
        let value = prepared[end..next].trim().trim_matches(|c: char| c == '|' || c == '"' || c.is_whitespace());
        if let Some(f) = r.field_of.get(&label) {
            out.push((f.clone(), value.to_string()));
        }
    }
    (out, whole)
}

/// A head line read once for both uses (metadata, header rows): its [`prepare`]d text, its
/// label/value pairs, and whether it is nothing but such pairs.
pub struct HeadLine {
    text: String,
    pairs: Vec<(String, String)>,
    /// See [`is_header_line`].
    pub header: bool,
    /// The line (as given, before preparing) holds no space of any width: it was found plain
    /// throughout while being prepared. `false` says nothing.
    pub spaceless: bool,
}

impl HeadLine {
    pub fn new(line: &str, simplify: &dyn Fn(&str) -> String) -> HeadLine {
        HeadLine::of_prepared(prepare_noting_plain(line, simplify))
    }

    /// [`HeadLine::new`] with [`script::to_simplified`] as the conversion (what extract uses),
    /// by `prepare_simplified`.
    pub fn simplified(line: &str) -> HeadLine {
        HeadLine::of_prepared(prepare_simplified(line))
    }

    fn of_prepared((text, spaceless): (String, bool)) -> HeadLine {
        let (pairs, whole) = if text.is_empty() { (Vec::new(), false) } else { label_pairs(&text) };
        HeadLine { text, pairs, header: whole, spaceless }
    }
}

/// Whether a line is a metadata header row (every part of it a known label and its value),
/// e.g. "索引號: | 2953384/2022-53376 | ||" or "来源URL：http://…". Such lines are read, then
/// removed from the body as `metadata_header`.
pub fn is_header_line(line: &str, simplify: &dyn Fn(&str) -> String) -> bool {
    HeadLine::new(line, simplify).header
}

/// "十" → 10, "二十三" → 23, "七" → 7 (month and day numbers).
fn chinese_small(s: &str) -> Option<u32> {
    crate::numeral::value(s).filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < 100.0).map(|v| v as u32)
}

fn date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?",
            r"(?:\s*(\d{1,2})\s*[:时]\s*(\d{1,2})\s*(?:[:分]\s*(?:(\d{1,2})\s*秒?)?)?)?"
        ))
        .unwrap()
    })
}

fn cn_date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日").unwrap())
}

/// A date in `s`: "2021-03-18", "2024/1/23 19:45:59", "2023年2月1日", "二〇〇三年一月十日",
/// "2006年02月23日 14时43分". Returns the date, its byte span, and the time when one follows.
pub fn find_date(s: &str) -> Option<(Date, Option<DateTime>, usize, usize)> {
    let digit = date_re().captures(s).and_then(|c| {
        let m = c.get(0).unwrap();
        let n = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok());
        let date = Date::new(c[1].parse().ok()?, n(2)?, n(3)?)?;
        let time = match (n(4), n(5)) {
            (Some(h), Some(mi)) => DateTime::new(date, h, mi, n(6).unwrap_or(0)),
            _ => None,
        };
        Some((date, time, m.start(), m.end()))
    });
    let chinese = cn_date_re().captures(s).and_then(|c| {
        let m = c.get(0).unwrap();
        let y = crate::numeral::digit_string(&c[1]).and_then(|y| i32::try_from(y).ok())?;
        let date = Date::new(y, chinese_small(&c[2])?, chinese_small(&c[3])?)?;
        Some((date, None, m.start(), m.end()))
    });
    match (digit, chinese) {
        (Some(a), Some(b)) => Some(if a.2 <= b.2 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn meeting_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"第[一二三四五六七八九十]+届(?:全国)?人民代表大会(?:常务委员会)?第[一二三四五六七八九十]+次(?:全体)?会议",
            r"|[一二三四五六七八九十]+届人大[一二三四五六七八九十]+次(?:全体)?会议"
        ))
        .unwrap()
    })
}

/// The administrative level a region name (or a speaker's office) implies.
pub fn level_of(region: &str) -> Option<AdminLevel> {
    let l = &rules().words.levels;
    if l.national.iter().any(|w| region == w || region.starts_with(w.as_str())) {
        return Some(AdminLevel::National);
    }
    if l.provincial_names.iter().any(|w| region == w) {
        return Some(AdminLevel::Provincial);
    }
    // Longest suffixes first across levels: 自治区 before 区, 自治州 before 州.
    let mut all: Vec<(&String, AdminLevel)> = Vec::new();
    all.extend(l.provincial.iter().map(|w| (w, AdminLevel::Provincial)));
    all.extend(l.city.iter().map(|w| (w, AdminLevel::City)));
    all.extend(l.county_district.iter().map(|w| (w, AdminLevel::CountyDistrict)));
    all.extend(l.street_township.iter().map(|w| (w, AdminLevel::StreetTownship)));
    all.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
    all.iter().find(|(w, _)| region.ends_with(w.as_str())).map(|(_, lv)| *lv)
}

/// The first `k` of the `head` lines as `head.join("\n")` writes them: the start of `joined`,
/// which is all of them so joined.
fn first_lines<'a>(joined: &'a str, head: &[&str], k: usize) -> &'a str {
    let k = k.min(head.len());
    let end = head[..k].iter().map(|l| l.len()).sum::<usize>() + k.saturating_sub(1);
    &joined[..end]
}

/// Reads metadata from the first lines of a document and from named fields (CSV columns,
/// front matter). `simplify` converts to simplified script.
pub fn read(lines: &[&str], fields: &[(String, String)], simplify: impl Fn(&str) -> String) -> Metadata {
    let simplify: &dyn Fn(&str) -> String = &simplify;
    let head: Vec<HeadLine> = lines.iter().take(HEAD_LINES).map(|l| HeadLine::new(l, simplify)).collect();
    read_head(&head, fields, simplify)
}

/// Lines [`read`] looks at.
pub const HEAD_LINES: usize = 60;

/// [`read`] on lines already turned into [`HeadLine`]s (the first [`HEAD_LINES`]).
pub fn read_head(head_lines: &[HeadLine], fields: &[(String, String)], simplify: &dyn Fn(&str) -> String) -> Metadata {
    let r = rules();
    let mut meta = Metadata::default();
    let kept: Vec<&HeadLine> = head_lines.iter().take(HEAD_LINES).filter(|l| !l.text.is_empty()).collect();
    let head: Vec<&str> = kept.iter().map(|l| l.text.as_str()).collect();

    // 1. Labelled values: explicit fields first, then header lines.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in fields {
        let key = k.trim().to_lowercase();
        let field = r.field_of.get(&key).cloned().unwrap_or_else(|| match key.as_str() {
            "publish_date" | "date" => "published".into(),
            "province" | "region" => "region".into(),
            "year" => "year".into(),
            _ => key.clone(),
        });
        pairs.push((field, simplify(v.trim())));
    }
    for l in &kept {
        pairs.extend(l.pairs.iter().cloned());
    }
    let mut year_field = None;
    let mut region_field = None;
    for (field, value) in &pairs {
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        let set = |slot: &mut Option<String>| {
            if slot.is_none() {
                *slot = Some(v.to_string());
            }
        };
        match field.as_str() {
            "index_no" => set(&mut meta.index_no),
            "doc_number" => set(&mut meta.doc_number),
            "subject" => set(&mut meta.subject),
            "disclosure" => set(&mut meta.disclosure),
            "genre" => set(&mut meta.genre),
            "publisher" => set(&mut meta.publisher),
            "source_site" => set(&mut meta.source_site),
            "source_url" => set(&mut meta.source_url),
            "author" => set(&mut meta.author),
            "title" => set(&mut meta.title),
            "speaker" => {
                if meta.speaker.is_none() {
                    if let Some(c) = r.speaker_re.captures(v) {
                        meta.speaker_role = Some(c[1].to_string());
                        meta.speaker = Some(c[2].to_string());
                    }
                }
            }
            "written_date" => {
                if meta.written_date.is_none() {
                    meta.written_date = find_date(v).map(|d| d.0);
                }
            }
            "published" => {
                if meta.published_date.is_none() {
                    if let Some((d, t, ..)) = find_date(v) {
                        meta.published_date = Some(d);
                        meta.published_at = t;
                    }
                }
            }
            "year" => year_field = year_field.or(v.parse::<i32>().ok()),
            "region" => region_field = region_field.or(Some(v.to_string())),
            _ => {}
        }
    }
    // 来源 values end at the first wide space ("来源: 海曙新闻网    ").
    if let Some(s) = &meta.source_site {
        meta.source_site = s.split_whitespace().next().map(str::to_string);
    }
    // A publish bar without a label: "中央政府门户网站 www.gov.cn 2006年02月23日 14时43分 来源：人民网".
    if meta.published_date.is_none() {
        if let Some(l) = head.iter().find(|l| l.contains("来源") && find_date(l).is_some()) {
            let (d, t, ..) = find_date(l).unwrap();
            meta.published_date = Some(d);
            meta.published_at = t;
        }
    }

    // 2. Title: a labelled title, else the first short line that reads as a report's title.
    if let Some(t) = &meta.title {
        let t = join_letter_spacing(t);
        let cut = t.find("——").filter(|&i| i > 0).map_or(t.as_str(), |i| &t[..i]);
        meta.title = Some(cut.trim().to_string());
    } else {
        let candidates: Vec<&str> = head
            .iter()
            .map(|l| l.trim_start_matches(['#', ' ']).trim())
            .filter(|t| t.chars().count() <= 80 && (t.contains("报告") || t.contains("工作总结")) && !t.starts_with("现在"))
            .collect();
        let titled = candidates.iter().find(|t| {
            let t = t.trim_end_matches(|c: char| c == '）' || c == ')' || !c.is_alphanumeric() && c != '告' && c != '结');
            (t.ends_with("报告") || t.ends_with("总结")) && !t.contains(['！', '!', '。', '，', ','])
        });
        meta.title = titled.or(candidates.first()).map(|t| t.to_string());
    }

    // 3. Byline: speaker, meeting, delivery date.
    for l in &head {
        if meta.speaker.is_some() {
            break;
        }
        if let Some(c) = r.speaker_re.captures(l) {
            meta.speaker_role = Some(c[1].to_string());
            meta.speaker = Some(c[2].to_string());
        }
    }
    let joined = head.join("\n");
    let joined_flat: String = head.concat();
    // The full name of the session wins over the short form ("十二届人大二次会议") a news
    // lead uses.
    meta.meeting = meeting_re()
        .find_iter(&joined_flat)
        .map(|m| m.as_str())
        .find(|m| m.starts_with('第'))
        .or_else(|| meeting_re().find(&joined_flat).map(|m| m.as_str()))
        .map(str::to_string);
    meta.delivery_date = head.iter().find_map(|l| {
        let (d, _, _, end) = find_date(l)?;
        let after = l[end..].trim_start();
        let bracketed = l.trim().starts_with(['（', '(']) && after.starts_with(['）', ')']);
        (after.starts_with('在') || bracketed).then_some(d)
    });

    // 4. Region and level.
    let mut regions: Vec<String> = Vec::new();
    if let Some(c) = r.at_re.captures(&joined_flat) {
        regions.push(c[1].to_string());
    }
    if let Some(role) = &meta.speaker_role {
        if role.starts_with("国务院") {
            regions.push("中国".into());
        } else if let Some(c) = r.strip_re.captures(role) {
            regions.push(c[1].to_string());
        }
    }
    if let Some(c) = meta.title.as_deref().and_then(|t| r.title_re.captures(t)) {
        regions.push(c.get(1).or(c.get(2)).unwrap().as_str().to_string());
    }
    if let Some(p) = &meta.publisher {
        let p = p.trim_end_matches("人民政府");
        if level_of(p).is_some() && !p.contains('局') && !p.contains('委') && !p.contains('办') {
            regions.push(p.to_string());
        }
    }
    if let Some(p) = region_field {
        regions.push(p);
    }
    if ["全国人民代表大会", "国务院总理", "代表国务院"].iter().any(|w| joined_flat.contains(w)) {
        regions.push("中国".into());
    }
    // The fullest name: a candidate that ends with another one and is longer wins
    // (金华市金东区 over 金东区); otherwise the first found.
    let mut best: Option<String> = None;
    for c in &regions {
        best = match best {
            None => Some(c.clone()),
            Some(b) if c.len() > b.len() && c.ends_with(b.as_str()) => Some(c.clone()),
            Some(b) => Some(b),
        };
    }
    meta.admin_level = best.as_deref().and_then(level_of);
    meta.region = best;

    // 5. Kind of report.
    let dt = &r.words.doc_type;
    let title = meta.title.clone().unwrap_or_default();
    let any = |ws: &[String], s: &str| ws.iter().any(|w| s.contains(w.as_str()));
    // The opening lines joined are the start of all of them joined: sliced, not joined again.
    let opening = first_lines(&joined, &head, 40);
    let addressed = any(&dt.address, opening);
    let news_head = first_lines(&joined, &head, 15);
    meta.doc_type = Some(if any(&dt.plan_execution, &title) || any(&dt.plan_execution, &joined) {
        DocType::PlanExecutionReport
    } else if !title.contains("政府工作报告") && (any(&dt.half_year, &title) || any(&dt.half_year, &joined)) {
        DocType::HalfYearSummary
    } else if !addressed && (any(&dt.news, news_head) || title.contains('《')) {
        DocType::NewsReport
    } else if any(&dt.work_report, &title) || (addressed && any(&dt.work_report, opening)) {
        DocType::WorkReport
    } else {
        DocType::Other
    });

    // 6. Report year: the delivery date, else a year in the title, else a given year, else the
    // publish date.
    meta.report_year = meta
        .delivery_date
        .map(|d| d.year)
        // A plan-execution title names last year and this one: the report belongs to the later.
        .or_else(|| crate::numeral::all_years_in(&title).max())
        .or(year_field)
        .or_else(|| meta.written_date.map(|d| d.year))
        .or_else(|| meta.published_date.map(|d| d.year))
        .or_else(|| {
            static RE: OnceLock<Regex> = OnceLock::new();
            let re = RE.get_or_init(|| Regex::new(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*在").unwrap());
            re.captures(&joined).and_then(|c| c[1].parse().ok())
        });
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        s.to_string()
    }

    /// The slice-copying [`prepare`] gives what the char-by-char step gives, on every line of
    /// the seeds and on lines with bars, odd spaces, invisible chars, full-width digits and glosses.
    #[test]
    fn prepare_matches_the_char_by_char_step() {
        fn by_char(line: &str) -> String {
            let chars: Vec<char> =
                if line.contains(['(', '（']) { gloss::strip(&line.chars().collect::<Vec<_>>()) } else { line.chars().collect() };
            let mut s = String::new();
            chars.into_iter().for_each(|c| push_prepared(&mut s, c));
            join_letter_spacing(&s)
        }
        let mut lines: Vec<String> = [
            "索引號: | 2953384/2022-53376 | ||",
            "发布时间：２０２３年\u{200B}２月\u{3000}８日\u{A0}来源：海曙新闻网",
            "政 府 工 作 报 告",
            "發(fā)布機構: | 前江街道",
            "“两战赢”——2023年·工作",
            "\u{FEFF}标题:海曙区2023年政府工作报告|",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for e in std::fs::read_dir(dir).unwrap() {
            lines.extend(std::fs::read_to_string(e.unwrap().path()).unwrap().lines().map(str::to_string));
        }
        for l in &lines {
            assert_eq!(prepare(l, &|t: &str| t.to_string()), by_char(l), "{l}");
        }
    }

    /// [`may_hold_label`] as it was: every byte that may end a colon or is a digit, and a scan
    /// of the label-end ranges.
    fn may_hold_label_bytewise(prepared: &str) -> bool {
        let ends = &rules().label_ends;
        let b = prepared.as_bytes();
        let hit = |x: u8| (x.wrapping_sub(b'0') < 11) | (x == 0x9A);
        let ends_label = |at: usize| {
            let start = if b[at] == 0x9A {
                if at < 2 || b[at - 2] != 0xEF || b[at - 1] != 0xBC {
                    return false;
                }
                at - 2
            } else {
                at
            };
            match prepared[..start].trim_end().chars().next_back() {
                Some(c) if c.is_ascii() && !c.is_ascii_alphabetic() => false,
                Some(c) => ends.iter().any(|&(lo, hi)| lo <= c && c <= hi),
                None => false,
            }
        };
        (0..b.len()).any(|at| hit(b[at]) && ends_label(at))
    }

    /// The colon search and the label-end bitmap answer as the byte walk over the ranges did:
    /// on every prepared line of the seeds and the shared corpus (GOVREPORT_CORPUS), on each
    /// with a colon or a digit after each of its first chars, and on every char of Unicode
    /// before a colon and a digit.
    #[test]
    fn label_ends_found_by_colon_search_and_bitmap_are_those_of_the_byte_walk() {
        let simp = crate::normalize::script::to_simplified;
        let mut lines: Vec<String> = crate::segment::test_texts::seed_and_corpus_texts().iter().flat_map(|t| t.lines().map(|l| prepare(l, &simp))).collect();
        lines.extend(crate::normalize::script::seed_lines_in_both_scripts().map(|l| prepare(&l, &simp)));
        let mut probes = Vec::new();
        for l in lines.iter().take(2000) {
            for (i, _) in l.char_indices().take(30) {
                for mark in ["：", ":", "7", " ：", "\u{3000}2"] {
                    probes.push(format!("{}{mark}{}", &l[..i], &l[i..]));
                }
            }
        }
        lines.extend(probes);
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            lines.push(format!("{c}："));
            lines.push(format!("的{c}2"));
        }
        let mut held = 0;
        for l in &lines {
            assert_eq!(may_hold_label(l), may_hold_label_bytewise(l), "{l:?}");
            held += usize::from(may_hold_label(l));
        }
        assert!(held > 1000 && held < lines.len(), "{held} of {}", lines.len());
    }

    /// A line [`may_hold_label`] turns away has no label the pattern would keep: on every line
    /// of the seeds (both scripts, prepared) and on labels in odd cases, spacings and spellings.
    #[test]
    fn lines_without_a_label_end_hold_no_label() {
        let simp = crate::normalize::script::to_simplified;
        let mut lines: Vec<String> = [
            "索引號: | 2953384/2022-53376 | ||",
            "添加时间 2026/2/12",
            "发布时间\u{3000}2023-02-08",
            "来源 URL ：http://x",
            "来 源URL:http://x",
            "TITLE: 政府工作报告",
            "Title：政府工作报告",
            "TAGſ：报告",
            "AUTHOR 2023",
            "主动公开体裁分类:其他",
            "报告人：叶枝利",
            "全年增长8.2%，比上年提高1个百分点：",
            "url\t:\thttp://x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        lines.extend(crate::normalize::script::seed_lines_in_both_scripts());
        let mut kept = 0;
        for l in &lines {
            let p = prepare(l, &simp);
            let full = label_pairs_matched(&p);
            if !may_hold_label(&p) {
                assert!(full.0.is_empty() && !full.1, "{l}");
            } else {
                kept += 1;
            }
            assert_eq!(label_pairs(&p), full, "{l}");
        }
        assert!(kept * 4 < lines.len(), "most lines skip the pattern ({kept} of {})", lines.len());
        for l in ["TITLE: 报告", "添加时间 2026/2/12", "url\t:\thttp://x"] {
            assert!(!label_pairs(&prepare(l, &simp)).0.is_empty(), "{l}");
        }
        // The pattern reads ſ as s (its pair is then dropped: no field is spelt so).
        assert!(may_hold_label("TAGſ：报告"));
        // The quick refusal of ASCII non-letters before a colon or digit holds only while no
        // label ends with one.
        for &(lo, hi) in &rules().label_ends {
            for c in (lo..=hi).filter(char::is_ascii) {
                assert!(c.is_ascii_alphabetic(), "a label ends with {c:?}");
            }
        }
    }

    /// The byte test agrees with the char test on every char, alone and at every place of a
    /// 32-byte block (the last positions of a block read the next one's bytes).
    #[test]
    fn all_plain_agrees_with_a_char_test() {
        let plain = |c: char| c != '|' && width::is_plain(c);
        let tail = "告".repeat(15);
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("甲{c}乙"), format!("ab{c}{tail}")] {
                assert_eq!(all_plain(&s), plain(c), "{c:?} in {s:?}");
            }
        }
        for pad in 25..40 {
            for c in (0..0x3100).chain(0xFEF0..0x10000).filter_map(char::from_u32) {
                let s = format!("{}{c}{tail}", "a".repeat(pad));
                assert_eq!(all_plain(&s), plain(c), "{c:?} in {s:?}");
            }
        }
        assert!(all_plain("政府工作报告，“两战赢”——2023年·工作：（一）！？；"));
        assert!(!all_plain("政府\u{3000}工作") && !all_plain("２０２３") && !all_plain("a|b"));
    }

    /// The one-walk head line is the general one with `to_simplified`: on every seed line in
    /// both scripts, and on lines that are plain but for one char, that hold a char only a
    /// phrase changes (著, 乾), a gloss, bars, spaces or full-width digits.
    #[test]
    fn simplified_head_lines_are_those_of_the_general_path() {
        let simp = &crate::normalize::script::to_simplified;
        let mut lines: Vec<String> = crate::normalize::script::seed_lines_in_both_scripts().collect();
        lines.extend(
            ["显著提升", "隨著發展", "天乾物燥", "乾隆", "區委區政府", "索引號: | 2953384/2022-53376 | ||", "政 府 工 作 报 告", "２０２３年",
                "区(qū)委", "發布時間：2023年2月1日", "a|b", "𠀀區", "é區", ""]
                .map(str::to_string),
        );
        for c in (0..0x11_0000).filter_map(char::from_u32).step_by(7) {
            lines.push(format!("區委{c}显著"));
        }
        let mut plain = 0;
        for l in &lines {
            let (a, b) = (HeadLine::simplified(l), HeadLine::new(l, simp));
            assert_eq!((&a.text, &a.pairs, a.header, a.spaceless), (&b.text, &b.pairs, b.header, b.spaceless), "{l:?}");
            plain += a.spaceless as usize;
        }
        assert!(plain > 1000 && plain < lines.len(), "{plain} of {}", lines.len());
    }

    /// A line [`all_plain`] accepts holds no space of any width ([`width::is_space`], what
    /// `width::has_space` looks for): checked on every char, and on every seed line in both
    /// scripts; so the duplicate-copy check may skip its space search on such a head line.
    #[test]
    fn plain_lines_hold_no_space() {
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            if width::is_space(c) {
                assert!(!all_plain(&format!("甲{c}乙")), "{c:?}");
            }
        }
        let mut plain = 0;
        for l in crate::normalize::script::seed_lines_in_both_scripts() {
            let (prepared, spaceless) = prepare_noting_plain(&l, &crate::normalize::script::to_simplified);
            assert_eq!(prepared, prepare(&l, &crate::normalize::script::to_simplified));
            if spaceless {
                assert!(!width::has_space(&l), "{l}");
                plain += 1;
            }
        }
        assert!(plain > 0);
    }

    /// The opening lines sliced from the joined head are those lines joined, for every count
    /// (none, fewer than there are, all, more), on the head of every seed and on empty lines.
    #[test]
    fn first_lines_are_the_lines_joined() {
        let mut heads: Vec<Vec<String>> = vec![vec![], vec![String::new()], vec![String::new(), "甲".into(), String::new()]];
        for l in crate::normalize::script::seeds_in_both_scripts() {
            for t in [l.0, l.1] {
                heads.push(t.lines().filter(|l| !l.trim().is_empty()).take(HEAD_LINES).map(str::to_string).collect());
            }
        }
        for head in &heads {
            let head: Vec<&str> = head.iter().map(String::as_str).collect();
            let joined = head.join("\n");
            for k in 0..head.len() + 3 {
                let want: String = head.iter().take(k).cloned().collect::<Vec<_>>().join("\n");
                assert_eq!(first_lines(&joined, &head, k), want, "{k} of {}", head.len());
            }
        }
    }

    #[test]
    fn letter_spacing_is_joined() {
        assert_eq!(join_letter_spacing("政 府 工 作 报 告"), "政府工作报告");
        assert_eq!(join_letter_spacing("  RCEP 原产地证书"), "RCEP 原产地证书");
        assert_eq!(join_letter_spacing("Hello  world"), "Hello world");
    }

    #[test]
    fn work_report_header() {
        let lines = ["政 府 工 作 报 告", "", "2023年2月1日在海曙区", "第十二届人民代表大会第二次会议上", "海曙区人民政府区长 叶枝利", "各位代表:"];
        let m = read(&lines, &[], plain);
        assert_eq!(m.title.as_deref(), Some("政府工作报告"));
        assert_eq!(m.doc_type, Some(DocType::WorkReport));
        assert_eq!(m.report_year, Some(2023));
        assert_eq!(m.delivery_date, Date::new(2023, 2, 1));
        assert_eq!(m.meeting.as_deref(), Some("第十二届人民代表大会第二次会议"));
        assert_eq!((m.speaker_role.as_deref(), m.speaker.as_deref()), (Some("海曙区人民政府区长"), Some("叶枝利")));
        assert_eq!(m.region.as_deref(), Some("海曙区"));
        assert_eq!(m.admin_level, Some(AdminLevel::CountyDistrict));
    }

    #[test]
    fn dates_in_every_spelling() {
        let d = |s: &str| find_date(s).map(|x| (x.0.to_string(), x.1.map(|t| t.to_string())));
        assert_eq!(d("（二〇〇三年一月十日）"), Some(("2003-01-10".into(), None)));
        assert_eq!(d("一九五四年九月二十三日"), Some(("1954-09-23".into(), None)));
        assert_eq!(d("发布时间: 2023-02-08 09:22:59"), Some(("2023-02-08".into(), Some("2023-02-08 09:22:59".into()))));
        assert_eq!(d("2024/1/23 19:45:59"), Some(("2024-01-23".into(), Some("2024-01-23 19:45:59".into()))));
        assert_eq!(d("2006年02月23日 14时43分"), Some(("2006-02-23".into(), Some("2006-02-23 14:43:00".into()))));
        assert_eq!(d("2021-02-30"), None, "an impossible date is not a date");
    }

    #[test]
    fn traditional_disclosure_table_with_glosses() {
        let lines = [
            "索引號: | 2953384/2022-53376 | ||",
            "文 號: | 主題分類: | 政務公開 | |",
            "公開方式: | 主動公開 | 體裁分類: | 其他 |",
            "發(fā)布機構: | 前江街道 | 成文日期: | 2022-07-29 |",
        ];
        let simp = crate::normalize::script::to_simplified;
        for l in lines {
            assert!(is_header_line(l, &simp), "{l}");
        }
        let m = read(&lines, &[], simp);
        assert_eq!(m.index_no.as_deref(), Some("2953384/2022-53376"));
        assert_eq!(m.doc_number, None);
        assert_eq!(m.subject.as_deref(), Some("政务公开"));
        assert_eq!(m.disclosure.as_deref(), Some("主动公开"));
        assert_eq!(m.genre.as_deref(), Some("其他"));
        assert_eq!(m.publisher.as_deref(), Some("前江街道"));
        assert_eq!(m.written_date, Date::new(2022, 7, 29));
        assert_eq!(m.admin_level, Some(AdminLevel::StreetTownship));
        assert!(!is_header_line("来源于群众的意见，我们认真办理。", &simp));
    }

    #[test]
    fn levels_from_region_names() {
        assert_eq!(level_of("河北省"), Some(AdminLevel::Provincial));
        assert_eq!(level_of("上海市"), Some(AdminLevel::Provincial));
        assert_eq!(level_of("保定市"), Some(AdminLevel::City));
        assert_eq!(level_of("宁波市江北区"), Some(AdminLevel::CountyDistrict));
        assert_eq!(level_of("高阳县"), Some(AdminLevel::CountyDistrict));
        assert_eq!(level_of("内蒙古自治区"), Some(AdminLevel::Provincial));
        assert_eq!(level_of("中国"), Some(AdminLevel::National));
    }
}
