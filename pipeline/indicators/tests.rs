//! Tagger tests on sentences from the seeds and the corpus, run through extract, normalize and
//! segment first so that they exercise the real pipeline.

use crate::extract::{Extractor, SourceFile};
use crate::model::{Document, FigureStatus, Measure, Qualifier, Stage};
use crate::normalize::Normalizer;
use crate::segment::Segmenter;

use super::Tagger;

pub fn tag(text: &str) -> Document {
    let f = SourceFile {
        rel_path: "t.txt".into(),
        bytes: Ok(text.as_bytes().to_vec()),
    };
    let mut d = Extractor.extract(&f).remove(0);
    for s in [&Normalizer as &dyn Stage, &Segmenter, &Tagger] {
        s.process(&mut d).unwrap();
    }
    d
}

fn rows(text: &str) -> Vec<(String, Measure, f64, String)> {
    tag(text)
        .indicators
        .into_iter()
        .map(|x| (x.indicator, x.measure, x.value, x.unit.to_string()))
        .collect()
}

#[test]
fn level_with_scale_growth_and_rank_of_the_same_indicator() {
    let r =
        rows("累计发放消费券6600万元,实现社会消费品零售总额449.7亿元,增长8.2%,增速位列全市第二。");
    assert!(
        r.contains(&(
            "社会消费品零售总额".into(),
            Measure::Level,
            44_970_000_000.0,
            "CNY".into()
        )),
        "{r:?}"
    );
    assert!(
        r.contains(&(
            "社会消费品零售总额".into(),
            Measure::Growth,
            8.2,
            "%".into()
        )),
        "{r:?}"
    );
    assert!(
        r.contains(&(
            "社会消费品零售总额".into(),
            Measure::Rank,
            2.0,
            "rank".into()
        )),
        "{r:?}"
    );
    assert!(
        r.iter()
            .any(|x| x.0.contains("消费券") && x.2 == 66_000_000.0),
        "{r:?}"
    );
}

#[test]
fn respectively_distributes_over_paired_subjects() {
    let r = rows("城乡居民人均可支配收入分别增长4.4%、6.4%。");
    assert_eq!(
        r[0],
        (
            "城镇居民人均可支配收入".into(),
            Measure::Growth,
            4.4,
            "%".into()
        )
    );
    assert_eq!(
        r[1],
        (
            "农村居民人均可支配收入".into(),
            Measure::Growth,
            6.4,
            "%".into()
        )
    );
    let r = rows("城镇居民和农村居民人均可支配收入分别同比增长4.0%和5.6%。");
    assert_eq!(r[0].0, "城镇居民人均可支配收入");
    assert_eq!(r[1].0, "农村居民人均可支配收入");
}

#[test]
fn decline_is_negative_and_points_are_pp() {
    let r = rows("工业用电量下降20.6%,降幅收窄24.1个百分点。");
    assert!(
        r.iter().any(|x| x.1 == Measure::Growth && x.2 == -20.6),
        "{r:?}"
    );
    assert!(
        r.iter()
            .any(|x| x.1 == Measure::PpChange && x.2 == 24.1 && x.3 == "pp"),
        "{r:?}"
    );
}

#[test]
fn qualifiers() {
    let d = tag("全年地区生产总值突破1500亿元;备案中方投资额近2亿美元;组织100余家外贸企业;税收占比稳定在92%以上。");
    let q: Vec<_> = d
        .indicators
        .iter()
        .map(|x| (x.value, x.qualifier))
        .collect();
    assert!(
        q.contains(&(150_000_000_000.0, Some(Qualifier::Over))),
        "{q:?}"
    );
    assert!(
        q.contains(&(200_000_000.0, Some(Qualifier::Approx))),
        "{q:?}"
    );
    assert!(q.contains(&(100.0, Some(Qualifier::Over))), "{q:?}");
    assert!(q.contains(&(92.0, Some(Qualifier::Over))), "{q:?}");
}

#[test]
fn counts_name_the_noun_after_them() {
    let r = rows("新增2个省级公共海外仓,46个项目开工建设。");
    assert!(
        r.iter()
            .any(|x| x.0 == "省级公共海外仓" && x.2 == 2.0 && x.3 == "个"),
        "{r:?}"
    );
    assert!(
        r.iter().any(|x| x.0.contains("项目") && x.2 == 46.0),
        "{r:?}"
    );
}

