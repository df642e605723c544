//! Causal and padding attention masks.
//!
//! Attention adds a mask M to the scores before the softmax: softmax(S + M). M[i][j] = 0 lets
//! query i look at key j; M[i][j] = -inf removes key j, since exp(-inf) = 0. A decoder is causal
//! (query i sees only keys j <= i, never the future), and in a padded batch the pad keys must be
//! hidden too. Both rules combine: M[i][j] = 0 iff j <= i and key_valid[j], else -inf.
//!
//! Contract: `attention_mask(3, &[true, true, false])` →
//! `[[0, -inf, -inf], [0, 0, -inf], [0, 0, -inf]]`; with every key valid it is the plain causal
//! mask (0 on and below the diagonal, -inf above). `key_valid` has exactly `t` entries. A row can
//! end up all -inf (left padding: query 0 when key 0 is a pad); keep it so, the softmax turns it
//! into zeros. `t = 0` gives an empty matrix.

/// The additive [t, t] mask: 0.0 where query i may attend to key j (j <= i and key j valid),
/// `f64::NEG_INFINITY` elsewhere.
pub fn attention_mask(t: usize, key_valid: &[bool]) -> Vec<Vec<f64>> {
    // TODO: build t rows of t entries following the rule above.
    todo!()
}
