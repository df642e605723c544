//! `dojo`: the llm-dojo command. Thin: every command is a call into the library crates.
// A binary's job is to print; the workspace lints forbid it only in the libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod cards;
mod drill;
mod eval;
mod eval_mc;
mod home;
mod lab;
mod llm;
mod models;
mod privacy;
mod topics;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The counting allocator labs measure memory with (see `dojo-meter`).
#[global_allocator]
static ALLOC: dojo_meter::CountingAlloc = dojo_meter::CountingAlloc::new();

/// llm-dojo: a workbench for ML and LLM interviews.
///
/// Run with no arguments for the topic map: the twelve topics, what each has, and what to do
/// next. Reports go to ./reports; models and progress live in $DOJO_HOME.
#[derive(Debug, Parser)]
#[command(name = "dojo", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the twelve topics of the curriculum and their concepts.
    Topics {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List and run labs: experiments that write a report with plots.
    Lab {
        #[command(subcommand)]
        command: lab::LabCommand,
    },
    /// Score files with a metric (BLEU, ROUGE, SQuAD), identical to the reference tools.
    Eval {
        #[command(subcommand)]
        command: eval::EvalCommand,
    },
    /// Download and list the real models (SmolLM2-135M-Instruct).
    Models {
        #[command(subcommand)]
        command: models::ModelsCommand,
    },
    /// Generate text with the real LLM; streams tokens as they come.
    Generate {
        /// The prompt.
        #[arg(long)]
        prompt: String,
        /// Wrap the prompt in the chat template (a user turn, then the assistant's).
        #[arg(long)]
        chat: bool,
        /// Print `{"text", "tokens", "prefill_tokens_per_s", "decode_tokens_per_s"}` at the end
        /// instead of streaming.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        decode: llm::DecodeArgs,
        #[command(flatten)]
        model: llm::ModelArg,
    },
    /// Chat with the real LLM: /reset, /system TEXT; Ctrl-D quits.
    Chat {
        /// System prompt (default: the model's own).
        #[arg(long)]
        system: Option<String>,
        #[command(flatten)]
        decode: llm::DecodeArgs,
        #[command(flatten)]
        model: llm::ModelArg,
    },
    /// Text on stdin → token ids (or ids → text with --decode).
    Tokenize {
        /// Read token ids (JSON array or whitespace-separated) and print the text.
        #[arg(long)]
        decode: bool,
        /// Print JSON (`{"ids": [...]}` or `{"text": ...}`).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        model: llm::ModelArg,
    },
    /// Teacher-forced log-probability of every token of a file after the first.
    Score {
        /// The text file.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Print `{"tokens", "nll", "perplexity", "logprobs"}`.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        model: llm::ModelArg,
    },
    /// Interview cards scheduled by spaced repetition (FSRS): review, stats, export to Anki.
    Cards {
        #[command(subcommand)]
        command: cards::CardsCommand,
    },
    /// Coding drills graded by hidden tests: list, next, check, watch, hint, solution, reset.
    Drill {
        #[command(subcommand)]
        command: drill::DrillCommand,
    },
    /// Read a topic's lesson (paged); with no topic, list the lessons.
    Notes {
        /// Topic slug or number, e.g. `transformers` or `1`.
        topic: Option<String>,
    },
    /// A timed mock interview: cards from across the topics, answered aloud and self-rated,
    /// then a score and what to revisit. Ratings feed the scheduler.
    Interview {
        /// Length in minutes (about 3 minutes per question).
        #[arg(long, default_value_t = 45)]
        minutes: u64,
        /// Only this topic (slug or number).
        #[arg(long)]
        topic: Option<String>,
        /// Seed for the choice of questions (default: the clock).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Privacy accounting for DP-SGD: ε from (q, σ, steps, δ), or σ for a target ε.
    Privacy {
        #[command(subcommand)]
        command: privacy::PrivacyCommand,
    },
    /// Benchmarks, each against a baseline run side by side in the same process.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    dojo_meter::keep_freed_memory(); // a third of a training step was page faults without it
    let cli = Cli::parse();
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // One thread per core for rayon and candle. Without the variable candle re-derives
        // its thread count from /proc/cpuinfo on every matmul (~6% of decode time).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::env::set_var("RAYON_NUM_THREADS", cores.to_string());
    }
    match cli.command {
        None => topics::map(),
        Some(Command::Topics { json }) => topics::list(json),
        Some(Command::Lab { command }) => lab::run(command, &ALLOC),
        Some(Command::Eval { command }) => eval::run(command),
        Some(Command::Models { command }) => models::run(command).map(|_| ExitCode::SUCCESS),
        Some(Command::Generate { prompt, chat, json, decode, model }) => {
            llm::generate_cmd(&prompt, chat, json, &decode, &model).map(|_| ExitCode::SUCCESS)
        }
        Some(Command::Chat { system, decode, model }) => {
            llm::chat_cmd(system, &decode, &model).map(|_| ExitCode::SUCCESS)
        }
        Some(Command::Tokenize { decode, json, model }) => {
            llm::tokenize_cmd(decode, json, &model).map(|_| ExitCode::SUCCESS)
        }
        Some(Command::Score { file, json, model }) => llm::score_cmd(&file, json, &model).map(|_| ExitCode::SUCCESS),
        Some(Command::Cards { command }) => cards::run(command),
        Some(Command::Drill { command }) => drill::run(command),
        Some(Command::Notes { topic }) => cards::notes(topic),
        Some(Command::Interview { minutes, topic, seed }) => cards::interview_cmd(minutes, topic, seed),
        Some(Command::Privacy { command }) => privacy::run(command).map(|_| ExitCode::SUCCESS),
        Some(Command::Bench { command }) => bench::run(command).map(|_| ExitCode::SUCCESS),
    }
}
