//! Mamba: a state-space layer whose step Δ and matrices B, C depend on the input (the
//! *selective* scan), computed three equal ways, inside the Mamba block.
//!
//! Paper: Gu, Dao 2023, "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
//! arXiv:2312.00752, sections 3.1–3.4 and algorithm 2.
//!
//! S4D (see [`super::s4d`]) is time-invariant: Ā, B̄, C are the same at every step, which is
//! what lets it run as a convolution, and also why it cannot choose what to remember: every
//! token enters the state the same way. Mamba makes them functions of the token x_t (E channels,
//! N states per channel):
//!
//! ```text
//! Δ_t = softplus(W_Δ · (x_t W_x)[..R] + b_Δ)   (E)       B_t, C_t = (x_t W_x)[R..]   (N each)
//! Ā_t[e][n] = exp(Δ_t[e] · A[e][n]),   B̄_t[e][n] x_t[e] = Δ_t[e] · B_t[n] · x_t[e]
//! h_t = Ā_t ⊙ h_(t−1) + B̄_t x_t,        y_t[e] = Σ_n C_t[n] h_t[e][n] + D[e] x_t[e]
//! ```
//!
//! Δ is the selection: Δ → 0 gives Ā = 1, B̄ = 0, the token is skipped and the state kept; a
//! large Δ gives Ā ≈ 0, the state is reset and filled with this token. (B̄ = Δ·B is the first-
//! order form the reference implementation uses; the paper's zero-order hold differs at O(Δ²).)
//!
//! Input-dependent Ā rules out the convolution, but not parallelism: h_t = a_t ⊙ h_(t−1) + b_t
//! is a composition of affine maps h ↦ a ⊙ h + b, and composing them is associative:
//!
//!   (a₁, b₁) then (a₂, b₂)  =  (a₁ a₂,  a₂ b₁ + b₂)
//!
//! so every prefix can be computed by a parallel (Blelloch) scan in O(log T) depth and O(T)
//! work ([`scan_associative`]), or by chunks: each chunk scanned from a zero state in parallel,
//! then one carry per chunk passed along ([`scan_chunked`], the shape of Mamba-2's kernel). All
//! three forms give the same h ([`scan_sequential`] is the reference).
//!
//! The block: x (T × M) → in-projection to (u, z), each (T × E) with E = 2M; a causal depthwise
//! convolution of width K and SiLU on u; the selective SSM; gating by SiLU(z); out-projection
//! back to M. For generation the state is a fixed E·N numbers plus the last K − 1 inputs of the
//! convolution, whatever the length so far: [`MambaBlock::step`] equals [`MambaBlock::forward`].
//!
//! Left out: the hardware-aware kernel (keeping h in SRAM, recomputing it in the backward
//! pass), which changes where the numbers live, not what they are.

use super::{dot, randn, silu, softplus, vec_mat, Mat};
use crate::nn::Rng;
use crate::{Error, Result};

/// One element of the scan, the affine map h ↦ a ⊙ h + b over L lanes (here L = E·N).
#[derive(Debug, Clone, PartialEq)]
pub struct Affine {
    /// The decay, multiplied into the state.
    pub a: Vec<f64>,
    /// The input, added to it.
    pub b: Vec<f64>,
}

impl Affine {
    /// The identity map (a = 1, b = 0) over `lanes` lanes.
    pub fn identity(lanes: usize) -> Self {
        Self { a: vec![1.0; lanes], b: vec![0.0; lanes] }
    }
}

/// `first` then `second`: h ↦ a₂ ⊙ (a₁ ⊙ h + b₁) + b₂ = (a₁ a₂) ⊙ h + (a₂ ⊙ b₁ + b₂).
/// Associative, not commutative: the earlier map must come first.
pub fn combine(first: &Affine, second: &Affine) -> Affine {
    Affine {
        a: first.a.iter().zip(&second.a).map(|(a1, a2)| a1 * a2).collect(),
        b: first.b.iter().zip(&second.a).zip(&second.b).map(|((b1, a2), b2)| a2 * b1 + b2).collect(),
    }
}

