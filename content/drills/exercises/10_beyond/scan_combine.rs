//! The associative combine behind Mamba's parallel scan (Blelloch 1990; Gu & Dao 2023, §3.3).
//!
//! The recurrence h_t = a_t·h_{t−1} + b_t (from h_{−1} = 0) is a chain of affine maps
//! f_t(h) = a_t·h + b_t. Composing two of them, earlier first, is again affine:
//!   f_2(f_1(h)) = a_2(a_1 h + b_1) + b_2 = (a_1 a_2)·h + (a_2 b_1 + b_2),
//! so combine((a_1, b_1), (a_2, b_2)) = (a_1 a_2, a_2 b_1 + b_2). Composition is associative,
//! so the prefixes f_0 ∘ … ∘ f_t can be computed in any bracketing, in parallel: with recursive
//! doubling (Hillis–Steele), at strides s = 1, 2, 4, … every element i ≥ s becomes
//! combine(x[i − s], x[i]) (all i at once, from the previous round's values), and after
//! ⌈log₂ T⌉ rounds x[i] is the whole prefix up to i. Its b is h_i, its a is Π_{s ≤ i} a_s.
//!
//! Contract: combine((0.5, 1), (2, 3)) = (1, 2·1 + 3) = (1, 5), while combine((2, 3), (0.5, 1))
//! = (1, 0.5·3 + 1) = (1, 2.5): the order matters. steps = [(0.5, 1), (0.5, 1), (0.5, 1)] →
//! prefixes [(0.5, 1), (0.25, 1.5), (0.125, 1.75)] (h = 1, 1.5, 1.75).
//! Conventions: `first` is the earlier map; the identity is (1, 0); the scan returns one
//! (a, b) pair per step, inclusive (step i is part of prefix i); T = 0 gives [].

/// The composition "first, then second" of h ↦ a·h + b maps, as an (a, b) pair.
pub fn combine(first: (f64, f64), second: (f64, f64)) -> (f64, f64) {
    // TODO: the product of the a's, and the earlier b carried through the later map.
    todo!()
}

/// Every inclusive prefix composition of `steps`, by recursive doubling with `combine`.
pub fn inclusive_scan(steps: &[(f64, f64)]) -> Vec<(f64, f64)> {
    // TODO: x = steps; for s = 1, 2, 4, … < T: new x[i] = combine(x[i − s], x[i]) for i ≥ s.
    todo!()
}
