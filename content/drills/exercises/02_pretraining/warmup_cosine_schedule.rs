//! Learning-rate schedule: linear warmup, then cosine decay to a floor (GPT-3, Chinchilla).
//!
//! For step s (0-based: the rate of the s-th update), peak η_max, floor η_min, w warmup steps
//! and n total steps:
//!   s < w:       η(s) = η_max · (s + 1) / w              (the first update already moves)
//!   w ≤ s < n:   η(s) = η_min + ½ (η_max − η_min) (1 + cos(π · (s − w) / (n − w)))
//!   s ≥ n:       η(s) = η_min
//!
//! Contract: with η_max = 1.0, η_min = 0.1, w = 4, n = 14: steps 0, 1, 3 → 0.25, 0.5, 1.0;
//! step 4 → 1.0 (cosine at 0); step 9 → 0.55 (half way: cos(π/2) = 0); steps 14, 20 → 0.1.
//! w = 0 means no warmup (step 0 is at the peak). The caller guarantees w ≤ n.

/// The learning rate of update `step` (0-based).
pub fn lr_at(step: usize, peak: f64, min_lr: f64, warmup: usize, total: usize) -> f64 {
    // TODO: three cases: warmup, cosine, after the end.
    todo!()
}