/// The reference: h_t = a_t ⊙ h_(t−1) + b_t from h = 0, one step after another. Returns every h_t.
pub fn scan_sequential(steps: &[Affine]) -> Mat {
    let mut h = vec![0.0; steps.first().map_or(0, |s| s.a.len())];
    steps
        .iter()
        .map(|s| {
            h.iter_mut().zip(&s.a).zip(&s.b).for_each(|((h, a), b)| *h = a * *h + b);
            h.clone()
        })
        .collect()
}

/// The Blelloch scan: an up-sweep that combines pairs into a tree of partial compositions, a
/// down-sweep that hands every position the composition of everything before it (an exclusive
/// scan), then one last combine with the position's own map. Each level's combines are
/// independent, so on parallel hardware the depth is 2·log₂ T; the work is O(T).
pub fn scan_associative(steps: &[Affine]) -> Mat {
    let lanes = steps.first().map_or(0, |s| s.a.len());
    let n = steps.len().next_power_of_two();
    let mut x: Vec<Affine> = steps.to_vec();
    x.resize(n, Affine::identity(lanes));
    // Up-sweep: x[i + 2w − 1] becomes the composition of the 2w maps ending there.
    let mut w = 1;
    while w < n {
        for i in (0..n).step_by(2 * w) {
            x[i + 2 * w - 1] = combine(&x[i + w - 1], &x[i + 2 * w - 1]);
        }
        w *= 2;
    }
    // Down-sweep: a node holds the prefix before its range; its left child inherits that, its
    // right child gets that prefix followed by the left child's composition.
    x[n - 1] = Affine::identity(lanes);
    while w > 1 {
        w /= 2;
        for i in (0..n).step_by(2 * w) {
            let left = x[i + w - 1].clone();
            x[i + w - 1] = x[i + 2 * w - 1].clone();
            x[i + 2 * w - 1] = combine(&x[i + 2 * w - 1], &left);
        }
    }
    // Inclusive: the prefix before t, then step t, applied to h = 0, is its b.
    steps.iter().zip(&x).map(|(s, prefix)| combine(prefix, s).b).collect()
}

/// The chunked scan: each chunk of `chunk` steps is scanned from a zero state (independently,
/// so in parallel), keeping the running product of its a's; then the carry h at the end of each
/// chunk is passed to the next, h_t = local_t + (Π a within the chunk up to t) ⊙ carry.
pub fn scan_chunked(steps: &[Affine], chunk: usize) -> Result<Mat> {
    if chunk == 0 {
        return Err(Error::Config("chunked scan: the chunk size must be at least 1".into()));
    }
    let lanes = steps.first().map_or(0, |s| s.a.len());
    let mut carry = vec![0.0; lanes];
    let mut out = Vec::with_capacity(steps.len());
    for block in steps.chunks(chunk) {
        let local = scan_sequential(block);
        let mut decay = vec![1.0; lanes];
        for (s, h) in block.iter().zip(local) {
            decay.iter_mut().zip(&s.a).for_each(|(d, a)| *d *= a);
            out.push(h.iter().zip(&decay).zip(&carry).map(|((h, d), c)| h + d * c).collect());
        }
        carry.clone_from(out.last().expect("chunks are non-empty"));
    }
    Ok(out)
}

/// Which of the three equal scans to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scan {
    /// One step after another.
    Sequential,
    /// The Blelloch up-sweep / down-sweep.
    Associative,
    /// Chunks of the given size, then a carry between chunks.
    Chunked(usize),
}

/// Runs `steps` with the chosen scan.
pub fn scan(steps: &[Affine], how: Scan) -> Result<Mat> {
    match how {
        Scan::Sequential => Ok(scan_sequential(steps)),
        Scan::Associative => Ok(scan_associative(steps)),
        Scan::Chunked(c) => scan_chunked(steps, c),
    }
}

