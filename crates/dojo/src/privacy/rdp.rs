//! The privacy accountant of DP-SGD: Rényi differential privacy (RDP) of the Poisson-subsampled
//! Gaussian mechanism, composed over steps, converted to an (ε, δ) guarantee.
//!
//! # What is being accounted
//! One DP-SGD step samples each example independently with probability `q` (Poisson sampling),
//! clips each sampled example's gradient to L2 norm `C`, sums them and adds N(0, σ²C²) noise. Its
//! privacy loss is that of the *sampled Gaussian mechanism* with noise multiplier `σ`:
//! neighbouring datasets (one example added or removed) give output distributions
//! `μ₀ = N(0, σ²)` and `μ₁ = (1 − q)·N(0, σ²) + q·N(1, σ²)` (in units of `C`).
//!
//! # Rényi DP (Mironov 2017)
//! A mechanism is (α, ε(α))-RDP if the Rényi divergence of order α between the output
//! distributions on any two neighbours is at most ε(α). The point of RDP is composition:
//! `k` steps are (α, k·ε(α))-RDP, exactly, at every order. For the sampled Gaussian
//! (Mironov, Talwar, Zhang 2019), `ε(α) = ln A_α / (α − 1)` with
//!
//! ```text
//! A_α = E_{z~μ₀} [ (μ₁(z) / μ₀(z))^α ]
//!     = Σ_{k=0..α} C(α, k) · (1 − q)^(α−k) · q^k · exp((k² − k) / (2σ²))     (integer α)
//! ```
//!
//! For fractional α the binomial series does not terminate; the integral is split at
//! `z₀ = σ²·ln(1/q − 1) + ½`, where the two mixture terms cross, and each half is a series whose
//! terms carry a Gaussian tail `½·erfc(·)`. Its terms are added in absolute value, which can
//! only over-estimate `A_α` (a looser but still valid bound); the series is cut after
//! [`MAX_FRACTIONAL_TERMS`] terms, and an order that has not converged by then is dropped (its ε
//! is +∞). Both choices are dp-accounting's, and we keep them so our ε agrees with it.
//!
//! # From RDP to (ε, δ)
//! For each order, `ε = ε_RDP(α) + ln(1 − 1/α) − ln(δ·α) / (α − 1)` (Canonne, Kamath, Steinke
//! 2020, Prop. 12; tighter than Mironov's `ε_RDP(α) + ln(1/δ)/(α − 1)`), and the best order wins.
//! Orders below 1.01 are skipped (the bound is unstable there and never the best).
//!
//! # Pitfalls
//! - The grid of orders matters: the optimum can sit between grid points, so a coarser grid gives
//!   a larger (still valid) ε. We use dp-accounting's default grid, [`default_orders`].
//! - RDP accounting is an upper bound, not the true privacy loss; PLD accounting is tighter.
//! - ε is for the *add-or-remove-one* neighbouring relation with Poisson sampling. Shuffling and
//!   taking fixed-size batches (what most training loops do) is a different mechanism.
//!
//! Verified against Google's dp-accounting 0.6.0 (`refs/privacy.py`) on 150 (q, σ, steps, δ).

use crate::{Error, Result};

/// Terms of the fractional-order series before an order is declared unconverged.
pub const MAX_FRACTIONAL_TERMS: usize = 1000;

/// dp-accounting's default grid of Rényi orders: 1.1, 1.2, …, 10.9, then 11, 12, …, 63, then 128,
/// 256, 512, 1024 (156 orders).
pub fn default_orders() -> Vec<f64> {
    let fine = (1..100).map(|x| 1.0 + x as f64 / 10.0);
    let integers = (11..64).map(f64::from);
    fine.chain(integers).chain([128.0, 256.0, 512.0, 1024.0]).collect()
}

/// `ln(eˣ + eʸ)` without overflow.
fn log_add(x: f64, y: f64) -> f64 {
    let (lo, hi) = if x < y { (x, y) } else { (y, x) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    (lo - hi).exp().ln_1p() + hi
}

/// `ln |C(n, k)|` for real `n`, through `ln |Γ|`.
fn log_binomial(n: f64, k: f64) -> f64 {
    libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0)
}

/// `ln erfc(x)`, accurate where `erfc(x)` underflows (`x ≳ 26.5`).
fn log_erfc(x: f64) -> f64 {
    if x < 26.0 {
        return libm::erfc(x).ln();
    }
    // erfc(x) = exp(−x²)/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − …); its logarithm, expanded in 1/x².
    let (x2, x4, x6, x8) = (x.powi(-2), x.powi(-4), x.powi(-6), x.powi(-8));
    -0.5 * std::f64::consts::PI.ln() - x.ln() - x * x - 0.5 * x2 + 0.625 * x4 - 37.0 / 24.0 * x6 + 353.0 / 64.0 * x8
}

