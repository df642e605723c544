//! Prompt builders (zero-shot, few-shot, chain-of-thought), answer scoring by likelihood, and
//! a PromptBreeder-style search that evolves the instruction.
//!
//! - **Zero-shot**: an instruction, then the input. **Few-shot** (Brown et al. 2020): k solved
//!   examples first, so the model infers the format and the task from them.
//! - **Chain-of-thought** (Wei et al. 2022; zero-shot "Let's think step by step", Kojima et al.
//!   2022): the model writes reasoning before the answer. It helps large models on multi-step
//!   problems and tends to hurt small ones, whose reasoning drifts (the `prompting` lab measures
//!   it on a 135M model).
//! - **Scoring by likelihood**: instead of parsing generated text, compare log p(answer | prompt)
//!   for each allowed answer and take the best: no format errors, one forward pass per answer
//!   (how multiple-choice benchmarks such as MMLU are scored on base models).
//! - **PromptBreeder** (Fernando et al. 2023): keep a population of prompts, mutate them (the
//!   LLM itself rewrites an instruction given a "mutation prompt"; or fragments are recombined),
//!   score each on a dev set, keep the fittest. [`evolve`] is that loop with the fitness and the
//!   mutation supplied by the caller.

use crate::models::llama::{Llama, LlamaCache, Logits};
use crate::nn::Rng;
use crate::tokenizer::{TokenId, Tokenizer};
use crate::Result;

/// A prompt for a classification-style task: instruction, solved examples, the input slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptTemplate {
    /// The task description, e.g. "Classify the sentiment of the review."
    pub instruction: String,
    /// Solved (input, answer) pairs shown before the query.
    pub examples: Vec<(String, String)>,
    /// Label of the input field, e.g. "Review".
    pub input_label: String,
    /// Label of the answer field, e.g. "Sentiment".
    pub answer_label: String,
    /// Ask for reasoning before the answer.
    pub chain_of_thought: bool,
}

/// The zero-shot chain-of-thought trigger (Kojima et al. 2022).
pub const THINK: &str = "Let's think step by step.";

impl PromptTemplate {
    /// Instruction and input only.
    pub fn zero_shot(instruction: &str, input_label: &str, answer_label: &str) -> Self {
        Self {
            instruction: instruction.into(),
            examples: vec![],
            input_label: input_label.into(),
            answer_label: answer_label.into(),
            chain_of_thought: false,
        }
    }

    /// With solved examples first.
    pub fn few_shot(mut self, examples: &[(String, String)]) -> Self {
        self.examples = examples.to_vec();
        self
    }

    /// Asking for step-by-step reasoning before the answer.
    pub fn with_chain_of_thought(mut self) -> Self {
        self.chain_of_thought = true;
        self
    }

    /// Everything up to the query's input: instruction and examples. Identical for every
    /// query, so its KV cache can be computed once ([`prefix_cache`]).
    pub fn prefix(&self) -> String {
        let mut s = format!("{}\n\n", self.instruction.trim());
        for (x, y) in &self.examples {
            s.push_str(&format!("{}: {}\n{}: {}\n\n", self.input_label, x, self.answer_label, y));
        }
        s
    }

    /// The query part: the input, then the answer field, or the reasoning trigger for
    /// chain-of-thought (the caller generates the reasoning, then appends [`Self::answer_cue`]).
    pub fn query(&self, input: &str) -> String {
        if self.chain_of_thought {
            format!("{}: {}\n{THINK}", self.input_label, input)
        } else {
            format!("{}: {}\n{}:", self.input_label, input, self.answer_label)
        }
    }

    /// What follows the reasoning of a chain-of-thought answer.
    pub fn answer_cue(&self) -> String {
        format!("\nTherefore, the {} is", self.answer_label.to_lowercase())
    }

    /// The whole prompt for `input`.
    pub fn render(&self, input: &str) -> String {
        format!("{}{}", self.prefix(), self.query(input))
    }
}

/// Runs `prefix` once and returns its cache, to be cloned for every query that shares it.
pub fn prefix_cache(model: &Llama, tok: &Tokenizer, prefix: &str) -> Result<(Vec<TokenId>, LlamaCache)> {
    let ids = tok.encode(prefix, true);
    let mut cache = model.new_cache();
    if !ids.is_empty() {
        model.forward(&ids, &mut cache, Logits::Last)?;
    }
    Ok((ids, cache))
}

