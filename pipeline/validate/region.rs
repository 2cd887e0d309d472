//! Which region a report is about, so that one year's targets can be paired with the next
//! year's report of the same region. facts.rs tries the sources in one fixed order: the input
//! folder, `documents.region`, the opening lines ([`from_text`]), the file name.

use std::sync::OnceLock;

use regex::Regex;

/// One spelling per region: the national level is 全国 whether a header said 中国 or 全国.
pub fn canonical(region: &str) -> String {
    match region.trim() {
        "中国" | "全国" | "中华人民共和国" | "国务院" => "全国".to_string(),
        r => r.to_string(),
    }
}

/// The input sub-folder a file lies in (`baoding/2018.txt` → `baoding`); None at the top level.
pub fn from_folder(source_file: &str) -> Option<String> {
    let (dir, _) = source_file.rsplit_once('/')?;
    Some(dir.to_string()).filter(|d| !d.is_empty())
}

/// The file name without its extension and a delimited year (`dist_hailar_2014.txt` →
/// `dist_hailar`); None when the name holds no year, since it then names one report only.
pub fn from_file_name(source_file: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(?:^|[_\-. ])(?:19|20)\d{2}(?:$|[_\-. ])").unwrap());
    let name = source_file.rsplit('/').next().unwrap_or(source_file);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let m = re.find(stem)?;
    let rest = format!("{}{}", &stem[..m.start()], &stem[m.end()..]);
    let rest = rest.trim_matches(|c: char| c == '_' || c == '-' || c == '.' || c == ' ');
    Some(rest.to_string()).filter(|r| !r.is_empty())
}

fn patterns() -> &'static [Regex] {
    static RE: OnceLock<Vec<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        let place = r"([\p{Han}]{1,12}?(?:自治区|自治州|自治县|特别行政区|省|市|县|区|旗|州|盟))";
        vec![
            // 发文单位：保定市人民政府
            Regex::new(&format!(r"(?:发文单位|发布单位|来源)[:：]\s*{place}人民政府")).unwrap(),
            // 在保定市第十五届人民代表大会
            Regex::new(&format!(r"在{place}第[一二三四五六七八九十百\d]+届人民代表大会")).unwrap(),
            // 高阳县2019年政府工作报告 / 2021年保定市政府工作报告
            Regex::new(&format!(r"^(?:标题[:：])?\s*(?:(?:19|20)\d{{2}}年)?{place}(?:(?:19|20)\d{{2}}年)?(?:人民)?政府工作报告")).unwrap(),
        ]
    })
}

/// A region named in a report's opening lines; 全国 for the national report.
pub fn from_text(head: &str) -> Option<String> {
    for line in head.lines() {
        for re in patterns() {
            if let Some(c) = re.captures(line.trim()) {
                return Some(c[1].to_string());
            }
        }
    }
    if head.contains("全国人民代表大会") || head.contains("我代表国务院") {
        return Some("全国".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_level_has_one_spelling() {
        assert_eq!(canonical("中国"), "全国");
        assert_eq!(canonical(" 全国 "), "全国");
        assert_eq!(canonical("保定市"), "保定市");
    }

    #[test]
    fn regions_from_folders_names_and_report_headers() {
        assert_eq!(from_folder("baoding/2018.txt").as_deref(), Some("baoding"));
        assert_eq!(from_folder("2018.txt"), None);
        assert_eq!(from_file_name("dist_hailar_2014.txt").as_deref(), Some("dist_hailar"));
        assert_eq!(from_file_name("2014-hailar.md").as_deref(), Some("hailar"));
        assert_eq!(from_file_name("000_2ee2e79b26ac3452.txt"), None);
        // Header lines as the corpus writes them.
        assert_eq!(from_text("标题：政府工作报告——2018年2月10日在保定市第十五届人民代表大会第三次会议上").as_deref(), Some("保定市"));
        assert_eq!(from_text("标题：2021年保定市政府工作报告\n发文单位：保定市人民政府").as_deref(), Some("保定市"));
        assert_eq!(from_text("标题：高阳县2019年政府工作报告").as_deref(), Some("高阳县"));
        assert_eq!(from_text("——2013年2月28日在海拉尔区第十四届人民代表大会第二次会议上").as_deref(), Some("海拉尔区"));
        assert_eq!(from_text("现在，我代表国务院，向大会报告政府工作").as_deref(), Some("全国"));
        assert_eq!(from_text("各位代表：\n过去一年"), None);
    }
}
