//! govreport: a staged ETL that turns scraped Chinese government work reports into typed,
//! traceable Parquet/Arrow tables.
//!
//! extract → normalize → segment → indicators → (write) → validate. Each stage is a folder of
//! this crate; the runner composes them; `schemas/` defines every table.

pub mod allocator;
pub mod cache;
pub mod codebook;
pub mod corpusgen;
pub mod extract;
pub mod indicators;
pub mod logging;
pub mod model;
pub mod normalize;
pub mod numeral;
pub mod release;
pub mod runner;
pub mod schema;
pub mod segment;
pub mod stats;
pub mod sink;
pub mod units;
pub mod validate;

/// The pipeline version, written into every manifest and Parquet footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
