//! Logging through `tracing`: human-readable lines by default, one JSON object per event for
//! scheduled runs (`--log-format json`). `RUST_LOG` overrides the level.
//!
//! Every JSON event carries `run_id`, which ties the lines of one invocation together. It is
//! random per process and lives only in the log: no data file holds it, so it cannot break
//! byte-identical output.

use std::io::Write;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// This process's run id: 16 hex digits from the clock, the process id and the arguments.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let seed = format!("{now}\0{}\0{:?}", std::process::id(), std::env::args().collect::<Vec<_>>());
        crate::sink::manifest::hex(&Sha256::digest(seed.as_bytes()))[..16].to_string()
    })
}

/// Writes each formatted JSON event to stderr with `"run_id"` as its first field. The fmt
/// layer hands over one whole event per `write_all`, so the object is patched in one piece.
struct RunIdWriter;

impl Write for RunIdWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut err = std::io::stderr().lock();
        match buf.strip_prefix(b"{") {
            Some(rest) => {
                let mut line = Vec::with_capacity(buf.len() + 40);
                line.extend_from_slice(format!("{{\"run_id\":\"{}\",", run_id()).as_bytes());
                line.extend_from_slice(rest);
                err.write_all(&line)?;
            }
            None => err.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

struct MakeRunIdWriter;

impl<'a> MakeWriter<'a> for MakeRunIdWriter {
    type Writer = RunIdWriter;
    fn make_writer(&'a self) -> RunIdWriter {
        RunIdWriter
    }
}

pub fn init(format: LogFormat, verbose: bool) {
    let default = if verbose { "govreport=debug,info" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Human => builder.with_writer(std::io::stderr).with_target(false).try_init(),
        LogFormat::Json => builder.with_writer(MakeRunIdWriter).json().flatten_event(true).with_current_span(false).try_init(),
    };
}
