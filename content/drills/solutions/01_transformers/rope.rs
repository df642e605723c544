//! Rotary position embedding, interleaved pairs (2i, 2i+1), base 10000.

/// Rotates every row of x (x: [t, d], d even) at positions p0, p0 + 1, … → [t, d].
pub fn rope(x: &[Vec<f64>], p0: usize) -> Vec<Vec<f64>> {
    x.iter()
        .enumerate()
        .map(|(r, row)| {
            let d = row.len();
            assert!(d % 2 == 0, "RoPE needs an even feature count, got {d}");
            let p = (p0 + r) as f64;
            let mut out = row.clone();
            for i in 0..d / 2 {
                let theta = 10000f64.powf(-2.0 * i as f64 / d as f64); // pair i's frequency
                let (sin, cos) = (p * theta).sin_cos();
                let (a, b) = (row[2 * i], row[2 * i + 1]);
                // rotate the 2-vector (a, b) by the angle p·θᵢ
                out[2 * i] = a * cos - b * sin;
                out[2 * i + 1] = a * sin + b * cos;
            }
            out
        })
        .collect()
}
