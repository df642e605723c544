//! Llama, the decoder-only architecture of SmolLM2 (and Llama 2/3, Mistral, Qwen2 ...), run
//! from a GGUF file with our own code. Each block is the topic-1 pre-norm block with Llama's
//! choices:
//!
//! ```text
//!   h = x + W_O · Attention(RoPE(W_Q · RMSNorm(x)), RoPE(W_K · RMSNorm(x)), W_V · RMSNorm(x))
//!   y = h + W_down · (SiLU(W_gate · RMSNorm(h)) ⊙ W_up · RMSNorm(h))          (SwiGLU)
//!   logits = W_out · RMSNorm(y_L)            (SmolLM2 ties W_out to the token embeddings)
//! ```
//!
//! SmolLM2-135M: C = 576, L = 30, H = 9 query heads and G = 3 key/value heads of D = 64
//! (grouped-query attention: every 3 query heads share one K/V head, a 3× smaller KV cache),
//! SwiGLU width 1536, V = 49152, RoPE base 100 000, context 8192.
//!
//! **RoPE convention.** Hugging Face Llama rotates the pair (i, i + D/2) ("rotate half"), but
//! llama.cpp rotates adjacent pairs (2i, 2i+1). The GGUF converter reorders the rows of W_Q and
//! W_K so that the two agree, so a GGUF file must be run with the *interleaved* pairing
//! ([`RopeStyle::Interleaved`]); using "rotate half" on these weights gives a model that still
//! runs but scores far worse (tested below).
//!
//! Weights multiply through one of three [`Backend`]s: our quantized kernel
//! ([`crate::models::quant`]), candle's quantized matmul (the baseline `dojo bench generate`
//! compares against), or exact f32 after dequantization (for study and fine-tuning).
//!
//! **Fine-tuning.** The row-wise attention kernel has no backward pass, so
//! [`Llama::forward_batch`] runs the same blocks with topic 1's tensor attention, which candle
//! can differentiate, on a batch of equal-length sequences. [`Llama::apply_lora`] wraps chosen
//! projections of every layer in [`LoraLinear`] (F32 backend): the base weights stay constants,
//! only A and B get gradients, and both forward passes, the cached one included, use them.
//!
//! **Numerics, measured** (`tests/smollm2.rs`, 436 next-token predictions over 5 texts; the
//! references from `refs/llama.py`):
//!
//! | | mean \|Δ log p\| | top-1 agreement | perplexity gap |
//! |---|---|---|---|
//! | our F32 backend vs the numpy f32 forward | < 0.002 | > 99% | < 0.1% |
//! | our quantized backend vs the numpy f32 forward | 0.052 | 96% | 0.01% |
//! | our quantized backend vs llama.cpp | 0.057 | 96% | 0.7% |
//! | llama.cpp vs the numpy f32 forward | 0.055 | 97.5% | 0.7% |
//!
//! Our quantized path rounds activations to 8 bits per block of 32 with f16 scales, as
//! llama.cpp does, yet it is not closer to llama.cpp than to the exact forward: the rounding
//! noise of two implementations is not the same noise (llama.cpp also keeps K, V and the
//! attention products in f16, and rounds half to even), so the three sit ~0.05 nats apart.
//! The noise is big enough to change answers: asked "What is the capital of France?" in
//! ChatML, the exact f32 model answers "The capital of France is Paris." while both 8-bit
//! paths (ours and llama.cpp, token for token the same) answer "L'Étoile, la Marseillaise, ...".

use crate::models::attention::{causal_attention, KvRows};
use crate::models::gguf::Gguf;
use crate::models::quant::QMatrix;
use crate::nn::RmsNorm;
use crate::pretraining::lora::{LoraConfig, LoraLinear};
use crate::transformers::attention::{causal_mask, scaled_dot_product_attention};
use crate::transformers::gqa::repeat_kv;
use crate::transformers::rope::{Rope, RopeStyle};
use crate::{Error, Result};
use candle_core::quantized::{ggml_file::qtensor_from_ggml, QMatMul};
use candle_core::{Device, Module, Tensor, Var};
use candle_nn::VarBuilder;
use std::sync::Arc;

/// Sizes read from the GGUF metadata.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LlamaConfig {
    /// V.
    pub vocab: usize,
    /// C.
    pub dim: usize,
    /// L.
    pub layers: usize,
    /// H.
    pub heads: usize,
    /// G.
    pub kv_heads: usize,
    /// SwiGLU hidden width.
    pub ffn: usize,
    /// Longest sequence (prompt + generated) the model was trained for.
    pub context: usize,
    /// RoPE base θ.
    pub rope_base: f64,
    /// RMSNorm ε.
    pub eps: f64,
}

