//! The word lists the tagger reads context with: change verbs, qualifiers, status cues.
//! Kept in one place so a reviewer can check them against GUIDELINES.md at a glance.

use std::sync::OnceLock;

use rustc_hash::FxHashSet;

use crate::model::Qualifier;

/// A word list as a set, built once on first use. The tagger asks whether a word is in a list
/// for several words of every figure; a scan of a long list compares the word with every
/// entry of its length, and most entries are two chars long.
pub struct WordSet {
    list: &'static [&'static str],
    set: OnceLock<(Filter, FxHashSet<&'static str>)>,
}

/// One bit per (length, last two bytes) of a list's words: most words asked about are in no
/// list, and this rules them out before hashing them.
struct Filter([u64; 64]);

impl Filter {
    fn key(w: &[u8]) -> usize {
        let n = w.len();
        let last = if n >= 1 { w[n - 1] as usize } else { 0 };
        let before = if n >= 2 { w[n - 2] as usize } else { 0 };
        ((before << 6) ^ last ^ (n << 9)) & 4095
    }

    /// The last two bytes alone (the last one for a one-byte text).
    fn tail_key(w: &[u8]) -> usize {
        let n = w.len();
        let last = if n >= 1 { w[n - 1] as usize } else { 0 };
        let before = if n >= 2 { w[n - 2] as usize } else { 0 };
        ((before << 6) ^ last ^ if n >= 2 { 0 } else { 1 << 11 }) & 4095
    }

    fn may_hold(&self, w: &[u8]) -> bool {
        let k = Self::key(w);
        self.0[k / 64] & (1 << (k % 64)) != 0
    }
}

impl WordSet {
    pub const fn new(list: &'static [&'static str]) -> Self {
        WordSet {
            list,
            set: OnceLock::new(),
        }
    }

    pub fn contains(&self, w: &str) -> bool {
        let (filter, set) = self.set.get_or_init(|| {
            let mut f = Filter([0; 64]);
            for w in self.list {
                let k = Filter::key(w.as_bytes());
                f.0[k / 64] |= 1 << (k % 64);
            }
            (f, self.list.iter().copied().collect())
        });
        filter.may_hold(w.as_bytes()) && set.contains(w)
    }
}

