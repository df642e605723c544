//! Inference attention for the real models: a KV cache in plain memory and a causal
//! grouped-query attention kernel that computes each query row on its own.
//!
//! **Why not the tensor version of topic 1.** Two reasons, both measured on SmolLM2:
//! - *Speed.* Concatenating the cache copies all of it every step (~1 MB per layer per token at
//!   600 positions, as much traffic as the layer's weights); here a step appends its rows.
//! - *Batch invariance.* A token's logits must not depend on how many tokens share its forward
//!   pass. A batched matmul picks its summation order by shape, so the scores of query t came
//!   out a few ulps different when computed among T queries than alone; at a near-tie that flips
//!   a greedy choice, and speculative decoding (which verifies γ + 1 tokens in one pass) then
//!   stopped reproducing greedy decoding. Here every (head, query) row is one dot-product loop
//!   in a fixed order, whatever T is and whichever thread runs it.
//!
//! ```text
//!   for each query position t and head h (KV head g = h / (H/G)):
//!     sᵢ = q·kᵢ / √D  for i ≤ offset + t      (causal: only keys up to its own position)
//!     y  = Σᵢ softmax(s)ᵢ vᵢ
//! ```

use rayon::prelude::*;

/// One layer's cached keys and values, row-major (S, G, D): position-major, so appending T
/// new positions is one `extend`.
#[derive(Debug, Clone, Default)]
pub struct KvRows {
    k: Vec<f32>,
    v: Vec<f32>,
    len: usize,
}

impl KvRows {
    /// Cached positions S.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends T positions of keys and values, each (T, G·D) row-major.
    pub fn append(&mut self, k: &[f32], v: &[f32], t: usize) {
        debug_assert_eq!(k.len(), v.len());
        self.k.extend_from_slice(k);
        self.v.extend_from_slice(v);
        self.len += t;
    }

    /// Keeps the first `n` positions.
    pub fn truncate(&mut self, n: usize) {
        if n < self.len {
            let row = self.k.len() / self.len;
            self.k.truncate(n * row);
            self.v.truncate(n * row);
            self.len = n;
        }
    }
}

/// a · b in eight independent lanes (so the compiler can use SIMD), then summed in a fixed order.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            lanes[j] += x[j] * y[j];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

/// Causal grouped-query attention of T new queries against everything cached (the T new
/// positions included, appended before the call).
///
/// # Shapes
/// q: (T, H·D) row-major, positions `offset .. offset + T`; cache: (S, G·D) with
/// S = offset + T → (T, H·D)
pub fn causal_attention(q: &[f32], cache: &KvRows, t: usize, heads: usize, kv_heads: usize, d: usize) -> Vec<f32> {
    let offset = cache.len - t;
    let group = heads / kv_heads;
    let scale = 1.0 / (d as f32).sqrt();
    let row = kv_heads * d;
    let mut out = vec![0f32; t * heads * d];
    out.par_chunks_mut(d).enumerate().for_each(|(i, y)| {
        let (ti, h) = (i / heads, i % heads);
        let g = h / group;
        let qv = &q[ti * heads * d + h * d..][..d];
        let n = offset + ti + 1; // keys this query may see
        let scores: Vec<f32> = (0..n).map(|s| dot(qv, &cache.k[s * row + g * d..][..d]) * scale).collect();
        let m = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let w: Vec<f32> = scores.iter().map(|s| (s - m).exp()).collect();
        let z: f32 = w.iter().sum();
        for (s, ws) in w.iter().enumerate() {
            let vs = &cache.v[s * row + g * d..][..d];
            for (yj, vj) in y.iter_mut().zip(vs) {
                *yj += ws * vj;
            }
        }
        for yj in y.iter_mut() {
            *yj /= z;
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;

    fn rand(n: usize, rng: &mut Rng) -> Vec<f32> {
        (0..n).map(|_| rng.normal() as f32).collect()
    }

    #[test]
    fn a_row_is_the_same_alone_or_in_a_batch() {
        let (h, g, d, t) = (6, 2, 16, 5);
        let mut rng = Rng::new(1);
        let (q, k, v) = (rand(t * h * d, &mut rng), rand(t * g * d, &mut rng), rand(t * g * d, &mut rng));
        let mut all = KvRows::default();
        all.append(&k, &v, t);
        let batched = causal_attention(&q, &all, t, h, g, d);
        let mut one = KvRows::default();
        for ti in 0..t {
            one.append(&k[ti * g * d..][..g * d], &v[ti * g * d..][..g * d], 1);
            let alone = causal_attention(&q[ti * h * d..][..h * d], &one, 1, h, g, d);
            assert_eq!(alone, batched[ti * h * d..][..h * d], "row {ti} differs bit-for-bit");
        }
    }

    #[test]
    fn first_query_copies_the_first_value_and_uniform_scores_average() {
        let (h, g, d) = (2, 1, 4);
        let mut c = KvRows::default();
        // Zero keys make every score equal; values 1..=4 and 5..=8.
        c.append(&[0.0; 8], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], 2);
        let y = causal_attention(&[1.0; 16], &c, 2, h, g, d);
        assert_eq!(&y[..4], &[1.0, 2.0, 3.0, 4.0]); // position 0 sees only itself
        assert_eq!(&y[8..12], &[3.0, 4.0, 5.0, 6.0]); // position 1 averages both
        c.truncate(1);
        assert_eq!(c.len(), 1);
    }
}
