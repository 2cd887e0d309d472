//! The document model every stage reads and fills in.
//!
//! A [`Document`] starts as decoded source lines (extract), gains normalized text with a map back
//! to source bytes (normalize), sentences and words (segment) and figures (indicators). Spans are
//! counted in characters (Unicode scalar values) of the document's normalized text: the kept
//! paragraphs joined by `\n`, so `text[char_start..char_end]` works in Python as well.

use std::fmt;

/// Where a problem was found, and how bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One row of the `issues` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub stage: &'static str,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub source_line: Option<u32>,
    pub location: Option<String>,
}

impl Issue {
    pub fn new(stage: &'static str, severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Issue { stage, severity, code, message: message.into(), source_line: None, location: None }
    }
    pub fn at_line(mut self, line: u32) -> Self {
        self.source_line = Some(line);
        self.location.get_or_insert_with(|| format!("line {line}"));
        self
    }
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Quarantined,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Quarantined => "quarantined",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Csv => "csv",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Simplified,
    Traditional,
    Mixed,
}

impl Script {
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Simplified => "simplified",
            Script::Traditional => "traditional",
            Script::Mixed => "mixed",
        }
    }
}

/// What a section of a report is about; drives the status of the figures in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SectionRole {
    /// Last year's (or last half-year's) work: figures are actuals.
    Review,
    /// This year's targets and tasks: figures are targets unless the text says otherwise.
    Plan,
    #[default]
    Other,
}

impl SectionRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SectionRole::Review => "review",
            SectionRole::Plan => "plan",
            SectionRole::Other => "other",
        }
    }
}

/// Kind of report, from the title and the opening lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocType {
    WorkReport,
    PlanExecutionReport,
    HalfYearSummary,
    NewsReport,
    Other,
}

impl DocType {
    pub fn as_str(self) -> &'static str {
        match self {
            DocType::WorkReport => "work_report",
            DocType::PlanExecutionReport => "plan_execution_report",
            DocType::HalfYearSummary => "half_year_summary",
            DocType::NewsReport => "news_report",
            DocType::Other => "other",
        }
    }
}

/// Metadata read from the page header, bylines and title.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    pub title: Option<String>,
    pub doc_type: Option<DocType>,
    pub report_year: Option<i32>,
    /// 索引号 of a government information-disclosure header.
    pub index_no: Option<String>,
    /// 文号 (document number).
    pub doc_number: Option<String>,
    /// 主题分类.
    pub subject: Option<String>,
    /// 公开方式.
    pub disclosure: Option<String>,
    /// 体裁分类.
    pub genre: Option<String>,
    /// 发布机构 / 发文单位.
    pub publisher: Option<String>,
    /// 成文日期.
    pub written_date: Option<Date>,
    /// 发布时间: the date the page was published …
    pub published_date: Option<Date>,
    /// … and its wall-clock time when the page gives one.
    pub published_at: Option<DateTime>,
    /// 来源: the site or outlet the page credits.
    pub source_site: Option<String>,
    /// URL of the page (scraper header, CSV column, front matter).
    pub source_url: Option<String>,
    /// Author of a news item (front matter).
    pub author: Option<String>,
    /// Who delivered the report, and in which office ("海曙区人民政府区长", "叶枝利").
    pub speaker: Option<String>,
    pub speaker_role: Option<String>,
    /// The session the report was delivered to ("第十二届人民代表大会第二次会议").
    pub meeting: Option<String>,
    pub delivery_date: Option<Date>,
    /// The region the report is about, as fully as the text names it ("金华市金东区").
    pub region: Option<String>,
    pub admin_level: Option<AdminLevel>,
}

/// A calendar date (year, month, day), validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        chrono::NaiveDate::from_ymd_opt(year, month, day).map(|_| Date { year, month, day })
    }
    /// Days since 1970-01-01 (Arrow date32).
    pub fn days_since_epoch(self) -> i32 {
        let d = chrono::NaiveDate::from_ymd_opt(self.year, self.month, self.day).expect("validated date");
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        (d - epoch).num_days() as i32
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A wall-clock date and time as printed on a page (no time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub date: Date,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl DateTime {
    pub fn new(date: Date, hour: u32, minute: u32, second: u32) -> Option<DateTime> {
        (hour < 24 && minute < 60 && second < 60).then_some(DateTime { date, hour, minute, second })
    }
    /// Seconds since 1970-01-01 00:00:00 (written as a millisecond timestamp without a time zone).
    pub fn seconds_since_epoch(self) -> i64 {
        self.date.days_since_epoch() as i64 * 86_400 + (self.hour * 3600 + self.minute * 60 + self.second) as i64
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:02}:{:02}:{:02}", self.date, self.hour, self.minute, self.second)
    }
}

/// Administrative level of the government that delivers a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminLevel {
    National,
    Provincial,
    City,
    CountyDistrict,
    StreetTownship,
}

