//! TTT-Linear's inner step: one gradient step on ½‖W k − v‖², then read W q.

/// One online TTT step: W ← W − η (W k − v) kᵀ; returns z = W q with the new W.
pub fn ttt_step(w: &mut [Vec<f64>], eta: f64, k: &[f64], v: &[f64], q: &[f64]) -> Vec<f64> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let err: Vec<f64> = w.iter().zip(v).map(|(row, vi)| dot(row, k) - vi).collect();
    for (row, e) in w.iter_mut().zip(&err) {
        for (wij, kj) in row.iter_mut().zip(k) {
            *wij -= eta * e * kj;
        }
    }
    w.iter().map(|row| dot(row, q)).collect()
}

/// The layer over a sequence: one `ttt_step` per token from W₀, T rows of Dv.
pub fn ttt_online(w0: &[Vec<f64>], eta: f64, k: &[Vec<f64>], v: &[Vec<f64>], q: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut w = w0.to_vec();
    k.iter().zip(v).zip(q).map(|((k, v), q)| ttt_step(&mut w, eta, k, v, q)).collect()
}