/// The selective discretization of one lane: (Ā, B̄x) = (exp(Δ·a), Δ·b·x).
pub fn discretize(delta: f64, a: f64, b: f64, x: f64) -> (f64, f64) {
    ((delta * a).exp(), delta * b * x)
}

/// The selective SSM (S6) over E channels with N states each.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectiveSsm {
    /// log(−A), (E × N): A = −exp(a_log) < 0, so every state decays.
    pub a_log: Mat,
    /// The skip D, (E).
    pub d: Vec<f64>,
    /// x → (Δ's low-rank input, B, C), (E × (R + 2N)).
    pub w_x: Mat,
    /// Δ's rank-R input → E channels, (R × E).
    pub w_dt: Mat,
    /// Δ's bias, (E).
    pub b_dt: Vec<f64>,
}

impl SelectiveSsm {
    /// Mamba's initialization: S4D-Real A\[e\]\[n\] = −(n + 1); Δ's bias set so that softplus of it
    /// is log-uniform in [0.001, 0.1]; D = 1; small random projections.
    pub fn new(channels: usize, states: usize, rank: usize, rng: &mut Rng) -> Self {
        let a_log = vec![(1..=states).map(|n| (n as f64).ln()).collect(); channels];
        let (lo, hi) = (0.001f64.ln(), 0.1f64.ln());
        let b_dt = (0..channels)
            .map(|_| {
                let dt = (lo + (hi - lo) * rng.uniform()).exp();
                dt + (-(-dt).exp_m1()).ln() // softplus⁻¹(dt)
            })
            .collect();
        Self {
            a_log,
            d: vec![1.0; channels],
            w_x: randn(rng, channels, rank + 2 * states, 1.0 / (channels as f64).sqrt()),
            w_dt: randn(rng, rank, channels, 1.0 / (rank as f64).sqrt()),
            b_dt,
        }
    }

    fn channels(&self) -> usize {
        self.a_log.len()
    }

    fn states(&self) -> usize {
        self.a_log.first().map_or(0, Vec::len)
    }

    /// Δ_t (E), B_t (N) and C_t (N) for one token x_t (E).
    pub fn selection(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let proj = vec_mat(x, &self.w_x);
        let (rank, n) = (self.w_dt.len(), self.states());
        let delta = vec_mat(&proj[..rank], &self.w_dt).iter().zip(&self.b_dt).map(|(v, b)| softplus(v + b)).collect();
        (delta, proj[rank..rank + n].to_vec(), proj[rank + n..].to_vec())
    }

    /// Token x_t's scan element (Ā_t, B̄_t x_t) over E·N lanes (lane e·N + n), and its C_t.
    fn element(&self, x: &[f64]) -> (Affine, Vec<f64>) {
        let (delta, b, c) = self.selection(x);
        let mut el = Affine { a: Vec::with_capacity(x.len() * b.len()), b: Vec::with_capacity(x.len() * b.len()) };
        for (e, (&dt, &xe)) in delta.iter().zip(x).enumerate() {
            for (n, &bn) in b.iter().enumerate() {
                let (a_bar, bx) = discretize(dt, -self.a_log[e][n].exp(), bn, xe);
                el.a.push(a_bar);
                el.b.push(bx);
            }
        }
        (el, c)
    }

    /// y_t[e] = Σ_n C_t[n] h_t[e][n] + D[e] x_t[e].
    fn read(&self, h: &[f64], c: &[f64], x: &[f64]) -> Vec<f64> {
        h.chunks(c.len().max(1)).zip(x).zip(&self.d).map(|((he, xe), d)| dot(he, c) + d * xe).collect()
    }

    /// The whole sequence x (T × E) → y (T × E), with the chosen scan.
    pub fn forward(&self, x: &Mat, how: Scan) -> Result<Mat> {
        self.check(x)?;
        let (steps, cs): (Vec<Affine>, Vec<Vec<f64>>) = x.iter().map(|xt| self.element(xt)).unzip();
        let hs = scan(&steps, how)?;
        Ok(hs.iter().zip(&cs).zip(x).map(|((h, c), xt)| self.read(h, c, xt)).collect())
    }

