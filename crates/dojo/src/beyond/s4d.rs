//! S4D: a diagonal state-space layer, computed two equal ways: as a recurrence (generation, O(N)
//! per token, fixed-size state) and as a convolution with the SSM kernel (training, parallel
//! over the sequence).
//!
//! Papers: Gu, Goel, Ré 2022, "Efficiently Modeling Long Sequences with Structured State
//! Spaces" (S4, arXiv:2111.00396); Gu, Gupta, Goel, Ré 2022, "On the Parameterization and
//! Initialization of Diagonal State Space Models" (S4D, arXiv:2206.11893), sections 2–3.
//!
//! One channel maps an input sequence u to y through N complex states. The continuous system
//! x'(t) = A·x(t) + B·u(t), y(t) = Re(C·x(t)) with diagonal A is discretized with step Δ by
//! **zero-order hold** (u held constant over each step):
//!
//!   Ā = exp(Δ·A),   B̄ = (Δ·A)⁻¹ (exp(Δ·A) − 1) · Δ·B = (Ā − 1) / A · B      (per state)
//!
//!   recurrence:    x_k = Ā·x_(k−1) + B̄·u_k,     y_k = 2·Re(C·x_k) + D·u_k
//!   convolution:   y = K̄ ∗ u + D·u,   K̄_j = 2·Re(Σ_n C_n · Ā_n^j · B̄_n)   (j = 0 … L−1)
//!
//! The two are equal because Ā, B̄ and C do not depend on k (the layer is linear time-invariant):
//! unroll the recurrence and the coefficient of u_(k−j) in y_k is C·Ā^j·B̄. The factor 2 and
//! the real part: S4D keeps N/2 states with Im(A) ≥ 0 and lets each stand for itself and its
//! complex conjugate, so the output is real.
//!
//! Initialization S4D-Lin: A_n = −½ + iπn, B_n = 1, C random, log Δ uniform in
//! [log 0.001, log 0.1]. Re(A) < 0 makes |Ā| < 1: every state decays, and Δ sets how fast
//! (Δ = 0.1 with Re A = −½ keeps a memory of about 20 steps).
//!
//! Left out on purpose: computing the convolution by FFT (O(L log L)); here it is the direct
//! O(L²) sum, which is what the FFT computes.

use crate::nn::Rng;
use crate::{Error, Result};

/// A complex number, with just the operations the SSM needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct C64 {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl C64 {
    /// re + i·im.
    pub const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }

    /// exp(re + i·im) = e^re (cos im + i sin im).
    pub fn exp(self) -> Self {
        let m = self.re.exp();
        Self::new(m * self.im.cos(), m * self.im.sin())
    }

    /// exp(z) − 1 without the cancellation of subtracting 1 when z is small:
    /// Re = expm1(re)·cos(im) − 2 sin²(im/2), Im = e^re sin(im).
    pub fn exp_m1(self) -> Self {
        let half = (self.im / 2.0).sin();
        Self::new(self.re.exp_m1() * self.im.cos() - 2.0 * half * half, self.re.exp() * self.im.sin())
    }

    /// |z|.
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }

    /// self · k for real k.
    pub fn scale(self, k: f64) -> Self {
        Self::new(self.re * k, self.im * k)
    }
}

impl std::ops::Add for C64 {
    type Output = C64;
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
}

impl std::ops::Sub for C64 {
    type Output = C64;
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
}

impl std::ops::Mul for C64 {
    type Output = C64;
    fn mul(self, o: C64) -> C64 {
        C64::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
    }
}

impl std::ops::Div for C64 {
    type Output = C64;
    fn div(self, o: C64) -> C64 {
        let d = o.re * o.re + o.im * o.im;
        C64::new((self.re * o.re + self.im * o.im) / d, (self.im * o.re - self.re * o.im) / d)
    }
}

