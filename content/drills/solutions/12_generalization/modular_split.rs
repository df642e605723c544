//! The mod-p addition table split into train and validation by a permutation.

/// One example: (a, b, (a + b) mod p).
pub type Example = (usize, usize, usize);

/// Splits the mod-p addition table: `(train, val)`.
pub fn modular_split(p: usize, perm: &[usize], frac: f64) -> (Vec<Example>, Vec<Example>) {
    let n = ((frac * (p * p) as f64).floor() as usize).min(perm.len());
    // Index i is the pair (a, b) = (i / p, i % p).
    let example = |&i: &usize| {
        let (a, b) = (i / p, i % p);
        (a, b, (a + b) % p)
    };
    (perm[..n].iter().map(example).collect(), perm[n..].iter().map(example).collect())
}
