//! Expected calibration error (Naeini et al. 2015; Guo et al. 2017): does a model that says
//! "80% sure" turn out right 80% of the time?
//!
//! Split [0, 1] into M equal-width bins by confidence. For bin B_b with n_b predictions,
//! acc(B_b) is the fraction correct and conf(B_b) the mean confidence; then
//! ECE = Σ_b (n_b / N) · |acc(B_b) − conf(B_b)|, weighted by bin size; empty bins add nothing.
//! 0 is perfectly calibrated; the number depends on M, so report M with it.
//!
//! Contract: confidences `[0.2, 0.4, 0.9, 0.9]`, correct `[true, false, true, true]`, M = 2 →
//! `0.15` (bin (0, 0.5]: |0.5 − 0.3| = 0.2; bin (0.5, 1]: |1 − 0.9| = 0.1; (2·0.2 + 2·0.1) / 4).
//! Conventions (the library's): bin b covers the half-open interval (b/M, (b+1)/M], so an edge
//! value belongs to the LOWER bin (0.5 with M = 2 is in bin 0, 1.0 in bin M − 1), and a
//! confidence of exactly 0 goes to bin 0; ceil(c · M) − 1, clamped to 0..M, does it. Confidences
//! lie in [0, 1]; no input at all gives 0.0. (The grader puts a confidence exactly on an edge
//! only where the edge is exact in binary, such as 0.25 with M = 4.)

/// The bin of `confidence` among `bins` equal-width bins: b with b/M < c <= (b+1)/M; 0 → 0.
pub fn ece_bin(confidence: f64, bins: usize) -> usize {
    // TODO
    todo!()
}

/// ECE over `bins` equal-width bins; `correct[i]` says whether prediction i was right.
pub fn expected_calibration_error(confidence: &[f64], correct: &[bool], bins: usize) -> f64 {
    // TODO: per bin, count, sum of confidences and hits; then Σ (n_b / N) · |acc − conf|.
    todo!()
}
