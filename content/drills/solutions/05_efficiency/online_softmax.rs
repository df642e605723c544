//! Online softmax: a running max m and a running normaliser l, rescaled when m grows.

/// One step of the online normaliser: the state `(m, l)` after also reading `chunk`.
pub fn online_update(m: f64, l: f64, chunk: &[f64]) -> (f64, f64) {
    let m_new = chunk.iter().copied().fold(m, f64::max);
    if m_new == f64::NEG_INFINITY {
        // Nothing finite seen yet: exp(-inf - (-inf)) would be NaN.
        return (f64::NEG_INFINITY, 0.0);
    }
    // The old sum was Σ exp(x - m); measured against m_new it is l · exp(m - m_new).
    // (m = -inf gives exp(-inf) = 0, which is right: l was 0.)
    let rescaled = l * (m - m_new).exp();
    (m_new, rescaled + chunk.iter().map(|&x| (x - m_new).exp()).sum::<f64>())
}

/// Softmax of `x` read in chunks of `b`, and log Σ exp(x): `(probabilities, lse)`.
pub fn online_softmax(x: &[f64], b: usize) -> (Vec<f64>, f64) {
    let (m, l) = x.chunks(b.max(1)).fold((f64::NEG_INFINITY, 0.0), |(m, l), c| online_update(m, l, c));
    if m == f64::NEG_INFINITY {
        return (vec![0.0; x.len()], f64::NEG_INFINITY);
    }
    (x.iter().map(|&v| (v - m).exp() / l).collect(), m + l.ln())
}
