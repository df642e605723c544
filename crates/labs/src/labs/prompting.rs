//! Lab `prompting`: zero-shot vs few-shot vs chain-of-thought vs an evolved prompt, on
//! SmolLM2, for a task it can be scored on: the sentiment of short generated reviews.
//!
//! Answers are scored by likelihood (log p(" positive") vs log p(" negative") after the
//! prompt), so every method is judged on the same examples with no parsing. The evolved prompt
//! comes from a PromptBreeder-style search on a separate dev set: the model itself rewrites
//! instructions, phrases are added, few-shot examples are resampled; the fittest survive.
//!
//! Code under test: [`dojo::decoding::prompts`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::llm;
use crate::plot::{Plot, Series};
use crate::report::Report;
use dojo::decoding::prompts::{evolve, prefix_cache, score_choices, PromptTemplate};
use dojo::decoding::sampling::argmax;
use dojo::decoding::{generate, GenerateConfig, SamplerConfig};
use dojo::models::llama::{Llama, Logits};
use dojo::nn::Rng;
use dojo::tokenizer::{chatml, Message, Role, TokenId, Tokenizer};
use serde::{Deserialize, Serialize};

/// Configuration of `prompting`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptingConfig {
    /// Seed of the data split, the mutations and the sampled rewrites.
    pub seed: u64,
    /// Model name or GGUF path, e.g. "smollm2".
    pub model: String,
    /// Test examples every method is scored on, e.g. 40.
    pub test: usize,
    /// Dev examples the search scores prompts on (disjoint from test), e.g. 16.
    pub dev: usize,
    /// Solved examples in the few-shot prompt, e.g. 4.
    pub shots: usize,
    /// Reasoning tokens generated before a chain-of-thought answer, e.g. 24.
    pub cot_tokens: usize,
    /// Prompts in the search's population, e.g. 4.
    pub population: usize,
    /// Generations of the search, e.g. 3.
    pub generations: usize,
}

impl LabConfig for PromptingConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            model: "smollm2".into(),
            test: 24,
            dev: 10,
            shots: 4,
            cot_tokens: 12,
            population: 3,
            generations: 2,
        }
    }

    fn full() -> Self {
        Self { test: 80, dev: 24, cot_tokens: 32, population: 6, generations: 5, ..Self::tiny() }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.test == 0 || self.dev == 0 || self.population == 0 || self.cot_tokens == 0 {
            return Err("test, dev, population and cot_tokens must be at least 1".into());
        }
        if self.test + self.dev + 2 * self.shots > 200 {
            return Err("test + dev + 2·shots must stay within the 200 generated reviews".into());
        }
        Ok(())
    }
}

const SUBJECTS: [&str; 10] = [
    "The movie",
    "The food",
    "The service",
    "The hotel room",
    "This book",
    "The concert",
    "The new phone",
    "Our waiter",
    "The game",
    "The coffee",
];
/// Half plain praise, half that a keyword-matcher gets wrong (negation, understatement).
const POSITIVE: [&str; 10] = [
    "was wonderful",
    "was absolutely delightful",
    "exceeded all my expectations",
    "was fantastic",
    "was worth every penny",
    "was not bad at all",
    "never disappoints",
    "was much better than I feared",
    "left me smiling for days",
    "had no real flaws",
];
/// Half plain complaints, half subtle ones.
const NEGATIVE: [&str; 10] = [
    "was terrible",
    "was a complete waste of money",
    "was dull from start to finish",
    "was a big letdown",
    "was awful",
    "was not good at all",
    "could have been much better",
    "was nothing special",
    "promised a lot and delivered little",
    "was not worth the wait",
];

/// 200 labelled reviews in a seeded random order.
fn reviews(rng: &mut Rng) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for s in SUBJECTS {
        for (p, n) in POSITIVE.iter().zip(NEGATIVE) {
            all.push((format!("{s} {p}."), "positive".to_string()));
            all.push((format!("{s} {n}."), "negative".to_string()));
        }
    }
    rng.shuffle(&mut all);
    all
}

const SEED_INSTRUCTIONS: [&str; 4] = [
    "Classify the sentiment of the review as positive or negative.",
    "Is the following review positive or negative?",
    "Read the customer review and say whether the customer was happy (positive) or unhappy (negative).",
    "Decide the sentiment.",
];

const PHRASES: [&str; 5] = [
    "Answer with one word.",
    "Focus on the words that express feelings.",
    "Read carefully.",
    "Reviews that complain are negative; reviews that praise are positive.",
    "Be accurate.",
];

/// `prompting`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prompting;

/// What scoring needs: the model, the tokenizer, the two answers' tokens.
struct Scorer<'a> {
    tok: &'a Tokenizer,
    model: &'a Llama,
    choices: Vec<Vec<TokenId>>,
    labels: [&'static str; 2],
    cot_tokens: usize,
}