#[test]
fn not_mentions() {
    for s in [
        "2022年2月1日上午,区十二届人大二次会议开幕。",
        "轨道交通7号线、8号线进展顺利。",
        "连续9个月保持增长。",
        "蔚来汽车等亿元以上项目,3亿元以上项目全面开工。",
        "S309省道改造。",
        "紧紧围绕“1586”专项行动。",
    ] {
        let r = rows(s);
        assert!(r.is_empty(), "{s}: {r:?}");
    }
}

#[test]
fn status_and_year_follow_section_and_words() {
    let d = tag("一、2022年工作回顾\n固定资产投资增长13.3%。\n二、2023年工作安排\n地区生产总值增长6%以上。\n1-6月,预计:规上工业增加值实现31.3亿元,同比增长9.5%;固定资产投资实现5.8亿元。");
    let ind = &d.indicators;
    assert_eq!(
        (ind[0].status, ind[0].year),
        (FigureStatus::Actual, Some(2022))
    );
    assert_eq!(
        (ind[1].status, ind[1].year),
        (FigureStatus::Target, Some(2023))
    );
    assert!(
        ind[2..].iter().all(|x| x.status == FigureStatus::Estimate),
        "{ind:?}"
    );
    assert_eq!(ind[3].basis.as_deref(), Some("yoy"));
    assert_eq!(ind[2].period.as_deref(), Some("2023-01/06"));
}

#[test]
fn spans_and_source_bytes_point_at_the_figure() {
    let src = "標題\n實現社會消費品零售總額449.7億元，增長8.2%。";
    let d = tag(src);
    let x = &d.indicators[0];
    let orig = &src.as_bytes()[x.source_byte_start as usize..x.source_byte_end as usize];
    assert_eq!(
        std::str::from_utf8(orig).unwrap(),
        "社會消費品零售總額449.7億元"
    );
    assert_eq!(x.text, "社会消费品零售总额449.7亿元");
    assert_eq!(x.indicator_code.as_deref(), Some("retail_sales"));
}

/// (indicator, measure, value, unit, qualifier) of every row.
fn full(text: &str) -> Vec<(String, Measure, f64, String, Option<Qualifier>)> {
    tag(text)
        .indicators
        .into_iter()
        .map(|x| (x.indicator, x.measure, x.value, x.unit.to_string(), x.qualifier))
        .collect()
}

fn has(
    r: &[(String, Measure, f64, String, Option<Qualifier>)],
    m: Measure,
    v: f64,
    unit: &str,
) -> bool {
    r.iter()
        .any(|x| x.1 == m && (x.2 - v).abs() <= 1e-6 * v.abs().max(1.0) && x.3 == unit)
}

#[test]
fn arabic_numbers_with_separators_decimals_and_mixed_scales() {
    let r = full(
        "全区完成全社会固定资产投资1,257.3亿元,国内生产总值达到99.1万亿元,累计发放消费券3千万元。",
    );
    assert!(has(&r, Measure::Level, 125_730_000_000.0, "CNY"), "{r:?}");
    assert!(
        has(&r, Measure::Level, 99_100_000_000_000.0, "CNY"),
        "{r:?}"
    );
    assert!(has(&r, Measure::Level, 30_000_000.0, "CNY"), "{r:?}");
    let d = tag("全区完成全社会固定资产投资1,257.3亿元。");
    let x = &d.indicators[0];
    assert_eq!(
        (x.value_text.as_str(), x.unit_text.as_str(), x.multiplier),
        ("1,257.3", "亿元", 1e8)
    );
}

#[test]
fn chinese_numerals_count() {
    // Seeds 000 and 001.
    let r = full("组织三批次100余家外贸企业出境抢订单。");
    assert!(
        has(&r, Measure::Level, 3.0, "批次") && has(&r, Measure::Level, 100.0, "家"),
        "{r:?}"
    );
    let r = full("因时因势出台三轮区级助企纾困政策。");
    assert!(
        r.iter()
            .any(|x| x.2 == 3.0 && x.3 == "轮" && x.0.contains("政策")),
        "{r:?}"
    );
    let r = full("高质量完成八方面民生实事工程。");
    assert!(has(&r, Measure::Level, 8.0, "方面"), "{r:?}");
    let r = full("新建一百零五个村级服务站,城镇新增就业两万人。");
    assert!(has(&r, Measure::Level, 105.0, "个"), "{r:?}");
    assert!(has(&r, Measure::Level, 20_000.0, "人"), "{r:?}");
    // "二千一百一十六个" is one numeral even where jieba splits it (corpus nat_1954).
    let r = full("全国共有二千一百一十六个县。");
    assert!(has(&r, Measure::Level, 2116.0, "个"), "{r:?}");
}