    /// One recurrent step: h (E·N) ← Ā_t ⊙ h + B̄_t x_t; returns y_t.
    pub fn step(&self, h: &mut [f64], x: &[f64]) -> Vec<f64> {
        let (el, c) = self.element(x);
        h.iter_mut().zip(&el.a).zip(&el.b).for_each(|((h, a), b)| *h = a * *h + b);
        self.read(h, &c, x)
    }

    fn check(&self, x: &Mat) -> Result<()> {
        if x.iter().all(|r| r.len() == self.channels()) {
            Ok(())
        } else {
            Err(Error::Config(format!("selective SSM: every token needs {} channels", self.channels())))
        }
    }
}

/// The Mamba block: in-projection, causal depthwise convolution, SiLU, selective SSM, gate,
/// out-projection. Width M outside, E inside.
#[derive(Debug, Clone, PartialEq)]
pub struct MambaBlock {
    /// x → (u, z), (M × 2E).
    pub w_in: Mat,
    /// The depthwise convolution, (E × K): tap j multiplies u_(t−K+1+j).
    pub conv: Mat,
    /// Its bias, (E).
    pub conv_b: Vec<f64>,
    /// The selective SSM on E channels.
    pub ssm: SelectiveSsm,
    /// (E × M).
    pub w_out: Mat,
}

/// What generation keeps between tokens: the last K − 1 convolution inputs and the SSM state.
/// Its size does not grow with the sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockState {
    /// The last K − 1 values of u, oldest first, (K − 1 × E).
    pub window: Mat,
    /// h, (E·N).
    pub h: Vec<f64>,
}

impl BlockState {
    /// How many numbers the state holds.
    pub fn len(&self) -> usize {
        self.window.iter().map(Vec::len).sum::<usize>() + self.h.len()
    }

    /// Never empty for a real block; here for completeness.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl MambaBlock {
    /// A block of width `d_model`, expansion 2, `states` per channel, convolution width
    /// `conv_k`, Δ rank ⌈M / 16⌉ (the paper's defaults, except N and K are left to the caller).
    pub fn new(d_model: usize, states: usize, conv_k: usize, rng: &mut Rng) -> Self {
        let e = 2 * d_model;
        let rank = d_model.div_ceil(16);
        Self {
            w_in: randn(rng, d_model, 2 * e, 1.0 / (d_model as f64).sqrt()),
            conv: randn(rng, e, conv_k, 1.0 / (conv_k as f64).sqrt()),
            conv_b: vec![0.0; e],
            ssm: SelectiveSsm::new(e, states, rank, rng),
            w_out: randn(rng, e, d_model, 1.0 / (e as f64).sqrt()),
        }
    }

    fn inner(&self) -> usize {
        self.conv.len()
    }

    fn width(&self) -> usize {
        self.conv.first().map_or(0, Vec::len)
    }

    /// Splits x_t W_in into (u, z).
    fn project(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut u = vec_mat(x, &self.w_in);
        let z = u.split_off(self.inner());
        (u, z)
    }

    /// SiLU(causal depthwise conv) at one position, given the K inputs ending there (oldest
    /// first; missing ones before the sequence start are zero).
    fn conv_at(&self, window: &[&[f64]]) -> Vec<f64> {
        (0..self.inner())
            .map(|e| silu(self.conv_b[e] + window.iter().zip(&self.conv[e]).map(|(u, w)| w * u[e]).sum::<f64>()))
            .collect()
    }

    /// The gated output of one position: (y ⊙ SiLU(z)) W_out.
    fn finish(&self, y: &[f64], z: &[f64]) -> Vec<f64> {
        let gated: Vec<f64> = y.iter().zip(z).map(|(y, z)| y * silu(*z)).collect();
        vec_mat(&gated, &self.w_out)
    }