impl Scorer<'_> {
    /// Accuracy of `t` on `data`.
    fn accuracy(&self, t: &PromptTemplate, data: &[(String, String)]) -> Result<f64, LabError> {
        let (_, cache) = prefix_cache(self.model, self.tok, &t.prefix())?;
        let mut right = 0;
        for (x, y) in data {
            let mut query = self.tok.encode(&t.query(x), true);
            if t.chain_of_thought {
                // Generate the reasoning greedily after the query, then ask for the answer.
                let mut c = cache.clone();
                let mut logits = self.model.forward(&query, &mut c, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
                for _ in 0..self.cot_tokens {
                    let next = argmax(&logits) as TokenId;
                    if Some(next) == self.tok.eos() {
                        break;
                    }
                    query.push(next);
                    logits = self.model.forward(&[next], &mut c, Logits::Last)?.flatten_all()?.to_vec1::<f32>()?;
                }
                query.extend(self.tok.encode(&t.answer_cue(), false));
            }
            let s = score_choices(self.model, &cache, &query, &self.choices)?;
            let guess = if s[0] >= s[1] { self.labels[0] } else { self.labels[1] };
            right += usize::from(guess == y);
        }
        Ok(right as f64 / data.len() as f64)
    }

    /// The model rewrites an instruction (PromptBreeder's direct mutation).
    fn rewrite(&self, instruction: &str, rng: &mut Rng) -> Result<String, LabError> {
        let ask =
            format!("Rewrite this instruction so it is clearer. Reply with the new instruction only.\n\n{instruction}");
        let prompt = self.tok.encode(&chatml(&[Message::new(Role::User, ask)]), true);
        let cfg = GenerateConfig {
            max_tokens: 32,
            stop_tokens: self.tok.eos().into_iter().collect(),
            stop_strings: vec!["\n".into()],
            sampler: SamplerConfig { temperature: 0.8, top_p: 0.95, ..SamplerConfig::default() },
            seed: rng.next_u64(),
        };
        let text = generate(self.model, self.tok, &prompt, &cfg, &mut |_| {})?.text;
        Ok(if text.trim().len() < 8 { instruction.to_string() } else { text.trim().to_string() })
    }
}

impl Experiment for Prompting {
    type Config = PromptingConfig;

    const INFO: LabInfo = LabInfo {
        name: "prompting",
        topic: "decoding",
        title: "Zero-shot, few-shot, chain-of-thought and an evolved prompt on SmolLM2",
        summary:
            "Sentiment accuracy of four prompting methods, scored by answer likelihood on the same held-out reviews.",
    };

    fn run(&self, cfg: &PromptingConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let (tok, model) = llm::load(&cfg.model)?;
        let rng = Rng::new(cfg.seed);
        let data = reviews(&mut rng.fork(1));
        let (pool, rest) = data.split_at(2 * cfg.shots);
        let (dev, rest) = rest.split_at(cfg.dev);
        let test = &rest[..cfg.test];
        let scorer = Scorer {
            tok: &tok,
            model: &model,
            choices: vec![tok.encode(" positive", false), tok.encode(" negative", false)],
            labels: ["positive", "negative"],
            cot_tokens: cfg.cot_tokens,
        };
        let shots = &pool[..cfg.shots];
        let zero = PromptTemplate::zero_shot(SEED_INSTRUCTIONS[0], "Review", "Sentiment");
        let methods = [
            ("zero-shot", zero.clone()),
            ("few-shot", zero.clone().few_shot(shots)),
            ("chain-of-thought (zero-shot)", zero.clone().with_chain_of_thought()),
        ];
        let total = (methods.len() + 1) as u64;
        let mut results = Vec::new();
        for (i, (name, t)) in methods.iter().enumerate() {
            let acc = scorer.accuracy(t, test)?;
            ctx.log(serde_json::json!({ "method": name, "test_accuracy": acc }))?;
            results.push((name.to_string(), t.clone(), acc));
            ctx.progress(i as u64 + 1, total, name);
        }
        // The search: seeds are the zero-shot instructions; fitness is dev accuracy.
        let population: Vec<PromptTemplate> = SEED_INSTRUCTIONS
            .iter()
            .cycle()
            .take(cfg.population)
            .map(|s| PromptTemplate::zero_shot(s, "Review", "Sentiment"))
            .collect();
        let mut evaluations = 0;
        let mut fitness = |t: &PromptTemplate| {
            evaluations += 1;
            scorer.accuracy(t, dev).map_err(|e| dojo::Error::Config(e.to_string()))
        };
        let mut mutate = |t: &PromptTemplate, r: &mut Rng| -> dojo::Result<PromptTemplate> {
            let mut child = t.clone();
            match r.below(3) {
                0 => {
                    child.instruction =
                        scorer.rewrite(&t.instruction, r).map_err(|e| dojo::Error::Config(e.to_string()))?
                }
                1 => child.instruction = format!("{} {}", t.instruction, PHRASES[r.below(PHRASES.len())]),
                _ => {
                    let k = 1 + r.below(cfg.shots.max(1));
                    let start = r.below(pool.len() - k + 1);
                    child.examples = pool[start..start + k].to_vec();
                }
            }
            Ok(child)
        };
        let history = evolve(
            population,
            cfg.generations,
            cfg.population.div_ceil(2),
            &mut rng.fork(2),
            &mut fitness,
            &mut mutate,
        )?;
        let (best_dev, best) = history.last().expect("at least one generation").scored[0].clone();
        let acc = scorer.accuracy(&best, test)?;
        ctx.log(serde_json::json!({ "method": "evolved", "test_accuracy": acc, "dev_accuracy": best_dev }))?;
        results.push(("evolved (PromptBreeder-style)".to_string(), best, acc));
        ctx.progress(total, total, "evolved");
        let curve: Vec<(f64, f64)> = history.iter().enumerate().map(|(g, h)| (g as f64, h.scored[0].0)).collect();
        Ok(report(cfg, &results, &curve, evaluations))
    }
}

