//! Linear warmup, then cosine decay to a floor.

/// The learning rate of update `step` (0-based).
pub fn lr_at(step: usize, peak: f64, min_lr: f64, warmup: usize, total: usize) -> f64 {
    if step < warmup {
        // (s + 1)/w: step 0 gets peak/w, step w − 1 reaches the peak.
        return peak * (step + 1) as f64 / warmup as f64;
    }
    if step >= total {
        return min_lr;
    }
    // Progress through the decay phase, 0 at its first step, → 1 at `total` (never reached here,
    // so n − w ≥ 1 and there is no division by zero).
    let progress = (step - warmup) as f64 / (total - warmup) as f64;
    min_lr + 0.5 * (peak - min_lr) * (1.0 + (std::f64::consts::PI * progress).cos())
}