/// `ln A_α` for an integer order: the finite binomial sum, in log space.
fn log_a_integer(q: f64, sigma: f64, alpha: u64) -> f64 {
    let (ln_q, ln_1mq) = (q.ln(), (-q).ln_1p());
    let a = alpha as f64;
    (0..=alpha).fold(f64::NEG_INFINITY, |acc, k| {
        let k = k as f64;
        let term = log_binomial(a, k) + k * ln_q + (a - k) * ln_1mq + (k * k - k) / (2.0 * sigma * sigma);
        log_add(acc, term)
    })
}

/// `ln A_α` for a fractional order: the two half-line series (see the module doc); +∞ when the
/// series has not converged after [`MAX_FRACTIONAL_TERMS`] terms.
fn log_a_fractional(q: f64, sigma: f64, alpha: f64) -> f64 {
    let (ln_q, ln_1mq) = (q.ln(), (-q).ln_1p());
    let z0 = sigma * sigma * (1.0 / q - 1.0).ln() + 0.5;
    let s2 = std::f64::consts::SQRT_2 * sigma;
    let (mut log_a0, mut log_a1) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let (mut last0, mut last1) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for i in 0..MAX_FRACTIONAL_TERMS {
        let i = i as f64;
        let j = alpha - i;
        let coef = log_binomial(alpha, i);
        // z ≤ z₀: the k = i term, weighted by the Gaussian mass left of z₀.
        let t0 = coef + i * ln_q + j * ln_1mq + (i * i - i) / (2.0 * sigma * sigma);
        let s0 = t0 + 0.5f64.ln() + log_erfc((i - z0) / s2);
        // z ≥ z₀: the mirrored term with the roles of q and 1 − q swapped.
        let t1 = coef + j * ln_q + i * ln_1mq + (j * j - j) / (2.0 * sigma * sigma);
        let s1 = t1 + 0.5f64.ln() + log_erfc((z0 - j) / s2);
        log_a0 = log_add(log_a0, s0);
        log_a1 = log_add(log_a1, s1);
        let total = log_add(log_a0, log_a1);
        // Stop once both terms are falling and below e⁻³⁰ of the total.
        if s0 < last0 && s1 < last1 && s0.max(s1) < total - 30.0 {
            return total;
        }
        (last0, last1) = (s0, s1);
    }
    f64::INFINITY
}

/// RDP ε(α) of ONE step of the Poisson-subsampled Gaussian mechanism with sampling rate `q` and
/// noise multiplier `sigma`, at order `alpha > 1`. May be +∞ (no noise, or an unconverged
/// fractional order).
pub fn rdp_subsampled_gaussian(q: f64, sigma: f64, alpha: f64) -> f64 {
    if q == 0.0 {
        return 0.0;
    }
    if sigma == 0.0 || alpha.is_infinite() {
        return f64::INFINITY;
    }
    if q == 1.0 {
        return alpha / (2.0 * sigma * sigma); // the plain Gaussian mechanism
    }
    let log_a =
        if alpha.fract() == 0.0 { log_a_integer(q, sigma, alpha as u64) } else { log_a_fractional(q, sigma, alpha) };
    log_a / (alpha - 1.0)
}

/// An (ε, δ) guarantee and the Rényi order it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guarantee {
    /// ε; +∞ when no order gives a finite bound.
    pub epsilon: f64,
    /// The δ asked for.
    pub delta: f64,
    /// The order α at which the bound is tightest.
    pub order: f64,
}

/// The best (ε, δ) over `orders` given the composed RDP values `rdp` (same length) and `delta`
/// in (0, 1). Ties go to the first order.
pub fn epsilon_from_rdp(orders: &[f64], rdp: &[f64], delta: f64) -> Result<Guarantee> {
    if orders.len() != rdp.len() || orders.is_empty() {
        return Err(Error::Config(format!(
            "epsilon_from_rdp: {} orders but {} RDP values (need the same, at least one)",
            orders.len(),
            rdp.len()
        )));
    }
    check_delta(delta)?;
    let mut best = Guarantee { epsilon: f64::INFINITY, delta, order: orders[0] };
    for (&a, &r) in orders.iter().zip(rdp) {
        if a < 1.0 {
            return Err(Error::Config(format!("Rényi orders must be at least 1, got {a}")));
        }
        let eps = if r < 0.0 || delta * delta + (-r).exp_m1() > 0.0 {
            // Below the KL bound δ ≥ √(1 − e^(−ε_RDP)) the guarantee holds with ε = 0.
            0.0
        } else if a > 1.01 {
            r + (-1.0 / a).ln_1p() - (delta * a).ln() / (a - 1.0)
        } else {
            f64::INFINITY
        };
        if eps < best.epsilon {
            best = Guarantee { epsilon: eps, delta, order: a };
        }
    }
    best.epsilon = best.epsilon.max(0.0);
    Ok(best)
}