fn report(
    cfg: &PromptingConfig,
    results: &[(String, PromptTemplate, f64)],
    curve: &[(f64, f64)],
    evals: usize,
) -> Report {
    let mut r = Report::default();
    let keys = ["zero_shot", "few_shot", "chain_of_thought", "evolved"];
    for (k, (_, _, acc)) in keys.iter().zip(results) {
        r.metric(&format!("{k}.accuracy"), *acc);
    }
    r.summary = format!(
        "Sentiment of {} held-out reviews, answered by SmolLM2-135M-Instruct and scored by answer \
         likelihood: zero-shot **{:.0}%**, few-shot ({} examples) **{:.0}%**, zero-shot \
         chain-of-thought **{:.0}%**, and the prompt evolved on {} dev reviews ({} prompt \
         evaluations) **{:.0}%**. Chance is 50%.",
        cfg.test,
        100.0 * results[0].2,
        cfg.shots,
        100.0 * results[1].2,
        100.0 * results[2].2,
        cfg.dev,
        evals,
        100.0 * results[3].2,
    );
    let rows: Vec<Vec<String>> =
        results.iter().map(|(n, _, a)| vec![n.clone(), format!("{:.0}%", 100.0 * a)]).collect();
    r.table(&["method", "test accuracy"], &rows);
    r.plot(
        Plot::new("search", "Prompt search: best dev accuracy per generation", "generation", "dev accuracy")
            .with(Series::new("best prompt", curve.to_vec())),
    );
    let shown: Vec<String> =
        results.iter().map(|(n, t, _)| format!("### {n}\n\n```text\n{}\n```\n", t.render("<the review>"))).collect();
    r.text(format!("## The prompts\n\n{}", shown.join("\n")));
    r.text(format!(
        "## What to look for\n\n\
         Few-shot examples show a small model both the task and the answer format; on a 135M \
         model that usually matters more than the wording of the instruction. Chain-of-thought \
         was found to help only at scale (Wei et al. 2022 saw gains from ~100B parameters): a \
         small model's {}-token \"reasoning\" mostly adds noise before the answer. The search \
         can only find what its mutations reach, and it overfits its dev set when that set is \
         small ({} reviews here): compare its dev accuracy (plot) with its test accuracy (table).",
        cfg.cot_tokens, cfg.dev
    ));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviews_are_balanced_and_distinct() {
        let all = reviews(&mut Rng::new(0));
        assert_eq!(all.len(), 200);
        assert_eq!(all.iter().filter(|r| r.1 == "positive").count(), 100);
        let set: std::collections::HashSet<_> = all.iter().map(|r| &r.0).collect();
        assert_eq!(set.len(), 200);
    }

    /// The effect the lab teaches, on the tiny preset.
    #[test]
    fn few_shot_beats_zero_shot_and_chain_of_thought_hurts_a_small_model() {
        if !llm::available() {
            return;
        }
        let report = crate::lab::run_tiny(&Prompting);
        let m = &report.metrics;
        assert!(m["few_shot.accuracy"] > m["zero_shot.accuracy"], "{m:?}");
        assert!(m["few_shot.accuracy"] >= 0.75, "{m:?}");
        // Chain-of-thought on a 135M model: its "reasoning" hurts.
        assert!(m["chain_of_thought.accuracy"] < m["few_shot.accuracy"], "{m:?}");
    }
}