#[test]
fn chinese_percent_per_ten_thousand_and_fractions() {
    // Corpus nat_1954 and seed 002.
    let r = full("工业总产值平均每年递增百分之三十六点九。");
    assert!(has(&r, Measure::Growth, 36.9, "%"), "{r:?}");
    let r = full("妇女代表占全体代表的百分之十七点三一。");
    assert!(has(&r, Measure::Ratio, 17.31, "%"), "{r:?}");
    let r = full("全区实现外贸自营出口额443.4亿元,份额占全国比提升至万分之24.7,同比增长19.8%。");
    assert!(has(&r, Measure::Ratio, 0.247, "%"), "{r:?}");
    assert!(
        r.iter()
            .any(|x| x.1 == Measure::Growth && x.0 == "外贸自营出口额"),
        "the share keeps the subject: {r:?}"
    );
    // Corpus city_baoding_2026 and nat_2015.
    let r = full("省级以上专精特新企业数量占全省四分之一。");
    assert!(has(&r, Measure::Ratio, 25.0, "%"), "{r:?}");
    let r = full("专项转移支付项目比上年减少1/3以上。");
    assert!(
        r.iter().any(|x| x.1 == Measure::Growth
            && (x.2 + 100.0 / 3.0).abs() < 1e-6
            && x.4 == Some(Qualifier::Over)),
        "{r:?}"
    );
}

#[test]
fn multiples_and_doubling() {
    let r = full("跨境电商进出口额增长1.1倍。");
    assert!(has(&r, Measure::Growth, 110.0, "%"), "{r:?}");
    let r = full("国内生产总值在2000年的基础上基本实现翻一番。");
    assert!(has(&r, Measure::Growth, 100.0, "%"), "{r:?}");
    assert!(r[0].0.contains("国内生产总值"), "{r:?}");
    let d = tag("国内生产总值在2000年的基础上基本实现翻一番。");
    assert_eq!(
        d.indicators[0].year, None,
        "2000 is the base, not the year of the figure"
    );
}

#[test]
fn ranges_are_written_as_their_lower_bound() {
    let d = tag("地区生产总值增长6%-7%,引进项目投资七八千万元。");
    let g = d
        .indicators
        .iter()
        .find(|x| x.measure == Measure::Growth)
        .unwrap_or_else(|| panic!("growth row: {:?}", d.indicators));
    assert_eq!(
        (g.value, g.qualifier, g.rule),
        (6.0, Some(Qualifier::Over), "growth_range")
    );
    assert!(
        g.text.contains("6%-7%"),
        "the span keeps the whole range: {}",
        g.text
    );
    let l = d
        .indicators
        .iter()
        .find(|x| x.measure == Measure::Level)
        .expect("level row");
    assert_eq!(
        (l.value, l.unit, l.qualifier),
        (70_000_000.0, "CNY", Some(Qualifier::Approx))
    );
    let r = full("研发投入强度提高到2%至2.5%。");
    assert!(
        r.iter()
            .any(|x| x.1 == Measure::Ratio && x.2 == 2.0 && x.4 == Some(Qualifier::Over)),
        "{r:?}"
    );
}

#[test]
fn units_from_the_code_book() {
    let r = full("新增建设用地1052亩,新建改造农村公路120公里,新增各类绿地32.5公顷,粮食总产量达到12万吨,新增光伏并网容量4万千瓦,完成39平方公里片区规划,新建厂房8.6万平方米。");
    for (v, u) in [
        (1052.0, "mu"),
        (120.0, "km"),
        (32.5, "ha"),
        (120_000.0, "t"),
        (40_000.0, "kW"),
        (39.0, "km2"),
        (86_000.0, "m2"),
    ] {
        assert!(has(&r, Measure::Level, v, u), "{v} {u}: {r:?}");
    }
    // Seed 003: 万方 is floor area; 名 counts people.
    let r = full("已完成21万方拆除任务,20名街道干部定期上门走访帮扶。");
    assert!(
        has(&r, Measure::Level, 210_000.0, "m2") && has(&r, Measure::Level, 20.0, "人"),
        "{r:?}"
    );
    assert!(
        r.iter().any(|x| x.0.contains("拆除任务")) && r.iter().any(|x| x.0.contains("街道干部")),
        "{r:?}"
    );
}

