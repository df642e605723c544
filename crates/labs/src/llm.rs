//! What the labs on the real LLM share: loading SmolLM2 (or any Llama GGUF) and scoring text.

use crate::lab::LabError;
use dojo::evaluation::perplexity::next_token_logprobs;
use dojo::models::gguf::Gguf;
use dojo::models::llama::{Backend, Llama, Logits};
use dojo::tokenizer::{TokenId, Tokenizer};

/// Loads the tokenizer and quantized model called `name` (`smollm2`, or a GGUF path).
pub fn load(name: &str) -> Result<(Tokenizer, Llama), LabError> {
    load_with(name, Backend::Quantized)
}

/// [`load`] with another backend, e.g. `Backend::F32` to fine-tune.
pub fn load_with(name: &str, backend: Backend) -> Result<(Tokenizer, Llama), LabError> {
    let path = dojo::models::resolve(&dojo::models::home()?, name)?;
    let g = Gguf::open(&path)?;
    Ok((Tokenizer::from_gguf(&g)?, Llama::load(&g, backend)?))
}

/// The model's log-probability of each token of `continuation` after `prompt` (teacher forced).
pub fn logprobs(model: &Llama, prompt: &[TokenId], continuation: &[TokenId]) -> Result<Vec<f64>, LabError> {
    if continuation.is_empty() {
        return Ok(vec![]);
    }
    let all: Vec<TokenId> = prompt.iter().chain(continuation).copied().collect();
    let logits = model.forward(&all, &mut model.new_cache(), Logits::All)?;
    let lp = next_token_logprobs(&logits, &all)?;
    Ok(lp[prompt.len() - 1..].to_vec())
}

/// In tests: whether the model is there. Under CI a missing model fails the test.
#[cfg(test)]
pub fn available() -> bool {
    match dojo::models::resolve(&dojo::models::home().unwrap(), "smollm2") {
        Ok(_) => true,
        Err(e) if std::env::var_os("CI").is_none() => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipped: {e}");
            }
            false
        }
        Err(e) => panic!("{e}"),
    }
}
