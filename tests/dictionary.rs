//! DATA_DICTIONARY.md is generated from schemas/tables.toml and must be current.

use std::path::Path;

#[test]
fn data_dictionary_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("DATA_DICTIONARY.md");
    let want = govreport::schema::dictionary(true);
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "DATA_DICTIONARY.md is out of date with schemas/tables.toml; regenerate it with\n  cargo run -q -- schema --markdown > DATA_DICTIONARY.md"
    );
}

#[test]
fn every_table_and_column_has_a_description_and_example() {
    for t in &govreport::schema::catalog().tables {
        assert!(!t.description.trim().is_empty(), "{} lacks a description", t.name);
        for c in &t.columns {
            assert!(!c.description.trim().is_empty(), "{}.{} lacks a description", t.name, c.name);
            assert!(c.example.is_some(), "{}.{} lacks an example", t.name, c.name);
        }
    }
}

/// Every data file the code embeds is part of the configuration hash (manifest, cache keys):
/// a new rule file left out would let a cached or cited dataset silently disagree with it.
#[test]
fn every_embedded_data_file_is_in_the_config_hash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed: Vec<&str> = govreport::runner::EMBEDDED_DATA.iter().map(|(n, _)| *n).collect();
    let re = regex::Regex::new(r#"include_str!\("([^"]+)"\)"#).unwrap();
    let mut stack = vec![root.join("pipeline")];
    let mut found = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for c in re.captures_iter(&text) {
                    let target = p.parent().unwrap().join(&c[1]).canonicalize().unwrap();
                    let rel = target.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                    if rel.starts_with("data/") || rel.starts_with("schemas/") {
                        found += 1;
                        assert!(listed.contains(&rel.as_str()), "{rel} is embedded by {} but not in runner::EMBEDDED_DATA", p.display());
                    }
                }
            }
        }
    }
    assert!(found >= listed.len());
}
