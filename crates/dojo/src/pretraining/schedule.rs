//! The learning-rate schedule: linear warmup, then cosine decay to a floor.
//!
//! Used by GPT-3 (Brown et al. 2020, appendix B), Chinchilla and nanoGPT. For step s (counted
//! from 0), peak η_max, floor η_min, w warmup steps and n total steps:
//!
//! 1. warmup, s < w:        η(s) = η_max · (s + 1) / w
//! 2. cosine, w ≤ s < n:    η(s) = η_min + ½ (η_max − η_min) (1 + cos(π · (s − w) / (n − w)))
//! 3. after the end, s ≥ n: η(s) = η_min
//!
//! Why warmup: at step 0 Adam's second-moment estimate comes from one gradient, so its
//! per-weight step sizes are noisy; small steps until the estimates settle avoid an early
//! blow-up (most visible in post-LN transformers). Why cosine: it spends most steps at a high
//! rate and anneals smoothly at the end, where the loss drops as the noise is averaged out.

/// Warmup + cosine. `Default`: peak 1e-3, floor 1e-4, 10 warmup of 100 steps.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// η_max, e.g. 1e-3.
    pub peak: f64,
    /// η_min, e.g. peak / 10.
    pub floor: f64,
    /// Warmup steps w, e.g. 10.
    pub warmup: usize,
    /// Total steps n (the cosine reaches the floor here), e.g. 100.
    pub total: usize,
}

impl Default for Schedule {
    fn default() -> Self {
        Self { peak: 1e-3, floor: 1e-4, warmup: 10, total: 100 }
    }
}

impl Schedule {
    /// A constant rate.
    pub fn constant(lr: f64) -> Self {
        Self { peak: lr, floor: lr, warmup: 0, total: 0 }
    }

    /// η at step `s` (0-based: the rate of the s-th update).
    pub fn at(&self, s: usize) -> f64 {
        if s < self.warmup {
            return self.peak * (s + 1) as f64 / self.warmup as f64; // 1) warmup
        }
        if s >= self.total {
            return self.floor; // 3) after the end
        }
        let progress = (s - self.warmup) as f64 / (self.total - self.warmup) as f64; // 2) cosine
        self.floor + 0.5 * (self.peak - self.floor) * (1.0 + (std::f64::consts::PI * progress).cos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_rises_linearly_then_cosine_halves_at_the_midpoint() {
        let s = Schedule { peak: 1.0, floor: 0.0, warmup: 4, total: 14 };
        assert_eq!([s.at(0), s.at(1), s.at(3)], [0.25, 0.5, 1.0]);
        assert_eq!(s.at(4), 1.0); // cos(0) = 1: the peak
        assert!((s.at(9) - 0.5).abs() < 1e-12); // (9−4)/10 = ½: cos(π/2) = 0 → ½
        assert!(s.at(13) < 0.03 && s.at(13) > 0.0);
        assert_eq!(s.at(14), 0.0);
        assert_eq!(Schedule::constant(3e-4).at(7), 3e-4);
    }

    #[test]
    fn the_rate_never_rises_after_warmup() {
        let s = Schedule::default();
        for t in s.warmup..s.total + 5 {
            assert!(s.at(t + 1) <= s.at(t), "step {t}");
        }
    }
}
