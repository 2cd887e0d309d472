//! The word lists the tagger reads context with: change verbs, qualifiers, status cues.
//! Kept in one place so a reviewer can check them against GUIDELINES.md at a glance.

use crate::model::Qualifier;

/// Longest indicator name kept, in characters (longer phrases lose words from the left).
pub const MAX_NAME_CHARS: usize = 24;

pub const GROWTH_UP: &[&str] = &["增长", "增加", "上升", "提高", "增幅", "增速", "递增", "上涨", "多增", "增", "扩大"];
pub const GROWTH_DOWN: &[&str] = &["下降", "减少", "降低", "回落", "下滑", "减", "下跌", "缩减"];
pub const RATIO_WORDS: &[&str] = &["占比", "比重", "率", "占"];

/// Words that may stand between a change verb and its figure ("增长了", "同比增长达").
pub const SKIPPABLE_BEFORE_FIGURE: &[&str] = &["了", "达", "达到", "为", "近", "约", "超", "超过", "逾", "突破", "同比", "分别", "均", "仅", "高达", "将近", "接近"];

/// Words stripped from the end of a name (verbs and links between a name and its figure).
pub const TRAILING_STRIP: &[&str] = &[
    "实现", "完成", "达到", "达", "为", "是", "突破", "超过", "超", "近", "约", "逾", "增长", "增加", "下降", "减少",
    "提高", "提升", "降低", "回落", "上升", "同比", "同比增长", "同比下降", "比上年", "较上年", "比", "较", "上年",
    "累计", "共", "共计", "合计", "总计", "了", "稳定在", "在", "至", "到", "保持", "年均", "平均", "分别", "均",
    "均为", "就", "已", "已经", "约为", "仅", "高达", "接近", "将近", "升至", "降至", "提升至", "增至", "达成",
    "完成投资", "增速", "增幅", "计", "总额达", "规模达", "金额", "超出", "首次", "突破性", "新增",
];

/// Words stripped from the start of a name (connectives, time and scope words).
pub const LEADING_STRIP: &[&str] = &[
    "实现", "完成", "累计", "全年", "其中", "共", "共计", "预计", "力争", "确保", "今年", "上半年", "下半年", "同时",
    "并", "和", "及", "全面", "持续", "成功", "年内", "当年", "目前", "截至", "截止", "去年", "已", "全区", "全市",
    "全省", "全县", "全国", "我区", "我市", "一年来", "过去", "五年来", "其", "还", "新", "另", "此外", "通过",
];

/// Names that say only "the growth" and so refer to the indicator named before.
pub const GROWTH_SUBJECT_ONLY: &[&str] = &["增速", "增幅", "增长", "同比增长", "比上年增长"];

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
pub const TARGET_WORDS: &[&str] = &["力争", "确保", "目标", "预期", "计划", "争取", "将", "拟", "要", "到20"];
/// Target cues strong enough to count inside a review section too.
pub const STRONG_TARGET_WORDS: &[&str] = &["力争", "确保", "预期目标", "目标是"];
/// Cues that a figure in a plan section is already done.
pub const DONE_WORDS: &[&str] = &["已", "已经", "完成了"];
