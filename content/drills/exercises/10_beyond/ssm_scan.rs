//! A discretized diagonal SSM run two ways: as a recurrence and as a convolution (S4's trick).
//!
//! With state h ∈ Rⁿ, one input channel x_t and diagonal Ā: h_t = Ā ⊙ h_{t-1} + B̄ x_t and
//! y_t = C · h_t = Σ_i C_i h_{t,i}, starting from h_{-1} = 0. Unrolling gives
//! y_t = Σ_{k=0}^{t} K_k x_{t-k} with the kernel K_k = Σ_i C_i Ā_i^k B̄_i: the recurrence is
//! O(T n) and sequential (inference), the convolution is parallel over t (training).
//!
//! Contract: Ā = [0.5], B̄ = [1], C = [2]: x = [1, 0, 0] → y = [2, 1, 0.5] (the impulse response
//! is the kernel itself), and x = [1, 1, 1] → y = [2, 3, 3.5].
//! Conventions: `a_bar`, `b_bar`, `c` all have length n; y has the length T of x; the convolution
//! is causal (y_t uses x_0..=x_t only); T = 0 gives an empty y, n = 0 gives zeros.

/// The recurrence h_t = Ā h_{t-1} + B̄ x_t, y_t = C · h_t, from h = 0: returns y [T].
pub fn ssm_scan(a_bar: &[f64], b_bar: &[f64], c: &[f64], x: &[f64]) -> Vec<f64> {
    // TODO: keep h (n values), update it per step, read out C · h.
    todo!()
}

/// The same y as a causal convolution of x with K_k = Σ_i C_i Ā_i^k B̄_i, k = 0..T.
pub fn ssm_conv(a_bar: &[f64], b_bar: &[f64], c: &[f64], x: &[f64]) -> Vec<f64> {
    // TODO: build the kernel K [T], then y_t = Σ_{k ≤ t} K_k x_{t-k}.
    todo!()
}
