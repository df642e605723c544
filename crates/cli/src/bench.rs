//! Benchmarks, each against a baseline run side by side in this process (same machine, same
//! threads, same moment), so the ratio means something on a noisy machine.
//!
//! - `dojo bench generate`: prefill and decode speed of our quantized kernel against candle's
//!   quantized matmul on the same model.
//! - `dojo bench train`: training steps of a small GPT with our fused AdamW against the same
//!   model with candle's op-by-op `AdamW`. PyTorch, the baseline a user would otherwise pick,
//!   runs the same configuration in `refs/bench_train.py`.

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
    /// Training speed of a small GPT (V 256, 4 layers, 4 heads, width 128, context 128,
    /// batch 16, pre-LN, GELU ×4, tied embeddings, AdamW lr 3e-4): 3 warm-up steps, then 15
    /// timed; ours against candle's AdamW on the same model.
    Train {
        /// Threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Timed steps.
        #[arg(long, default_value_t = 15)]
        steps: usize,
        /// Print JSON: `{"tokens_per_s", "step_ms", "threads", "params", "baseline": {...}, "speedup"}`.
        #[arg(long)]
        json: bool,
    },
}

fn set_threads(threads: Option<usize>) -> Result<usize> {
    if let Some(n) = threads {
        if n == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        // Read by rayon's and candle's pools when they start, which is after this line.
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
    Ok(rayon::current_num_threads())
}

pub fn run(cmd: BenchCommand) -> Result<()> {
    let (threads, prompt_tokens, decode_tokens, json, model) = match cmd {
        BenchCommand::Generate { threads, prompt_tokens, decode_tokens, json, model } => {
            (threads, prompt_tokens, decode_tokens, json, model)
        }
        BenchCommand::Train { threads, steps, json } => return train(threads, steps, json),
    };
    let threads = set_threads(threads)?;
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

/// `dojo bench train`.
fn train(threads: Option<usize>, steps: usize, json: bool) -> Result<()> {
    if steps == 0 {
        anyhow::bail!("--steps must be at least 1");
    }
    let threads = set_threads(threads)?;
    let (b, t) = (16, 128);
    eprintln!("benchmarking our AdamW ...");
    let (ours, params) = train_steps(true, steps, b, t)?;
    eprintln!("benchmarking candle's AdamW ...");
    let (base, _) = train_steps(false, steps, b, t)?;
    let tps = |ms: f64| (b * t) as f64 / (ms / 1e3);
    let out = serde_json::json!({
        "tokens_per_s": tps(ours), "step_ms": ours, "threads": threads, "params": params,
        "baseline": { "name": "candle AdamW", "tokens_per_s": tps(base), "step_ms": base },
        "speedup": base / ours,
    });
    if json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!("threads {threads}, {params} parameters, batch {b} × {t} tokens, {steps} timed steps");
        println!("{:<14} {:>10} {:>10}", "", "step ms", "tokens/s");
        println!("{:<14} {:>10.1} {:>10.0}", "ours", ours, tps(ours));
        println!("{:<14} {:>10.1} {:>10.0}", "candle AdamW", base, tps(base));
        println!("{:<14} {:>9.2}×", "speed-up", base / ours);
    }
    Ok(())
}

/// The benchmark model on random tokens (the speed of a step does not depend on what it learns).
struct RandomTokens {
    gpt: dojo::transformers::gpt::Gpt,
    b: usize,
    t: usize,
}

impl dojo::pretraining::Objective for RandomTokens {
    fn loss(&mut self, step: usize, _micro: usize) -> dojo::Result<candle_core::Tensor> {
        use candle_core::{DType, Device, Tensor};
        let (b, t, dev) = (self.b, self.t, Device::Cpu);
        let mut r = dojo::nn::Rng::new(1).fork(step as u64);
        let ids: Vec<u32> = (0..b * (t + 1)).map(|_| r.below(256) as u32).collect();
        let ids = Tensor::from_vec(ids, (b, t + 1), &dev)?;
        let (x, y) = (ids.narrow(1, 0, t)?.contiguous()?, ids.narrow(1, 1, t)?.contiguous()?);
        let ones = Tensor::ones((b, t), DType::F32, &dev)?;
        dojo::nn::masked_cross_entropy(&self.gpt.forward(&x, None)?, &y, &ones)
    }
}

/// Mean milliseconds per training step (after 3 untimed ones) and the parameter count.
fn train_steps(ours: bool, steps: usize, b: usize, t: usize) -> Result<(f64, usize)> {
    use candle_nn::Optimizer;
    use dojo::pretraining::{AdamWConfig, Objective, Schedule, TrainConfig, Trainer};
    use dojo::transformers::gpt::{Gpt, GptConfig};

    let params = dojo::nn::Params::new(0);
    let cfg = GptConfig { width: 128, heads: 4, layers: 4, hidden: 512, max_len: t, ..GptConfig::tiny(256) };
    let mut obj = RandomTokens { gpt: Gpt::new(cfg, params.var_builder(&candle_core::Device::Cpu))?, b, t };
    // One optimizer step, ours or candle's, on the same model and the same batches.
    let mut step: Box<dyn FnMut(usize) -> Result<()>> = if ours {
        let adamw = AdamWConfig { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 };
        let tc = TrainConfig {
            steps: steps + 3,
            schedule: Schedule::constant(3e-4),
            adamw,
            clip: None,
            ..Default::default()
        };
        let mut trainer = Trainer::new(&params, tc)?;
        Box::new(move |_| Ok(trainer.step(&mut obj).map(|_| ())?))
    } else {
        let pa = candle_nn::ParamsAdamW { lr: 3e-4, weight_decay: 0.01, ..Default::default() };
        let mut opt = candle_nn::AdamW::new(params.vars(), pa)?;
        Box::new(move |i| Ok(opt.backward_step(&obj.loss(i, 0)?)?))
    };
    let mut times = Vec::new();
    for i in 0..steps + 3 {
        let t0 = Instant::now();
        step(i)?;
        if i >= 3 {
            times.push(t0.elapsed().as_secs_f64());
        }
    }
    Ok((1e3 * times.iter().sum::<f64>() / times.len() as f64, params.count()))
}