#[test]
fn measures_and_basis() {
    let d = tag("规上工业增加值同比增长7.0%,环比下降1.2%,较上年回落1.5个百分点。税收占比92%,满意率96.9%,81个重点项目完成投资160亿元,完成年度计划的106%,增速位列全市第二。");
    let ind = &d.indicators;
    let find = |m: Measure, v: f64| {
        ind.iter()
            .find(|x| x.measure == m && (x.value - v).abs() < 1e-9)
            .unwrap_or_else(|| panic!("{m:?} {v}: {ind:?}"))
    };
    assert_eq!(find(Measure::Growth, 7.0).basis.as_deref(), Some("yoy"));
    assert_eq!(find(Measure::Growth, -1.2).basis.as_deref(), Some("mom"));
    assert_eq!(find(Measure::PpChange, -1.5).unit, "pp");
    assert_eq!(find(Measure::Ratio, 92.0).indicator, "税收占比");
    assert!(find(Measure::Ratio, 96.9).indicator.contains("满意率"));
    assert!(find(Measure::Ratio, 106.0)
        .indicator
        .ends_with("年度计划完成率"));
    let rank = find(Measure::Rank, 2.0);
    assert_eq!(
        (rank.unit, rank.rank_scope.as_deref()),
        ("rank", Some("全市"))
    );
    // Decision 7: a gap to another area is a pp_change of the indicator named before.
    let r = full("限上批发业销售额增长20.1%,高于全市3.4个百分点。");
    assert!(
        r.iter()
            .any(|x| x.1 == Measure::PpChange && x.2 == 3.4 && x.0.ends_with("批发业销售额")),
        "{r:?}"
    );
    // "收窄" is a positive change in points.
    let r = full("降幅收窄24.1个百分点。");
    assert!(has(&r, Measure::PpChange, 24.1, "pp"), "{r:?}");
}

#[test]
fn all_qualifiers() {
    let cases = [
        ("地区生产总值约300亿元。", Some(Qualifier::Approx)),
        ("接待游客近200万人次。", Some(Qualifier::Approx)),
        ("地区生产总值增长6%左右。", Some(Qualifier::Approx)),
        ("进出口总额超过1000亿元。", Some(Qualifier::Over)),
        ("地区生产总值突破300亿元。", Some(Qualifier::Over)),
        ("新增就业逾3万人。", Some(Qualifier::Over)),
        ("引进企业50多家。", Some(Qualifier::Over)),
        ("地区生产总值增长6%以上。", Some(Qualifier::Over)),
        ("城镇登记失业率控制在4.5%以内。", Some(Qualifier::Under)),
        ("居民消费价格涨幅不超过3%。", Some(Qualifier::Under)),
        ("万元生产总值能耗下降不到2%。", Some(Qualifier::Under)),
        ("城镇调查失业率5.5%以下。", Some(Qualifier::Under)),
        ("地区生产总值300亿元。", None),
    ];
    for (s, q) in cases {
        let r = full(s);
        assert_eq!(r.len(), 1, "{s}: {r:?}");
        assert_eq!(r[0].4, q, "{s}: {r:?}");
    }
}

#[test]
fn list_rules() {
    // Distribution in order, with a shared head after 等 and after 的 (seed 002).
    let r = full("金属材料类、化工材料类等重点行业销售额分别同比增长26.1%、43.7%。");
    assert_eq!((r[0].0.as_str(), r[0].2), ("金属材料类销售额", 26.1));
    assert_eq!((r[1].0.as_str(), r[1].2), ("化工材料类销售额", 43.7));
    let r = full("对欧盟、美国的出口分别同比增长18.4%、24.4%。");
    assert_eq!(
        (r[0].0.as_str(), r[1].0.as_str()),
        ("对欧盟出口", "对美国出口")
    );
    // Decision 11: one number for two indicators.
    let r = full("信访件满意率和效能指数均为100%。");
    assert_eq!(r.len(), 2, "{r:?}");
    // The guideline's four-mention example.
    let r = full("办理人大建议198件、政协提案169件,办理结果满意率分别达96.9%和98.2%。");
    assert_eq!(r.len(), 4, "{r:?}");
    assert!(
        r[2].0.contains("人大建议") && r[2].0.contains("满意率") && r[3].0.contains("政协提案"),
        "{r:?}"
    );
    // "分别完成年度计划的…" after the figures it refers to (seed 002).
    let r = full("实际利用外资11979万美元,实到大市外内资134.5亿元、浙商回归资金84亿元,分别完成年度计划的67.3%、120%、110%。");
    let rates: Vec<&str> = r
        .iter()
        .filter(|x| x.1 == Measure::Ratio)
        .map(|x| x.0.as_str())
        .collect();
    assert_eq!(rates.len(), 3, "{r:?}");
    assert!(
        rates[0].starts_with("实际利用外资") && rates[2].starts_with("浙商回归资金"),
        "{rates:?}"
    );
    // Decision 6: several indicators ranked together give one rank row each (seed 004).
    let r = full("实际到位外资、结构性投资多项指标夺得全市第一。");
    let ranks: Vec<&str> = r
        .iter()
        .filter(|x| x.1 == Measure::Rank)
        .map(|x| x.0.as_str())
        .collect();
    assert_eq!(ranks, vec!["实际到位外资", "结构性投资"]);
    // Units shared across a list: "24.1个、28.8个百分点" (seed 002).
    let r = full(
        "住宿业、餐饮业等生活消费分别同比下降20.6%、6.5%,较一季度分别收窄24.1个、28.8个百分点。",
    );
    assert!(
        has(&r, Measure::PpChange, 24.1, "pp") && has(&r, Measure::PpChange, 28.8, "pp"),
        "{r:?}"
    );
    assert_eq!(
        r.iter()
            .filter(|x| x.1 == Measure::PpChange)
            .map(|x| x.0.as_str())
            .collect::<Vec<_>>(),
        vec!["住宿业", "餐饮业"]
    );
}