impl LlamaConfig {
    /// Reads `llama.*` keys; fails if the file is not a Llama-architecture model.
    pub fn from_gguf(g: &Gguf) -> Result<Self> {
        let arch = g.str("general.architecture")?;
        if arch != "llama" {
            return Err(Error::Model(format!(
                "{}: architecture `{arch}` is not supported (only `llama`)",
                g.path().display()
            )));
        }
        let vocab = g.tensor("token_embd.weight")?.dims[0];
        let rope_base = if g.has("llama.rope.freq_base") { g.f64("llama.rope.freq_base")? } else { 10_000.0 };
        let cfg = Self {
            vocab,
            dim: g.usize("llama.embedding_length")?,
            layers: g.usize("llama.block_count")?,
            heads: g.usize("llama.attention.head_count")?,
            kv_heads: g.usize("llama.attention.head_count_kv")?,
            ffn: g.usize("llama.feed_forward_length")?,
            context: g.usize("llama.context_length")?,
            rope_base,
            eps: g.f64("llama.attention.layer_norm_rms_epsilon")?,
        };
        if cfg.heads == 0 || cfg.kv_heads == 0 || cfg.dim % cfg.heads != 0 || cfg.heads % cfg.kv_heads != 0 {
            return Err(Error::Model(format!("inconsistent attention sizes in {}: {cfg:?}", g.path().display())));
        }
        Ok(cfg)
    }

    /// D = C / H.
    pub fn head_dim(&self) -> usize {
        self.dim / self.heads
    }

    /// Parameters with tied embeddings: V·C + L·(2C² + 2C·G·D + 3C·F + 2C) + C
    /// (SmolLM2-135M: 134,515,008).
    pub fn parameters(&self) -> usize {
        let (c, kv) = (self.dim, self.kv_heads * self.head_dim());
        self.vocab * c + self.layers * (2 * c * c + 2 * c * kv + 3 * c * self.ffn + 2 * c) + c
    }
}

/// How weight matrices are multiplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Our quantized kernel: 8-bit activations × stored blocks (fast; the default).
    Quantized,
    /// candle's `QMatMul` on the same blocks (the in-process baseline for benchmarks).
    Candle,
    /// Dequantize every weight to f32 once and use dense matmuls (exact; ~4× the memory).
    F32,
}

/// A weight matrix W (out, in) applied as x Wᵀ.
#[derive(Debug, Clone)]
enum Linear {
    Quantized(Arc<QMatrix>),
    Candle(QMatMul),
    F32(Tensor),      // (in, out): stored transposed so the product is a plain matmul
    Lora(LoraLinear), // a frozen f32 W (out, in) plus a trainable low-rank update
}

impl Linear {
    fn load(g: &Gguf, name: &str, backend: Backend) -> Result<Self> {
        let raw = g.tensor(name)?;
        let q = QMatrix::from_raw(name, raw)?; // also rejects unsupported storage types
        Ok(match backend {
            Backend::Quantized => Linear::Quantized(Arc::new(q)),
            Backend::Candle => {
                let qt = qtensor_from_ggml(raw.dtype, raw.bytes, raw.dims.to_vec(), &Device::Cpu)?;
                Linear::Candle(QMatMul::from_qtensor(qt)?)
            }
            Backend::F32 => {
                Linear::F32(Tensor::from_vec(q.dequantize(), (q.rows(), q.cols()), &Device::Cpu)?.t()?.contiguous()?)
            }
        })
    }

    /// # Shapes
    /// (T, in) → (T, out); with the F32 and LoRA backends any leading shape: (…, in) → (…, out)
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Linear::Quantized(w) => {
                let t = x.dim(0)?;
                let y = w.matmul(&x.flatten_all()?.to_vec1::<f32>()?, t)?;
                Ok(Tensor::from_vec(y, (t, w.rows()), x.device())?)
            }
            Linear::Candle(w) => Ok(w.forward(x)?),
            Linear::F32(w) => crate::pretraining::lora::linear_with(x, &w.t()?, true), // w stores Wᵀ; frozen
            Linear::Lora(l) => l.forward(x),
        }
    }

    /// Whether the product is a candle tensor op that autograd can pass through.
    fn differentiable(&self) -> bool {
        matches!(self, Linear::F32(_) | Linear::Lora(_))
    }
}

/// One transformer block's weights.
#[derive(Debug, Clone)]
struct Layer {
    attn_norm: RmsNorm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ffn_norm: RmsNorm,
    gate: Linear,
    up: Linear,
    down: Linear,
}