impl AdminLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminLevel::National => "national",
            AdminLevel::Provincial => "provincial",
            AdminLevel::City => "city",
            AdminLevel::CountyDistrict => "county_district",
            AdminLevel::StreetTownship => "street_township",
        }
    }
    pub fn parse(s: &str) -> Option<AdminLevel> {
        Some(match s {
            "national" => AdminLevel::National,
            "provincial" => AdminLevel::Provincial,
            "city" => AdminLevel::City,
            "county_district" => AdminLevel::CountyDistrict,
            "street_township" => AdminLevel::StreetTownship,
            _ => return None,
        })
    }
}

/// Counts of the changes normalize made, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NormalizeCounts {
    pub chars_converted: u32,
    pub glosses_removed: u32,
    pub width_fixes: u32,
    /// Garbled runs found (GBK byte shift, U+FFFD, 锟斤拷).
    pub mojibake_runs_found: u32,
    /// Garbled runs whose bytes gave back text (in whole or in part; the rest is flagged).
    pub mojibake_runs_repaired: u32,
}

/// One source line of the body (a paragraph), before and after normalization.
#[derive(Debug, Clone, Default)]
pub struct Paragraph {
    pub index: u32,
    /// 1-based line in the decoded source file.
    pub source_line: u32,
    /// The decoded line, line end removed.
    pub raw: String,
    /// Source byte offset of each char of `raw`, plus one past the end (len = chars + 1).
    pub raw_src: Vec<u32>,
    /// Normalized text (set by normalize; equals `raw` before).
    pub text: String,
    /// Source byte range of each char of `text` (set by normalize).
    pub src_start: Vec<u32>,
    pub src_end: Vec<u32>,
    /// Span in the document's normalized text; None for removed paragraphs.
    pub char_start: Option<u32>,
    pub char_end: Option<u32>,
    pub heading_level: Option<u8>,
    pub section_path: Option<String>,
    pub section_role: SectionRole,
    /// Year named by the nearest dated heading above (e.g. 一、2022年工作回顾).
    pub section_year: Option<i32>,
    /// Why the line was removed as page chrome; None for body text.
    pub removed: Option<&'static str>,
    /// Char ranges of `text` that must not yield figures (flagged mojibake).
    pub flagged: Vec<(u32, u32)>,
}

impl Paragraph {
    pub fn is_kept(&self) -> bool {
        self.removed.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub index: u32,
    pub paragraph_index: u32,
    pub source_line: u32,
    /// Span in the document's normalized text.
    pub char_start: u32,
    pub char_end: u32,
    /// Byte range of the sentence's text in its paragraph's normalized text (sentences tile
    /// their paragraph): read with [`Sentence::text`] or [`Document::sentence_text`]. A range
    /// rather than a copy of the text: a String per sentence was an allocation and a copy per
    /// sentence (about a million per 100 MB of input), and the first touch of each allocation
    /// was about 1 % of a run.
    pub text_bytes: (u32, u32),
    /// The sentence's tokens: a range of the document's `tokens` (set by segment; the ranges of
    /// a document's sentences tile its tokens in sentence order). The tagger reads a sentence's
    /// tokens by it, and only for sentences that hold a quantity word or may hold a rank,
    /// instead of walking every token of the document to find where each sentence starts (20
    /// million tokens per 100 MB, 56 bytes each, read back from memory after segment wrote them).
    pub tokens: (u32, u32),
    /// Whether a token of the sentence is a quantity word (`m`), found by segment while the
    /// tokens are still in cache.
    pub has_quantity: bool,
}

impl Sentence {
    /// The sentence's text, in `paragraph` (the one whose `index` is `paragraph_index`).
    pub fn text<'a>(&self, paragraph: &'a Paragraph) -> &'a str {
        debug_assert_eq!(paragraph.index, self.paragraph_index, "sentence {} asked of another paragraph", self.index);
        &paragraph.text[self.text_bytes.0 as usize..self.text_bytes.1 as usize]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub sentence_index: u32,
    pub index: u32,
    /// Inline for words up to 24 bytes (nearly all): no heap allocation per token.
    pub word: compact_str::CompactString,
    pub pos: &'static str,
    pub char_start: u32,
    pub char_end: u32,
}

/// One of a document's keywords (a row of the `keywords` table).
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    /// 1-based rank, best first.
    pub rank: u32,
    pub keyword: String,
    pub weight: f64,
}

/// The measure of a figure (GUIDELINES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Level,
    Growth,
    PpChange,
    Ratio,
    Rank,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Level => "level",
            Measure::Growth => "growth",
            Measure::PpChange => "pp_change",
            Measure::Ratio => "ratio",
            Measure::Rank => "rank",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qualifier {
    Approx,
    Over,
    Under,
}

impl Qualifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Approx => "approx",
            Qualifier::Over => "over",
            Qualifier::Under => "under",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FigureStatus {
    Actual,
    Target,
    Estimate,
}

