//! Mixture of experts: a router sends each token to its top-k of E expert MLPs, so parameters
//! grow with E while compute per token grows only with k.
//!
//! Papers: Shazeer et al. 2017 (sparsely-gated MoE); Fedus et al. 2021, "Switch Transformers",
//! arXiv:2101.03961 (capacity factor, load-balancing loss, section 2.2); Zoph et al. 2022,
//! "ST-MoE", arXiv:2202.08906 (router z-loss, section 3); Jiang et al. 2024, "Mixtral"
//! (softmax over the top-k logits as gates); Dai et al. 2024, "DeepSeekMoE", arXiv:2401.06066
//! (always-on shared experts beside fine-grained routed ones).
//! Builds on [`super::mlp`]: every expert is an ordinary MLP.
//! Left out on purpose: expert parallelism across devices, jitter noise.
//!
//! For N tokens xₙ and router logits zₙ = W_r xₙ (E values):
//!
//!   yₙ = Σ_{e ∈ topk(zₙ)} gₙₑ · Expertₑ(xₙ) + Σ_s Sharedₛ(xₙ)
//!
//!   gₙₑ = pₙₑ / Σ_{e' ∈ topk} pₙₑ'  (Mixtral: softmax over the k selected logits)   or
//!   gₙₑ = pₙₑ                        (Switch, GShard: the full softmax pₙ = softmax(zₙ), as is)
//!
//! subtle: with k = 1 the Mixtral gate is always exactly 1, so the router gets no gradient from
//! the model's loss, only from the auxiliary losses; Switch (k = 1) keeps pₙₑ for that reason:
//! the gate value is how the loss tells the router that an expert helped. See [`Gate`].
//!
//!   L_aux = α · E · Σₑ fₑ · Pₑ     fₑ = share of the N·k assignments that went to e,
//!                                   Pₑ = mean over tokens of softmax(zₙ)ₑ
//!   L_z   = β · meanₙ (logsumexp zₙ)²
//!
//! L_aux is 1·α when routing is uniform and grows as load concentrates (it is minimised by equal
//! fₑ and Pₑ; fₑ has no gradient, Pₑ carries it). L_z keeps the router logits small, which
//! keeps the softmax numerically stable. Capacity: each expert takes at most
//! ⌈capacity_factor · N·k / E⌉ tokens; assignments beyond that are dropped (the token gets no
//! output from that expert; in a block the residual connection still carries it).

use super::mlp::{Mlp, MlpKind};
use crate::{Error, Result};
use candle_core::{Module, Tensor, D};
use candle_nn::{Linear, VarBuilder};

/// Configuration of [`Moe`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoeConfig {
    /// Model width C, e.g. 64.
    pub width: usize,
    /// Hidden width of each expert, e.g. 128.
    pub hidden: usize,
    /// Routed experts E, e.g. 8.
    pub experts: usize,
    /// Experts per token K, e.g. 2.
    pub top_k: usize,
    /// Always-on shared experts (DeepSeekMoE), e.g. 0 or 1.
    pub shared_experts: usize,
    /// Capacity factor; `None` means unlimited (no token is ever dropped), e.g. Some(1.25).
    pub capacity_factor: Option<f64>,
    /// Expert MLP kind.
    pub mlp: MlpKind,
    /// How the selected experts' outputs are weighted, e.g. [`Gate::Renormalized`] for k = 2.
    #[serde(default)]
    pub gate: Gate,
}

/// How the gate values of the k selected experts are formed from the router's softmax pₙ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gate {
    /// gₙₑ = pₙₑ / Σ_topk pₙₑ' = softmax over the k selected logits (Mixtral). Gates sum to 1;
    /// with k = 1 every gate is 1 and carries no gradient to the router.
    #[default]
    Renormalized,
    /// gₙₑ = pₙₑ, the full-softmax probability (Switch Transformer, GShard). Gates sum to < 1;
    /// the router learns from the model loss even with k = 1.
    Probability,
}

/// What one MoE forward pass produced besides its output.
#[derive(Debug, Clone)]
pub struct MoeOutput {
    /// The layer output, same shape as the input.
    pub y: Tensor,
    /// E · Σ fₑ Pₑ (scalar, unweighted: multiply by α when adding it to the loss).
    pub aux_loss: Tensor,
    /// meanₙ (logsumexp zₙ)² (scalar, unweighted).
    pub z_loss: Tensor,
    /// Assignments each expert received before capacity, length E.
    pub load: Vec<usize>,
    /// Assignments dropped for lack of capacity.
    pub dropped: usize,
}