/// The KV cache of one sequence, for the layers it runs. A full cache runs the whole model; a
/// cache over a subset of layers runs only those (a layer-skipping draft model for speculative
/// decoding: the same weights, fewer layers).
#[derive(Debug, Clone)]
pub struct LlamaCache {
    layers: Vec<(usize, KvRows)>, // (layer index, its cache), in increasing layer order
}

impl LlamaCache {
    /// Positions already processed.
    pub fn len(&self) -> usize {
        self.layers.first().map_or(0, |l| l.1.len())
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The layers this cache runs.
    pub fn layers(&self) -> Vec<usize> {
        self.layers.iter().map(|l| l.0).collect()
    }

    /// Forgets all but the first `n` positions (rolls back rejected speculative tokens).
    pub fn truncate(&mut self, n: usize) {
        for c in &mut self.layers {
            c.1.truncate(n);
        }
    }
}

/// Which positions need logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logits {
    /// Every position (scoring a text).
    All,
    /// Only the last (generation: the V × C output matmul is the largest, skip it elsewhere).
    Last,
}

/// A Llama model loaded from GGUF.
#[derive(Debug, Clone)]
pub struct Llama {
    cfg: LlamaConfig,
    embed: Arc<QMatrix>,
    layers: Vec<Layer>,
    norm: RmsNorm,
    output: Linear,
    rope: Rope,
}

fn norm(g: &Gguf, name: &str, eps: f64) -> Result<RmsNorm> {
    let w = QMatrix::from_raw(name, g.tensor(name)?)?.dequantize();
    Ok(RmsNorm { weight: Tensor::new(w, &Device::Cpu)?, eps })
}

impl Llama {
    /// Loads every weight of a Llama GGUF file.
    pub fn load(g: &Gguf, backend: Backend) -> Result<Self> {
        Self::load_with(g, backend, RopeStyle::Interleaved)
    }

    /// Loads with an explicit RoPE pairing (only to demonstrate that the wrong one fails).
    pub fn load_with(g: &Gguf, backend: Backend, rope_style: RopeStyle) -> Result<Self> {
        let cfg = LlamaConfig::from_gguf(g)?;
        let layer = |i: usize| -> Result<Layer> {
            let lin = |n: &str| Linear::load(g, &format!("blk.{i}.{n}.weight"), backend);
            Ok(Layer {
                attn_norm: norm(g, &format!("blk.{i}.attn_norm.weight"), cfg.eps)?,
                q: lin("attn_q")?,
                k: lin("attn_k")?,
                v: lin("attn_v")?,
                o: lin("attn_output")?,
                ffn_norm: norm(g, &format!("blk.{i}.ffn_norm.weight"), cfg.eps)?,
                gate: lin("ffn_gate")?,
                up: lin("ffn_up")?,
                down: lin("ffn_down")?,
            })
        };
        let layers = (0..cfg.layers).map(layer).collect::<Result<Vec<_>>>()?;
        let embed = Arc::new(QMatrix::from_raw("token_embd.weight", g.tensor("token_embd.weight")?)?);
        // Tied embeddings: without an `output.weight`, logits reuse the embedding matrix.
        let out_name = if g.has_tensor("output.weight") { "output.weight" } else { "token_embd.weight" };
        let output = match (backend, out_name) {
            (Backend::Quantized, "token_embd.weight") => Linear::Quantized(embed.clone()),
            _ => Linear::load(g, out_name, backend)?,
        };
        let rope = Rope::new(cfg.head_dim(), cfg.context, cfg.rope_base, rope_style, &Device::Cpu)?;
        Ok(Self { cfg, embed, layers, norm: norm(g, "output_norm.weight", cfg.eps)?, output, rope })
    }

    /// The sizes.
    pub fn config(&self) -> &LlamaConfig {
        &self.cfg
    }

    /// An empty cache for a new sequence.
    pub fn new_cache(&self) -> LlamaCache {
        LlamaCache { layers: (0..self.cfg.layers).map(|i| (i, KvRows::default())).collect() }
    }

    /// An empty cache that runs only `layers` (then the final norm and the output head): a
    /// draft made of the model's own layers. Fails on an empty, unsorted or out-of-range list.
    pub fn new_cache_for_layers(&self, layers: &[usize]) -> Result<LlamaCache> {
        let sorted = layers.windows(2).all(|w| w[0] < w[1]);
        if layers.is_empty() || !sorted || layers.iter().any(|&l| l >= self.cfg.layers) {
            return Err(Error::Config(format!(
                "draft layers must be a non-empty increasing list of layers below {}, got {layers:?}",
                self.cfg.layers
            )));
        }
        Ok(LlamaCache { layers: layers.iter().map(|&i| (i, KvRows::default())).collect() })
    }

