//! Scaled dot-product attention, with causal and padding masks.
//!
//! Paper: Vaswani et al. 2017, "Attention Is All You Need", arXiv:1706.03762, section 3.2.1.
//! This is the naive form: it builds the whole (T, S) score matrix, so time and memory grow
//! as T·S (the `attention-cost` lab measures it). FlashAttention computes the same numbers in
//! tiles without storing that matrix.
//! Left out on purpose: dropout on the weights, fused kernels.

use crate::nn::{expect_shape, softmax_last, Dim};
use crate::Result;
use candle_core::{DType, Device, Tensor};

/// Attention(Q, K, V) = softmax(Q Kᵀ / √D + M) V
///
/// where:
/// - Q (B, H, T, D) queries, K (B, H, S, D) keys, V (B, H, S, D) values;
/// - √D rescales the scores: with unit-variance entries, q·k has variance D, and without the
///   division the softmax saturates as D grows (its gradients vanish);
/// - M is an additive mask broadcastable to (B, H, T, S): 0 where a query may look, −∞ where it
///   may not (see [`causal_mask`] and [`padding_mask`]).
///
/// A query row whose keys are all masked has no defined output: it comes back NaN (0/0), as in
/// PyTorch. Callers must not mask a whole row.
///
/// # Shapes
/// q: (B, H, T, D), k: (B, H, S, D), v: (B, H, S, D), mask: broadcastable to (B, H, T, S)
/// → (B, H, T, D)
pub fn scaled_dot_product_attention(q: &Tensor, k: &Tensor, v: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
    let [b, h, _t, d] = dims4(q, "attention q", &[Dim::Any("B"), Dim::Any("H"), Dim::Any("T"), Dim::Any("D")])?;
    let kv = [Dim::Is("B", b), Dim::Is("H", h), Dim::Any("S"), Dim::Is("D", d)];
    let [_, _, s, _] = dims4(k, "attention k", &kv)?;
    dims4(v, "attention v", &[kv[0], kv[1], Dim::Is("S", s), kv[3]])?;

    // 1) scores: every query against every key, scaled by 1/√D
    let scale = 1.0 / (d as f64).sqrt();
    let scores = (q.matmul(&k.t()?)? * scale)?; // (B, H, T, D) @ (B, H, D, S) -> (B, H, T, S)

    // 2) mask: −∞ where a query may not look, so its weight becomes exp(−∞) = 0
    let scores = match mask {
        Some(m) => scores.broadcast_add(m)?, // (B, H, T, S)
        None => scores,
    };
    // 3) weights: a probability distribution over the S keys for each query
    let weights = softmax_last(&scores)?; // (B, H, T, S)

    // 4) output: the weighted mean of the values
    Ok(weights.matmul(v)?) // (B, H, T, S) @ (B, H, S, D) -> (B, H, T, D)
}

/// The additive causal mask: query i may attend to key j only when j ≤ i + (S − T).
///
/// With S = T this is the usual lower-triangular mask. With S > T the T queries are the *last*
/// T positions of a sequence of S (incremental decoding with a KV cache holds S − T earlier keys),
/// so each query sees every cached key and the new keys up to itself.
///
/// # Shapes
/// → (T, S), 0.0 where allowed, −∞ where masked; broadcasts against (B, H, T, S).
pub fn causal_mask(t: usize, s: usize, device: &Device) -> Result<Tensor> {
    if s < t {
        return Err(crate::Error::Config(format!("causal_mask: key length S={s} is shorter than query length T={t}")));
    }
    let offset = s - t; // number of cached keys before the first query
    let m: Vec<f32> =
        (0..t).flat_map(|i| (0..s).map(move |j| if j <= i + offset { 0.0 } else { f32::NEG_INFINITY })).collect();
    Ok(Tensor::from_vec(m, (t, s), device)?)
}

/// The additive padding mask from the true length of each sequence in a right-padded batch:
/// key j of sequence b is visible when `j < lengths[b]`.
///
/// # Shapes
/// lengths: B values → (B, 1, 1, S), broadcasts against (B, H, T, S).
pub fn padding_mask(lengths: &[usize], s: usize, device: &Device) -> Result<Tensor> {
    if let Some(&bad) = lengths.iter().find(|&&l| l == 0 || l > s) {
        return Err(crate::Error::Config(format!(
            "padding_mask: length {bad} must be in 1..={s} (a sequence of length 0 would mask a whole row)"
        )));
    }
    let m: Vec<f32> =
        lengths.iter().flat_map(|&len| (0..s).map(move |j| if j < len { 0.0 } else { f32::NEG_INFINITY })).collect();
    Ok(Tensor::from_vec(m, (lengths.len(), 1, 1, s), device)?.to_dtype(DType::F32)?)
}