    /// The full forward pass, x (T × M) → (T × M): the whole sequence at once, as in training.
    pub fn forward(&self, x: &Mat, how: Scan) -> Result<Mat> {
        let m = self.w_in.len();
        if x.iter().any(|r| r.len() != m) {
            return Err(Error::Config(format!("Mamba block: every token needs {m} features")));
        }
        let (us, zs): (Mat, Mat) = x.iter().map(|xt| self.project(xt)).unzip();
        let zero = vec![0.0; self.inner()];
        let k = self.width();
        let conv: Mat = (0..us.len())
            .map(|t| {
                let window: Vec<&[f64]> =
                    (0..k).map(|j| (t + j + 1).checked_sub(k).map_or(zero.as_slice(), |s| us[s].as_slice())).collect();
                self.conv_at(&window)
            })
            .collect();
        let y = self.ssm.forward(&conv, how)?;
        Ok(y.iter().zip(&zs).map(|(y, z)| self.finish(y, z)).collect())
    }

    /// The state before the first token: zeros.
    pub fn initial_state(&self) -> BlockState {
        let (e, n) = (self.inner(), self.ssm.states());
        BlockState { window: vec![vec![0.0; e]; self.width().saturating_sub(1)], h: vec![0.0; e * n] }
    }

    /// One token of generation, x_t (M) → out_t (M), updating the fixed-size state.
    pub fn step(&self, state: &mut BlockState, x: &[f64]) -> Vec<f64> {
        let (u, z) = self.project(x);
        let window: Vec<&[f64]> = state.window.iter().map(Vec::as_slice).chain([u.as_slice()]).collect();
        let c = self.conv_at(&window);
        if !state.window.is_empty() {
            state.window.remove(0);
            state.window.push(u);
        }
        let y = self.ssm.step(&mut state.h, &c);
        self.finish(&y, &z)
    }

