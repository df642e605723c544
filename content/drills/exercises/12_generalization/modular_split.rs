//! The grokking dataset (Power et al., 2022): the full addition table mod p, split at random.
//!
//! Every pair (a, b) with a, b ∈ {0, …, p-1} is one example with label (a + b) mod p: p² examples
//! in all. Pair (a, b) has index i = a · p + b (so a = i / p, b = i % p). A permutation of the
//! indices 0..p² and a training fraction f decide the split: the first n = ⌊f · p²⌋ indices of
//! the permutation are training examples, the rest validation. A small f is what makes the
//! network memorise first and generalise (grok) much later.
//!
//! Contract: `modular_split(2, &[3, 0, 2, 1], 0.5)` → n = 2, train = [(1, 1, 0), (0, 0, 0)],
//! val = [(1, 0, 1), (0, 1, 1)].
//! Conventions: each example is (a, b, label); both lists keep the permutation's order; n is
//! computed as `(f * (p * p) as f64).floor()` (floor, never round: f = 0.5 with p = 3 gives 4);
//! f ∈ [0, 1], so f = 0 leaves train empty and f = 1 leaves val empty. `perm` is a permutation
//! of 0..p².

/// One example: (a, b, (a + b) mod p).
pub type Example = (usize, usize, usize);

/// Splits the mod-p addition table: `(train, val)`.
pub fn modular_split(p: usize, perm: &[usize], frac: f64) -> (Vec<Example>, Vec<Example>) {
    // TODO: n = floor(frac · p²); map perm[..n] and perm[n..] through i → (i / p, i % p, label).
    todo!()
}
