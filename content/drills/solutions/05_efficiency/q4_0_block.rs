//! ggml's Q4_0 for one block: d = (signed max-magnitude value) / -8, codes ⌊x/d + 8.5⌋ capped at 15.

/// Quantizes one block (32 values): `(d, codes)` with every code in 0..=15.
pub fn q4_0_quantize(x: &[f64]) -> (f64, Vec<u8>) {
    // Signed element of largest |x|; strict `>` keeps the first of several ties, as ggml does.
    let mut max = 0.0f64;
    for &v in x {
        if v.abs() > max.abs() {
            max = v;
        }
    }
    let d = max / -8.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    // x·id lies in [-8, 8]: max goes to -8 (code 0); +8 would be code 16, capped at 15.
    // The argument is ≥ 0.5 > 0, so floor is ggml's truncating cast.
    let q = x.iter().map(|&v| (v * id + 8.5).floor().min(15.0) as u8).collect();
    (d, q)
}

/// Dequantizes one block: `(q - 8) · d` for each code.
pub fn q4_0_dequantize(d: f64, q: &[u8]) -> Vec<f64> {
    q.iter().map(|&c| (c as f64 - 8.0) * d).collect()
}