/// Zero-order-hold discretization of one diagonal state: (Ā, B̄) = (exp(ΔA), (exp(ΔA) − 1)/A · B).
/// exp(ΔA) − 1 is computed by [`C64::exp_m1`]: for a small step, subtracting 1 from exp(ΔA)
/// would cancel most of B̄'s digits (the `zoh_discretize` drill is about exactly this).
pub fn zoh(a: C64, b: C64, dt: f64) -> (C64, C64) {
    let z = a.scale(dt);
    (z.exp(), z.exp_m1() / a * b)
}

/// One S4D channel: N complex states (each standing for a conjugate pair), a step Δ and a skip D.
#[derive(Debug, Clone, PartialEq)]
pub struct S4d {
    /// Diagonal of A, Re < 0, (N).
    pub a: Vec<C64>,
    /// B, (N).
    pub b: Vec<C64>,
    /// C, (N).
    pub c: Vec<C64>,
    /// The step Δ > 0.
    pub dt: f64,
    /// The skip connection D.
    pub d: f64,
}

impl S4d {
    /// S4D-Lin: A_n = −½ + iπn, B_n = 1, C_n ~ N(0, ½) + i N(0, ½), Δ log-uniform in
    /// [0.001, 0.1], D ~ N(0, 1).
    pub fn s4d_lin(n: usize, rng: &mut Rng) -> Self {
        let a = (0..n).map(|i| C64::new(-0.5, std::f64::consts::PI * i as f64)).collect();
        let b = vec![C64::new(1.0, 0.0); n];
        let half = 0.5f64.sqrt();
        let c = (0..n).map(|_| C64::new(half * rng.normal(), half * rng.normal())).collect();
        let (lo, hi) = (0.001f64.ln(), 0.1f64.ln());
        let dt = (lo + (hi - lo) * rng.uniform()).exp();
        Self { a, b, c, dt, d: rng.normal() }
    }