#[test]
fn names_carry_over_and_stay_short() {
    let r = full("全区通过公共网络实现零售额74.8亿元,同比增长66.0%。");
    assert_eq!(r[0].0, "公共网络零售额");
    assert_eq!(r[1].0, "公共网络零售额");
    let r = full("限上社会消费品零售总额实现7.9亿元,同比增加32%。");
    assert_eq!(r[1].0, "限上社会消费品零售总额");
    let r = full("建成70个“15分钟品质文化生活圈”、2个城市书房。");
    assert_eq!(r[0].0, "“15分钟品质文化生活圈”");
    assert_eq!(r[1].0, "城市书房");
    let r = full("为296名老年人发放高龄津贴9.7万元。");
    assert_eq!(r[0].0, "老年人");
}

#[test]
fn status_words_and_section_roles() {
    let d = tag("一、2022年工作回顾\n全年地区生产总值增长3.5%,力争明年实现规上工业增加值增长8%。\n二、2023年工作安排\n地区生产总值增长6%以上,已完成投资20亿元。\n预计全年财政收入增长5%。");
    let st: Vec<(f64, FigureStatus, Option<i32>)> = d
        .indicators
        .iter()
        .map(|x| (x.value, x.status, x.year))
        .collect();
    assert_eq!(st[0], (3.5, FigureStatus::Actual, Some(2022)));
    assert_eq!(
        st[1].1,
        FigureStatus::Target,
        "力争 in a review section: {st:?}"
    );
    assert_eq!(st[2], (6.0, FigureStatus::Target, Some(2023)));
    assert_eq!(
        st[3].1,
        FigureStatus::Actual,
        "已 in a plan section: {st:?}"
    );
    assert_eq!(st[4].1, FigureStatus::Estimate);
    // Decision 1: a fragment with no dated heading has no year.
    let d = tag("(四)全力实施开放带动\n一般公共预算民生支出增长26%。");
    assert_eq!(d.indicators[0].year, None);
}

#[test]
fn more_not_mentions() {
    for s in [
        "开通第五航权航线。",
        "“十四五”规划顺利开局。",
        "服务热线81890全天候运行。",
        "新增5A级景区。",
        "220千伏洪塘变电站迁建。",
        "全市首个、首家数字化工厂落户。",
        "营商环境评价全市最优。",
        "重点做好以下五方面工作:",
        "始终牢记“三个务必”,严格落实中央八项规定精神。",
        "打通治理与服务的“最后1公里”。",
        "详见https://www.example.gov.cn/art/2022/3/15/art_123.html。",
        "2022年2月1日上午。",
    ] {
        let r = rows(s);
        assert!(r.is_empty(), "{s}: {r:?}");
    }
}

#[test]
fn flagged_spans_yield_no_rows() {
    let f = SourceFile {
        rel_path: "t.txt".into(),
        bytes: Ok("地区生产总值增长8.2%。".as_bytes().to_vec()),
    };
    let mut d = Extractor.extract(&f).remove(0);
    Normalizer.process(&mut d).unwrap();
    Segmenter.process(&mut d).unwrap();
    for p in &mut d.paragraphs {
        let n = p.text.chars().count() as u32;
        p.flagged = vec![(0, n)];
    }
    Tagger.process(&mut d).unwrap();
    assert!(d.indicators.is_empty(), "{:?}", d.indicators);
}

