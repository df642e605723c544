//! `dojo generate | chat | tokenize | score`: the real LLM (SmolLM2 by default) on our own
//! tokenizer, model and sampler.

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use dojo::decoding::{
    beam_search, constrained_generate, generate, speculative_generate, BeamConfig, Constraint, GenerateConfig,
    Generation, SamplerConfig, SpeculativeConfig, SpeculativeStats,
};
use dojo::models::gguf::Gguf;
use dojo::models::llama::{Backend, Llama, Logits};
use dojo::tokenizer::{chat::END_OF_TURN, chatml_ids, Message, Role, TokenId, Tokenizer};
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;

/// `--model NAME|PATH`, shared by every model command.
#[derive(Debug, Clone, Args)]
pub struct ModelArg {
    /// A model name from `dojo models list` (smollm2) or a path to a Llama GGUF file.
    #[arg(long, default_value = "smollm2")]
    pub model: String,
}

/// A loaded tokenizer + model.
pub struct Loaded {
    pub tok: Tokenizer,
    pub model: Llama,
}

impl ModelArg {
    pub fn path(&self) -> Result<PathBuf> {
        Ok(dojo::models::resolve(&crate::home::dojo_home()?, &self.model)?)
    }

    pub fn tokenizer(&self) -> Result<Tokenizer> {
        Ok(Tokenizer::from_gguf(&Gguf::open(&self.path()?)?)?)
    }

