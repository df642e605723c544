//! RetNet's retention as a recurrence over a D × Dv state.

/// One step: S ← γ·S + kᵀv, then returns o = q S (Dv values).
pub fn retention_step(s: &mut [Vec<f64>], gamma: f64, q: &[f64], k: &[f64], v: &[f64]) -> Vec<f64> {
    for (row, &ki) in s.iter_mut().zip(k) {
        for (sij, &vj) in row.iter_mut().zip(v) {
            *sij = gamma * *sij + ki * vj;
        }
    }
    (0..v.len()).map(|j| s.iter().zip(q).map(|(row, qi)| qi * row[j]).sum()).collect()
}

/// The recurrent form over a sequence, from S = 0: T rows of Dv.
pub fn retention_recurrent(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>], gamma: f64) -> Vec<Vec<f64>> {
    let (d, dv) = (q.first().map_or(0, Vec::len), v.first().map_or(0, Vec::len));
    let mut s = vec![vec![0.0; dv]; d];
    q.iter().zip(k).zip(v).map(|((q, k), v)| retention_step(&mut s, gamma, q, k, v)).collect()
}
