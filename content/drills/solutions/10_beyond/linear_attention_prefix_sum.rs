//! Causal linear attention with φ = elu + 1, as a recurrence over two prefix sums.

fn phi(x: &[f64]) -> Vec<f64> {
    x.iter().map(|&v| if v > 0.0 { v + 1.0 } else { v.exp() }).collect()
}

/// Causal linear attention with φ = elu + 1, computed with running sums: (T, Dv).
pub fn causal_linear_attention(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (d, dv) = (q.first().map_or(0, Vec::len), v.first().map_or(0, Vec::len));
    let mut s = vec![vec![0.0; dv]; d]; // Σ φ(k) vᵀ
    let mut z = vec![0.0; d]; // Σ φ(k)
    let mut out = Vec::with_capacity(q.len());
    for ((qt, kt), vt) in q.iter().zip(k).zip(v) {
        let (fq, fk) = (phi(qt), phi(kt));
        for i in 0..d {
            z[i] += fk[i];
            for j in 0..dv {
                s[i][j] += fk[i] * vt[j];
            }
        }
        let norm: f64 = (0..d).map(|i| fq[i] * z[i]).sum();
        out.push((0..dv).map(|j| (0..d).map(|i| fq[i] * s[i][j]).sum::<f64>() / norm).collect());
    }
    out
}
