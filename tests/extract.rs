//! Extract over real files: seed metadata field by field, every corpus file decoded or
//! quarantined, no page chrome left in the kept paragraphs, and crafted encodings of a seed.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use govreport::extract::{Extractor, SourceFile};
use govreport::model::{AdminLevel, Date, DocType, Document, Format};

fn extract(path: &Path, rel: &str) -> Vec<Document> {
    Extractor.extract(&SourceFile { rel_path: rel.to_string(), bytes: std::fs::read(path).map_err(|e| e.to_string()) })
}

fn seed(prefix: &str) -> Document {
    let dir = common::seeds();
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .find(|n| n.starts_with(prefix))
        .unwrap();
    extract(&dir.join(&name), &name).remove(0)
}

#[test]
fn seed_metadata_field_by_field() {
    let d = seed("001_");
    let m = &d.meta;
    assert_eq!(m.published_at.map(|t| t.to_string()).as_deref(), Some("2023-02-08 09:22:59"));
    assert_eq!(m.published_date, Date::new(2023, 2, 8));
    assert_eq!(m.source_site.as_deref(), Some("海曙新闻网"));
    assert_eq!(m.speaker.as_deref(), Some("叶枝利"));
    assert_eq!(m.speaker_role.as_deref(), Some("海曙区人民政府区长"));
    assert_eq!(m.meeting.as_deref(), Some("第十二届人民代表大会第二次会议"));
    assert_eq!(m.delivery_date, Date::new(2023, 2, 1));
    assert_eq!(m.region.as_deref(), Some("海曙区"));
    assert_eq!(m.admin_level, Some(AdminLevel::CountyDistrict));
    assert_eq!(m.report_year, Some(2023));
    assert_eq!(m.doc_type, Some(DocType::WorkReport));
    assert_eq!(m.title.as_deref(), Some("政府工作报告"));

    let d = seed("002_");
    let m = &d.meta;
    assert_eq!(m.index_no.as_deref(), Some("2950827/2021-54294"));
    assert_eq!(m.doc_number, None);
    assert_eq!(m.subject.as_deref(), Some("其他"));
    assert_eq!(m.disclosure.as_deref(), Some("主动公开"));
    assert_eq!(m.genre.as_deref(), Some("通报"));
    assert_eq!(m.publisher.as_deref(), Some("区发改局"));
    assert_eq!(m.written_date, Date::new(2021, 3, 18));
    assert_eq!(m.doc_type, Some(DocType::PlanExecutionReport));
    assert_eq!(m.region.as_deref(), Some("宁波市江北区"));
    assert_eq!(m.admin_level, Some(AdminLevel::CountyDistrict));
    assert_eq!(m.report_year, Some(2021));
    // The header table is read, then removed from the body.
    assert!(d.paragraphs[..4].iter().all(|p| p.removed == Some("metadata_header")));
    assert!(d.paragraphs[4].removed.is_none());

    let d = seed("003_");
    let m = &d.meta;
    assert_eq!(m.index_no.as_deref(), Some("2953384/2022-53376"));
    assert_eq!(m.publisher.as_deref(), Some("前江街道"));
    assert_eq!(m.written_date, Date::new(2022, 7, 29));
    assert_eq!(m.doc_type, Some(DocType::HalfYearSummary));
    assert_eq!(m.region.as_deref(), Some("前江街道"));
    assert_eq!(m.admin_level, Some(AdminLevel::StreetTownship));
    assert_eq!(m.report_year, Some(2022));
    assert!(d.paragraphs[..4].iter().all(|p| p.removed == Some("metadata_header")), "{:?}", &d.paragraphs[..4].iter().map(|p| p.removed).collect::<Vec<_>>());

    let d = seed("004_");
    let m = &d.meta;
    assert_eq!(m.speaker.as_deref(), Some("毛世梁"));
    assert_eq!(m.speaker_role.as_deref(), Some("金华市金东区代区长"));
    assert_eq!(m.meeting.as_deref(), Some("第五届人民代表大会第二次会议"));
    assert_eq!(m.delivery_date, Date::new(2023, 2, 2));
    assert_eq!(m.region.as_deref(), Some("金华市金东区"));
    assert_eq!(m.admin_level, Some(AdminLevel::CountyDistrict));
    assert_eq!(m.report_year, Some(2023));
    assert_eq!(m.doc_type, Some(DocType::WorkReport));

    // Seed 000 is a bare excerpt: no header, nothing invented.
    let d = seed("000_");
    let m = &d.meta;
    assert_eq!((m.speaker.as_deref(), m.published_date, m.index_no.as_deref()), (None, None, None));
}

