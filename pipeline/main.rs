//! The `govreport` command line.


use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use govreport::logging::{self, LogFormat};
use govreport::runner::{self, exit, RunConfig};

const AFTER_HELP: &str = "\
Exit status (run, validate, release):
  0  every document processed and validation clean (warnings allowed)
  1  nothing was done: bad input folder, output not writable, another command writing into
     the same output folder, no dataset to validate or release, or the release version
     already exists (releases are never overwritten)
  2  bad command-line arguments
  3  the dataset was written, but some documents were quarantined: empty, binary, undecodable,
     unreadable, over --max-file-mb / --max-line-mb, or a duplicate (see documents.status,
     documents.quarantine_reason and issues)
  4  the dataset was written, but validation found errors (see issues where stage = 'validate');
     takes precedence over 3

Logs go to stderr. With --log-format json every line is one JSON object with run_id, and a
run ends with a \"run summary\" line: files, documents, processed, skipped_cached, quarantined,
issues, validation_errors, duration_ms, exit_code.

Examples:
  govreport run                                   # seeds/ -> output/
  govreport run --input reports/ --output data/ --threads 2 --arrow
  govreport run --log-format json                 # for scheduled runs
  govreport run --input reports/ --release 2025.1   # also write output/releases/2025.1/
  govreport validate output/                      # re-check a dataset, record findings in issues
  govreport release --output output/ --version 2025.1
  govreport stats output/                         # summary of a dataset with polars
  govreport schema --markdown > DATA_DICTIONARY.md";

#[derive(Parser)]
#[command(name = "govreport", version, about = "Turn scraped Chinese government work reports into typed, traceable Parquet tables", after_help = AFTER_HELP)]
struct Cli {
    /// Log format: human-readable lines, or one JSON object per event for scheduled runs.
    #[arg(long, value_enum, default_value = "human", global = true)]
    log_format: LogFormat,
    /// More detail in the log (one line per document).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pipeline: extract, normalize, segment, tag indicators, write and validate.
    #[command(after_help = "Examples:\n  govreport run\n  govreport run --input ../shared/corpus --output /tmp/corpus-run --threads 2\n  govreport run --arrow --log-format json")]
    Run {
        /// Folder of input documents (.txt, .md, .html, .csv; searched recursively).
        #[arg(long, default_value = "seeds")]
        input: PathBuf,
        /// Folder the tables are written to (one <table>.parquet per table, plus manifest.json).
        #[arg(long, default_value = "output")]
        output: PathBuf,
        /// Worker threads (0 = one per core). Output is byte-identical for any value.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Also write each table as an Arrow IPC file (<table>.arrow).
        #[arg(long)]
        arrow: bool,
        /// Never show the progress bar (it only shows when stderr is a terminal anyway).
        #[arg(long)]
        no_progress: bool,
        /// Process every file again instead of reusing the rows of unchanged files from the
        /// dataset published in OUTPUT (OUTPUT/.cache/index.json says which rows are whose;
        /// the output is the same either way, and the index is written for the next run).
        #[arg(long)]
        no_cache: bool,
        /// After publishing, write the immutable release OUTPUT/releases/VERSION/.
        #[arg(long, value_name = "VERSION")]
        release: Option<String>,
        /// Files larger than this many MiB are quarantined unread.
        #[arg(long, default_value_t = 64)]
        max_file_mb: u64,
        /// Files with a line longer than this many MiB are quarantined (bounds memory).
        #[arg(long, default_value_t = 2)]
        max_line_mb: u64,
    },
    /// Check an existing dataset against schemas/ and itself; records the findings as the
    /// issues rows of stage 'validate' (replacing earlier ones), rebuilds targets_vs_actuals,
    /// updates manifest.json, and prints each finding.
    #[command(after_help = "Example:\n  govreport validate output/")]
    Validate {
        /// The dataset folder (default: output).
        #[arg(default_value = "output")]
        dir: PathBuf,
    },
    /// Summarise a dataset with polars: documents by status, script, level and year;
    /// indicators by measure and code; the most frequent issues.
    #[command(after_help = "Example:\n  govreport stats output/")]
    Stats {
        /// The dataset folder (default: output).
        #[arg(default_value = "output")]
        dir: PathBuf,
    },
    /// Copy the published dataset into the immutable release OUTPUT/releases/VERSION/ with its
    /// manifest and a dataset card (README.md). Refuses an existing VERSION.
    #[command(after_help = "Example:\n  govreport release --output output/ --version 2025.1")]
    Release {
        /// The dataset folder (default: output).
        #[arg(long, default_value = "output")]
        output: PathBuf,
        /// Release name: letters, digits, '.', '_', '-'.
        #[arg(long)]
        version: String,
    },
    /// Print the table definitions from schemas/ (the data dictionary).
    #[command(after_help = "Example:\n  govreport schema --markdown > DATA_DICTIONARY.md")]
    Schema {
        /// Print Markdown instead of plain text.
        #[arg(long)]
        markdown: bool,
    },
}

fn main() -> ExitCode {
    govreport::allocator::configure();
    let cli = Cli::parse();
    logging::init(cli.log_format, cli.verbose);
    let code = match cli.command {
        Command::Run { input, output, threads, arrow, no_progress, no_cache, release, max_file_mb, max_line_mb } => {
            let cfg = RunConfig {
                threads,
                arrow_ipc: arrow,
                progress: !no_progress && cli.log_format == LogFormat::Human,
                cache: !no_cache,
                release,
                max_file_bytes: max_file_mb.saturating_mul(1 << 20),
                max_line_bytes: max_line_mb.saturating_mul(1 << 20),
                ..RunConfig::new(input, output)
            };
            match runner::run(&cfg) {
                Ok(summary) => summary.exit_code(),
                Err(e) => {
                    tracing::error!("{e:#}");
                    exit::FAILED
                }
            }
        }
        Command::Validate { dir } => validate(&dir),
        Command::Stats { dir } => match govreport::stats::summary(&dir) {
            Ok(text) => {
                print!("{text}");
                exit::OK
            }
            Err(e) => {
                tracing::error!("cannot summarise {}: {e:#}; run `govreport run --output {}` first", dir.display(), dir.display());
                exit::FAILED
            }
        },
        Command::Release { output, version } => {
            let made = runner::lock_output(&output).and_then(|_lock| {
                runner::recover(&output)?;
                govreport::release::create(&output, &version)
            });
            match made {
                Ok(dir) => {
                    tracing::info!(release = %dir.display(), "release written");
                    exit::OK
                }
                Err(e) => {
                    tracing::error!("{e:#}");
                    exit::FAILED
                }
            }
        }
        Command::Schema { markdown } => {
            print!("{}", govreport::schema::dictionary(markdown));
            exit::OK
        }
    };
    ExitCode::from(code as u8)
}

fn validate(dir: &std::path::Path) -> i32 {
    match runner::revalidate(dir) {
        Ok(v) => {
            for f in &v.findings {
                let i = &f.issue;
                println!("{}\t{}\t{}\t{}\t{}", i.severity.as_str(), i.code, f.source_file.as_deref().unwrap_or(""), i.location.as_deref().unwrap_or(""), i.message);
            }
            println!("{} findings, {} errors{}", v.findings.len(), v.errors, if v.recorded { ", recorded in issues" } else { " (issues unreadable: not recorded)" });
            tracing::info!(findings = v.findings.len(), errors = v.errors, recorded = v.recorded, "validation summary");
            if v.errors > 0 { exit::VALIDATION_ERRORS } else { exit::OK }
        }
        Err(e) => {
            tracing::error!("{e:#}");
            exit::FAILED
        }
    }
}