fn check_delta(delta: f64) -> Result<()> {
    if delta > 0.0 && delta < 1.0 {
        Ok(())
    } else {
        Err(Error::Config(format!("δ must be in (0, 1), got {delta}")))
    }
}

/// RDP accumulated over a run, one value per order.
#[derive(Debug, Clone)]
pub struct RdpAccountant {
    orders: Vec<f64>,
    rdp: Vec<f64>,
}

impl Default for RdpAccountant {
    fn default() -> Self {
        Self::new()
    }
}

impl RdpAccountant {
    /// An accountant over [`default_orders`] that has spent nothing yet.
    pub fn new() -> Self {
        Self::with_orders(default_orders()).expect("the default orders are valid")
    }

    /// An accountant over the given orders, each greater than 1.
    pub fn with_orders(orders: Vec<f64>) -> Result<Self> {
        if orders.is_empty() || orders.iter().any(|&a| a.is_nan() || a <= 1.0) {
            return Err(Error::Config(format!("Rényi orders must be non-empty and > 1, got {orders:?}")));
        }
        let rdp = vec![0.0; orders.len()];
        Ok(Self { orders, rdp })
    }

    /// Spend `steps` DP-SGD steps with sampling rate `q` ∈ [0, 1] and noise multiplier
    /// `sigma` ≥ 0: RDP adds up over steps at every order.
    pub fn compose_subsampled_gaussian(&mut self, q: f64, sigma: f64, steps: u64) -> Result<()> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::Config(format!("sampling rate q must be in [0, 1], got {q}")));
        }
        if sigma.is_nan() || sigma < 0.0 {
            return Err(Error::Config(format!("noise multiplier σ must be ≥ 0, got {sigma}")));
        }
        for (r, &a) in self.rdp.iter_mut().zip(&self.orders) {
            *r += steps as f64 * rdp_subsampled_gaussian(q, sigma, a);
        }
        Ok(())
    }

    /// The orders accounted at.
    pub fn orders(&self) -> &[f64] {
        &self.orders
    }

    /// The RDP spent so far at each order.
    pub fn rdp(&self) -> &[f64] {
        &self.rdp
    }

    /// The best (ε, δ) guarantee for what has been spent.
    pub fn epsilon(&self, delta: f64) -> Result<Guarantee> {
        epsilon_from_rdp(&self.orders, &self.rdp, delta)
    }
}

/// ε of `steps` DP-SGD steps at sampling rate `q` and noise multiplier `sigma`, for `delta`.
pub fn dp_sgd_epsilon(q: f64, sigma: f64, steps: u64, delta: f64) -> Result<Guarantee> {
    let mut acc = RdpAccountant::new();
    acc.compose_subsampled_gaussian(q, sigma, steps)?;
    acc.epsilon(delta)
}

