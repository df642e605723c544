//! Lab `mlm-vs-ntp`: one transformer, two objectives. Masked-LM (bidirectional, BERT) against
//! next-token prediction (causal, GPT) at the same budget, and what each one learns.
//!
//! Both runs start from the same initial weights of one [`Gpt`] and see the same windows of the
//! story corpus ([`dojo::data::stories`]), tokenized by words so that a masked token is a
//! whole word. They differ in two things only:
//!
//! - **NTP**: the causal mask, and a loss at every position, log p(xₜ | x₍<t₎);
//! - **MLM**: no mask ([`Gpt::encode`]), 15% of the tokens corrupted by the 80/10/10 rule
//!   ([`dojo::pretraining::mlm`]), and a loss at those positions only, log p(xᵢ | x̃).
//!
//! Then both answer the same held-out cloze questions (one word of a story replaced by
//! `[MASK]`) in three ways: the MLM reads both sides in one pass; the NTP model reads the
//! left side only (its next-word guess); or the NTP model scores every candidate word by the
//! likelihood of the *whole* story with that word in place (it sees the right side too, at the
//! cost of one forward pass per candidate). The questions come in three kinds:
//!
//! - **verb**: the verb of a clause, "She \[MASK\] the dog to Lily." — only the words after it
//!   tell *gave* from *went*, *found*, *saw* or *was*, so left context alone is a guess;
//! - **ending**: the last word of the closing sentence, "They were \[MASK\]." — the left decides;
//! - **random**: one word at a random position.
//!
//! Generation is the other half: the loss of predicting each word from the words before it, and
//! greedy continuations of "Name had a", checked word pair by word pair against the training
//! text (in this closed corpus a pair never seen in training is almost always a grammar slip).
//!
//! Code under test: [`dojo::pretraining::mlm`], [`Gpt::encode`], [`dojo::pretraining::ntp`].

