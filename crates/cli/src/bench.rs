//! `dojo bench generate`: prefill and decode speed of our quantized kernel against candle's
//! quantized matmul on the same model, run side by side in this process (same machine, same
//! threads, same moment), so the ratio means something on a noisy machine.

use crate::llm::{Loaded, ModelArg};
use anyhow::Result;
use clap::Subcommand;
use dojo::models::llama::{Backend, Llama, Logits};
use dojo::tokenizer::{TokenId, Tokenizer};
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Prefill speed on a 512-token prompt and decode speed over 128 greedy tokens.
    Generate {
        /// Threads for the matrix products (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Prompt length.
        #[arg(long, default_value_t = 512)]
        prompt_tokens: usize,
        /// Tokens to decode.
        #[arg(long, default_value_t = 128)]
        decode_tokens: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        model: ModelArg,
    },
}

pub fn run(cmd: BenchCommand) -> Result<()> {
    let BenchCommand::Generate { threads, prompt_tokens, decode_tokens, json, model } = cmd;
    if let Some(n) = threads {
        if n == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        // Read by rayon's and candle's pools when they start, which is after this line.
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
    let threads = rayon::current_num_threads();
    let Loaded { tok, model: ours } = model.load(Backend::Quantized)?;
    let prompt = bench_prompt(&tok, prompt_tokens);
    eprintln!("benchmarking our kernel ...");
    let a = measure(&ours, &prompt, decode_tokens)?;
    drop(ours);
    eprintln!("benchmarking candle's QMatMul ...");
    let baseline = model.load(Backend::Candle)?.model;
    let b = measure(&baseline, &prompt, decode_tokens)?;
    let out = serde_json::json!({
        "threads": threads,
        "prompt_tokens": prompt.len(),
        "decode_tokens": decode_tokens,
        "prefill_tokens_per_s": a.0,
        "decode_tokens_per_s": a.1,
        "baseline": { "name": "candle QMatMul", "prefill_tokens_per_s": b.0, "decode_tokens_per_s": b.1 },
        "prefill_speedup": a.0 / b.0,
        "decode_speedup": a.1 / b.1,
    });
    if json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!("threads {threads}, prompt {} tokens, decode {decode_tokens} tokens", prompt.len());
        println!("{:<16} {:>12} {:>12}", "", "prefill tok/s", "decode tok/s");
        println!("{:<16} {:>12.1} {:>12.1}", "ours", a.0, a.1);
        println!("{:<16} {:>12.1} {:>12.1}", "candle QMatMul", b.0, b.1);
        println!("{:<16} {:>11.2}× {:>11.2}×", "ratio", a.0 / b.0, a.1 / b.1);
    }
    Ok(())
}

/// A fixed English prompt of exactly `n` tokens.
fn bench_prompt(tok: &Tokenizer, n: usize) -> Vec<TokenId> {
    let para = "The history of computing is a story of machines that grew smaller, faster and cheaper \
                while the problems they solved grew larger. Early computers filled rooms and \
                calculated artillery tables; today a phone holds more memory than every computer \
                of 1970 combined. ";
    let mut ids = Vec::new();
    while ids.len() < n {
        ids.extend(tok.encode(para, false));
    }
    ids.truncate(n);
    ids
}

/// (prefill tokens/s, decode tokens/s): one prompt pass, then greedy single-token steps.
fn measure(model: &Llama, prompt: &[TokenId], steps: usize) -> Result<(f64, f64)> {
    let mut cache = model.new_cache();
    let t0 = Instant::now();
    let logits = model.forward(prompt, &mut cache, Logits::Last)?;
    let prefill = prompt.len() as f64 / t0.elapsed().as_secs_f64();
    let mut next = logits.flatten_all()?.argmax(0)?.to_scalar::<u32>()?;
    let t1 = Instant::now();
    for _ in 0..steps {
        next = model.forward(&[next], &mut cache, Logits::Last)?.flatten_all()?.argmax(0)?.to_scalar::<u32>()?;
    }
    Ok((prefill, steps as f64 / t1.elapsed().as_secs_f64()))
}
