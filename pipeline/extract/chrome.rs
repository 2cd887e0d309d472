//! Page-chrome lines (breadcrumbs, share widgets, footers …) recognised by the rules in
//! `data/chrome.toml`; each removed line keeps its reason so nothing vanishes untraced.

use std::sync::OnceLock;

use regex::RegexSet;
use serde::Deserialize;

const CHROME_TOML: &str = include_str!("../../data/chrome.toml");

#[derive(Deserialize)]
struct Rule {
    reason: String,
    pattern: String,
}

#[derive(Deserialize)]
struct Rules {
    rule: Vec<Rule>,
}

struct Chrome {
    set: RegexSet,
    reasons: Vec<&'static str>,
}

fn rules() -> &'static Chrome {
    static CHROME: OnceLock<Chrome> = OnceLock::new();
    CHROME.get_or_init(|| {
        let r: Rules = toml::from_str(CHROME_TOML).expect("data/chrome.toml parses");
        let set = RegexSet::new(r.rule.iter().map(|x| x.pattern.as_str())).expect("chrome patterns compile");
        let reasons = r.rule.into_iter().map(|x| &*Box::leak(x.reason.into_boxed_str())).collect();
        Chrome { set, reasons }
    })
}

/// The removal reason when the whole (trimmed) line is page chrome.
pub fn classify(line: &str) -> Option<&'static str> {
    let t = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{A0}');
    if t.is_empty() {
        return None;
    }
    let c = rules();
    c.set.matches(t).iter().next().map(|i| c.reasons[i])
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn chrome_kinds_are_recognised() {
        assert_eq!(classify("当前位置：首页>>政务公开"), Some("breadcrumb"));
        assert_eq!(classify("首页"), Some("breadcrumb"));
        assert_eq!(classify("【字体：大 中 小】"), Some("font_widget"));
        assert_eq!(classify("打印"), Some("page_buttons"));
        assert_eq!(classify("分享到："), Some("share_widget"));
        assert_eq!(classify("发布时间: 2023-02-08 09:22:59   浏览次数:      来源: 海曙新闻网"), Some("publish_bar"));
        assert_eq!(classify("38773f9b-36b1-4376-b6b6-7e7343bd5df3size_w_2013_h_1242.jpg"), Some("image_file"));
        assert_eq!(classify("（责任编辑：张三）"), Some("editor_credit"));
        assert_eq!(classify("浙ICP备05000000号"), Some("footer"));
    }

    #[test]
    fn body_text_is_kept() {
        for body in [
            "实现社会消费品零售总额449.7亿元,增长8.2%,增速位列全市第二。",
            "一、2022年工作回顾",
            "各位代表:",
            "首页面向群众的服务全面上线。",
        ] {
            assert_eq!(classify(body), None, "{body}");
        }
    }
}