use super::tiny_lm::{self, BaseConfig};
use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::{Device, IndexOp, Tensor};
use dojo::data::stories::{stories, Difficulty, WordVocab};
use dojo::nn::{masked_accuracy, Params, Rng};
use dojo::pretraining::mlm::{self, MaskConfig, MaskedLm};
use dojo::pretraining::ntp::{continuation_logprobs, NextToken, Windows};
use dojo::pretraining::{Event, Objective, Trainer};
use dojo::transformers::gpt::{Gpt, GptConfig, PositionKind};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Configuration of `mlm-vs-ntp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlmVsNtpConfig {
    /// Seed for data, weights, batches and masks.
    pub seed: u64,
    /// The model and its training, the same for both objectives; `seq_len` counts words here.
    pub model: BaseConfig,
    /// The position scheme of both, e.g. "rope".
    pub positions: PositionKind,
    /// MLM's selection probability p, e.g. 0.15.
    pub mask_prob: f64,
    /// Held-out stories asked each kind of cloze question, e.g. 150.
    pub probes: usize,
    /// Measure the held-out cloze accuracy every this many steps, e.g. 50.
    pub eval_every: usize,
}

impl LabConfig for MlmVsNtpConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            model: BaseConfig {
                width: 64,
                heads: 4,
                layers: 2,
                seq_len: 64,
                batch: 16,
                story_level: 2,
                stories: 3000,
                steps: 400,
                lr: 3e-3,
            },
            positions: PositionKind::Rope,
            mask_prob: 0.15,
            probes: 150,
            eval_every: 50,
        }
    }

    fn full() -> Self {
        let t = Self::tiny();
        Self {
            model: BaseConfig { width: 128, layers: 4, story_level: 3, stories: 10_000, steps: 2000, ..t.model },
            probes: 400,
            ..t
        }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        self.model.validate()?;
        if !(0.01..=0.5).contains(&self.mask_prob) || self.probes < 10 || self.eval_every == 0 {
            return Err("mask_prob in 0.01..=0.5, probes ≥ 10, eval_every ≥ 1".into());
        }
        Ok(())
    }
}

const MASK: u32 = WordVocab::MASK;
const START: u32 = WordVocab::START;

/// Which objective trains the weights.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Ntp,
    Mlm,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ntp => "ntp",
            Kind::Mlm => "mlm",
        }
    }
}

/// A fixed held-out batch with 15% of the positions chosen: the MLM reads its corrupted
/// inputs, the NTP model the clean ones, and both are scored on the chosen words.
struct ValCloze {
    inputs: Tensor,
    targets: Tensor,
    mask: Tensor,
}

impl ValCloze {
    /// Accuracy on the chosen words: the MLM from both sides, the NTP model from the left
    /// (its prediction of word t sits at position t − 1).
    fn accuracy(&self, gpt: &Gpt, kind: Kind) -> dojo::Result<f64> {
        match kind {
            Kind::Mlm => masked_accuracy(&gpt.logits(&gpt.encode(&self.inputs)?)?, &self.targets, &self.mask),
            Kind::Ntp => {
                let t = self.targets.dim(1)?;
                let logits = gpt.forward(&self.targets, None)?.narrow(1, 0, t - 1)?; // (B, T−1, V) for words 1..T
                masked_accuracy(&logits, &self.targets.narrow(1, 1, t - 1)?, &self.mask.narrow(1, 1, t - 1)?)
            }
        }
    }
}

/// One of the two objectives, plus the held-out cloze accuracy at each evaluation.
struct Tracked<'a> {
    gpt: &'a Gpt,
    kind: Kind,
    inner: Box<dyn Objective + 'a>,
    val: &'a ValCloze,
}

impl Objective for Tracked<'_> {
    fn loss(&mut self, step: usize, micro: usize) -> dojo::Result<Tensor> {
        self.inner.loss(step, micro)
    }

    fn evaluate(&mut self, _step: usize) -> dojo::Result<Vec<(String, f64)>> {
        Ok(vec![("cloze".into(), self.val.accuracy(self.gpt, self.kind)?)])
    }
}

/// A cloze question: a story (`¶` first) and the position of the blank.
#[derive(Debug, Clone)]
struct Question {
    ids: Vec<u32>,
    pos: usize,
}

/// The verbs of an event clause: which one it is shows only to the right ("to Lily", "the
/// park", "a red ball", "happy").
const VERBS: [&str; 5] = ["went", "found", "gave", "saw", "was"];

/// The three question sets from held-out stories: the verb after a clause's subject (decided
/// by the right side), the last word of the ending (decided by the left side: "They were
/// [MASK]."), and a random word.
fn questions(
    vocab: &WordVocab,
    stories: &[Vec<u32>],
    held_out: &[Vec<u32>],
    n: usize,
    seq_len: usize,
    seed: u64,
) -> [Vec<Question>; 3] {
    // subjects: every name (each story starts with one) and the pronouns
    let mut subjects: HashSet<u32> = stories.iter().map(|s| s[1]).collect();
    subjects.extend(["he", "she", "He", "She"].iter().filter_map(|w| vocab.id(w)));
    let verbs: HashSet<u32> = VERBS.iter().filter_map(|w| vocab.id(w)).collect();
    let mut rng = Rng::new(seed).fork(99);
    let (mut verb, mut ending, mut random) = (Vec::new(), Vec::new(), Vec::new());
    for ids in held_out {
        if ids.len() > seq_len || verb.len() == n {
            continue;
        }
        let at: Vec<usize> =
            (2..ids.len()).filter(|&j| verbs.contains(&ids[j]) && subjects.contains(&ids[j - 1])).collect();
        if at.is_empty() {
            continue;
        }
        let ids = ids.clone();
        verb.push(Question { ids: ids.clone(), pos: at[rng.below(at.len())] });
        ending.push(Question { ids: ids.clone(), pos: ids.len() - 2 }); // … happy .
        let pos = 1 + rng.below(ids.len() - 1);
        random.push(Question { ids, pos });
    }
    [verb, ending, random]
}

/// Arg-max over the vocabulary without `[MASK]` (never an answer).
fn best(row: &[f32]) -> u32 {
    let mut b = START;
    for (i, &v) in row.iter().enumerate().skip(1) {
        if v > row[b as usize] {
            b = i as u32;
        }
    }
    b
}

/// How a model fills the blank.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reader {
    /// The MLM, one pass over the story with `[MASK]` at the blank: both sides.
    Mlm,
    /// The NTP model's next-word guess from the words before the blank: left side only.
    NtpLeft,
    /// The NTP model, every candidate word put in the blank and the whole story scored:
    /// argmax_c log p(x₍<i₎, c, x₍>i₎), both sides at V − 1 forward passes.
    NtpRescored,
}

fn answer(gpt: &Gpt, reader: Reader, q: &Question, vocab: usize) -> dojo::Result<u32> {
    let dev = gpt.device();
    match reader {
        Reader::Mlm => {
            let mut ids = q.ids.clone();
            ids[q.pos] = MASK;
            let x = Tensor::new(ids.as_slice(), &dev)?.unsqueeze(0)?; // (1, L)
            Ok(best(&gpt.logits(&gpt.encode(&x)?)?.i((0, q.pos))?.to_vec1::<f32>()?))
        }
        Reader::NtpLeft => {
            let x = Tensor::new(&q.ids[..q.pos], &dev)?.unsqueeze(0)?; // (1, pos)
            Ok(best(&gpt.forward(&x, None)?.i((0, q.pos - 1))?.to_vec1::<f32>()?))
        }
        Reader::NtpRescored => {
            // log p(story) = log p(prefix) + log p(c, rest | prefix); the prefix term is shared
            let rest = &q.ids[q.pos + 1..];
            let cands: Vec<Vec<u32>> =
                (START..vocab as u32).map(|c| std::iter::once(c).chain(rest.iter().copied()).collect()).collect();
            let lp = continuation_logprobs(gpt, &q.ids[..q.pos], &cands)?;
            let i = (0..lp.len()).fold(0, |b, i| if lp[i] > lp[b] { i } else { b });
            Ok(START + i as u32)
        }
    }
}

fn accuracy(gpt: &Gpt, reader: Reader, qs: &[Question], vocab: usize) -> dojo::Result<f64> {
    let mut right = 0;
    for q in qs {
        right += usize::from(answer(gpt, reader, q, vocab)? == q.ids[q.pos]);
    }
    Ok(right as f64 / qs.len().max(1) as f64)
}

/// Mean −log p(xₜ | x₍<t₎) over every word after `¶` of `stories`: next-token prediction for
/// the NTP model; for the MLM, the input x₍<t₎ followed by one `[MASK]`, read at the mask (it
/// never trained without a right side, which is the point).
fn left_to_right_loss(gpt: &Gpt, kind: Kind, stories: &[Vec<u32>]) -> dojo::Result<f64> {
    let dev = gpt.device();
    let (mut sum, mut n) = (0.0, 0usize);
    let longest = stories.iter().map(Vec::len).max().unwrap_or(0);
    for t in 1..longest {
        let rows: Vec<&Vec<u32>> = stories.iter().filter(|s| s.len() > t).collect();
        let ids: Vec<u32> =
            rows.iter().flat_map(|s| s[..t].iter().copied().chain((kind == Kind::Mlm).then_some(MASK))).collect();
        let width = t + usize::from(kind == Kind::Mlm);
        let x = Tensor::from_vec(ids, (rows.len(), width), &dev)?; // (R, width)
        let logits = match kind {
            Kind::Ntp => gpt.forward(&x, None)?,
            Kind::Mlm => gpt.logits(&gpt.encode(&x)?)?,
        };
        let at = logits.i((.., width - 1))?; // (R, V): the prediction of word t
        let logp = candle_nn::ops::log_softmax(&at, 1)?.to_vec2::<f32>()?;
        for (s, lp) in rows.iter().zip(&logp) {
            sum -= f64::from(lp[s[t] as usize]);
            n += 1;
        }
    }
    Ok(sum / n.max(1) as f64)
}

/// Greedy continuation of `prompt` by `new` words: the NTP model reads the words so far; the
/// MLM reads them followed by `[MASK]` and fills it.
fn continue_greedy(gpt: &Gpt, kind: Kind, prompt: &[u32], new: usize) -> dojo::Result<Vec<u32>> {
    let dev = gpt.device();
    let mut ids = prompt.to_vec();
    for _ in 0..new {
        let mut input = ids.clone();
        if kind == Kind::Mlm {
            input.push(MASK);
        }
        if input.len() > gpt.config().max_len {
            break;
        }
        let x = Tensor::new(input.as_slice(), &dev)?.unsqueeze(0)?;
        let logits = match kind {
            Kind::Ntp => gpt.forward(&x, None)?,
            Kind::Mlm => gpt.logits(&gpt.encode(&x)?)?,
        };
        ids.push(best(&logits.i((0, input.len() - 1))?.to_vec1::<f32>()?));
    }
    Ok(ids[prompt.len()..].to_vec())
}

/// What one trained model measured.
struct Trained {
    kind: Kind,
    /// (step, held-out cloze accuracy).
    curve: Vec<(f64, f64)>,
    /// Accuracy on the verb, ending and random questions, per reader.
    cloze: Vec<(Reader, [f64; 3])>,
    left_to_right: f64,
    valid_pairs: f64,
    sample: String,
}

/// The `mlm-vs-ntp` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct MlmVsNtp;

impl Experiment for MlmVsNtp {
    type Config = MlmVsNtpConfig;

    const INFO: LabInfo = LabInfo {
        name: "mlm-vs-ntp",
        topic: "pretraining",
        title: "Masked-LM vs next-token prediction on one transformer",
        summary: "The same weights trained bidirectionally with MLM or causally with next-token loss; cloze accuracy from each side vs left-to-right generation.",
    };

    fn run(&self, cfg: &MlmVsNtpConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let m = &cfg.model;
        // 1) stories, a word vocabulary, the training stream and the held-out questions
        let all = stories(m.stories, Difficulty::level(m.story_level)?, &mut Rng::new(cfg.seed).fork(1))?;
        let vocab = WordVocab::new(&all);
        let encoded = all.iter().map(|s| vocab.encode(s)).collect::<dojo::Result<Vec<_>>>()?;
        let cut = all.len() * 9 / 10;
        let stream: Vec<u32> = encoded[..cut].concat();
        let train = Windows::new(stream.clone(), m.seq_len, cfg.seed)?;
        let mask =
            MaskConfig { prob: cfg.mask_prob, mask_id: MASK, vocab: vocab.len() as u32, special: vec![MASK, START] };
        let held: Vec<u32> = encoded[cut..].concat();
        let (inputs, targets, mut chosen) =
            mlm::batch(&Windows::new(held, m.seq_len, cfg.seed + 1)?, 0, 32, &mask, cfg.seed + 2, &dev)?;
        chosen = chosen.slice_assign(&[0..32, 0..1], &Tensor::zeros((32, 1), candle_core::DType::F32, &dev)?)?; // word 0 has no left side
        let val = ValCloze { inputs, targets, mask: chosen };
        let qs = questions(&vocab, &encoded, &encoded[cut..], cfg.probes, m.seq_len, cfg.seed);
        if qs[0].len() < 10 {
            return Err(dojo::Error::Config(format!(
                "only {} held-out stories fit in seq_len; add stories",
                qs[0].len()
            ))
            .into());
        }
        let pairs: HashSet<(u32, u32)> = stream.windows(2).map(|w| (w[0], w[1])).collect();
        let gcfg = GptConfig { vocab: vocab.len(), positions: cfg.positions, ..m.gpt() };

        // 2) two runs from the same initial weights on the same windows
        let mut runs = Vec::new();
        for kind in [Kind::Ntp, Kind::Mlm] {
            let params = Params::new(cfg.seed);
            let gpt = Gpt::new(gcfg, params.var_builder(&dev))?;
            let inner: Box<dyn Objective> = match kind {
                Kind::Ntp => Box::new(NextToken { gpt: &gpt, train: train.clone(), batch: m.batch, val: None }),
                Kind::Mlm => Box::new(MaskedLm {
                    gpt: &gpt,
                    train: train.clone(),
                    batch: m.batch,
                    mask: mask.clone(),
                    seed: cfg.seed + 3,
                }),
            };
            let mut obj = Tracked { gpt: &gpt, kind, inner, val: &val };
            let mut curve = vec![(0.0, val.accuracy(&gpt, kind)?)];
            let mut trainer = Trainer::new(&params, tiny_lm::train_config(m.steps, m.lr, cfg.eval_every))?;
            let label = format!("training, {}", kind.name());
            trainer.run(&mut obj, &mut |e| match e {
                Event::Step(s) => ctx.progress(s.step as u64 + 1, m.steps as u64, &label),
                Event::Eval(step, ls) => curve.push((step as f64, ls[0].1)),
                _ => {}
            })?;
            drop(obj);

            // 3) the questions and generation
            let readers: &[Reader] = match kind {
                Kind::Ntp => &[Reader::NtpLeft, Reader::NtpRescored],
                Kind::Mlm => &[Reader::Mlm],
            };
            let mut cloze = Vec::new();
            for &r in readers {
                let mut acc = [0.0; 3];
                for (a, set) in acc.iter_mut().zip(&qs) {
                    *a = accuracy(&gpt, r, set, vocab.len())?;
                }
                cloze.push((r, acc));
            }
            let stories: Vec<Vec<u32>> = qs[0].iter().map(|q| q.ids.clone()).collect();
            let left_to_right = left_to_right_loss(&gpt, kind, &stories)?;
            let (mut ok, mut total, mut sample) = (0, 0, String::new());
            for (i, q) in qs[0].iter().take(20).enumerate() {
                let prompt = &q.ids[..4]; // ¶ Name had a
                let out = continue_greedy(&gpt, kind, prompt, 20)?;
                let all: Vec<u32> = prompt.iter().chain(&out).copied().collect();
                ok += all.windows(2).filter(|w| pairs.contains(&(w[0], w[1]))).count();
                total += all.len() - 1;
                if i == 0 {
                    sample = vocab.decode(&all[1..]);
                }
            }
            let valid_pairs = ok as f64 / total.max(1) as f64;
            ctx.log(serde_json::json!({"objective": kind.name(), "curve": curve, "left_to_right_loss": left_to_right,
                "valid_pairs": valid_pairs, "sample": sample}))?;
            runs.push(Trained { kind, curve, cloze, left_to_right, valid_pairs, sample });
        }

        // 4) the report
        let verb = &qs[0];
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for q in verb {
            *counts.entry(q.ids[q.pos]).or_default() += 1;
        }
        let floor = *counts.values().max().unwrap_or(&0) as f64 / verb.len() as f64; // always the most common verb
        let mut r = Report::default();
        r.metric("verb_floor", floor);
        r.metric("questions", verb.len() as f64);
        r.metric("vocab", vocab.len() as f64);
        let kinds = ["verb", "ending", "random"];
        let mut rows = Vec::new();
        for t in &runs {
            for (reader, acc) in &t.cloze {
                let key = match reader {
                    Reader::Mlm => "mlm",
                    Reader::NtpLeft => "ntp_left",
                    Reader::NtpRescored => "ntp_rescored",
                };
                for (k, a) in kinds.iter().zip(acc) {
                    r.metric(&format!("{key}_{k}"), *a);
                }
                let label = match reader {
                    Reader::Mlm => "MLM, one pass (both sides)",
                    Reader::NtpLeft => "NTP, next-word guess (left side)",
                    Reader::NtpRescored => "NTP, whole story scored per candidate",
                };
                let passes = if *reader == Reader::NtpRescored { vocab.len() - 1 } else { 1 };
                rows.push(
                    std::iter::once(label.to_string())
                        .chain(acc.iter().map(|a| format!("{:.0}%", 100.0 * a)))
                        .chain([passes.to_string()])
                        .collect(),
                );
            }
            r.metric(&format!("{}_left_to_right_loss", t.kind.name()), t.left_to_right);
            r.metric(&format!("{}_valid_pairs", t.kind.name()), t.valid_pairs);
            r.metric(&format!("{}_val_cloze", t.kind.name()), t.curve.last().map_or(0.0, |p| p.1));
        }
        let g = |k: &str| r.metrics[k];
        r.summary = format!(
            "One transformer, {} steps each way. Asked for the verb of a clause (\"She [MASK] the dog to \
             Lily.\", decided by the words after it), the MLM is right **{:.0}%** of the time, the NTP model \
             guessing from the left {:.0}% (always the most common verb: {:.0}%), and the NTP model scoring \
             the whole story once per candidate {:.0}%. Generating left to right, the NTP model's loss is \
             **{}** nats/word against the MLM's {}.",
            m.steps,
            100.0 * g("mlm_verb"),
            100.0 * g("ntp_left_verb"),
            100.0 * floor,
            100.0 * g("ntp_rescored_verb"),
            fmt_num(g("ntp_left_to_right_loss")),
            fmt_num(g("mlm_left_to_right_loss")),
        );
        let per_step = m.batch * m.seq_len;
        r.text(format!(
            "## Training signal\n\nEach step shows both models the same {per_step} words. The NTP loss \
             counts all {per_step}; the MLM loss counts the selected {:.0}% (about {:.0}).",
            100.0 * cfg.mask_prob,
            cfg.mask_prob * per_step as f64
        ));
        r.text(format!(
            "## Cloze questions ({} held-out stories, V = {} words)\n\nThe verb is decided by the right \
             side, the ending's last word (\"They were [MASK].\") by the left. \"passes\" is the number of \
             forward passes per question, the price of reading the right side with a causal model.",
            verb.len(),
            vocab.len()
        ));
        r.table(&["reader", "verb", "ending", "random word", "passes"], &rows);
        r.text("## Generation");
        r.table(
            &[
                "objective",
                "left-to-right loss (nats/word)",
                "seen word pairs in greedy text",
                "greedy from the first question",
            ],
            &runs
                .iter()
                .map(|t| {
                    vec![
                        t.kind.name().to_uppercase(),
                        fmt_num(t.left_to_right),
                        format!("{:.0}%", 100.0 * t.valid_pairs),
                        t.sample.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        let mut p = Plot::new(
            "val-cloze",
            "Held-out masked words: MLM reads both sides, NTP the left",
            "step",
            "accuracy on 15% of the words",
        );
        for t in &runs {
            p = p.with(Series::new(t.kind.name().to_uppercase(), t.curve.clone()));
        }
        r.plot(p);
        r.text(WHAT_TO_LOOK_FOR);
        Ok(r)
    }
}

const WHAT_TO_LOOK_FOR: &str = "## What to look for\n\n\
- The verb question separates the objectives. Its answer shows only on the right (\"… the dog to \
Lily\" means *gave*, \"… to the park\" *went*), so a next-word guess does no better than naming \
the most common verb, while the MLM reads it off the next words in one pass. That is why \
encoders (BERT) won classification, tagging and extractive QA: every token's representation \
uses the whole input.\n\
- A causal model can still use the right side, by scoring the whole text once per candidate: \
here it matches the MLM on the verb and beats it on random words (it trained on every position, \
the MLM on 15%), at V − 1 forward passes per question instead of one. It is how decoder-only \
LLMs answer multiple choice, and part of why the field moved to them: one model that generates \
and, at a price, reads both ways.\n\
- The same 15% shows in the ending question, which the left side decides: the NTP model gets it \
every time; the MLM usually does, but not always (seed 2: 55%, answering \"The day was [MASK].\" \
with *happy*, from the frequent \"he was happy\": it saw the ending's last word as a target too \
rarely).\n\
- Generation is the other way round. The MLM never learned to predict a word with nothing to \
its right: its left-to-right loss is two to three times the NTP model's (seeds 0–2) and its greedy text has word \
pairs that never occur in the corpus. Longer training narrows the gap in pairs (seed 0, 600 \
steps: 97%) but not in loss (1.48 vs 0.79). Encoder–decoder models (T5) and prefix-LM or UL2 \
objectives mix the two; see also the lab `architectures`.\n\
- Positions are RoPE. With learned absolute positions the MLM barely learns in this budget \
(seed 0: 21% on the held-out masked words vs 57% for NTP). Our reading, not tested further: a \
`[MASK]` carries nothing, so the MLM must first learn to attend to its neighbours, and relative rotations make that easy; the NTP \
model learns bigrams from the token at its own position first.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mlm_reads_the_right_side_the_ntp_model_generates() {
        let report = crate::lab::run_tiny(&MlmVsNtp);
        let m = &report.metrics;
        // the right side decides the verb: the MLM reads it, a left-only guess cannot beat the
        // most common verb, and scoring every candidate over the whole story recovers it
        assert!(m["mlm_verb"] > 0.9 && m["ntp_rescored_verb"] > 0.9, "{m:?}");
        assert!(m["ntp_left_verb"] < m["verb_floor"] + 0.1, "{m:?}");
        // the left side decides the ending
        assert!(m["ntp_left_ending"] > 0.9, "{m:?}");
        // both sides beat one on held-out masked words
        assert!(m["mlm_val_cloze"] > m["ntp_val_cloze"] + 0.03, "{m:?}");
        // generating left to right is what the NTP model learned and the MLM did not
        assert!(m["ntp_left_to_right_loss"] < 0.6 * m["mlm_left_to_right_loss"], "{m:?}");
        assert!(m["ntp_valid_pairs"] > m["mlm_valid_pairs"] + 0.1, "{m:?}");
    }
}
