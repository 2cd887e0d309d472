//! The `govreport` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use govreport::logging::{self, LogFormat};
use govreport::runner::{self, exit, RunConfig};

const AFTER_HELP: &str = "\
Exit status:
  0  every document processed and validation clean
  1  the run could not be done (bad input folder, output not writable)
  2  bad command-line arguments
  3  the dataset was written, but some documents were quarantined (see documents.status and issues)
  4  the dataset was written, but validation found errors (see issues where stage = 'validate')

Examples:
  govreport run                                   # seeds/ -> output/
  govreport run --input reports/ --output data/ --threads 2 --arrow
  govreport run --log-format json                 # for scheduled runs
  govreport validate output/
  govreport stats output/
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
    },
    /// Check an existing dataset against schemas/ and itself; prints each finding.
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
    /// Print the table definitions from schemas/ (the data dictionary).
    #[command(after_help = "Example:\n  govreport schema --markdown > DATA_DICTIONARY.md")]
    Schema {
        /// Print Markdown instead of plain text.
        #[arg(long)]
        markdown: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format, cli.verbose);
    let code = match cli.command {
        Command::Run { input, output, threads, arrow, no_progress } => {
            let cfg = RunConfig {
                threads,
                arrow_ipc: arrow,
                progress: !no_progress && cli.log_format == LogFormat::Human,
                ..RunConfig::new(input, output)
            };
            match runner::run(&cfg) {
                Ok(summary) => {
                    for (t, rows) in &summary.tables {
                        tracing::info!(table = t.as_str(), rows, "written");
                    }
                    summary.exit_code()
                }
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
        Command::Schema { markdown } => {
            print!("{}", govreport::schema::dictionary(markdown));
            exit::OK
        }
    };
    ExitCode::from(code as u8)
}

fn validate(dir: &std::path::Path) -> i32 {
    if let Err(e) = runner::recover(dir) {
        tracing::error!("{e:#}");
        return exit::FAILED;
    }
    let tables: Vec<&str> = govreport::sink::rows::DOC_TABLES.to_vec();
    match govreport::validate::validate_dir(dir, &tables) {
        Ok(findings) => {
            for f in &findings {
                println!("{}\t{}\t{}\t{}", f.severity.as_str(), f.code, f.location.as_deref().unwrap_or(""), f.message);
            }
            let errors = findings.iter().filter(|f| f.severity == govreport::model::Severity::Error).count();
            println!("{} findings, {} errors", findings.len(), errors);
            if errors > 0 { exit::VALIDATION_ERRORS } else { exit::OK }
        }
        Err(e) => {
            tracing::error!("{e:#}");
            exit::FAILED
        }
    }
}
