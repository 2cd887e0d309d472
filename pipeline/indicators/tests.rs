//! Tagger tests on sentences from the seeds and the corpus, run through extract, normalize and
//! segment first so that they exercise the real pipeline.

use crate::extract::{Extractor, SourceFile};
use crate::model::{Document, FigureStatus, Measure, Qualifier, Stage};
use crate::normalize::Normalizer;
use crate::segment::Segmenter;

use super::Tagger;

pub fn tag(text: &str) -> Document {
    let f = SourceFile { rel_path: "t.txt".into(), bytes: Ok(text.as_bytes().to_vec()) };
    let mut d = Extractor.extract(&f).remove(0);
    for s in [&Normalizer as &dyn Stage, &Segmenter, &Tagger] {
        s.process(&mut d).unwrap();
    }
    d
}

fn rows(text: &str) -> Vec<(String, Measure, f64, String)> {
    tag(text).indicators.into_iter().map(|x| (x.indicator, x.measure, x.value, x.unit)).collect()
}

#[test]
fn level_with_scale_growth_and_rank_of_the_same_indicator() {
    let r = rows("累计发放消费券6600万元,实现社会消费品零售总额449.7亿元,增长8.2%,增速位列全市第二。");
    assert!(r.contains(&("社会消费品零售总额".into(), Measure::Level, 44_970_000_000.0, "CNY".into())), "{r:?}");
    assert!(r.contains(&("社会消费品零售总额".into(), Measure::Growth, 8.2, "%".into())), "{r:?}");
    assert!(r.contains(&("社会消费品零售总额".into(), Measure::Rank, 2.0, "rank".into())), "{r:?}");
    assert!(r.iter().any(|x| x.0.contains("消费券") && x.2 == 66_000_000.0), "{r:?}");
}

#[test]
fn respectively_distributes_over_paired_subjects() {
    let r = rows("城乡居民人均可支配收入分别增长4.4%、6.4%。");
    assert_eq!(r[0], ("城镇居民人均可支配收入".into(), Measure::Growth, 4.4, "%".into()));
    assert_eq!(r[1], ("农村居民人均可支配收入".into(), Measure::Growth, 6.4, "%".into()));
    let r = rows("城镇居民和农村居民人均可支配收入分别同比增长4.0%和5.6%。");
    assert_eq!(r[0].0, "城镇居民人均可支配收入");
    assert_eq!(r[1].0, "农村居民人均可支配收入");
}

#[test]
fn decline_is_negative_and_points_are_pp() {
    let r = rows("工业用电量下降20.6%,降幅收窄24.1个百分点。");
    assert!(r.iter().any(|x| x.1 == Measure::Growth && x.2 == -20.6), "{r:?}");
    assert!(r.iter().any(|x| x.1 == Measure::PpChange && x.2 == 24.1 && x.3 == "pp"), "{r:?}");
}

#[test]
fn qualifiers() {
    let d = tag("全年地区生产总值突破1500亿元;备案中方投资额近2亿美元;组织100余家外贸企业;税收占比稳定在92%以上。");
    let q: Vec<_> = d.indicators.iter().map(|x| (x.value, x.qualifier)).collect();
    assert!(q.contains(&(150_000_000_000.0, Some(Qualifier::Over))), "{q:?}");
    assert!(q.contains(&(200_000_000.0, Some(Qualifier::Approx))), "{q:?}");
    assert!(q.contains(&(100.0, Some(Qualifier::Over))), "{q:?}");
    assert!(q.contains(&(92.0, Some(Qualifier::Over))), "{q:?}");
}

#[test]
fn counts_name_the_noun_after_them() {
    let r = rows("新增2个省级公共海外仓,46个项目开工建设。");
    assert!(r.iter().any(|x| x.0 == "省级公共海外仓" && x.2 == 2.0 && x.3 == "个"), "{r:?}");
    assert!(r.iter().any(|x| x.0.contains("项目") && x.2 == 46.0), "{r:?}");
}

#[test]
fn not_mentions() {
    for s in ["2022年2月1日上午,区十二届人大二次会议开幕。", "轨道交通7号线、8号线进展顺利。", "连续9个月保持增长。", "蔚来汽车等亿元以上项目,3亿元以上项目全面开工。", "S309省道改造。", "紧紧围绕“1586”专项行动。"] {
        let r = rows(s);
        assert!(r.is_empty(), "{s}: {r:?}");
    }
}

#[test]
fn status_and_year_follow_section_and_words() {
    let d = tag("一、2022年工作回顾\n固定资产投资增长13.3%。\n二、2023年工作安排\n地区生产总值增长6%以上。\n1-6月,预计:规上工业增加值实现31.3亿元,同比增长9.5%;固定资产投资实现5.8亿元。");
    let ind = &d.indicators;
    assert_eq!((ind[0].status, ind[0].year), (FigureStatus::Actual, Some(2022)));
    assert_eq!((ind[1].status, ind[1].year), (FigureStatus::Target, Some(2023)));
    assert!(ind[2..].iter().all(|x| x.status == FigureStatus::Estimate), "{ind:?}");
    assert_eq!(ind[3].basis.as_deref(), Some("yoy"));
    assert_eq!(ind[2].period.as_deref(), Some("2023-H1"));
}

#[test]
fn spans_and_source_bytes_point_at_the_figure() {
    let src = "標題\n實現社會消費品零售總額449.7億元，增長8.2%。";
    let d = tag(src);
    let x = &d.indicators[0];
    let orig = &src.as_bytes()[x.source_byte_start as usize..x.source_byte_end as usize];
    assert_eq!(std::str::from_utf8(orig).unwrap(), "社會消費品零售總額449.7億元");
    assert_eq!(x.text, "社会消费品零售总额449.7亿元");
    assert_eq!(x.indicator_code.as_deref(), Some("retail_sales"));
}