    /// Bytes of weights one decoding step reads (the memory-bandwidth bound on speed).
    pub fn weight_bytes(&self) -> usize {
        let lin = |l: &Linear| match l {
            Linear::Quantized(q) => q.stored_bytes(),
            Linear::Candle(_) | Linear::F32(_) | Linear::Lora(_) => 0,
        };
        self.layers
            .iter()
            .map(|l| [&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down].map(lin).iter().sum::<usize>())
            .sum::<usize>()
            + lin(&self.output)
    }

    /// Runs `tokens` (T of them) after what `cache` holds, through as many layers as the cache
    /// covers; returns logits (T, V), or (1, V) for the last position with [`Logits::Last`].
    pub fn forward(&self, tokens: &[u32], cache: &mut LlamaCache, which: Logits) -> Result<Tensor> {
        let (t, offset) = (tokens.len(), cache.len());
        if t == 0 {
            return Err(Error::Config("forward: no tokens".into()));
        }
        if offset + t > self.cfg.context {
            return Err(Error::Config(format!(
                "{} tokens after {offset} cached exceed the model's context of {}",
                t, self.cfg.context
            )));
        }
        if let Some(&bad) = tokens.iter().find(|&&id| id as usize >= self.cfg.vocab) {
            return Err(Error::Config(format!("token id {bad} is outside the vocabulary of {}", self.cfg.vocab)));
        }
        if cache.layers.is_empty() || cache.layers.iter().any(|l| l.0 >= self.cfg.layers) {
            return Err(Error::Config(format!(
                "the cache's layers {:?} do not fit the model's {}",
                cache.layers(),
                self.cfg.layers
            )));
        }
        let rows: Vec<f32> = tokens.iter().flat_map(|&id| self.embed.dequantize_row(id as usize)).collect();
        let mut x = Tensor::from_vec(rows, (t, self.cfg.dim), &Device::Cpu)?; // (T, C)
        for (i, kv) in cache.layers.iter_mut() {
            let layer = &self.layers[*i];
            let h = layer.attn_norm.forward(&x)?;
            x = (x + self.attention(layer, &h, kv, offset)?)?;
            let h = layer.ffn_norm.forward(&x)?;
            let gated = (candle_nn::ops::silu(&layer.gate.forward(&h)?)? * layer.up.forward(&h)?)?; // (T, F)
            x = (x + layer.down.forward(&gated)?)?;
        }
        if which == Logits::Last {
            x = x.narrow(0, t - 1, 1)?; // (1, C)
        }
        self.output.forward(&self.norm.forward(&x)?) // (T, V)
    }