/// Anything that maps queries, keys and values to attention outputs: full attention and the
/// efficient variants ([`super::linformer`], [`super::performer`], [`super::sliding_window`],
/// [`super::block_sparse`]) share this interface, so labs and tests can swap them.
pub trait AttentionKernel {
    /// A short name for plots and tables, e.g. `"full"`.
    fn name(&self) -> String;

    /// # Shapes
    /// q, k, v: (B, H, T, D) → (B, H, T, D)
    fn forward(&self, q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor>;
}

/// Naive softmax attention over all T × T pairs, causal or not: the baseline every efficient
/// variant is compared with.
#[derive(Debug, Clone, Copy)]
pub struct FullAttention {
    /// Whether query i may only see keys j ≤ i.
    pub causal: bool,
}

impl AttentionKernel for FullAttention {
    fn name(&self) -> String {
        if self.causal { "full (causal)" } else { "full" }.to_string()
    }

    fn forward(&self, q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
        let (t, s) = (q.dim(2)?, k.dim(2)?);
        let mask = if self.causal { Some(causal_mask(t, s, q.device())?) } else { None };
        scaled_dot_product_attention(q, k, v, mask.as_ref())
    }
}

/// An additive (T, T) mask from a rule `allowed(i, j)`: 0 where allowed, −∞ elsewhere. The dense
/// reference for the sparse patterns, which compute the same thing without materialising it.
pub fn mask_from(t: usize, device: &Device, allowed: impl Fn(usize, usize) -> bool) -> Result<Tensor> {
    let m: Vec<f32> = (0..t)
        .flat_map(|i| (0..t).map(move |j| (i, j)))
        .map(|(i, j)| if allowed(i, j) { 0.0 } else { f32::NEG_INFINITY })
        .collect();
    Ok(Tensor::from_vec(m, (t, t), device)?)
}

fn dims4(t: &Tensor, op: &str, want: &[Dim]) -> Result<[usize; 4]> {
    let d = expect_shape(t, op, want)?;
    Ok([d[0], d[1], d[2], d[3]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Rng, Tolerance};
    use candle_core::{Device, IndexOp};

    fn dev() -> Device {
        Device::Cpu
    }

    #[test]
    fn hand_computed_two_keys() {
        // D = 4, so √D = 2: q = [1,1,1,1], k₀ = 0, k₁ = [a,a,a,a] with q·k₁/2 = 4a/2 = ln 3,
        // i.e. a = ln 3 / 2. Scores [0, ln 3] → weights [1, 3]/4; values 4 and 8 → 1 + 6 = 7.
        let a = 3f32.ln() / 2.0;
        let q = Tensor::new(&[1f32, 1.0, 1.0, 1.0], &dev()).unwrap().reshape((1, 1, 1, 4)).unwrap();
        let k = Tensor::new(&[[0f32, 0.0, 0.0, 0.0], [a, a, a, a]], &dev()).unwrap().reshape((1, 1, 2, 4)).unwrap();
        let v = Tensor::new(&[[4f32; 4], [8f32; 4]], &dev()).unwrap().reshape((1, 1, 2, 4)).unwrap();
        let out = scaled_dot_product_attention(&q, &k, &v, None).unwrap();
        let want = Tensor::new(&[7f32; 4], &dev()).unwrap().reshape((1, 1, 1, 4)).unwrap();
        assert_close(&out, &want, Tolerance::F32);
    }

    #[test]
    fn zero_queries_average_the_values() {
        // q = 0 makes every score 0, so the weights are uniform and the output is the mean value.
        let mut rng = Rng::new(0);
        let q = Tensor::zeros((2, 3, 4, 8), DType::F32, &dev()).unwrap();
        let k = rng.randn((2, 3, 5, 8), 1.0, &dev()).unwrap();
        let v = rng.randn((2, 3, 5, 8), 1.0, &dev()).unwrap();
        let out = scaled_dot_product_attention(&q, &k, &v, None).unwrap();
        let mean = v.mean_keepdim(2).unwrap().broadcast_as((2, 3, 4, 8)).unwrap();
        assert_close(&out, &mean, Tolerance::F32);
    }

    #[test]
    fn causal_output_at_t_ignores_tokens_after_t() {
        let mut rng = Rng::new(1);
        let (b, h, t, d) = (1, 2, 6, 4);
        let q = rng.randn((b, h, t, d), 1.0, &dev()).unwrap();
        let k = rng.randn((b, h, t, d), 1.0, &dev()).unwrap();
        let v = rng.randn((b, h, t, d), 1.0, &dev()).unwrap();
        let mask = causal_mask(t, t, &dev()).unwrap();
        let out = scaled_dot_product_attention(&q, &k, &v, Some(&mask)).unwrap();
        // Perturb keys and values from position 4 on: outputs 0..=3 must not move, 4 and 5 must.
        let noise = rng.randn((b, h, 2, d), 5.0, &dev()).unwrap();
        let bump = Tensor::cat(&[Tensor::zeros((b, h, 4, d), DType::F32, &dev()).unwrap(), noise], 2).unwrap();
        let out2 =
            scaled_dot_product_attention(&q, &(&k + &bump).unwrap(), &(&v + &bump).unwrap(), Some(&mask)).unwrap();
        assert_close(&out2.i((.., .., ..4)).unwrap(), &out.i((.., .., ..4)).unwrap(), Tolerance::F32);
        let moved = (out2.i((.., .., 4..)).unwrap() - out.i((.., .., 4..)).unwrap()).unwrap();
        assert!(moved.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap() > 1e-3);
    }

    #[test]
    fn causal_mask_with_cache_offset_lets_new_queries_see_all_cached_keys() {
        // T = 2 new queries after 3 cached keys (S = 5): row 0 sees keys 0..=3, row 1 sees 0..=4.
        let m = causal_mask(2, 5, &dev()).unwrap().to_vec2::<f32>().unwrap();
        let inf = f32::NEG_INFINITY;
        assert_eq!(m, vec![vec![0.0, 0.0, 0.0, 0.0, inf], vec![0.0; 5]]);
        assert!(causal_mask(3, 2, &dev()).is_err());
    }

    #[test]
    fn last_query_of_full_causal_equals_one_query_against_the_whole_prefix() {
        // The equivalence a KV cache relies on: the last row of causal attention over T tokens
        // equals a single query (T = 1) attending to all S = T keys with the offset mask.
        let mut rng = Rng::new(2);
        let (q, k, v) = (
            rng.randn((1, 2, 5, 4), 1.0, &dev()).unwrap(),
            rng.randn((1, 2, 5, 4), 1.0, &dev()).unwrap(),
            rng.randn((1, 2, 5, 4), 1.0, &dev()).unwrap(),
        );
        let full = scaled_dot_product_attention(&q, &k, &v, Some(&causal_mask(5, 5, &dev()).unwrap())).unwrap();
        let q_last = q.i((.., .., 4..)).unwrap();
        let one = scaled_dot_product_attention(&q_last, &k, &v, Some(&causal_mask(1, 5, &dev()).unwrap())).unwrap();
        assert_close(&one, &full.i((.., .., 4..)).unwrap(), Tolerance::F32);
    }

    #[test]
    fn padding_keys_get_zero_weight() {
        // Sequence 0 has length 2 of S = 4: its output must equal attention over the first 2 keys.
        let mut rng = Rng::new(3);
        let (q, k, v) = (
            rng.randn((2, 1, 3, 4), 1.0, &dev()).unwrap(),
            rng.randn((2, 1, 4, 4), 1.0, &dev()).unwrap(),
            rng.randn((2, 1, 4, 4), 1.0, &dev()).unwrap(),
        );
        let mask = padding_mask(&[2, 4], 4, &dev()).unwrap();
        let out = scaled_dot_product_attention(&q, &k, &v, Some(&mask)).unwrap();
        let trimmed = scaled_dot_product_attention(
            &q.i(0..1).unwrap(),
            &k.i((0..1, .., ..2)).unwrap(),
            &v.i((0..1, .., ..2)).unwrap(),
            None,
        )
        .unwrap();
        assert_close(&out.i(0..1).unwrap(), &trimmed, Tolerance::F32);
        assert!(padding_mask(&[0], 4, &dev()).is_err());
        assert!(padding_mask(&[5], 4, &dev()).is_err());
    }

    #[test]
    fn matches_pytorch_sdpa_forward_and_gradients() {
        // refs/transformers.py: F.scaled_dot_product_attention(q, k, v, is_causal=True)
        let f = crate::nn::fixtures::Fixture::load("transformers/sdpa");
        let (q, k, v) = (f.var("q"), f.var("k"), f.var("v"));
        let mask = causal_mask(5, 5, &dev()).unwrap();
        let out = scaled_dot_product_attention(&q, &k, &v, Some(&mask)).unwrap();
        f.assert_close(&out, "out", Tolerance::F32);
        let grads = (out * f.get("loss_w")).unwrap().sum_all().unwrap().backward().unwrap();
        f.assert_grads(&grads, &[(&q, "grad_q"), (&k, "grad_k"), (&v, "grad_v")], Tolerance::F32);
    }

    #[test]
    fn wrong_shapes_are_explained() {
        let q = Tensor::zeros((1, 2, 3, 4), DType::F32, &dev()).unwrap();
        let k = Tensor::zeros((1, 2, 3, 5), DType::F32, &dev()).unwrap();
        let e = scaled_dot_product_attention(&q, &k, &k, None).unwrap_err().to_string();
        assert_eq!(e, "attention k: expected (B=1, H=2, S, D=4), got [1, 2, 3, 5]");
    }
}
