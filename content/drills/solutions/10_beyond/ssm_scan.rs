//! A diagonal SSM as a sequential scan and as a convolution with kernel K_k = C Ā^k B̄.

/// The recurrence h_t = Ā h_{t-1} + B̄ x_t, y_t = C · h_t, from h = 0: returns y [T].
pub fn ssm_scan(a_bar: &[f64], b_bar: &[f64], c: &[f64], x: &[f64]) -> Vec<f64> {
    let mut h = vec![0.0; a_bar.len()];
    x.iter()
        .map(|&xt| {
            for i in 0..h.len() {
                h[i] = a_bar[i] * h[i] + b_bar[i] * xt;
            }
            c.iter().zip(&h).map(|(ci, hi)| ci * hi).sum()
        })
        .collect()
}

/// The same y as a causal convolution of x with K_k = Σ_i C_i Ā_i^k B̄_i, k = 0..T.
pub fn ssm_conv(a_bar: &[f64], b_bar: &[f64], c: &[f64], x: &[f64]) -> Vec<f64> {
    let t = x.len();
    // K_k = Σ_i C_i Ā_i^k B̄_i, building the powers Ā_i^k one multiplication at a time.
    let mut kernel = vec![0.0; t];
    for i in 0..a_bar.len() {
        let mut p = c[i] * b_bar[i];
        for k in kernel.iter_mut() {
            *k += p;
            p *= a_bar[i];
        }
    }
    (0..t).map(|s| (0..=s).map(|k| kernel[k] * x[s - k]).sum()).collect()
}
