//! Lab `sft-instructions`: a small GPT pretrained on stories, taught five instruction tasks by
//! supervised fine-tuning, with and without the prompt mask.
//!
//! The base model ([`super::tiny_lm`]) reads bytes plus the two chat markers `<|im_start|>` and
//! `<|im_end|>` (V = 258): their embedding rows exist but never occur in pretraining, as with
//! the special tokens a chat template adds to a base model. Two copies are then fine-tuned on
//! the same packed examples of [`dojo::data::instructions`] (copy, reverse, sort, count, add),
//! one with the loss on the response tokens only ([`dojo::pretraining::sft::pack`] with
//! `mask_prompt`), one with the loss on every token. Each model, the base included, answers
//! held-out instructions by greedy decoding until `<|im_end|>`; the report gives exact-match
//! accuracy per task next to the floor of always giving a task's most common answer, and the
//! response-only loss on held-out examples during training.
//!
//! Code under test: [`dojo::pretraining::sft`], [`dojo::data::instructions`],
//! [`dojo::pretraining::Trainer`].

use super::tiny_lm::{self, BaseConfig};
use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::{Device, IndexOp, Tensor};
use dojo::data::instructions::{instance, tokens, Instruction, Task, END_ID, VOCAB};
use dojo::nn::{masked_cross_entropy, Rng};
use dojo::pretraining::sft::{pack, Example, Packed};
use dojo::pretraining::{Event, Objective, Trainer};
use dojo::transformers::gpt::{Gpt, GptConfig, PositionKind};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Configuration of `sft-instructions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SftInstructionsConfig {
    /// Seed for data, weights and batches.
    pub seed: u64,
    /// The base model and its pretraining on stories; `seq_len` is also the packed row length.
    pub base: BaseConfig,
    /// The base model's position scheme, e.g. "rope" (relative offsets make copying easy).
    pub positions: PositionKind,
    /// The tasks taught and tested, e.g. ["copy", "reverse", "sort", "count", "add"].
    pub tasks: Vec<Task>,
    /// Longest letter string in a task, e.g. 6.
    pub max_len: usize,
    /// Training examples, drawn round-robin over the tasks, e.g. 4000.
    pub train_examples: usize,
    /// Fine-tuning steps per run, e.g. 400.
    pub steps: usize,
    /// Packed rows per step, e.g. 16.
    pub batch: usize,
    /// Peak fine-tuning learning rate, e.g. 3e-3.
    pub lr: f64,
    /// Held-out instructions per task, answered by greedy decoding, e.g. 40.
    pub test_per_task: usize,
    /// Measure the held-out response loss every this many steps, e.g. 25.
    pub eval_every: usize,
}

impl LabConfig for SftInstructionsConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            base: BaseConfig {
                width: 64,
                heads: 4,
                layers: 3,
                seq_len: 64,
                batch: 16,
                story_level: 2,
                stories: 2000,
                steps: 250,
                lr: 3e-3,
            },
            positions: PositionKind::Rope,
            tasks: Task::ALL.to_vec(),
            max_len: 6,
            train_examples: 4000,
            steps: 600,
            batch: 16,
            lr: 4e-3,
            test_per_task: 40,
            eval_every: 50,
        }
    }

    fn full() -> Self {
        let t = Self::tiny();
        Self {
            base: BaseConfig { width: 128, layers: 4, steps: 1000, stories: 6000, ..t.base },
            train_examples: 20000,
            steps: 1500,
            test_per_task: 100,
            ..t
        }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        self.base.validate()?;
        if self.tasks.is_empty() || self.max_len < 2 || self.steps < 10 || self.test_per_task == 0 {
            return Err("at least one task, max_len ≥ 2, steps ≥ 10, test_per_task ≥ 1".into());
        }
        if self.batch == 0 || self.train_examples < self.batch * 4 {
            return Err("batch ≥ 1 and train_examples ≥ 4·batch (a packed row holds one or two examples)".into());
        }
        // the longest prompt: "<s>user\ncount a: " + max_len letters + "<e>\n<s>assistant\n"
        let longest = tokens(&instance_of_len(Task::Count, self.max_len).chat_prompt()).len() + 8;
        if longest > self.base.seq_len {
            return Err(format!("base.seq_len {} is too short for an example of {longest} tokens", self.base.seq_len));
        }
        Ok(())
    }
}

/// An instance of `task` with exactly `len` letters (for the length check).
fn instance_of_len(task: Task, len: usize) -> Instruction {
    let mut rng = Rng::new(0);
    loop {
        let i = instance(task, len, &mut rng);
        if i.prompt.rsplit(' ').next().is_some_and(|s| s.len() == len) {
            return i;
        }
    }
}

/// What one fine-tuning run measured.
struct Finetuned {
    /// How the report names the run, e.g. "response only (prompt masked)".
    label: &'static str,
    /// The metric prefix, "masked" or "unmasked".
    key: &'static str,
    /// Exact match per task, in `cfg.tasks` order.
    accuracy: Vec<f64>,
    /// Each task's first test answer, as text.
    samples: Vec<String>,
    /// (step, held-out response loss).
    curve: Vec<(f64, f64)>,
    /// Share of the training targets the loss counted.
    counted: f64,
}

/// The `sft-instructions` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct SftInstructions;

impl Experiment for SftInstructions {
    type Config = SftInstructionsConfig;

    const INFO: LabInfo = LabInfo {
        name: "sft-instructions",
        topic: "pretraining",
        title: "Supervised fine-tuning on instructions, with and without the prompt mask",
        summary: "Teaches a story-pretrained GPT five chat-formatted tasks; per-task accuracy before and after, and what masking the prompt changes.",
    };

    fn run(&self, cfg: &SftInstructionsConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let t0 = std::time::Instant::now();
        // 1) the base: pretrained on stories, with two untrained marker rows
        let gcfg = GptConfig { vocab: VOCAB, positions: cfg.positions, ..cfg.base.gpt() };
        let base = tiny_lm::pretrain_as(&cfg.base, gcfg, cfg.seed, ctx)?;

        // 2) data: training examples, held-out examples (for the loss) and test instructions
        let mut rng = Rng::new(cfg.seed).fork(2);
        let train: Vec<Instruction> =
            (0..cfg.train_examples).map(|i| instance(cfg.tasks[i % cfg.tasks.len()], cfg.max_len, &mut rng)).collect();
        let seen: HashSet<&str> = train.iter().map(|i| i.prompt.as_str()).collect();
        let mut rng = Rng::new(cfg.seed).fork(3);
        let mut fresh = |task: Task, n: usize| -> Vec<Instruction> {
            // unseen prompts; give up after many tries (tiny task spaces can run out)
            let mut out = Vec::with_capacity(n);
            for _ in 0..n * 50 {
                let i = instance(task, cfg.max_len, &mut rng);
                if !seen.contains(i.prompt.as_str()) {
                    out.push(i);
                    if out.len() == n {
                        break;
                    }
                }
            }
            out
        };
        let tests: Vec<Vec<Instruction>> = cfg.tasks.iter().map(|&t| fresh(t, cfg.test_per_task)).collect();
        let held_out: Vec<Instruction> = cfg.tasks.iter().flat_map(|&t| fresh(t, 20)).collect();
        let examples = |v: &[Instruction]| -> Vec<Example> {
            v.iter()
                .map(|i| Example { prompt: tokens(&i.chat_prompt()), response: tokens(&i.chat_response()) })
                .collect()
        };
        let val = pack(&examples(&held_out), cfg.base.seq_len, 0, true)?;
        let val = val.tensors(0, val.rows, &dev)?;

        // 3) before: the base model, and the floor any model gets by always giving each task's most
        //    common training answer (count's answer is usually 1)
        let prior: Vec<f64> = cfg
            .tasks
            .iter()
            .zip(&tests)
            .map(|(&t, set)| {
                let mut freq = std::collections::HashMap::<&str, usize>::new();
                for i in train.iter().filter(|i| i.task == t) {
                    *freq.entry(i.answer.as_str()).or_default() += 1;
                }
                let top = freq.into_iter().max_by_key(|&(a, n)| (n, std::cmp::Reverse(a))).map_or("", |(a, _)| a);
                set.iter().filter(|i| i.answer == top).count() as f64 / set.len().max(1) as f64
            })
            .collect();
        let (_, before_gpt) = base.trainable_copy()?;
        let (before, before_samples) = accuracy(&before_gpt, &tests)?;
        ctx.log(serde_json::json!({"model": "base", "accuracy": before, "samples": before_samples, "elapsed_s": t0.elapsed().as_secs_f64()}))?;

        // 4) fine-tune a copy with each loss
        let run = |mask_prompt: bool, progress: &mut dyn FnMut(usize)| -> Result<Finetuned, LabError> {
            let data = pack(&examples(&train), cfg.base.seq_len, 0, mask_prompt)?;
            let counted =
                data.loss_mask.iter().map(|&m| f64::from(m)).sum::<f64>() / (data.inputs.len() - data.padding) as f64;
            let (params, gpt) = base.trainable_copy()?;
            let mut trainer = Trainer::new(&params, tiny_lm::train_config(cfg.steps, cfg.lr, cfg.eval_every))?;
            let mut obj = Sft { gpt: &gpt, data: &data, batch: cfg.batch, val: &val };
            let mut curve = vec![(0.0, obj.val_loss()?)];
            trainer.run(&mut obj, &mut |e| match e {
                Event::Step(s) => progress(s.step + 1),
                Event::Eval(step, m) => curve.push((step as f64, m[0].1)),
                _ => {}
            })?;
            let (accuracy, samples) = accuracy(&gpt, &tests)?;
            let (label, key) = if mask_prompt {
                ("response only (prompt masked)", "masked")
            } else {
                ("every token (no mask)", "unmasked")
            };
            Ok(Finetuned { label, key, accuracy, samples, curve, counted })
        };
        let steps = cfg.steps as u64;
        let mut outcomes = Vec::new();
        for mask_prompt in [true, false] {
            let label = if mask_prompt { "fine-tuning, prompt masked" } else { "fine-tuning, no mask" };
            let f = run(mask_prompt, &mut |s| ctx.progress(s as u64, steps, label))?;
            ctx.log(
                serde_json::json!({"model": f.key, "accuracy": f.accuracy, "samples": f.samples, "counted": f.counted,
                "curve": f.curve, "elapsed_s": t0.elapsed().as_secs_f64()}),
            )?;
            outcomes.push(f);
        }

        // 5) the report
        let mut r = Report::default();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        r.metric("params", base.params.count() as f64);
        r.metric("base_accuracy", mean(&before));
        r.metric("prior_accuracy", mean(&prior));
        for (t, &a) in cfg.tasks.iter().zip(&prior) {
            r.metric(&format!("prior_{}", t.name()), a);
        }
        for (t, &a) in cfg.tasks.iter().zip(&before) {
            r.metric(&format!("base_{}", t.name()), a);
        }
        for o in &outcomes {
            r.metric(&format!("{}_accuracy", o.key), mean(&o.accuracy));
            r.metric(&format!("{}_counted", o.key), o.counted);
            r.metric(&format!("{}_response_loss", o.key), o.curve.last().map_or(f64::NAN, |c| c.1));
            for (t, &a) in cfg.tasks.iter().zip(&o.accuracy) {
                r.metric(&format!("{}_{}", o.key, t.name()), a);
            }
        }
        let (m, u) = (&outcomes[0], &outcomes[1]);
        r.summary = format!(
            "A {}-parameter GPT pretrained on stories answers {:.0}% of held-out instructions before fine-tuning \
             (always giving each task's most common answer would score {:.0}%, nearly all of it on count). After {} steps of SFT with the loss on the response only it answers {:.0}%; with the loss on \
             every token, {:.0}%. The mask kept {:.0}% of the training targets in the loss. Held-out \
             response loss: {} masked, {} unmasked (nats per token).",
            base.params.count(),
            100.0 * mean(&before),
            100.0 * mean(&prior),
            cfg.steps,
            100.0 * mean(&m.accuracy),
            100.0 * mean(&u.accuracy),
            100.0 * m.counted,
            fmt_num(m.curve.last().map_or(f64::NAN, |c| c.1)),
            fmt_num(u.curve.last().map_or(f64::NAN, |c| c.1)),
        );
        let pct = |a: f64| format!("{:.0}%", 100.0 * a);
        let mut rows: Vec<Vec<String>> = cfg
            .tasks
            .iter()
            .enumerate()
            .map(|(k, t)| {
                vec![t.name().to_string(), pct(prior[k]), pct(before[k]), pct(m.accuracy[k]), pct(u.accuracy[k])]
            })
            .collect();
        rows.push(vec![
            "mean".into(),
            pct(mean(&prior)),
            pct(mean(&before)),
            pct(mean(&m.accuracy)),
            pct(mean(&u.accuracy)),
        ]);
        r.table(&["task", "most common answer", "base", "SFT, prompt masked", "SFT, no mask"], &rows);
        r.plot(outcomes.iter().fold(
            Plot::new("response_loss", "Held-out response loss during SFT", "step", "cross-entropy (nats/token)"),
            |p, o| p.with(Series::new(o.label, o.curve.clone())),
        ));
        r.text(WHAT_TO_LOOK_FOR);
        Ok(r)
    }
}

const WHAT_TO_LOOK_FOR: &str = "## What to look for

- **Before.** The base model has read stories, never a chat turn. The markers' embeddings are \
  untrained, so it never closes its turn and answers nothing, not even the count that the \
  most-common-answer column gets right most of the time (a letter picked from the string \
  usually occurs once). Pretraining gave it English bytes, not the habit of answering.
- **After.** A few hundred steps teach the format (answer, then `<|im_end|>`) and, once the \
  model has formed the attention that looks back at the prompt's letters, copy and then \
  reverse and sort. That circuit appears suddenly, at a step that varies with the seed, so \
  the per-task numbers jump between runs. Addition on bytes needs far more steps: both stay at \
  the floor.
- **The mask.** Without it the loss also asks the model to predict the prompts. Their letters \
  are random, so that part of the loss cannot fall below log 8 per letter, and prompts are \
  most of the tokens: about 85% of the targets here. In the tiny configuration with seeds 0, \
  1 and 2, the masked run ended with the lower held-out response loss each time (0.77 vs \
  0.81, 0.32 vs 0.60, 0.41 vs 0.97 nats per token) and the higher copy accuracy. In a \
  four-task variant (no add) with seed 0 the order flipped, though. What the mask gives here \
  is an earlier start on the response, not a different end point. With prompts that can be \
  predicted (real instructions), loss on the prompt can even help (Shi et al. 2024, \
  arXiv:2405.14394). Run several seeds before you believe a single gap.";

/// Supervised fine-tuning on packed rows: step s takes rows s·B … s·B + B (wrapping).
struct Sft<'a> {
    gpt: &'a Gpt,
    data: &'a Packed,
    batch: usize,
    /// Held-out examples, response-masked: (inputs, targets, mask).
    val: &'a (Tensor, Tensor, Tensor),
}

impl Sft<'_> {
    fn val_loss(&self) -> dojo::Result<f64> {
        let (x, y, m) = self.val;
        masked_cross_entropy(&self.gpt.forward(x, None)?, y, m)?.to_scalar::<f32>().map(f64::from).map_err(Into::into)
    }
}

impl Objective for Sft<'_> {
    fn loss(&mut self, step: usize, _micro: usize) -> dojo::Result<Tensor> {
        let batches = self.data.rows / self.batch;
        let (x, y, m) = self.data.tensors((step % batches) * self.batch, self.batch, &self.gpt.device())?;
        masked_cross_entropy(&self.gpt.forward(&x, None)?, &y, &m)
    }

    fn evaluate(&mut self, _step: usize) -> dojo::Result<Vec<(String, f64)>> {
        Ok(vec![("response_loss".into(), self.val_loss()?)])
    }
}

/// Exact-match accuracy per task (the greedy continuation of each chat prompt, up to
/// `<|im_end|>`, equals the answer), and each task's first answer as text.
fn accuracy(gpt: &Gpt, tests: &[Vec<Instruction>]) -> dojo::Result<(Vec<f64>, Vec<String>)> {
    let (mut acc, mut samples) = (Vec::new(), Vec::new());
    for set in tests {
        let mut right = 0;
        for (k, i) in set.iter().enumerate() {
            let want = tokens(&i.answer);
            let got = greedy_answer(gpt, &tokens(&i.chat_prompt()), want.len() + 4)?;
            if k == 0 {
                let bytes: Vec<u8> = got.iter().map(|&t| if t < 256 { t as u8 } else { b'?' }).collect();
                samples.push(format!("{} → {}", i.prompt, String::from_utf8_lossy(&bytes)));
            }
            right += usize::from(got == want);
        }
        acc.push(right as f64 / set.len().max(1) as f64);
    }
    Ok((acc, samples))
}

/// Greedy decoding from `prompt` until `<|im_end|>` or `max_new` tokens, with a KV cache.
fn greedy_answer(gpt: &Gpt, prompt: &[u32], max_new: usize) -> dojo::Result<Vec<u32>> {
    let dev = gpt.device();
    let mut caches = gpt.new_caches();
    let mut input = prompt.to_vec(); // the whole prompt first, then one token at a time
    let mut out = Vec::new();
    for _ in 0..max_new {
        let x = Tensor::new(input.as_slice(), &dev)?.unsqueeze(0)?; // (1, t)
        let next = gpt.forward(&x, Some(&mut caches))?.i((0, input.len() - 1))?.argmax(0)?.to_scalar::<u32>()?;
        if next == END_ID {
            break;
        }
        out.push(next);
        input = vec![next];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sft_teaches_the_tasks_and_the_prompt_mask_gives_a_head_start() {
        let report = crate::lab::run_tiny(&SftInstructions);
        let m = &report.metrics;
        // the base never closes a chat turn
        assert!(m["base_accuracy"] < 0.05, "{m:?}");
        // SFT learns the letter tasks well above the most-common-answer floor, with either loss
        let letters = |k: &str| (m[&format!("{k}_copy")] + m[&format!("{k}_reverse")] + m[&format!("{k}_sort")]) / 3.0;
        assert!(letters("masked") > letters("prior") + 0.1, "{m:?}");
        assert!(letters("unmasked") > letters("prior") + 0.1, "{m:?}");
        // the mask keeps about a sixth of the targets, and the masked run ends ahead on the
        // held-out response loss (true for seeds 0, 1 and 2; see WHAT_TO_LOOK_FOR for its limits)
        assert!((0.08..0.3).contains(&m["masked_counted"]) && m["unmasked_counted"] == 1.0, "{m:?}");
        assert!(m["masked_response_loss"] < m["unmasked_response_loss"], "{m:?}");
    }
}
