//! `dojo`: the llm-dojo command. Thin: every command is a call into the library crates.
// A binary's job is to print; the workspace lints forbid it only in the libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod eval;
mod home;
mod lab;
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
    let cli = Cli::parse();
    match cli.command {
        None => topics::map(),
        Some(Command::Topics { json }) => topics::list(json),
        Some(Command::Lab { command }) => lab::run(command, &ALLOC),
        Some(Command::Eval { command }) => eval::run(command),
    }
}