impl FigureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FigureStatus::Actual => "actual",
            FigureStatus::Target => "target",
            FigureStatus::Estimate => "estimate",
        }
    }
}

/// One quantitative mention: a row of the `indicators` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub sentence_index: u32,
    pub source_line: u32,
    pub char_start: u32,
    pub char_end: u32,
    pub source_byte_start: u64,
    pub source_byte_end: u64,
    pub text: String,
    pub indicator: String,
    /// The code book's code and English name: borrowed from the code book, which lives for the
    /// whole process, so no row allocates them.
    pub indicator_code: Option<&'static str>,
    pub indicator_en: Option<&'static str>,
    pub measure: Measure,
    pub value: f64,
    pub value_text: compact_str::CompactString,
    /// The stored unit code: a level's unit code from `schemas/units.toml`, else `%`, `pp` or
    /// `rank`. Static text (the unit book is loaded once for the process).
    pub unit: &'static str,
    pub unit_text: compact_str::CompactString,
    pub multiplier: f64,
    pub qualifier: Option<Qualifier>,
    /// `yoy`, `mom` or the comparison words as written (比上年 …); growth and pp_change rows only.
    pub basis: Option<&'static str>,
    pub status: FigureStatus,
    pub year: Option<i32>,
    pub period: Option<compact_str::CompactString>,
    pub rank_scope: Option<String>,
    pub rule: &'static str,
}

/// A document flowing through the stages.
#[derive(Debug, Clone)]
pub struct Document {
    pub doc_id: String,
    pub source_file: String,
    pub row_in_file: Option<u32>,
    pub content_sha256: String,
    pub byte_size: u64,
    pub format: Option<Format>,
    pub encoding: Option<&'static str>,
    pub script: Option<Script>,
    pub status: Status,
    pub quarantine_reason: Option<String>,
    pub meta: Metadata,
    pub n_lines: u32,
    pub paragraphs: Vec<Paragraph>,
    pub sentences: Vec<Sentence>,
    pub tokens: Vec<Token>,
    pub keywords: Vec<Keyword>,
    pub indicators: Vec<Indicator>,
    pub issues: Vec<Issue>,
    pub changes: NormalizeCounts,
}

impl Document {
    /// The position in `paragraphs` of the paragraph whose `index` is `index` (paragraph
    /// indices are positions, as extract numbers them; a search covers any document where
    /// that would not hold).
    pub fn paragraph_position(&self, index: u32) -> Option<usize> {
        match self.paragraphs.get(index as usize) {
            Some(p) if p.index == index => Some(index as usize),
            _ => self.paragraphs.iter().position(|p| p.index == index),
        }
    }

    /// The paragraph whose `index` is `index`.
    pub fn paragraph(&self, index: u32) -> Option<&Paragraph> {
        self.paragraph_position(index).map(|i| &self.paragraphs[i])
    }

    /// A sentence's text, from its paragraph.
    pub fn sentence_text(&self, s: &Sentence) -> &str {
        self.paragraph(s.paragraph_index).map_or("", |p| s.text(p))
    }

    pub fn new(doc_id: String, source_file: String, content_sha256: String, byte_size: u64) -> Self {
        Document {
            doc_id,
            source_file,
            row_in_file: None,
            content_sha256,
            byte_size,
            format: None,
            encoding: None,
            script: None,
            status: Status::Ok,
            quarantine_reason: None,
            meta: Metadata::default(),
            n_lines: 0,
            paragraphs: Vec::new(),
            sentences: Vec::new(),
            tokens: Vec::new(),
            keywords: Vec::new(),
            indicators: Vec::new(),
            issues: Vec::new(),
            changes: NormalizeCounts::default(),
        }
    }

    /// Marks the document quarantined: it keeps its `documents` row and an error row in
    /// `issues`, and its partial content is dropped so that no table holds half a document.
    pub fn quarantine(&mut self, stage: &'static str, code: &'static str, reason: impl Into<String>) {
        let reason = reason.into();
        self.issues.push(Issue::new(stage, Severity::Error, code, reason.clone()));
        self.status = Status::Quarantined;
        self.quarantine_reason = Some(format!("{code}: {reason}"));
        self.paragraphs.clear();
        self.sentences.clear();
        self.tokens.clear();
        self.keywords.clear();
        self.indicators.clear();
    }

    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    pub fn kept_paragraphs(&self) -> impl Iterator<Item = &Paragraph> {
        self.paragraphs.iter().filter(|p| p.is_kept())
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row_in_file {
            Some(r) => write!(f, "{} (row {r})", self.source_file),
            None => write!(f, "{}", self.source_file),
        }
    }
}

/// A stage that transforms documents in place: normalize, segment, indicators.
///
/// A stage records what it finds as [`Issue`]s on the document; it returns an error only when
/// the document cannot go on, and the runner then quarantines it.
pub trait Stage: Send + Sync {
    fn name(&self) -> &'static str;
    fn process(&self, doc: &mut Document) -> anyhow::Result<()>;
}
