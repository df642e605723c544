//! Symmetric per-row int8 quantization: scale = max|x| / 127, q = round(x / scale).

/// Per-row absmax int8: `(scales [rows], q [rows, cols])`.
pub fn absmax_quantize(x: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<i8>>) {
    x.iter()
        .map(|row| {
            let amax = row.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let scale = amax / 127.0;
            if scale == 0.0 {
                return (0.0, vec![0; row.len()]); // all zeros: nothing to divide by
            }
            // f64::round is half away from zero; the clamp guards x / scale = 127.0000001.
            let q = row.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8).collect();
            (scale, q)
        })
        .unzip()
}

/// Back to reals: `scales[r] * q[r][j]`.
pub fn absmax_dequantize(scales: &[f64], q: &[Vec<i8>]) -> Vec<Vec<f64>> {
    scales.iter().zip(q).map(|(s, row)| row.iter().map(|&v| s * v as f64).collect()).collect()
}