    /// Generation over a whole sequence, one [`Self::step`] per token.
    pub fn generate(&self, x: &Mat) -> Mat {
        let mut state = self.initial_state();
        x.iter().map(|xt| self.step(&mut state, xt)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::max_abs_diff;
    use super::*;

    fn random_steps(rng: &mut Rng, t: usize, lanes: usize) -> Vec<Affine> {
        (0..t)
            .map(|_| Affine {
                a: (0..lanes).map(|_| rng.uniform()).collect(),
                b: (0..lanes).map(|_| rng.normal()).collect(),
            })
            .collect()
    }

    #[test]
    fn the_three_scans_are_equal() {
        let mut rng = Rng::new(11);
        for t in [1, 2, 5, 37, 64, 100] {
            let steps = random_steps(&mut rng, t, 3);
            let reference = scan_sequential(&steps);
            assert!(max_abs_diff(&reference, &scan_associative(&steps)) < 1e-12, "associative, T {t}");
            for chunk in [1, 4, 7, 64, 200] {
                let c = scan_chunked(&steps, chunk).unwrap();
                assert!(max_abs_diff(&reference, &c) < 1e-12, "chunk {chunk}, T {t}");
            }
        }
        assert!(scan_associative(&[]).is_empty() && scan_chunked(&[], 3).unwrap().is_empty());
        assert!(scan_chunked(&random_steps(&mut rng, 3, 1), 0).is_err());
    }

    #[test]
    fn combine_is_associative_but_not_commutative() {
        let mut rng = Rng::new(4);
        let s = random_steps(&mut rng, 3, 4);
        let left = combine(&combine(&s[0], &s[1]), &s[2]);
        let right = combine(&s[0], &combine(&s[1], &s[2]));
        assert!(max_abs_diff(&vec![left.a, left.b], &vec![right.a, right.b]) < 1e-15);
        let (ab, ba) = (combine(&s[0], &s[1]), combine(&s[1], &s[0]));
        assert!((ab.b[0] - ba.b[0]).abs() > 1e-3, "order matters: {} {}", ab.b[0], ba.b[0]);
        assert_eq!(combine(&Affine::identity(4), &s[0]), s[0]);
    }

    #[test]
    fn delta_selects_between_skipping_and_resetting() {
        // Δ → 0: Ā = 1 and B̄x = 0, the token leaves the state untouched.
        assert_eq!(discretize(0.0, -3.0, 2.0, 5.0), (1.0, 0.0));
        // Large Δ: Ā ≈ 0, the old state is forgotten and the token written in.
        let (a_bar, bx) = discretize(20.0, -1.0, 0.5, 1.0);
        assert!(a_bar < 1e-8 && bx == 10.0);
    }

    #[test]
    fn the_ssm_gives_one_output_by_every_scan_and_by_steps() {
        let mut rng = Rng::new(8);
        let ssm = SelectiveSsm::new(6, 4, 2, &mut rng);
        let x = randn(&mut rng, 23, 6, 1.0);
        let reference = ssm.forward(&x, Scan::Sequential).unwrap();
        for how in [Scan::Associative, Scan::Chunked(5)] {
            assert!(max_abs_diff(&reference, &ssm.forward(&x, how).unwrap()) < 1e-12, "{how:?}");
        }
        let mut h = vec![0.0; 24];
        let stepped: Mat = x.iter().map(|xt| ssm.step(&mut h, xt)).collect();
        assert!(max_abs_diff(&reference, &stepped) < 1e-12);
        assert!(ssm.forward(&vec![vec![1.0; 5]], Scan::Sequential).is_err());
    }

    #[test]
    fn the_selection_makes_the_ssm_time_varying() {
        // Unlike S4D, the response to a token depends on what the token is: an impulse of size 1
        // and one of size 2 give outputs that are not in ratio 2 (Δ, B, C change with x).
        let mut rng = Rng::new(2);
        let ssm = SelectiveSsm::new(4, 3, 1, &mut rng);
        let impulse = |s: f64| {
            let mut x = vec![vec![0.0; 4]; 6];
            x[0] = vec![s, -s, s, 0.5 * s];
            ssm.forward(&x, Scan::Sequential).unwrap()
        };
        let (one, two) = (impulse(1.0), impulse(2.0));
        let ratio_gap =
            one.iter().flatten().zip(two.iter().flatten()).map(|(a, b)| (2.0 * a - b).abs()).fold(0.0, f64::max);
        assert!(ratio_gap > 1e-3, "{ratio_gap}");
    }

    #[test]
    fn block_generation_step_by_step_equals_the_full_forward() {
        let mut rng = Rng::new(21);
        let block = MambaBlock::new(8, 4, 4, &mut rng);
        let x = randn(&mut rng, 30, 8, 1.0);
        let full = block.forward(&x, Scan::Associative).unwrap();
        assert!(max_abs_diff(&full, &block.generate(&x)) < 1e-12);
        assert!(max_abs_diff(&full, &block.forward(&x, Scan::Chunked(8)).unwrap()) < 1e-12);
        // The state: E·N = 16·4 SSM numbers plus K − 1 = 3 rows of E = 16, after any length.
        let mut state = block.initial_state();
        x.iter().for_each(|xt| {
            block.step(&mut state, xt);
        });
        assert_eq!(state.len(), 16 * 4 + 3 * 16);
    }

    #[test]
    fn the_block_is_causal() {
        let mut rng = Rng::new(3);
        let block = MambaBlock::new(4, 2, 3, &mut rng);
        let mut x = randn(&mut rng, 10, 4, 1.0);
        let before = block.forward(&x, Scan::Sequential).unwrap();
        x[9] = vec![9.0; 4];
        let after = block.forward(&x, Scan::Sequential).unwrap();
        assert!(max_abs_diff(&before[..9].to_vec(), &after[..9].to_vec()) == 0.0);
        assert!(max_abs_diff(&before[9..].to_vec(), &after[9..].to_vec()) > 0.0);
    }
}