/// The smallest noise multiplier σ (to a relative 10⁻⁴) whose `steps` steps at rate `q` stay
/// within `target_epsilon` at `delta`: how DP-SGD's noise is calibrated to a privacy budget.
/// ε falls as σ grows, so this bisects on σ.
pub fn noise_for_epsilon(q: f64, steps: u64, delta: f64, target_epsilon: f64) -> Result<f64> {
    if target_epsilon.is_nan() || target_epsilon <= 0.0 {
        return Err(Error::Config(format!("target ε must be > 0, got {target_epsilon}")));
    }
    let eps = |sigma: f64| dp_sgd_epsilon(q, sigma, steps, delta).map(|g| g.epsilon);
    let (mut lo, mut hi) = (0.0, 1.0);
    while eps(hi)? > target_epsilon {
        (lo, hi) = (hi, hi * 2.0);
        if hi > 1e6 {
            return Err(Error::Config(format!("no σ ≤ 10⁶ reaches ε = {target_epsilon}")));
        }
    }
    while hi - lo > 1e-4 * hi {
        let mid = 0.5 * (lo + hi);
        if eps(mid)? > target_epsilon {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixture() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/privacy/rdp.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// JSON null stands for +∞.
    fn num(v: &Value) -> f64 {
        v.as_f64().unwrap_or(f64::INFINITY)
    }

    fn close(ours: f64, theirs: f64, rel: f64) -> bool {
        (ours.is_infinite() && theirs.is_infinite() && ours == theirs)
            || (ours - theirs).abs() <= rel * theirs.abs().max(1e-12)
    }

    #[test]
    fn default_orders_are_dp_accountings() {
        let f = fixture();
        let theirs: Vec<f64> = f["orders"].as_array().unwrap().iter().map(num).collect();
        assert_eq!(default_orders(), theirs);
    }

    #[test]
    fn one_step_rdp_matches_dp_accounting_at_every_order() {
        let f = fixture();
        let orders = default_orders();
        for c in f["curves"].as_array().unwrap() {
            let (q, sigma) = (num(&c["q"]), num(&c["sigma"]));
            for (&a, r) in orders.iter().zip(c["rdp"].as_array().unwrap()) {
                let (ours, theirs) = (rdp_subsampled_gaussian(q, sigma, a), num(r));
                assert!(close(ours, theirs, 1e-9), "q={q} σ={sigma} α={a}: ours {ours}, dp-accounting {theirs}");
            }
        }
    }

    #[test]
    fn dp_sgd_epsilon_matches_dp_accounting_on_the_grid() {
        let f = fixture();
        let cases = f["epsilons"].as_array().unwrap();
        assert_eq!(cases.len(), 150);
        for c in cases {
            let (q, sigma, delta) = (num(&c["q"]), num(&c["sigma"]), num(&c["delta"]));
            let steps = c["steps"].as_u64().unwrap();
            let g = dp_sgd_epsilon(q, sigma, steps, delta).unwrap();
            let (eps, order) = (num(&c["epsilon"]), num(&c["order"]));
            assert!(
                close(g.epsilon, eps, 1e-9),
                "q={q} σ={sigma} steps={steps} δ={delta}: ours {}, theirs {eps}",
                g.epsilon
            );
            assert_eq!(g.order, order, "optimal order for q={q} σ={sigma} steps={steps} δ={delta}");
        }
    }

    #[test]
    fn integer_orders_match_the_binomial_sum_written_out() {
        // α = 2: A₂ = (1−q)² + 2q(1−q) + q²·e^(1/σ²) = 1 + q²(e^(1/σ²) − 1).
        let (q, sigma): (f64, f64) = (0.1, 1.3);
        let want = (q * q * ((1.0 / (sigma * sigma)).exp() - 1.0)).ln_1p();
        assert!((rdp_subsampled_gaussian(q, sigma, 2.0) - want).abs() < 1e-14);
        // Without subsampling the Gaussian mechanism's RDP is α/(2σ²).
        assert_eq!(rdp_subsampled_gaussian(1.0, 2.0, 3.0), 3.0 / 8.0);
        assert_eq!(rdp_subsampled_gaussian(0.0, 2.0, 3.0), 0.0);
        assert_eq!(rdp_subsampled_gaussian(0.5, 0.0, 3.0), f64::INFINITY);
    }

    #[test]
    fn more_steps_or_less_noise_cost_more_privacy() {
        let e = |sigma, steps| dp_sgd_epsilon(0.01, sigma, steps, 1e-5).unwrap().epsilon;
        assert!(e(1.0, 100) < e(1.0, 1000));
        assert!(e(2.0, 1000) < e(1.0, 1000));
        // Composition is additive in RDP, so k steps of RDP r equal one "step" of k·r.
        let mut a = RdpAccountant::new();
        for _ in 0..10 {
            a.compose_subsampled_gaussian(0.01, 1.0, 10).unwrap();
        }
        assert!((a.epsilon(1e-5).unwrap().epsilon - e(1.0, 100)).abs() < 1e-9);
    }

    #[test]
    fn calibrated_noise_lands_just_inside_the_budget() {
        let sigma = noise_for_epsilon(0.01, 1000, 1e-5, 2.0).unwrap();
        let eps = dp_sgd_epsilon(0.01, sigma, 1000, 1e-5).unwrap().epsilon;
        assert!(eps <= 2.0 && eps > 1.99, "σ = {sigma} gives ε = {eps}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(dp_sgd_epsilon(1.5, 1.0, 10, 1e-5).is_err());
        assert!(dp_sgd_epsilon(0.1, -1.0, 10, 1e-5).is_err());
        assert!(dp_sgd_epsilon(0.1, 1.0, 10, 0.0).is_err());
        assert!(dp_sgd_epsilon(0.1, 1.0, 10, 1.0).is_err());
        assert!(RdpAccountant::with_orders(vec![0.5, 2.0]).is_err());
        assert!(noise_for_epsilon(0.1, 10, 1e-5, 0.0).is_err());
        // No noise: infinite ε, not an error.
        assert_eq!(dp_sgd_epsilon(0.1, 0.0, 10, 1e-5).unwrap().epsilon, f64::INFINITY);
    }
}
