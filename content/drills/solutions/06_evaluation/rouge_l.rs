//! ROUGE-L: LCS by dynamic programming, then precision, recall and F1.

/// Length of the longest common subsequence of `a` and `b`.
pub fn lcs_len(a: &[&str], b: &[&str]) -> usize {
    // prev[j] = LCS(a[..i-1], b[..j]); cur[j] = LCS(a[..i], b[..j]).
    let mut prev = vec![0usize; b.len() + 1];
    for x in a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y { prev[j] + 1 } else { prev[j + 1].max(cur[j]) };
        }
        prev = cur;
    }
    prev[b.len()]
}

/// ROUGE-L (precision, recall, F1) of `hyp` against `reference`.
pub fn rouge_l(hyp: &[&str], reference: &[&str]) -> (f64, f64, f64) {
    let lcs = lcs_len(hyp, reference) as f64;
    if lcs == 0.0 {
        return (0.0, 0.0, 0.0); // covers empty inputs too
    }
    let p = lcs / hyp.len() as f64;
    let r = lcs / reference.len() as f64;
    (p, r, 2.0 * p * r / (p + r))
}
