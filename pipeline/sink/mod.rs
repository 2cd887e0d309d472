//! Table writers: documents → Arrow record batches (built from `schemas/`) → Parquet and Arrow IPC.

pub mod buffer;
pub mod chunk;
pub mod delta;
pub mod dictionary;
pub mod manifest;
pub mod rows;
pub mod writer;

pub use buffer::TableBuffer;
pub use rows::DocBatches;
pub use writer::{DatasetWriter, TableStats};