/// Chrome as a reader would spot it, independent of the extractor's rules.
fn chrome_kind(line: &str) -> Option<&'static str> {
    let t = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{A0}');
    let has = |w: &str| t.contains(w);
    Some(match () {
        _ if has("当前位置") || t.starts_with("首页>") || t == "首页" => "breadcrumb",
        _ if has("字体：") || has("字号：") || t == "【" || t == "】" => "font_widget",
        _ if ["下载", "打印", "全屏", "收藏", "[打印本页]", "[关闭窗口]", "评论"].contains(&t) || has("E-mail推荐") => "page_buttons",
        _ if has("浏览次数") || has("发布时间") || has("信息发布人") => "publish_bar",
        _ if t.ends_with(".jpg") || t.ends_with(".png") || t.starts_with("<img") => "image_file",
        _ if t.ends_with("摄") && has("记者") || t.starts_with("<figcaption") => "photo_caption",
        _ if has("分享到") => "share_widget",
        _ if has("责任编辑") => "editor_credit",
        _ if has("ICP") || has("公网安备") || has("网站标识码") || has("版权所有") || has("网站地图") => "footer",
        _ if t.starts_with("相关报道") || t.starts_with("相关链接") => "related_links",
        _ if t.starts_with("索引号") || t.starts_with("索引號") || t.starts_with("来源URL") || t.starts_with("发文单位") => "metadata_header",
        _ => return None,
    })
}

#[test]
fn corpus_files_decode_and_keep_no_chrome() {
    let Some(corpus) = common::corpus() else { return };
    let mut surviving: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut n_docs = 0;
    for (rel, path) in govreport::runner::discover(&corpus).unwrap() {
        let docs = extract(&path, &rel);
        assert!(!docs.is_empty(), "{rel} vanished");
        for d in &docs {
            n_docs += 1;
            if !d.is_ok() {
                assert!(d.quarantine_reason.is_some() && !d.issues.is_empty(), "{rel}: quarantined without a reason");
                continue;
            }
            assert!(d.encoding.is_some(), "{rel}");
            assert!(d.kept_paragraphs().count() > 5, "{rel}: body lost");
            let kept: Vec<&str> = d.kept_paragraphs().map(|p| p.raw.as_str()).collect();
            for p in &kept {
                if let Some(kind) = chrome_kind(p) {
                    surviving.entry(kind).or_default().push(format!("{rel}: {p}"));
                }
            }
            // Menus dumped one word per line: four short link-like lines in a row.
            let short = |s: &str| {
                let t = s.trim();
                t.chars().count() <= 6 && !t.contains(['。', '，', '：', '！']) && !t.chars().any(|c| c.is_ascii_digit())
                    && !t.contains("代表") && !t.contains("报告")
            };
            for w in kept.windows(4) {
                if w.iter().all(|s| short(s)) {
                    surviving.entry("nav_list").or_default().push(format!("{rel}: {w:?}"));
                }
            }
            // A second copy of the body: long paragraphs that repeat.
            let mut seen = std::collections::BTreeSet::new();
            let mut repeats = 0;
            for p in &kept {
                let k: String = p.chars().filter(|c| !c.is_whitespace()).collect();
                if k.chars().count() >= 40 && !seen.insert(k) {
                    repeats += 1;
                }
            }
            if repeats >= 3 {
                surviving.entry("duplicate_copy").or_default().push(format!("{rel}: {repeats} repeated paragraphs"));
            }
            // Every removed line says why, and an issue row records it.
            let removed = d.paragraphs.iter().filter(|p| !p.is_kept()).count();
            let infos = d.issues.iter().filter(|i| i.code == "chrome_removed").count();
            assert_eq!(removed, infos, "{rel}");
        }
    }
    assert!(n_docs >= 22, "{n_docs} documents");
    let counts: BTreeMap<&str, usize> = surviving.iter().map(|(k, v)| (*k, v.len())).collect();
    assert!(surviving.is_empty(), "chrome lines left per kind: {counts:?}\n{:#?}", surviving);
}