#[test]
fn lead_marks_read_what_lead_of_reads() {
    use super::{lead_of, LeadMarks};
    // Every window and end of paragraphs with stops, enumerations (二是), non-enumeration 是,
    // and estimate cues with both colons.
    let paras = [
        "1-6月,预计:全区生产总值增长5%;财政收入增长3%。二是预测：出口增长2%。三是就业稳定!好?",
        "预估:一是工业增长6%,这是好事。预计：二是投资增长7%;是否达到?再说。",
        "没有任何标记的段落文字",
        "是:预计:",
        // Wide and ASCII marks interleaved, so the two searches' finds must be merged in order.
        "预计:甲。乙!丙：丁?二是戊:预计：己。",
        "预估：一是甲!二是乙:预测:丙？三是:丁。!?：",
    ];
    for text in paras {
        // Scanned as the tagger scans: only up to each sentence's start, in order.
        let mut marks = LeadMarks::default();
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        for (n, &end) in bounds.iter().enumerate() {
            marks.scan_to(text, end);
            for &window in &bounds[..=n] {
                assert_eq!(
                    marks.lead(text, window, end),
                    lead_of(&text[window..end]),
                    "{text} [{window}..{end}]"
                );
            }
        }
    }
}

#[test]
fn qualifier_before_reads_the_two_words_as_one_text() {
    use super::{qualifier_before, words_of};
    use crate::model::Token;
    // What it read when it joined the two words into a String.
    let joined = |ws: &[&str]| -> Option<Qualifier> {
        let w: String = ws.concat();
        if w.is_empty() {
            return None;
        }
        super::QUALIFIER_BEFORE
            .iter()
            .filter(|(k, _)| w == *k || w.ends_with(k))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, q)| *q)
    };
    let words = [
        "",
        "不",
        "超",
        "过",
        "超过",
        "不超过",
        "约",
        "大",
        "大约",
        "约为",
        "将",
        "近",
        "将近",
        "低于",
        "于",
        "不到",
        "到",
        "足",
        "不足",
        "x",
        "突破",
        "逾",
        "增长",
        "超出",
        "是",
    ];
    let tok = |w: &str| Token {
        sentence_index: 0,
        index: 0,
        word: w.into(),
        pos: "x",
        char_start: 0,
        char_end: 0,
    };
    for a in words {
        for b in words {
            let toks = [tok(a), tok(b), tok("5%")];
            let ws = words_of(&toks, &[]);
            assert_eq!(qualifier_before(&ws, 2), joined(&[a, b]), "{a}/{b}");
            assert_eq!(qualifier_before(&ws[1..], 1), joined(&[b]), "{b}");
        }
    }
    let toks = [tok("5%")];
    let ws = words_of(&toks, &[]);
    assert_eq!(qualifier_before(&ws, 0), None);
}

#[test]
fn words_carry_the_figure_of_their_own_token() {
    use super::{figure, figures_of, words_of};
    use crate::model::Token;
    // figures_of/words_of against parsing each quantity word on its own (what a W did).
    let q = crate::segment::words::TAG_QUANTITY;
    let spec: [(&str, &str); 9] = [
        ("地区生产总值", "n"),
        ("449.7亿元", q),
        ("增长", "v"),
        ("8.2%", q),
        ("三", q),
        ("、", "x"),
        ("46个", q),
        ("5%", "x"),
        ("1/4", q),
    ];
    let toks: Vec<Token> = spec
        .iter()
        .enumerate()
        .map(|(i, &(w, pos))| Token {
            sentence_index: 0,
            index: i as u32,
            word: w.into(),
            pos,
            char_start: 0,
            char_end: 0,
        })
        .collect();
    let figs = figures_of(&toks);
    let ws = words_of(&toks, &figs);
    assert_eq!(ws.len(), toks.len());
    for (w, tok) in ws.iter().zip(&toks) {
        let own = if tok.pos == q { figure::parse(&tok.word) } else { None };
        assert_eq!(w.fig.cloned(), own, "{}", tok.word);
        assert_eq!(w.word(), tok.word.as_str());
    }
    assert!(ws.iter().filter(|w| w.fig.is_some()).count() >= 4);
}