/// Whether a word ends with one of a list's words, asked by looking its endings up (one per
/// length the list has) instead of comparing it with every entry.
pub struct SuffixSet {
    list: &'static [&'static str],
    /// Byte length of entries, and the entries of that length; and a filter on the last two
    /// bytes every ending shares with the word.
    by_len: OnceLock<(Filter, Vec<(usize, FxHashSet<&'static [u8]>)>)>,
}

impl SuffixSet {
    pub const fn new(list: &'static [&'static str]) -> Self {
        SuffixSet {
            list,
            by_len: OnceLock::new(),
        }
    }

    /// `list.iter().any(|g| w.ends_with(g))`.
    #[inline]
    pub fn any_ends(&self, w: &str) -> bool {
        let (last_bytes, by_len) = self.by_len.get_or_init(|| {
            let mut f = Filter([0; 64]);
            let mut v: Vec<(usize, FxHashSet<&'static [u8]>)> = Vec::new();
            for g in self.list {
                match v.iter_mut().find(|(n, _)| *n == g.len()) {
                    Some((_, set)) => {
                        set.insert(g.as_bytes());
                    }
                    None => v.push((g.len(), std::iter::once(g.as_bytes()).collect())),
                }
                let k = Filter::tail_key(g.as_bytes());
                f.0[k / 64] |= 1 << (k % 64);
            }
            (f, v)
        });
        let b = w.as_bytes();
        // A word ends with an entry only if it ends with the entry's last two bytes (or with
        // a one-byte entry, which the filter holds as its byte alone).
        let n = b.len();
        let tail_in = |k: usize| last_bytes.0[k / 64] & (1 << (k % 64)) != 0;
        if n == 0 || !(tail_in(Filter::tail_key(b)) || tail_in(Filter::tail_key(&b[n - 1..]))) {
            return by_len.iter().any(|(len, _)| *len == 0);
        }
        by_len
            .iter()
            .any(|(n, set)| *n <= b.len() && set.contains(&b[b.len() - n..]))
    }
}

pub static TRAILING_STRIP_SET: WordSet = WordSet::new(TRAILING_STRIP);
pub static LEADING_STRIP_SET: WordSet = WordSet::new(LEADING_STRIP);
pub static SKIPPABLE_BEFORE_FIGURE_SET: WordSet = WordSet::new(SKIPPABLE_BEFORE_FIGURE);
pub static GROWTH_UP_ENDS: SuffixSet = SuffixSet::new(GROWTH_UP);
pub static GROWTH_DOWN_ENDS: SuffixSet = SuffixSet::new(GROWTH_DOWN);

/// Longest indicator name kept, in characters (longer phrases lose words from the left).
pub const MAX_NAME_CHARS: usize = 24;

pub const GROWTH_UP: &[&str] = &[
    "增长", "增加", "上升", "提高", "增幅", "增速", "递增", "上涨", "多增", "增", "扩大", "涨",
];
pub const GROWTH_DOWN: &[&str] = &[
    "下降", "减少", "降低", "回落", "下滑", "减", "下跌", "缩减", "降", "降幅", "跌幅",
];
pub const RATIO_WORDS: &[&str] = &["占比", "比重", "率", "占"];

/// Words that may stand between a change verb and its figure ("增长了", "同比增长达").
pub const SKIPPABLE_BEFORE_FIGURE: &[&str] = &[
    "了", "达", "达到", "为", "近", "约", "超", "超过", "逾", "突破", "同比", "分别", "均", "仅",
    "高达", "将近", "接近",
];

/// Words stripped from the end of a name (verbs and links between a name and its figure).
pub const TRAILING_STRIP: &[&str] = &[
    "实现",
    "完成",
    "达到",
    "达",
    "为",
    "是",
    "突破",
    "超过",
    "超",
    "近",
    "约",
    "逾",
    "增长",
    "增加",
    "下降",
    "减少",
    "提高",
    "提升",
    "降低",
    "回落",
    "上升",
    "同比",
    "同比增长",
    "同比下降",
    "比上年",
    "较上年",
    "比",
    "较",
    "上年",
    "累计",
    "共",
    "共计",
    "合计",
    "总计",
    "了",
    "稳定在",
    "在",
    "至",
    "到",
    "保持",
    "年均",
    "平均",
    "分别",
    "均",
    "均为",
    "就",
    "已",
    "已经",
    "约为",
    "仅",
    "高达",
    "接近",
    "将近",
    "升至",
    "降至",
    "提升至",
    "增至",
    "达成",
    "完成投资",
    "增速",
    "增幅",
    "计",
    "总额达",
    "规模达",
    "金额",
    "超出",
    "首次",
    "突破性",
    "新增",
    "占",
    "已占",
    "约占",
    "只占",
    "仅占",
    "每年",
    "年均增长",
    "平均每年",
];

/// Words stripped from the start of a name (connectives, time and scope words).
pub const LEADING_STRIP: &[&str] = &[
    "实现",
    "完成",
    "累计",
    "全年",
    "其中",
    "共",
    "共计",
    "预计",
    "力争",
    "确保",
    "今年",
    "上半年",
    "下半年",
    "同时",
    "并",
    "和",
    "及",
    "全面",
    "持续",
    "成功",
    "年内",
    "当年",
    "目前",
    "截至",
    "截止",
    "去年",
    "已",
    "全区",
    "全市",
    "全省",
    "全县",
    "全国",
    "我区",
    "我市",
    "一年来",
    "过去",
    "五年来",
    "其",
    "还",
    "新",
    "另",
    "此外",
    "通过",
    "办理",
    "受理",
    "组织",
    "开展",
];

/// Names that say only "the growth" and so refer to the indicator named before.
pub const GROWTH_SUBJECT_ONLY: &[&str] = &[
    "增速",
    "增幅",
    "增长",
    "同比增长",
    "比上年增长",
    "实际",
    "名义",
    "人均",
    "实际增长",
    "平均",
];

/// Words after a count that make it a duration or a date, not a figure ("9个月").
pub const NOT_AFTER_COUNT: &[&str] = &["月", "年", "小时", "工作日", "天", "周", "季度", "星期"];

pub const QUALIFIER_BEFORE: &[(&str, Qualifier)] = &[
    ("近", Qualifier::Approx),
    ("接近", Qualifier::Approx),
    ("将近", Qualifier::Approx),
    ("约", Qualifier::Approx),
    ("大约", Qualifier::Approx),
    ("约为", Qualifier::Approx),
    ("超", Qualifier::Over),
    ("超过", Qualifier::Over),
    ("突破", Qualifier::Over),
    ("逾", Qualifier::Over),
    ("超出", Qualifier::Over),
    ("不到", Qualifier::Under),
    ("不足", Qualifier::Under),
    ("不超过", Qualifier::Under),
    ("低于", Qualifier::Under),
];

pub const QUALIFIER_AFTER: &[(&str, Qualifier)] = &[
    ("以上", Qualifier::Over),
    ("多", Qualifier::Over),
    ("余", Qualifier::Over),
    ("左右", Qualifier::Approx),
    ("上下", Qualifier::Approx),
    ("以内", Qualifier::Under),
    ("以下", Qualifier::Under),
    ("之内", Qualifier::Under),
];

pub const ESTIMATE_WORDS: &[&str] = &["预计", "预估", "预测"];
/// Target cues outside review sections.
pub const TARGET_WORDS: &[&str] = &[
    "力争", "确保", "目标", "预期", "计划", "争取", "将", "拟", "要", "到20",
];
/// Target cues strong enough to count inside a review section too.
pub const STRONG_TARGET_WORDS: &[&str] = &["力争", "确保", "预期目标", "目标是", "争取"];
/// Cues that a figure in a plan section is already done.
pub const DONE_WORDS: &[&str] = &["已", "已经", "完成了"];

/// First words of a name that make it a gap to another area ("高于全市3.4个百分点", decision 7).
pub const COMPARE_WORDS: &[&str] = &["高于", "低于", "快于", "慢于", "领先", "超出", "好于"];

/// Words dropped from inside a name ("通过公共网络实现零售额" → 公共网络零售额).
pub const INNER_DROP: &[&str] = &["实现", "达到", "各类", "各项", "各种", "所有", "全部"];

/// Nouns right after a figure that do not name what it counts ("突破300亿元大关").
pub const AFTER_NOT_NAME: &[&str] = &["大关", "台阶", "规模", "水平", "以上", "左右", "目标"];

/// Head nouns that name a measured quantity, shared by the items of "A、B等重点行业销售额".
pub const MEASURED_HEADS: &[&str] = &[
    "销售额",
    "零售额",
    "营业额",
    "营业收入",
    "收入",
    "产值",
    "增加值",
    "投资",
    "出口额",
    "进口额",
    "进出口额",
    "出口",
    "利润",
    "税收",
    "金额",
    "总额",
    "产量",
];

/// Words after a count of 方面 that make it the report's own outline ("五方面工作").
pub const STRUCTURE_NOUNS: &[&str] = &[
    "工作", "任务", "重点", "措施", "举措", "内容", "要求", "建议", "：", ":",
];
/// Words before such a count ("以下五方面").
pub const STRUCTURE_LEADS: &[&str] = &["以下", "如下", "下列", "下面", "做好", "重点做好"];

/// Measure words that make a Chinese numeral an ordinal name ("二期工程", "十二届").
pub const ORDINAL_UNITS: &[&str] = &["期", "届"];

/// Measure words too vague to count with 一 ("一批", "一系列").
pub const VAGUE_UNITS: &[&str] = &["批", "批次", "种", "类", "方面", "次", "些", "片", "口"];

/// Verbs after which "一个", "一条" counts a delivered thing ("新增一条公交线路").
pub const DELIVERY_VERBS: &[&str] = &[
    "新增", "建成", "新建", "完成", "开通", "打通", "引进", "落地", "开工", "出台", "成立", "设立",
    "获批", "创成", "获评", "入选", "投用", "竣工", "签约", "增设", "开设",
];

/// Clause words that make a percent the completion rate of a plan ("完成年度计划的106%").
pub const COMPLETION_CUES: &[&str] = &[
    "完成年度计划",
    "完成全年计划",
    "完成年度目标",
    "完成计划",
    "完成年度任务",
    "完成全年目标",
];

/// Fixed names that open with a Chinese numeral and count nothing (GUIDELINES: programme names).
pub const NUMERAL_NAMES: &[&str] = &[
    "八项规定",
    "三个务必",
    "两个确立",
    "两个维护",
    "四个意识",
    "四个自信",
    "四个全面",
    "五位一体",
    "三个代表",
    "两个一百年",
    "三大攻坚战",
    "两个毫不动摇",
    "四个一批",
    "三个一批",
    "三个转变",
    "两个结合",
];

/// Measure words that make a Chinese-numeral count a category ("四类自建房屋", "三种模式").
pub const CATEGORY_UNITS: &[&str] = &["类", "种"];

/// First words of a ratio name that make it a share of the subject named before ("份额占全国比").
pub const SHARE_WORDS: &[&str] = &["份额", "占比", "比重", "占全"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_answer_as_the_lists_do() {
        let probes = [
            "实现",
            "增长",
            "同比增长",
            "增",
            "增速",
            "不增",
            "下降",
            "降",
            "降幅",
            "跌幅",
            "了",
            "",
            "a",
            "全市",
            "稳定在",
            "年均增长",
            "平均每年",
            "减少了",
            "上涨",
            "多增",
            "涨",
            "大幅增长",
            "x增",
            "收入",
        ];
        for w in probes {
            assert_eq!(
                TRAILING_STRIP_SET.contains(w),
                TRAILING_STRIP.contains(&w),
                "{w}"
            );
            assert_eq!(
                LEADING_STRIP_SET.contains(w),
                LEADING_STRIP.contains(&w),
                "{w}"
            );
            assert_eq!(
                SKIPPABLE_BEFORE_FIGURE_SET.contains(w),
                SKIPPABLE_BEFORE_FIGURE.contains(&w),
                "{w}"
            );
            assert_eq!(
                GROWTH_UP_ENDS.any_ends(w),
                GROWTH_UP.iter().any(|g| w.ends_with(g)),
                "{w}"
            );
            assert_eq!(
                GROWTH_DOWN_ENDS.any_ends(w),
                GROWTH_DOWN.iter().any(|g| w.ends_with(g)),
                "{w}"
            );
        }
        for w in TRAILING_STRIP
            .iter()
            .chain(LEADING_STRIP)
            .chain(GROWTH_UP)
            .chain(GROWTH_DOWN)
        {
            assert_eq!(
                TRAILING_STRIP_SET.contains(w),
                TRAILING_STRIP.contains(w),
                "{w}"
            );
            assert_eq!(
                GROWTH_UP_ENDS.any_ends(w),
                GROWTH_UP.iter().any(|g| w.ends_with(g)),
                "{w}"
            );
        }
    }
}

/// `list.contains(&w)`, with the words' last bytes compared before the rest: the lists' words
/// are mostly as long as a word of the text (two chars), and a memcmp call per entry cost
/// more than the rest of the test (the name finders ask it of every word of a name).
pub fn is_one_of(list: &[&str], w: &str) -> bool {
    let last = w.as_bytes().last();
    list.iter()
        .any(|x| x.len() == w.len() && x.as_bytes().last() == last && *x == w)
}
