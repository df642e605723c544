//! Rotary position embedding (RoPE, Su et al. 2021, RoFormer).
//!
//! RoPE rotates each pair of features of a query or key by an angle proportional to its
//! position p. This drill uses the interleaved pairing, pairs (2i, 2i+1), as in the RoFormer paper,
//! GPT-J and the library's `RopeStyle::Interleaved`; Hugging Face Llama / GPT-NeoX pair (i, i + d/2)
//! instead ("rotate half"). For pair i of d/2, θᵢ = 10000^(−2i/d) and φ = p·θᵢ:
//!   x'₂ᵢ = x₂ᵢ cos φ − x₂ᵢ₊₁ sin φ,   x'₂ᵢ₊₁ = x₂ᵢ sin φ + x₂ᵢ₊₁ cos φ.
//! Rotations compose, so ⟨rope(q, m), rope(k, n)⟩ depends only on m − n: attention sees relative positions.
//!
//! Contract: `rope(&[vec![1.0, 0.0, 1.0, 0.0]], 1)` → `[[0.5403, 0.8415, 0.99995, 0.0099998]]`
//! = [[cos 1, sin 1, cos 0.01, sin 0.01]] (θ₀ = 1, θ₁ = 10000^(−1/2) = 0.01). Row r of x is at
//! position p0 + r (p0 = the number of tokens already in the KV cache); position 0 is the identity.
//! d must be even.

/// Rotates every row of x (x: [t, d], d even) at positions p0, p0 + 1, …, interleaved pairs,
/// base 10000 → [t, d].
pub fn rope(x: &[Vec<f64>], p0: usize) -> Vec<Vec<f64>> {
    // TODO: for each row and each pair (2i, 2i+1), rotate by (p0 + r)·10000^(−2i/d).
    todo!()
}