/// log p(choice | context) for each choice, where the context is what `cache` holds followed
/// by `query`. Each choice is scored as a continuation (its tokens after the query's tokens).
pub fn score_choices(
    model: &Llama,
    cache: &LlamaCache,
    query: &[TokenId],
    choices: &[Vec<TokenId>],
) -> Result<Vec<f64>> {
    let mut base = cache.clone();
    if query.is_empty() {
        return Err(crate::Error::Config("score_choices: empty query".into()));
    }
    let last = model.forward(query, &mut base, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
    choices
        .iter()
        .map(|c| {
            let mut lp = log_softmax_at(&last, c[0]);
            if c.len() > 1 {
                let mut cc = base.clone();
                let rows: Vec<Vec<f32>> = model.forward(&c[..c.len() - 1], &mut cc, Logits::All)?.to_vec2()?;
                for (row, &next) in rows.iter().zip(&c[1..]) {
                    lp += log_softmax_at(row, next);
                }
            }
            Ok(lp)
        })
        .collect()
}

fn log_softmax_at(z: &[f32], i: TokenId) -> f64 {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let lse = m + z.iter().map(|&x| (x as f64 - m).exp()).sum::<f64>().ln();
    z[i as usize] as f64 - lse
}

/// One generation of [`evolve`]: each member's fitness, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationLog<P> {
    /// (fitness, prompt), sorted by fitness, best first.
    pub scored: Vec<(f64, P)>,
}

/// PromptBreeder-style evolution: score the population, keep the best `survivors`, refill with
/// mutants of survivors, repeat. Returns every generation's scores (the last one's best is the
/// answer). Fitness ties keep the earlier (older) prompt.
pub fn evolve<P: Clone>(
    population: Vec<P>,
    generations: usize,
    survivors: usize,
    rng: &mut Rng,
    fitness: &mut dyn FnMut(&P) -> Result<f64>,
    mutate: &mut dyn FnMut(&P, &mut Rng) -> Result<P>,
) -> Result<Vec<GenerationLog<P>>> {
    let size = population.len().max(1);
    let mut scored: Vec<(f64, P)> = population.into_iter().map(|p| Ok((fitness(&p)?, p))).collect::<Result<_>>()?;
    let mut history = Vec::new();
    for g in 0..=generations {
        scored.sort_by(|a, b| b.0.total_cmp(&a.0)); // stable: ties keep their order
        history.push(GenerationLog { scored: scored.clone() });
        if g == generations {
            break;
        }
        scored.truncate(survivors.clamp(1, size));
        let parents = scored.len();
        while scored.len() < size {
            let parent = scored[rng.below(parents)].1.clone();
            let child = mutate(&parent, rng)?;
            scored.push((fitness(&child)?, child));
        }
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_render_the_expected_layouts() {
        let t = PromptTemplate::zero_shot("Classify the sentiment.", "Review", "Sentiment");
        assert_eq!(t.render("Great!"), "Classify the sentiment.\n\nReview: Great!\nSentiment:");
        let f = t.clone().few_shot(&[("Awful.".into(), "negative".into())]);
        assert_eq!(
            f.render("Great!"),
            "Classify the sentiment.\n\nReview: Awful.\nSentiment: negative\n\nReview: Great!\nSentiment:"
        );
        let c = t.with_chain_of_thought();
        assert!(c.render("Great!").ends_with("Review: Great!\nLet's think step by step."));
        assert_eq!(c.answer_cue(), "\nTherefore, the sentiment is");
    }

    #[test]
    fn evolution_keeps_the_fittest_and_never_loses_the_best() {
        // Prompts are numbers; fitness prefers closeness to 42; mutation nudges by ±1..5.
        let mut rng = Rng::new(4);
        let mut fit = |p: &i64| Ok(-((p - 42).abs() as f64));
        let mut mutate = |p: &i64, r: &mut Rng| Ok(p + r.below(11) as i64 - 5);
        let hist = evolve(vec![0, 10, 20, 30], 30, 2, &mut rng, &mut fit, &mut mutate).unwrap();
        let best: Vec<f64> = hist.iter().map(|g| g.scored[0].0).collect();
        assert!(best.windows(2).all(|w| w[1] >= w[0]), "elitism: the best never gets worse");
        assert!(best[best.len() - 1] > -3.0, "{best:?}");
    }
}