    pub fn load(&self, backend: Backend) -> Result<Loaded> {
        let g = Gguf::open(&self.path()?)?;
        Ok(Loaded { tok: Tokenizer::from_gguf(&g)?, model: Llama::load(&g, backend)? })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Strategy {
    /// Always the most likely token.
    Greedy,
    /// Draw from the (filtered, tempered) distribution.
    Sample,
    /// Beam search (--beams, --length-penalty); prints the best beams.
    Beam,
    /// Speculative decoding with the model's first layers as the draft (--draft-layers,
    /// --lookahead); same output distribution as --strategy sample/greedy.
    Speculative,
}

/// Sampling and stopping flags shared by `generate` and `chat`.
#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    /// Decoding strategy (default: sample if any sampling flag is given, else greedy).
    #[arg(long, value_enum)]
    pub strategy: Option<Strategy>,
    /// Temperature τ (sampling).
    #[arg(long)]
    pub temperature: Option<f32>,
    /// Keep the k most likely tokens.
    #[arg(long)]
    pub top_k: Option<usize>,
    /// Nucleus mass.
    #[arg(long)]
    pub top_p: Option<f32>,
    /// Keep tokens with p ≥ min_p · p_max.
    #[arg(long)]
    pub min_p: Option<f32>,
    /// Locally typical sampling mass.
    #[arg(long)]
    pub typical: Option<f32>,
    /// Entropy-based dynamic temperature θ (0 = off): τ · 0.8^(θ/H).
    #[arg(long, default_value_t = 0.0)]
    pub edt: f32,
    /// CTRL repetition penalty (> 1 discourages repeats).
    #[arg(long, default_value_t = 1.0)]
    pub repetition_penalty: f32,
    /// Beam width (--strategy beam).
    #[arg(long, default_value_t = 4)]
    pub beams: usize,
    /// Length penalty α (--strategy beam): score = Σ log p / length^α.
    #[arg(long, default_value_t = 1.0)]
    pub length_penalty: f32,
    /// The draft runs the model's first N layers (--strategy speculative).
    #[arg(long, default_value_t = 24)]
    pub draft_layers: usize,
    /// Tokens drafted per round (--strategy speculative).
    #[arg(long, default_value_t = 4)]
    pub lookahead: usize,
    /// Constrain the output to one of these strings (repeatable).
    #[arg(long)]
    pub choice: Vec<String>,
    /// Constrain the output to match this regular expression.
    #[arg(long)]
    pub regex: Option<String>,
    /// Most tokens to generate.
    #[arg(long, default_value_t = 256)]
    pub max_tokens: usize,
    /// Stop when this string appears (repeatable).
    #[arg(long)]
    pub stop: Vec<String>,
    /// Seed for sampling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl DecodeArgs {
    fn config(&self, tok: &Tokenizer) -> Result<GenerateConfig> {
        let any_sampling = self.temperature.is_some()
            || self.top_k.is_some()
            || self.top_p.is_some()
            || self.min_p.is_some()
            || self.typical.is_some();
        // Beam and speculative decoding take the sampler of the other flags too.
        let strategy = match self.strategy {
            Some(Strategy::Greedy) => Strategy::Greedy,
            Some(Strategy::Sample) => Strategy::Sample,
            _ if any_sampling => Strategy::Sample,
            _ => Strategy::Greedy,
        };
        let check = |name: &str, v: Option<f32>, lo: f32, hi: f32| -> Result<()> {
            match v {
                Some(x) if !(lo..=hi).contains(&x) => bail!("--{name} must be in [{lo}, {hi}], got {x}"),
                _ => Ok(()),
            }
        };
        check("temperature", self.temperature, 0.0, 100.0)?;
        check("top-p", self.top_p, 0.0, 1.0)?;
        check("min-p", self.min_p, 0.0, 1.0)?;
        check("typical", self.typical, 0.0, 1.0)?;
        if self.repetition_penalty <= 0.0 {
            bail!("--repetition-penalty must be positive, got {}", self.repetition_penalty);
        }
        if self.edt < 0.0 {
            bail!("--edt must be ≥ 0, got {}", self.edt);
        }
        let base = SamplerConfig {
            repetition_penalty: self.repetition_penalty,
            edt_theta: self.edt,
            ..SamplerConfig::default()
        };
        let sampler = match strategy {
            Strategy::Greedy => SamplerConfig { temperature: 0.0, ..base },
            Strategy::Sample | Strategy::Beam | Strategy::Speculative => SamplerConfig {
                temperature: self.temperature.unwrap_or(1.0),
                top_k: self.top_k.unwrap_or(0),
                top_p: self.top_p.unwrap_or(1.0),
                min_p: self.min_p.unwrap_or(0.0),
                typical: self.typical.unwrap_or(1.0),
                ..base
            },
        };
        let stop_tokens = [tok.eos(), tok.special(END_OF_TURN)].into_iter().flatten().collect();
        Ok(GenerateConfig {
            max_tokens: self.max_tokens,
            stop_tokens,
            stop_strings: self.stop.clone(),
            sampler,
            seed: self.seed,
        })
    }
}

fn stream(piece: &str) {
    print!("{piece}");
    std::io::stdout().flush().ok();
}

pub fn generate_cmd(prompt: &str, chat: bool, json: bool, decode: &DecodeArgs, m: &ModelArg) -> Result<()> {
    let Loaded { tok, model } = m.load(Backend::Quantized)?;
    let cfg = decode.config(&tok)?;
    // A raw prompt may spell control tokens on purpose; inside the chat template it may not.
    let ids = if chat { chatml_ids(&tok, &[Message::new(Role::User, prompt)])? } else { tok.encode(prompt, true) };
    if ids.is_empty() {
        bail!("the prompt is empty");
    }
    if decode.strategy == Some(Strategy::Beam) {
        return beam_cmd(&tok, &model, &ids, &cfg, decode, json);
    }
    let mut sink = |s: &str| {
        if !json {
            stream(s)
        }
    };
    let (g, stats): (Generation, Option<SpeculativeStats>) = if !decode.choice.is_empty() || decode.regex.is_some() {
        let mut c = match &decode.regex {
            Some(r) if decode.choice.is_empty() => Constraint::regex(r)?,
            Some(_) => bail!("give --choice or --regex, not both"),
            None => Constraint::choice(&decode.choice.iter().map(String::as_str).collect::<Vec<_>>())?,
        };
        let g = constrained_generate(&model, &tok, &ids, &cfg, &mut c)?;
        sink(&g.text);
        (g, None)
    } else if decode.strategy == Some(Strategy::Speculative) {
        if decode.draft_layers == 0 || decode.draft_layers >= model.config().layers {
            bail!(
                "--draft-layers must be in 1..{} (the model has {} layers)",
                model.config().layers,
                model.config().layers
            );
        }
        let spec = SpeculativeConfig::first_layers(decode.draft_layers, decode.lookahead.max(1));
        let (g, s) = speculative_generate(&model, &tok, &ids, &cfg, &spec, &mut sink)?;
        (g, Some(s))
    } else {
        (generate(&model, &tok, &ids, &cfg, &mut sink)?, None)
    };
    if !json {
        println!();
    }
    if json {
        let out = serde_json::json!({
            "text": g.text,
            "tokens": g.tokens,
            "prompt_tokens": g.prompt_tokens,
            "stop": format!("{:?}", g.stop),
            "prefill_tokens_per_s": g.prefill_tokens_per_s(),
            "decode_tokens_per_s": g.decode_tokens_per_s(),
            "speculative": stats.map(|s| serde_json::json!({
                "drafted": s.drafted, "accepted": s.accepted, "acceptance_rate": s.acceptance_rate(),
                "target_passes": s.target_passes,
            })),
        });
        println!("{}", serde_json::to_string(&out)?);
    } else {
        eprintln!(
            "[{} prompt tokens at {:.0} tok/s; {} generated at {:.1} tok/s; stop: {:?}]",
            g.prompt_tokens,
            g.prefill_tokens_per_s(),
            g.tokens.len(),
            g.decode_tokens_per_s(),
            g.stop
        );
        if let Some(s) = stats {
            eprintln!(
                "[speculative: {} of {} drafted tokens accepted ({:.0}%), {} target passes]",
                s.accepted,
                s.drafted,
                100.0 * s.acceptance_rate(),
                s.target_passes
            );
        }
    }
    Ok(())
}

fn beam_cmd(
    tok: &Tokenizer,
    model: &Llama,
    ids: &[TokenId],
    cfg: &GenerateConfig,
    d: &DecodeArgs,
    json: bool,
) -> Result<()> {
    if d.beams == 0 {
        bail!("--beams must be at least 1");
    }
    let bc = BeamConfig {
        beams: d.beams,
        length_penalty: d.length_penalty,
        early_stopping: true,
        max_tokens: cfg.max_tokens,
        stop_tokens: cfg.stop_tokens.clone(),
    };
    let hyps = beam_search(model, ids, &bc)?;
    if json {
        let beams: Vec<_> = hyps
            .iter()
            .map(|h| serde_json::json!({"text": tok.decode(&h.tokens), "tokens": h.tokens, "logprob": h.logprob, "score": h.score}))
            .collect();
        let best = &hyps[0];
        println!("{}", serde_json::json!({"text": tok.decode(&best.tokens), "tokens": best.tokens, "beams": beams}));
    } else {
        for (i, h) in hyps.iter().enumerate() {
            println!("[beam {i}: score {:.3}, log p {:.2}] {}", h.score, h.logprob, tok.decode(&h.tokens));
        }
    }
    Ok(())
}

pub fn chat_cmd(system: Option<String>, decode: &DecodeArgs, m: &ModelArg) -> Result<()> {
    let Loaded { tok, model } = m.load(Backend::Quantized)?;
    let cfg = decode.config(&tok)?;
    let fresh = |system: &Option<String>| -> Vec<Message> {
        system.iter().map(|s| Message::new(Role::System, s.clone())).collect()
    };
    let mut system = system;
    let mut messages = fresh(&system);
    eprintln!(
        "chat with {} — /reset forgets the conversation, /system TEXT sets the system prompt, Ctrl-D quits",
        m.model
    );
    let stdin = std::io::stdin();
    loop {
        eprint!("> ");
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        if line.trim() == "/reset" {
            messages = fresh(&system);
            eprintln!("[conversation cleared]");
            continue;
        }
        if let Some(s) = line.strip_prefix("/system") {
            system = Some(s.trim().to_string()).filter(|s| !s.is_empty());
            messages = fresh(&system);
            eprintln!("[system prompt set; conversation cleared]");
            continue;
        }
        messages.push(Message::new(Role::User, line));
        // The user's text is never parsed for control tokens (see `chatml_ids`).
        let ids = chatml_ids(&tok, &messages)?;
        if ids.len() >= model.config().context {
            bail!(
                "the conversation ({} tokens) no longer fits the context of {}; /reset",
                ids.len(),
                model.config().context
            );
        }
        let g = generate(&model, &tok, &ids, &cfg, &mut stream)?;
        println!();
        messages.push(Message::new(Role::Assistant, g.text));
    }
    Ok(())
}

pub fn tokenize_cmd(decode: bool, json: bool, m: &ModelArg) -> Result<()> {
    let tok = m.tokenizer()?;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).context("reading stdin")?;
    if decode {
        let ids: Vec<TokenId> = if input.trim_start().starts_with('[') || input.trim_start().starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(&input).context("stdin is not valid JSON")?;
            let arr = v.get("ids").unwrap_or(&v);
            serde_json::from_value(arr.clone()).context("expected a JSON array of token ids")?
        } else {
            input
                .split_whitespace()
                .map(|s| s.parse().with_context(|| format!("`{s}` is not a token id")))
                .collect::<Result<_>>()?
        };
        if let Some(bad) = ids.iter().find(|&&i| i as usize >= tok.vocab_size()) {
            bail!("token id {bad} is outside the vocabulary of {}", tok.vocab_size());
        }
        let text = tok.decode(&ids);
        if json {
            println!("{}", serde_json::json!({ "text": text }));
        } else {
            print!("{text}");
        }
        return Ok(());
    }
    let ids = tok.encode(&input, true);
    if json {
        println!("{}", serde_json::json!({ "ids": ids }));
    } else {
        println!("{}", ids.iter().map(u32::to_string).collect::<Vec<_>>().join(" "));
    }
    Ok(())
}

pub fn score_cmd(file: &PathBuf, json: bool, m: &ModelArg) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let Loaded { tok, model } = m.load(Backend::Quantized)?;
    let ids = tok.encode(&text, true);
    if ids.len() < 2 {
        bail!("{} has {} token(s); scoring needs at least 2", file.display(), ids.len());
    }
    let logits = model.forward(&ids, &mut model.new_cache(), Logits::All)?; // (T, V)
    let logprobs = dojo::evaluation::perplexity::next_token_logprobs(&logits, &ids)?;
    let nll = -logprobs.iter().sum::<f64>() / logprobs.len() as f64;
    if json {
        let out = serde_json::json!({
            "tokens": ids.len(), "nll": nll, "perplexity": nll.exp(), "logprobs": logprobs,
        });
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!("{} tokens, mean NLL {:.4} nats/token, perplexity {:.3}", ids.len(), nll, nll.exp());
    }
    Ok(())
}