    /// Checks the shapes and the stability condition Re(A) < 0, Δ > 0.
    pub fn validate(&self) -> Result<()> {
        if self.b.len() != self.a.len() || self.c.len() != self.a.len() {
            return Err(Error::Config(format!(
                "S4D: A, B, C must have one entry per state; got {}, {}, {}",
                self.a.len(),
                self.b.len(),
                self.c.len()
            )));
        }
        if self.a.iter().any(|a| a.re >= 0.0) || self.dt.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(Error::Config("S4D: needs Re(A) < 0 (decaying states) and Δ > 0".into()));
        }
        Ok(())
    }

    /// The discretized (Ā, B̄) of every state.
    pub fn discretize(&self) -> Vec<(C64, C64)> {
        self.a.iter().zip(&self.b).map(|(&a, &b)| zoh(a, b, self.dt)).collect()
    }

    /// The SSM convolution kernel K̄_j = 2·Re(Σ_n C_n Ā_n^j B̄_n), j = 0 … len−1.
    pub fn kernel(&self, len: usize) -> Vec<f64> {
        let disc = self.discretize();
        let mut powers: Vec<C64> = disc.iter().map(|&(_, b_bar)| b_bar).collect(); // Ā^j B̄, j = 0
        let mut k = Vec::with_capacity(len);
        for _ in 0..len {
            k.push(2.0 * powers.iter().zip(&self.c).map(|(&p, &c)| (c * p).re).sum::<f64>());
            powers.iter_mut().zip(&disc).for_each(|(p, &(a_bar, _))| *p = a_bar * *p);
        }
        k
    }

    /// The convolutional form: y_k = Σ_(j ≤ k) K̄_j u_(k−j) + D u_k, all positions at once.
    pub fn convolve(&self, u: &[f64]) -> Vec<f64> {
        let k = self.kernel(u.len());
        (0..u.len()).map(|t| (0..=t).map(|j| k[j] * u[t - j]).sum::<f64>() + self.d * u[t]).collect()
    }

    /// A zero state.
    pub fn initial_state(&self) -> Vec<C64> {
        vec![C64::new(0.0, 0.0); self.a.len()]
    }

    /// One recurrent step: x ← Ā x + B̄ u; returns y = 2·Re(C x) + D u. `disc` is
    /// [`Self::discretize`], computed once.
    pub fn step(&self, disc: &[(C64, C64)], x: &mut [C64], u: f64) -> f64 {
        let mut y = self.d * u;
        for ((xn, &(a_bar, b_bar)), &c) in x.iter_mut().zip(disc).zip(&self.c) {
            *xn = a_bar * *xn + b_bar.scale(u);
            y += 2.0 * (c * *xn).re;
        }
        y
    }

    /// The recurrent form over a whole sequence (what generation does, one token at a time).
    pub fn recur(&self, u: &[f64]) -> Vec<f64> {
        let disc = self.discretize();
        let mut x = self.initial_state();
        u.iter().map(|&ut| self.step(&disc, &mut x, ut)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
    }

    #[test]
    fn recurrence_equals_convolution() {
        let mut rng = Rng::new(3);
        for (n, len) in [(1, 1), (4, 17), (16, 200)] {
            let mut ssm = S4d::s4d_lin(n, &mut rng);
            ssm.dt = 0.05;
            ssm.validate().unwrap();
            let u: Vec<f64> = (0..len).map(|_| rng.normal()).collect();
            let (r, c) = (ssm.recur(&u), ssm.convolve(&u));
            assert!(max_diff(&r, &c) < 1e-10, "N {n} L {len}: {}", max_diff(&r, &c));
        }
    }

    #[test]
    fn zoh_matches_the_closed_form_and_the_small_step_limit() {
        // Real A = −0.5, Δ = 0.1: Ā = e^(−0.05) = 0.951229…, B̄ = (1 − Ā)/0.5 = 0.097541…
        let (a_bar, b_bar) = zoh(C64::new(-0.5, 0.0), C64::new(1.0, 0.0), 0.1);
        assert!((a_bar.re - (-0.05f64).exp()).abs() < 1e-15 && a_bar.im == 0.0);
        assert!((b_bar.re - (1.0 - (-0.05f64).exp()) / 0.5).abs() < 1e-15);
        // As Δ → 0, B̄ → Δ·B (1 + ΔA/2 + …): the hold adds nothing at first order, and no digits
        // are lost to cancellation (the naive exp(ΔA) − 1 would be off by ~1e-16 / |ΔA| ≈ 3e-8).
        let (a, b, dt) = (C64::new(-0.5, 3.0), C64::new(0.7, -0.2), 1e-9);
        let (_, b_small) = zoh(a, b, dt);
        let taylor = b.scale(dt) * (C64::new(1.0, 0.0) + a.scale(dt / 2.0));
        assert!((b_small - taylor).abs() < 1e-14 * taylor.abs(), "{b_small:?} {taylor:?}");
        // A large Δ forgets: |Ā| = e^(Δ·Re A).
        let (a_big, _) = zoh(C64::new(-0.5, 1.0), C64::new(1.0, 0.0), 10.0);
        assert!((a_big.abs() - (-5.0f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn the_kernel_is_the_impulse_response_and_decays() {
        let mut ssm = S4d::s4d_lin(8, &mut Rng::new(1));
        ssm.d = 0.0;
        ssm.dt = 0.1;
        let mut impulse = vec![0.0; 300];
        impulse[0] = 1.0;
        let k = ssm.kernel(300);
        assert!(max_diff(&ssm.recur(&impulse), &k) < 1e-12);
        // Every |Ā| = e^(−0.05): after 300 steps the kernel is e^(−15) of its size.
        let early = k[..10].iter().map(|x| x.abs()).fold(0.0, f64::max);
        let late = k[290..].iter().map(|x| x.abs()).fold(0.0, f64::max);
        assert!(late < 1e-5 * early, "{early} {late}");
    }

    #[test]
    fn unstable_or_misshapen_parameters_are_rejected() {
        let mut ssm = S4d::s4d_lin(2, &mut Rng::new(0));
        ssm.a[1].re = 0.1;
        assert!(ssm.validate().unwrap_err().to_string().contains("Re(A) < 0"));
        let mut ssm = S4d::s4d_lin(2, &mut Rng::new(0));
        ssm.c.pop();
        assert!(ssm.validate().unwrap_err().to_string().contains("one entry per state"));
    }
}