#[test]
fn char_offsets_are_the_char_starts() {
    use super::CharOffsets;
    // One buffer for every text, as the tagger shares it between a document's sentences:
    // a longer text before a shorter one leaves nothing of its table behind.
    let mut buffer = Vec::new();
    for text in ["", "a", "“三个务必”,1-6月：GDP＋5‰😀é,。", "增长8.2%", "😀😀x", ""] {
        let mut offsets = CharOffsets::new(text, &mut buffer);
        let want: Vec<u32> = text
            .char_indices()
            .map(|(i, _)| i as u32)
            .chain(std::iter::once(text.len() as u32))
            .collect();
        assert_eq!(offsets.offsets(), &want[..], "{text}");
        let n = want.len() - 1;
        assert_eq!(offsets.byte(n), text.len());
        assert_eq!(offsets.byte_or_end(n + 1), text.len());
    }
}

#[test]
fn is_one_of_is_contains() {
    use super::words::{is_one_of, AFTER_NOT_NAME, COMPARE_WORDS, INNER_DROP};
    for list in [INNER_DROP, AFTER_NOT_NAME, COMPARE_WORDS, &["", "a", "实现"][..]] {
        for w in ["", "a", "b", "实现", "实", "现", "实践", "达到", "高于", "大关", "目标", "标", "ab"] {
            assert_eq!(is_one_of(list, w), list.contains(&w), "{w} in {list:?}");
        }
        for w in list {
            assert!(is_one_of(list, w));
        }
    }
}

/// The seeds and the shared corpus (when GOVREPORT_CORPUS names it), each run through extract,
/// normalize and segment: real paragraphs and sentences for the fast paths to be compared on.
fn segmented_real_documents() -> Vec<Document> {
    let mut docs = Vec::new();
    for path in crate::segment::test_texts::seed_and_corpus_files() {
        let f = SourceFile {
            rel_path: path.file_name().unwrap().to_string_lossy().into_owned(),
            bytes: Ok(std::fs::read(&path).unwrap()),
        };
        for mut d in Extractor.extract(&f) {
            for s in [&Normalizer as &dyn Stage, &Segmenter] {
                s.process(&mut d).unwrap();
            }
            docs.push(d);
        }
    }
    assert!(docs.len() >= 5, "{}", docs.len());
    docs
}

#[test]
fn lead_marks_read_what_lead_of_reads_on_real_paragraphs() {
    use super::{lead_of, LeadMarks, LEAD_WINDOW_BYTES};
    let mut leads = 0;
    for d in segmented_real_documents() {
        for p in &d.paragraphs {
            // Every sentence start of the paragraph, in order, as the tagger asks.
            let mut marks = LeadMarks::default();
            let mut end: usize = 0;
            for s in d.sentences.iter().filter(|s| s.paragraph_index == p.index) {
                let mut window = end.saturating_sub(LEAD_WINDOW_BYTES);
                while !p.text.is_char_boundary(window) {
                    window += 1;
                }
                marks.scan_to(&p.text, end);
                assert_eq!(marks.lead(&p.text, window, end), lead_of(&p.text[window..end]));
                leads += 1;
                end = (end + s.text(p).len()).min(p.text.len());
            }
        }
    }
    assert!(leads > 1000, "{leads}");
}