/// A mixture-of-experts feed-forward layer. Names: `router`, `experts.<e>`, `shared.<s>`.
#[derive(Debug, Clone)]
pub struct Moe {
    /// W_r, weight (E, C), no bias.
    pub router: Linear,
    /// The routed experts.
    pub experts: Vec<Mlp>,
    /// The shared experts.
    pub shared: Vec<Mlp>,
    cfg: MoeConfig,
}

impl Moe {
    /// Creates the router and experts under `vb`.
    pub fn new(cfg: MoeConfig, vb: VarBuilder) -> Result<Self> {
        if cfg.experts == 0 || cfg.top_k == 0 || cfg.top_k > cfg.experts {
            return Err(Error::Config(format!("need 1 ≤ top_k ≤ experts, got k={} E={}", cfg.top_k, cfg.experts)));
        }
        if cfg.capacity_factor.is_some_and(|c| c <= 0.0) {
            return Err(Error::Config("capacity_factor must be positive".into()));
        }
        let mk = |name: String| Mlp::new(cfg.mlp, cfg.width, cfg.hidden, false, vb.pp(name));
        Ok(Self {
            router: candle_nn::linear_no_bias(cfg.width, cfg.experts, vb.pp("router"))?,
            experts: (0..cfg.experts).map(|e| mk(format!("experts.{e}"))).collect::<Result<_>>()?,
            shared: (0..cfg.shared_experts).map(|s| mk(format!("shared.{s}"))).collect::<Result<_>>()?,
            cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> MoeConfig {
        self.cfg
    }

    /// Routes every token and combines the experts' outputs.
    ///
    /// # Shapes
    /// x: (B, T, C) → y: (B, T, C)
    pub fn forward(&self, x: &Tensor) -> Result<MoeOutput> {
        let (b, t, c) = x.dims3()?;
        let (n, e, k) = (b * t, self.cfg.experts, self.cfg.top_k);
        let xs = x.reshape((n, c))?; // (B, T, C) -> (N, C)

        // 1) router: logits and probabilities over the E experts
        let logits = self.router.forward(&xs)?; // (N, E)
        let probs = candle_nn::ops::softmax(&logits, D::Minus1)?; // (N, E)

        // 2) top-k per token (indices need no gradient); ties go to the lower expert index
        let p_host = probs.to_vec2::<f32>()?;
        let top: Vec<Vec<usize>> = p_host
            .iter()
            .map(|row| {
                let mut idx: Vec<usize> = (0..e).collect();
                idx.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
                idx.truncate(k);
                idx
            })
            .collect();
        let top_idx =
            Tensor::new(top.iter().flatten().map(|&i| i as u32).collect::<Vec<_>>(), x.device())?.reshape((n, k))?;
        // gates, differentiable through `gather`: the selected probabilities, renormalized
        // (Mixtral: = softmax over the k selected logits) or as they are (Switch)
        let selected = probs.gather(&top_idx, 1)?; // (N, K)
        let gates = match self.cfg.gate {
            Gate::Renormalized => selected.broadcast_div(&selected.sum_keepdim(1)?)?, // (N, K)
            Gate::Probability => selected,
        };
        let gates_flat = gates.flatten_all()?; // (N·K), slot n·K + j

        // 3) dispatch: each expert runs on its tokens only, in token order, up to capacity
        let capacity = self.cfg.capacity_factor.map(|f| (f * (n * k) as f64 / e as f64).ceil() as usize);
        let mut load = vec![0usize; e];
        let mut dropped = 0;
        let mut y = Tensor::zeros((n, c), x.dtype(), x.device())?;
        for (ei, expert) in self.experts.iter().enumerate() {
            let slots: Vec<(usize, usize)> =
                (0..n).flat_map(|ni| (0..k).map(move |j| (ni, j))).filter(|&(ni, j)| top[ni][j] == ei).collect();
            load[ei] = slots.len();
            let kept = capacity.map_or(slots.len(), |cap| slots.len().min(cap));
            dropped += slots.len() - kept;
            if kept == 0 {
                continue;
            }
            let tokens = Tensor::new(slots[..kept].iter().map(|&(ni, _)| ni as u32).collect::<Vec<_>>(), x.device())?;
            let slot_ids =
                Tensor::new(slots[..kept].iter().map(|&(ni, j)| (ni * k + j) as u32).collect::<Vec<_>>(), x.device())?;
            let out = expert.forward(&xs.index_select(&tokens, 0)?)?; // (n_e, C)
            let g = gates_flat.index_select(&slot_ids, 0)?.unsqueeze(1)?; // (n_e, 1)
            y = y.index_add(&tokens, &out.broadcast_mul(&g)?, 0)?; // scatter back: (N, C)
        }
        for s in &self.shared {
            y = (y + s.forward(&xs)?)?; // shared experts see every token
        }

        // 4) auxiliary losses
        let f: Vec<f32> = load.iter().map(|&l| l as f32 / (n * k) as f32).collect(); // fₑ, no gradient
        let f = Tensor::new(f, x.device())?;
        let p_mean = probs.mean(0)?; // (E) Pₑ
        let aux_loss = ((f * p_mean)?.sum_all()? * e as f64)?;
        let m = logits.max_keepdim(D::Minus1)?.detach(); // (N, 1), subtracted for range, added back
        let lse = (logits.broadcast_sub(&m)?.exp()?.sum_keepdim(D::Minus1)?.log()? + m)?.squeeze(1)?; // (N) logsumexp zₙ
        let z_loss = lse.sqr()?.mean_all()?;
        Ok(MoeOutput { y: y.reshape((b, t, c))?.to_dtype(x.dtype())?, aux_loss, z_loss, load, dropped })
    }
}

/// The coefficient of variation std/mean of expert loads: 0 when perfectly balanced.
pub fn load_cv(load: &[usize]) -> f64 {
    let n = load.len() as f64;
    let mean = load.iter().sum::<usize>() as f64 / n;
    if mean == 0.0 {
        return 0.0;
    }
    let var = load.iter().map(|&l| (l as f64 - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use candle_core::{DType, Device};

    fn cfg(experts: usize, top_k: usize) -> MoeConfig {
        MoeConfig {
            width: 8,
            hidden: 16,
            experts,
            top_k,
            shared_experts: 0,
            capacity_factor: None,
            mlp: MlpKind::Gelu,
            gate: Gate::Renormalized,
        }
    }

    #[test]
    fn one_expert_is_a_dense_mlp() {
        let dev = Device::Cpu;
        let p = Params::new(0);
        let moe = Moe::new(cfg(1, 1), p.var_builder(&dev)).unwrap();
        let x = Rng::new(1).randn((2, 3, 8), 1.0, &dev).unwrap();
        let out = moe.forward(&x).unwrap();
        assert_close(&out.y, &moe.experts[0].forward(&x).unwrap(), Tolerance::F32);
        // One expert takes everything: f = P = 1, so L_aux = E·1·1 = 1.
        assert!((out.aux_loss.to_scalar::<f32>().unwrap() - 1.0).abs() < 1e-6);
        assert_eq!(out.load, [6]);
    }

    #[test]
    fn capacity_drops_the_overflow_in_token_order() {
        // Router weights zero → all logits equal → ties go to experts 0 (and 1): with E = 4, k = 1
        // every token picks expert 0; capacity ⌈1.0 · 6 / 4⌉ = 2 keeps tokens 0 and 1 only.
        let dev = Device::Cpu;
        let p = Params::new(0);
        let mut c = cfg(4, 1);
        c.capacity_factor = Some(1.0);
        let moe = Moe::new(c, p.var_builder(&dev)).unwrap();
        p.set("router.weight", &Tensor::zeros((4, 8), DType::F32, &dev).unwrap()).unwrap();
        let x = Rng::new(2).randn((1, 6, 8), 1.0, &dev).unwrap();
        let out = moe.forward(&x).unwrap();
        assert_eq!((out.load.clone(), out.dropped), (vec![6, 0, 0, 0], 4));
        let y = out.y.squeeze(0).unwrap();
        let kept = moe.experts[0].forward(&x.squeeze(0).unwrap().narrow(0, 0, 2).unwrap()).unwrap();
        assert_close(&y.narrow(0, 0, 2).unwrap(), &kept, Tolerance::F32);
        assert_eq!(y.narrow(0, 2, 4).unwrap().abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap(), 0.0);
        // All load on one of 4 experts, uniform probabilities: L_aux = 4 · (1 · 1/4) = 1.
        assert!((out.aux_loss.to_scalar::<f32>().unwrap() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn matches_a_dense_pytorch_reference_with_gradients() {
        // refs/transformers.py computes every expert on every token and masks by the top-k:
        // a different algorithm for the same function (E = 4, k = 2, one shared expert).
        let f = crate::nn::fixtures::Fixture::load("transformers/moe");
        let dev = Device::Cpu;
        let p = Params::new(0);
        let c = MoeConfig { shared_experts: 1, ..cfg(4, 2) };
        let moe = Moe::new(c, p.var_builder(&dev)).unwrap();
        for (name, _) in p.named_vars() {
            p.set(&name, &f.get(&name)).unwrap();
        }
        let x = f.var("x");
        let out = moe.forward(&x).unwrap();
        f.assert_close(&out.y, "out", Tolerance::F32);
        f.assert_close(&out.aux_loss.reshape(1).unwrap(), "aux_loss", Tolerance::F32);
        f.assert_close(&out.z_loss.reshape(1).unwrap(), "z_loss", Tolerance::F32);
        let loss =
            ((out.y * f.get("loss_w")).unwrap().sum_all().unwrap() + (out.aux_loss + out.z_loss).unwrap()).unwrap();
        let grads = loss.backward().unwrap();
        f.assert_grads(&grads, &[(&x, "grad_x")], Tolerance::F32);
        for (name, var) in p.named_vars() {
            f.assert_grads(&grads, &[(&var, &format!("grad.{name}"))], Tolerance::F32);
        }
    }

    #[test]
    fn with_top_1_only_the_probability_gate_passes_the_model_loss_to_the_router() {
        // Loss = Σ y·w (no auxiliary terms). Renormalized with k = 1: g ≡ 1, ∂g/∂z = 0, so the
        // router weight gets exactly zero gradient. Switch's g = pₑ: a non-zero gradient.
        let dev = Device::Cpu;
        let router_grad = |gate: Gate| {
            let p = Params::new(3);
            let moe = Moe::new(MoeConfig { gate, ..cfg(4, 1) }, p.var_builder(&dev)).unwrap();
            let x = Rng::new(4).randn((2, 5, 8), 1.0, &dev).unwrap();
            let w = Rng::new(5).randn((2, 5, 8), 1.0, &dev).unwrap();
            let loss = (moe.forward(&x).unwrap().y * w).unwrap().sum_all().unwrap();
            let grads = loss.backward().unwrap();
            let (_, router) = p.named_vars().into_iter().find(|(n, _)| n == "router.weight").unwrap();
            let g = grads.get(&router).map_or(0.0, |g| g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap());
            g
        };
        // (p/p is 1 up to f32 rounding, so "zero" is ~1e-7 here.)
        let (renorm, prob) = (router_grad(Gate::Renormalized), router_grad(Gate::Probability));
        assert!(renorm < 1e-5 && prob > 1e-2, "renormalized {renorm}, probability {prob}");
    }

    #[test]
    fn renormalized_gates_equal_a_softmax_over_the_selected_logits() {
        // p_a / (p_a + p_b) = e^{z_a} / (e^{z_a} + e^{z_b}): the two Mixtral formulations agree.
        let dev = Device::Cpu;
        let p = Params::new(6);
        let moe = Moe::new(cfg(4, 2), p.var_builder(&dev)).unwrap();
        let x = Rng::new(7).randn((1, 3, 8), 1.0, &dev).unwrap();
        let y = moe.forward(&x).unwrap().y.squeeze(0).unwrap();
        let xs = x.squeeze(0).unwrap();
        let z = moe.router.forward(&xs).unwrap().to_vec2::<f32>().unwrap();
        for (n, row) in z.iter().enumerate() {
            let mut idx: Vec<usize> = (0..4).collect();
            idx.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
            let (a, b) = (idx[0], idx[1]);
            let ga = 1.0 / (1.0 + (row[b] - row[a]).exp());
            let xn = xs.narrow(0, n, 1).unwrap();
            let want = ((moe.experts[a].forward(&xn).unwrap() * f64::from(ga)).unwrap()
                + (moe.experts[b].forward(&xn).unwrap() * f64::from(1.0 - ga)).unwrap())
            .unwrap();
            assert_close(&y.narrow(0, n, 1).unwrap(), &want, Tolerance::F32);
        }
    }

    #[test]
    fn cv_is_zero_for_balanced_load() {
        assert_eq!(load_cv(&[5, 5, 5, 5]), 0.0);
        assert!((load_cv(&[8, 0, 0, 0]) - 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn top_k_above_experts_is_refused() {
        assert!(Moe::new(cfg(2, 3), Params::new(0).var_builder(&Device::Cpu)).is_err());
    }
}