#[test]
fn corpus_formats_and_metadata() {
    let Some(corpus) = common::corpus() else { return };
    let one = |name: &str| extract(&corpus.join(name), name);
    let csv = one("prov_hainan_2026.csv");
    assert_eq!(csv.len(), 1);
    let d = &csv[0];
    assert_eq!(d.format, Some(Format::Csv));
    assert_eq!(d.row_in_file, Some(1));
    assert_ne!(d.doc_id, d.content_sha256[..16]);
    assert_eq!(d.meta.region.as_deref(), Some("海南省"));
    assert_eq!(d.meta.admin_level, Some(AdminLevel::Provincial));
    assert_eq!(d.meta.published_date, Date::new(2026, 2, 2));
    assert_eq!(d.meta.speaker.as_deref(), Some("刘小明"));
    assert!(d.meta.source_url.as_deref().unwrap().starts_with("https://agri.hainan.gov.cn/"));
    assert_eq!(d.paragraphs[0].source_line, 2, "the body starts on the file's second line");

    let md = one("trad_hk_2020_a30149.md").remove(0);
    assert_eq!(md.format, Some(Format::Markdown));
    assert_eq!(md.meta.author.as_deref(), Some("众新闻记者"));
    assert_eq!(md.meta.published_date, Date::new(2020, 5, 22));
    assert_eq!(md.meta.doc_type, Some(DocType::NewsReport));
    assert!(md.paragraphs.iter().filter(|p| p.source_line <= 13).all(|p| p.removed == Some("front_matter")));

    for name in ["nat_2019_mky.txt", "nat_2020_mky.txt", "nat_1954_ljt.txt", "nat_2010_ljt.txt"] {
        let d = one(name).remove(0);
        assert_eq!(d.format, Some(Format::Html), "{name}");
        assert_eq!(d.meta.admin_level, Some(AdminLevel::National), "{name}");
        assert!(d.kept_paragraphs().all(|p| !p.raw.contains("<p>") && !p.raw.contains("<!--")), "{name}");
    }
    let d = one("prov_hebei_2003.txt").remove(0);
    assert_eq!(d.meta.delivery_date, Date::new(2003, 1, 10), "Chinese-numeral date");
    assert_eq!(d.meta.speaker.as_deref(), Some("季允石"));
    assert!(d.paragraphs.iter().any(|p| p.removed == Some("duplicate_copy")));
}

/// Seed 004 (traditional script, so Big5 can carry it) re-encoded inside the test, with each
/// line-end kind: the same paragraphs, lines and metadata come out every time.
#[test]
fn crafted_encodings_and_line_ends_of_a_seed() {
    let dir = common::seeds();
    let name = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).find(|n| n.starts_with("004_")).unwrap();
    let text = std::fs::read_to_string(dir.join(&name)).unwrap();
    let reference = extract(&dir.join(&name), &name).remove(0);
    let want: Vec<(u32, String)> = reference.paragraphs.iter().map(|p| (p.source_line, p.raw.clone())).collect();
    assert!(want.len() > 20);
    let utf16 = |le: bool| {
        let mut b = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for u in text.encode_utf16() {
            b.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        b
    };
    // Big5 lacks a few characters of the seed (encoding_rs would write them as &#NNNN;):
    // those lines are replaced by a representable one, keeping the line count.
    let big5_text: String = text
        .split('\n')
        .map(|l| if encoding_rs::BIG5.encode(l).2 { "無法以Big5表示的行。" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let big5 = encoding_rs::BIG5.encode(&big5_text).0.into_owned();
    let big5_want: Vec<(u32, String)> = Extractor
        .extract(&SourceFile { rel_path: "big5.txt".into(), bytes: Ok(big5_text.clone().into_bytes()) })
        .remove(0)
        .paragraphs
        .iter()
        .map(|p| (p.source_line, p.raw.clone()))
        .collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("GB18030", encoding_rs::GB18030.encode(&text).0.into_owned()),
        ("Big5", big5.clone()),
        ("UTF-16LE", utf16(true)),
        ("UTF-16BE", utf16(false)),
        ("UTF-8", [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()),
        ("UTF-8", text.replace('\n', "\r\n").into_bytes()),
        ("UTF-8", text.replace('\n', "\r").into_bytes()),
        ("UTF-8", text.replace('\n', "\r\r\n").into_bytes()),
    ];
    for (i, (enc, bytes)) in cases.into_iter().enumerate() {
        let d = Extractor.extract(&SourceFile { rel_path: format!("case{i}.txt"), bytes: Ok(bytes.clone()) }).remove(0);
        assert!(d.is_ok(), "case {i}");
        assert_eq!(d.encoding, Some(enc), "case {i}");
        let got: Vec<(u32, String)> = d.paragraphs.iter().map(|p| (p.source_line, p.raw.clone())).collect();
        if enc == "Big5" {
            assert!(got == big5_want, "case {i} ({enc}) differs");
        } else {
            assert!(got == want, "case {i} ({enc}) differs");
            assert_eq!(d.meta, reference.meta, "case {i}");
        }
        // Every char still points at its own bytes: decoding them gives the char back.
        let p = &d.paragraphs[5];
        let k = p.raw.chars().count() / 2;
        let (a, b) = (p.raw_src[k] as usize, p.raw_src[k + 1] as usize);
        let enc = encoding_rs::Encoding::for_label(enc.as_bytes()).unwrap();
        let (ch, _) = enc.decode_without_bom_handling(&bytes[a..b]);
        assert_eq!(ch.chars().next(), p.raw.chars().nth(k), "case {i}");
    }
}
