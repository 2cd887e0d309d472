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
