//! ROUGE-L (Lin 2004): overlap measured by the longest common subsequence.
//!
//! A common subsequence keeps order but allows gaps ("police the gunman" is one of "police
//! killed the gunman" and "police kill the gunman"). Its length comes from the dynamic program
//! L[i][j] = L[i-1][j-1] + 1 if a_i = b_j, else max(L[i-1][j], L[i][j-1]), with L[0][·] =
//! L[·][0] = 0. Then P = LCS / len(hyp), R = LCS / len(ref), F1 = 2PR / (P + R).
//!
//! Contract: `lcs_len(&["police", "killed", "the", "gunman"], &["police", "kill", "the",
//! "gunman"])` → `3`, and `rouge_l` of that hypothesis (the second) against that reference
//! (the first) → `(0.75, 0.75, 0.75)`. Conventions: tokens compare exactly; arguments are
//! (hypothesis, reference) and the result is (precision, recall, F1); if either side is empty,
//! or nothing is shared, all three are 0.0 (never NaN).

/// Length of the longest common subsequence of `a` and `b`.
pub fn lcs_len(a: &[&str], b: &[&str]) -> usize {
    // TODO: fill the (len(a) + 1) × (len(b) + 1) table (or keep just two rows).
    todo!()
}

/// ROUGE-L (precision, recall, F1) of `hyp` against `reference`.
pub fn rouge_l(hyp: &[&str], reference: &[&str]) -> (f64, f64, f64) {
    // TODO
    todo!()
}