    /// Wraps in LoRA the projections `targets` of every layer, by GGUF name: `attn_q`, `attn_k`,
    /// `attn_v`, `attn_output`, `ffn_gate`, `ffn_up`, `ffn_down` (the LoRA paper's choice is
    /// `["attn_q", "attn_v"]`). A and B are created in `vb` as `blk.<i>.<name>.lora_a` and
    /// `lora_b`. Needs the F32 backend; returns the trainable parameter count.
    pub fn apply_lora(&mut self, targets: &[&str], cfg: LoraConfig, vb: &VarBuilder) -> Result<usize> {
        let mut trainable = 0;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            for &name in targets {
                let lin = match name {
                    "attn_q" => &mut layer.q,
                    "attn_k" => &mut layer.k,
                    "attn_v" => &mut layer.v,
                    "attn_output" => &mut layer.o,
                    "ffn_gate" => &mut layer.gate,
                    "ffn_up" => &mut layer.up,
                    "ffn_down" => &mut layer.down,
                    _ => return Err(Error::Config(format!("no projection {name:?} in a Llama block"))),
                };
                let Linear::F32(w) = lin else {
                    return Err(Error::Config(format!(
                        "LoRA needs the F32 backend and one wrap per projection ({name})"
                    )));
                };
                let weight = Var::from_tensor(&w.t()?.contiguous()?)?; // (in, out) stored -> W (out, in)
                let lora = LoraLinear::new(weight, None, cfg, vb.pp(format!("blk.{i}.{name}")))?;
                trainable += lora.trainable();
                *lin = Linear::Lora(lora);
            }
        }
        Ok(trainable)
    }

    /// Logits at every position of a batch of B sequences of T tokens, from position 0, with
    /// no cache: a pass candle can differentiate (tensor attention with the K/V heads repeated
    /// for GQA, as in [`crate::transformers::gqa`]). Equal to [`Self::forward`] up to f32
    /// summation order. Needs the F32 backend (possibly with LoRA).
    ///
    /// # Shapes
    /// ids: (B, T) u32 → (B, T, V)
    pub fn forward_batch(&self, ids: &Tensor) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let linears = self.layers.iter().flat_map(|l| [&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down]);
        if !linears.chain([&self.output]).all(Linear::differentiable) {
            return Err(Error::Config("forward_batch needs the F32 backend (load with Backend::F32)".into()));
        }
        if t == 0 || t > self.cfg.context {
            return Err(Error::Config(format!("forward_batch: T = {t} must be in 1..={}", self.cfg.context)));
        }
        let flat = ids.flatten_all()?.to_vec1::<u32>()?;
        if let Some(&bad) = flat.iter().find(|&&id| id as usize >= self.cfg.vocab) {
            return Err(Error::Config(format!("token id {bad} is outside the vocabulary of {}", self.cfg.vocab)));
        }
        let rows: Vec<f32> = flat.iter().flat_map(|&id| self.embed.dequantize_row(id as usize)).collect();
        let mut x = Tensor::from_vec(rows, (b, t, self.cfg.dim), ids.device())?; // (B, T, C)
        let mask = causal_mask(t, t, ids.device())?; // (T, T)
        for layer in &self.layers {
            let h = layer.attn_norm.forward(&x)?;
            x = (x + self.attention_batch(layer, &h, &mask)?)?;
            let h = layer.ffn_norm.forward(&x)?;
            let gated = (candle_nn::ops::silu(&layer.gate.forward(&h)?)? * layer.up.forward(&h)?)?; // (B, T, F)
            x = (x + layer.down.forward(&gated)?)?;
        }
        self.output.forward(&self.norm.forward(&x)?) // (B, T, V)
    }

    /// [`Self::attention`] as tensor operations over a batch, from position 0.
    ///
    /// # Shapes
    /// h: (B, T, C), mask: (T, T) → (B, T, C)
    fn attention_batch(&self, l: &Layer, h: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, t, _) = h.dims3()?;
        let (hq, g, d) = (self.cfg.heads, self.cfg.kv_heads, self.cfg.head_dim());
        let heads = |x: Tensor, n: usize| -> Result<Tensor> {
            Ok(x.reshape((b, t, n, d))?.transpose(1, 2)?.contiguous()?) // (B, T, n·D) -> (B, n, T, D)
        };
        let q = self.rope.apply(&heads(l.q.forward(h)?, hq)?, 0)?; // (B, H, T, D)
        let k = repeat_kv(&self.rope.apply(&heads(l.k.forward(h)?, g)?, 0)?, hq / g)?; // (B, G, T, D) -> (B, H, T, D)
        let v = repeat_kv(&heads(l.v.forward(h)?, g)?, hq / g)?;
        let y = scaled_dot_product_attention(&q, &k.contiguous()?, &v.contiguous()?, Some(mask))?; // (B, H, T, D)
        l.o.forward(&y.transpose(1, 2)?.reshape((b, t, hq * d))?) // (B, T, H·D) -> (B, T, C)
    }

    /// Grouped-query causal self-attention with RoPE and the KV cache; the scores and the
    /// weighted sum run in [`causal_attention`], row by row (see `models::attention` for why).
    ///
    /// # Shapes
    /// h: (T, C) → (T, C)
    fn attention(&self, l: &Layer, h: &Tensor, kv: &mut KvRows, offset: usize) -> Result<Tensor> {
        let (t, hq, g, d) = (h.dim(0)?, self.cfg.heads, self.cfg.kv_heads, self.cfg.head_dim());
        // (T, n·D) -> (1, n, T, D) for RoPE, then back to (T, n·D) rows.
        let rotate = |x: Tensor, n: usize| -> Result<Vec<f32>> {
            let x = x.reshape((1, t, n, d))?.transpose(1, 2)?; // (1, n, T, D)
            let x = self.rope.apply(&x.contiguous()?, offset)?.transpose(1, 2)?; // (1, T, n, D)
            Ok(x.flatten_all()?.to_vec1::<f32>()?)
        };
        let q = rotate(l.q.forward(h)?, hq)?; // (T, H·D)
        let k = rotate(l.k.forward(h)?, g)?; // (T, G·D)
        let v = l.v.forward(h)?.flatten_all()?.to_vec1::<f32>()?; // (T, G·D)
        kv.append(&k, &v, t);
        let y = causal_attention(&q, kv, t, hq, g, d); // (T, H·D)
        l.o.forward(&Tensor::from_vec(y, (t, hq * d), h.device())?) // (T, C)
    }
}