/// [`super::section::inherited`] as it read before paragraphs were searched for the cue first:
/// every sentence searched. The reference the tests hold it to.
fn inherited_by_every_sentence(d: &Document) -> Vec<super::section::Section> {
    use super::section::Section;
    use crate::extract::structure::role_of;
    let (mut year, mut role) = (None, None);
    let mut out = Vec::new();
    for p in &d.paragraphs {
        if p.section_year.is_some() {
            year = p.section_year;
        }
        if p.section_role != crate::model::SectionRole::Other {
            role = Some(p.section_role);
        }
        out.push(Section {
            role: if p.section_role != crate::model::SectionRole::Other {
                p.section_role
            } else {
                role.unwrap_or_default()
            },
            year: p.section_year.or(year),
        });
        for s in d.sentences.iter().filter(|s| s.paragraph_index == p.index) {
            let text = s.text(p);
            if let Some(k) = text.find("如下") {
                let head = &text[..k];
                if let Some(y) = crate::numeral::first_year_in(head) {
                    year = Some(y);
                    if let Some(r) = role_of(head, d.meta.report_year) {
                        role = Some(r);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn inherited_sections_search_sentences_only_in_paragraphs_with_the_cue() {
    use super::section;
    let mut cues = 0;
    for d in segmented_real_documents() {
        cues += d.sentences.iter().filter(|s| d.sentence_text(s).contains("如下")).count();
        // Sentences are cut from their paragraph's text, and tile it.
        for p in &d.paragraphs {
            let mut at = 0;
            for s in d.sentences.iter().filter(|s| s.paragraph_index == p.index) {
                assert_eq!(s.text_bytes.0 as usize, at, "sentence {} of paragraph {}", s.index, p.index);
                at = s.text_bytes.1 as usize;
                assert!(p.text.get(s.text_bytes.0 as usize..at).is_some());
            }
        }
        assert_eq!(
            section::inherited(&d.paragraphs, &d.sentences, d.meta.report_year),
            inherited_by_every_sentence(&d)
        );
    }
    assert!(cues > 0);
}

#[test]
fn sentences_hold_the_range_of_their_tokens_and_whether_one_is_a_quantity() {
    // The tagger reads each sentence's tokens by this range, and skips sentences without a
    // quantity word by the flag: both must say what a walk over the tokens says.
    let (mut with, mut without) = (0, 0);
    for d in segmented_real_documents() {
        let mut at = 0;
        for s in &d.sentences {
            let (a, b) = (s.tokens.0 as usize, s.tokens.1 as usize);
            // The ranges tile the tokens in sentence order.
            assert_eq!(a, at, "sentence {} of {}", s.index, d.source_file);
            let mut end = a;
            while end < d.tokens.len() && d.tokens[end].sentence_index == s.index {
                end += 1;
            }
            assert_eq!(b, end, "sentence {} of {}", s.index, d.source_file);
            let walked = d.tokens[a..b].iter().any(|t| t.pos == crate::segment::words::TAG_QUANTITY);
            assert_eq!(s.has_quantity, walked, "sentence {} of {}", s.index, d.source_file);
            if walked {
                with += 1;
            } else {
                without += 1;
            }
            at = b;
        }
        assert_eq!(at, d.tokens.len(), "{}", d.source_file);
    }
    assert!(with > 100 && without > 100, "{with} sentences with a quantity, {without} without");
}

/// Crafted reports where "如下" intros date (and give a role to) what follows, beside intros
/// that must change nothing: the year after the cue, in an earlier sentence of the paragraph,
/// or only in the cue's sentence after it; two intros in one paragraph; ASCII and wide
/// terminators; "如下" inside another word ("比如下一步"). Sections as the every-sentence
/// reading gives them, and the intros do change sections.
#[test]
fn inherited_sections_follow_crafted_intro_sentences() {
    use super::section;
    let reports = [
        "2023年政府工作报告\n\
         一、2022年工作回顾\n\
         过去一年,全市地区生产总值增长5%。\n\
         今年是开局之年。2024年发展目标及重点工作如下:地区生产总值增长6%。\n\
         固定资产投资增长8%。\n\
         回顾2021年工作,主要情况如下：规上工业增加值增长7%!\n\
         社会消费品零售总额增长4%。\n",
        "2022年区政府工作报告\n\
         各位代表:\n\
         2025年,主要预期目标如下?一般公共预算收入增长3%。2026年工作安排如下;外贸进出口增长2%。\n\
         城乡居民人均可支配收入增长5%。\n\
         主要目标如下,2027年实现翻番。\n\
         居民收入增长6%。\n\
         2028年全面完成。重点工作如下:\n\
         新增就业1万人。\n\
         比如下一步2029年的任务,粮食产量稳定。\n\
         粮食产量达到50万吨。\n",
    ];
    let (mut changed, mut cues) = (0, 0);
    for text in reports {
        let f = SourceFile {
            rel_path: "t.txt".into(),
            bytes: Ok(text.as_bytes().to_vec()),
        };
        let mut d = Extractor.extract(&f).remove(0);
        for s in [&Normalizer as &dyn Stage, &Segmenter] {
            s.process(&mut d).unwrap();
        }
        cues += d.sentences.iter().filter(|s| d.sentence_text(s).contains("如下")).count();
        let got = section::inherited(&d.paragraphs, &d.sentences, d.meta.report_year);
        assert_eq!(got, inherited_by_every_sentence(&d), "{text}");
        // What the headings alone give: the intros are what differs.
        let by_headings = section::inherited(&d.paragraphs, &[], d.meta.report_year);
        changed += got.iter().zip(&by_headings).filter(|(a, b)| a != b).count();
    }
    assert!(cues >= 7, "{cues} intro sentences");
    assert!(changed >= 4, "{changed} sections changed by the intros");
}
