//! Block-quantized weight matrices as GGUF stores them, and the matrix product that reads them
//! without ever expanding them to f32.
//!
//! A row of `cols` weights is cut into blocks of 32. Each block keeps small integers and one or
//! two f32 numbers that map them back to reals:
//! - **Q8_0**: w ≈ d · q with q ∈ [−127, 127] (8.5 bits per weight; SmolLM2's embeddings);
//! - **Q4_1**: w ≈ d · q + m with q ∈ [0, 15] (5 bits per weight; SmolLM2's other matrices).
//!
//! Decoding one token reads every weight once, so speed is set by bytes moved and by how cheaply
//! each block's dot product is done. Following llama.cpp, the activation row x is quantized too,
//! per block of 32, to 8-bit `x ≈ dₓ · qₓ` (with `sₓ = dₓ · Σ qₓ` kept for Q4_1's offset). Then
//!
//! ```text
//!   Q8_0 block:  Σᵢ wᵢ xᵢ ≈ d dₓ · Σᵢ qᵢ qₓᵢ
//!   Q4_1 block:  Σᵢ wᵢ xᵢ ≈ d dₓ · Σᵢ qᵢ qₓᵢ + m sₓ
//! ```
//!
//! and the inner sum is pure integer arithmetic that the compiler turns into SIMD multiply-adds.
//! The price is a small error from rounding x (about 0.05 nats mean |Δ log p| on SmolLM2,
//! measured in `models::llama`); [`QMatrix::dequantize`] gives the exact f32 weights instead.
//! The reference kernel is plain safe Rust; an AVX2 version of the same dot products (the
//! `simd` module below, chosen at run time) is what runs on x86-64 CPUs that have it.
//! Left out on purpose: the K-quants (super-blocks with 6-bit scales).

use crate::models::gguf::RawTensor;
use crate::{Error, Result};
use candle_core::quantized::GgmlDType;
use half::f16;
use rayon::prelude::*;

/// Values per quantization block (Q8_0, Q4_1 and the 8-bit activations).
pub const BLOCK: usize = 32;

/// A weight matrix (rows = outputs, cols = inputs) in one of the supported storage types.
#[derive(Debug, Clone)]
pub struct QMatrix {
    rows: usize,
    cols: usize,
    blocks: Blocks,
}

/// Storage, split into arrays so the inner loop reads contiguous integers.
#[derive(Debug, Clone)]
enum Blocks {
    F32(Vec<f32>),
    /// Per block: scale `d`; 32 signed bytes.
    Q8_0 {
        d: Vec<f32>,
        q: Vec<i8>,
    },
    /// Per block: scale `d`, offset `m`; 16 bytes holding 32 nibbles (value j in the low nibble
    /// of byte j, value j + 16 in the high nibble: ggml's order).
    Q4_1 {
        d: Vec<f32>,
        m: Vec<f32>,
        q: Vec<u8>,
    },
}

/// A row-major activation matrix (T, cols) quantized per block of 32 to 8 bits.
#[derive(Debug)]
struct Q8Activations {
    d: Vec<f32>,
    s: Vec<f32>,
    q: Vec<i8>,
}

fn f16_at(b: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([b[at], b[at + 1]]).to_f32()
}

impl QMatrix {
    /// Unpacks a GGUF tensor of shape (rows, cols). F16 is widened to F32.
    pub fn from_raw(name: &str, raw: RawTensor) -> Result<Self> {
        let (rows, cols) = match raw.dims {
            [r, c] => (*r, *c),
            [c] => (1, *c),
            d => return Err(Error::Model(format!("tensor `{name}`: expected a matrix, got dims {d:?}"))),
        };
        let b = raw.bytes;
        let blocks = match raw.dtype {
            GgmlDType::F32 => {
                Blocks::F32(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
            }
            GgmlDType::F16 => Blocks::F32(b.chunks_exact(2).map(|c| f16_at(c, 0)).collect()),
            GgmlDType::Q8_0 => {
                // 34 bytes per block: f16 d, then 32 × i8.
                let d = b.chunks_exact(34).map(|c| f16_at(c, 0)).collect();
                let q = b.chunks_exact(34).flat_map(|c| c[2..].iter().map(|&x| x as i8)).collect();
                Blocks::Q8_0 { d, q }
            }
            GgmlDType::Q4_1 => {
                // 20 bytes per block: f16 d, f16 m, then 16 bytes of nibbles.
                let d = b.chunks_exact(20).map(|c| f16_at(c, 0)).collect();
                let m = b.chunks_exact(20).map(|c| f16_at(c, 2)).collect();
                let q = b.chunks_exact(20).flat_map(|c| c[4..].iter().copied()).collect();
                Blocks::Q4_1 { d, m, q }
            }
            other => {
                return Err(Error::Model(format!(
                    "tensor `{name}` is stored as {other:?}; supported: F32, F16, Q8_0, Q4_1"
                )))
            }
        };
        if !matches!(blocks, Blocks::F32(_)) && cols % BLOCK != 0 {
            return Err(Error::Model(format!("tensor `{name}`: {cols} columns is not a multiple of {BLOCK}")));
        }
        Ok(Self { rows, cols, blocks })
    }

    /// Output features.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Input features.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The storage type's name, as llama.cpp writes it.
    pub fn kind(&self) -> &'static str {
        match self.blocks {
            Blocks::F32(_) => "F32",
            Blocks::Q8_0 { .. } => "Q8_0",
            Blocks::Q4_1 { .. } => "Q4_1",
        }
    }

    /// Bytes the weights occupy as stored on disk (what one pass over them reads).
    pub fn stored_bytes(&self) -> usize {
        let n = self.rows * self.cols;
        match self.blocks {
            Blocks::F32(_) => 4 * n,
            Blocks::Q8_0 { .. } => n / BLOCK * 34,
            Blocks::Q4_1 { .. } => n / BLOCK * 20,
        }
    }

    /// Row `r` as f32: exactly the values the blocks encode (d·q or d·q + m).
    pub fn dequantize_row(&self, r: usize) -> Vec<f32> {
        let (c, nb) = (self.cols, self.cols / BLOCK);
        match &self.blocks {
            Blocks::F32(w) => w[r * c..(r + 1) * c].to_vec(),
            Blocks::Q8_0 { d, q } => (0..c).map(|i| d[r * nb + i / BLOCK] * q[r * c + i] as f32).collect(),
            Blocks::Q4_1 { d, m, q } => (0..c)
                .map(|i| {
                    let (b, j) = (r * nb + i / BLOCK, i % BLOCK);
                    let byte = q[b * 16 + j % 16];
                    let n = if j < 16 { byte & 0x0F } else { byte >> 4 };
                    d[b] * n as f32 + m[b]
                })
                .collect(),
        }
    }

    /// The whole matrix as f32, row-major (rows, cols).
    pub fn dequantize(&self) -> Vec<f32> {
        (0..self.rows).flat_map(|r| self.dequantize_row(r)).collect()
    }

    /// y = x Wᵀ for `x` of shape (T, cols), row-major; returns (T, rows).
    ///
    /// Rows of W are split across threads (rayon); each thread streams its rows once and
    /// multiplies each against all T activation rows while the row is in cache.
    pub fn matmul(&self, x: &[f32], t: usize) -> Result<Vec<f32>> {
        if x.len() != t * self.cols {
            return Err(Error::Shape {
                op: "quantized matmul x".into(),
                expected: format!("(T, {}) = {} values", self.cols, t * self.cols),
                got: format!("{} values", x.len()),
            });
        }
        // Rows per task: a few tasks per thread balance the load; more only add scheduling
        // (each rayon task costs about a microsecond, as much as ~30 rows of a 576-wide matrix).
        let chunk = self.rows.div_ceil(4 * rayon::current_num_threads()).max(1);
        let mut yt = vec![0f32; self.rows * t]; // (rows, T): each task owns whole rows
        match &self.blocks {
            Blocks::F32(w) => yt.par_chunks_mut(chunk * t).enumerate().for_each(|(ci, out)| {
                for (k, o) in out.iter_mut().enumerate() {
                    let (r, tt) = (ci * chunk + k / t, k % t);
                    *o = dot_f32(&w[r * self.cols..(r + 1) * self.cols], &x[tt * self.cols..(tt + 1) * self.cols]);
                }
            }),
            Blocks::Q8_0 { d, q } => {
                let xa = quantize_activations(x, self.cols);
                let nb = self.cols / BLOCK;
                yt.par_chunks_mut(chunk * t).enumerate().for_each(|(ci, out)| {
                    for (k, o) in out.iter_mut().enumerate() {
                        let (r, tt) = (ci * chunk + k / t, k % t);
                        let (wd, wq) = (&d[r * nb..(r + 1) * nb], &q[r * self.cols..(r + 1) * self.cols]);
                        let (xd, xq) = (&xa.d[tt * nb..(tt + 1) * nb], &xa.q[tt * self.cols..(tt + 1) * self.cols]);
                        *o = simd::q8_0(wd, wq, xd, xq);
                    }
                });
            }
            Blocks::Q4_1 { d, m, q } => {
                let xa = quantize_activations(x, self.cols);
                let nb = self.cols / BLOCK;
                yt.par_chunks_mut(chunk * t).enumerate().for_each(|(ci, out)| {
                    for (k, o) in out.iter_mut().enumerate() {
                        let (r, tt) = (ci * chunk + k / t, k % t);
                        let w =
                            (&d[r * nb..(r + 1) * nb], &m[r * nb..(r + 1) * nb], &q[r * nb * 16..(r + 1) * nb * 16]);
                        let xs = (&xa.d[tt * nb..(tt + 1) * nb], &xa.s[tt * nb..(tt + 1) * nb]);
                        *o = simd::q4_1(w, xs, &xa.q[tt * self.cols..(tt + 1) * self.cols]);
                    }
                });
            }
        }
        if t == 1 {
            return Ok(yt);
        }
        let mut y = vec![0f32; t * self.rows]; // (T, rows)
        for (r, row) in yt.chunks_exact(t).enumerate() {
            for (tt, v) in row.iter().enumerate() {
                y[tt * self.rows + r] = *v;
            }
        }
        Ok(y)
    }
}

fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Quantizes each block of 32 activations to q = round(x / d), d = max|x| / 127.
fn quantize_activations(x: &[f32], cols: usize) -> Q8Activations {
    let nb = x.len() / BLOCK;
    let (mut d, mut s, mut q) = (Vec::with_capacity(nb), Vec::with_capacity(nb), Vec::with_capacity(x.len()));
    debug_assert_eq!(cols % BLOCK, 0);
    for block in x.chunks_exact(BLOCK) {
        let amax = block.iter().fold(0f32, |a, v| a.max(v.abs()));
        let scale = amax / 127.0;
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        let mut sum = 0i32;
        for v in block {
            let qi = (v * inv).round() as i8;
            sum += qi as i32;
            q.push(qi);
        }
        d.push(f16::from_f32(scale).to_f32());
        s.push(f16::from_f32(scale * sum as f32).to_f32());
    }
    Q8Activations { d, s, q }
}

/// One Q8_0 weight row · one quantized activation row.
#[inline(always)]
fn row_q8_0(wd: &[f32], wq: &[i8], xd: &[f32], xq: &[i8]) -> f32 {
    let mut acc = 0f32;
    for (b, (wq, xq)) in wq.chunks_exact(BLOCK).zip(xq.chunks_exact(BLOCK)).enumerate() {
        acc += wd[b] * xd[b] * dot32(wq.try_into().expect("32"), xq.try_into().expect("32")) as f32;
    }
    acc
}

/// Σᵢ aᵢ bᵢ over 32 signed bytes. Each product fits in i16 (|127 · 127| < 2¹⁵) and pairs of
/// them are summed into i32: exactly the `pmaddwd` instruction, which the compiler emits.
#[inline(always)]
fn dot32(a: &[i8; BLOCK], b: &[i8; BLOCK]) -> i32 {
    let mut sum = 0i32;
    for j in 0..BLOCK {
        sum += (a[j] as i16 * b[j] as i16) as i32;
    }
    sum
}

/// One Q4_1 weight row · one quantized activation row: Σ_b d dₓ Σᵢ qᵢ qₓᵢ + m sₓ.
#[inline(always)]
fn row_q4_1(w: (&[f32], &[f32], &[u8]), xs: (&[f32], &[f32]), xq: &[i8]) -> f32 {
    let (wd, wm, wq) = w;
    let (xd, xsum) = xs;
    let mut acc = 0f32;
    for (b, (nib, xq)) in wq.chunks_exact(16).zip(xq.chunks_exact(BLOCK)).enumerate() {
        // Unpack 32 nibbles (0..=15) into bytes: low nibbles are values 0..16, high 16..32.
        let mut q = [0i8; BLOCK];
        for j in 0..16 {
            q[j] = (nib[j] & 0x0F) as i8;
            q[j + 16] = (nib[j] >> 4) as i8;
        }
        acc += wd[b] * xd[b] * dot32(&q, xq.try_into().expect("32")) as f32 + wm[b] * xsum[b];
    }
    acc
}

/// AVX2 versions of the two row kernels, chosen at run time when the CPU has AVX2 and FMA.
///
/// The safe kernels above are the definition; the compiler does not vectorize their nibble
/// unpacking well, so these spell out the instructions llama.cpp uses for the same blocks:
/// `vpmaddubsw` multiplies 32 unsigned bytes by 32 signed bytes and adds neighbouring pairs into
/// 16 × i16 (no overflow: 2 · 15 · 127 < 2¹⁵), `vpmaddwd` with ones adds pairs again into
/// 8 × i32, and the block's scale multiplies them in a float accumulator. Calling a function
/// compiled for AVX2 is `unsafe` (it would crash on a CPU without it), so each call is guarded
/// by the feature check; the loads go through bounds-checked slices.
#[allow(unsafe_code)]
mod simd {
    use super::{row_q4_1, row_q8_0, BLOCK};

    #[cfg(target_arch = "x86_64")]
    fn has_avx2() -> bool {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }

    /// Sum of the 8 lanes.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn hsum(v: std::arch::x86_64::__m256) -> f32 {
        use std::arch::x86_64::*;
        let s = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v)); // 4 lanes
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s)); // 2 lanes
        _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)))
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn q4_1_avx2(w: (&[f32], &[f32], &[u8]), xs: (&[f32], &[f32]), xq: &[i8]) -> f32 {
        use std::arch::x86_64::*;
        let ((wd, wm, wq), (xd, xsum)) = (w, xs);
        let (low4, ones) = (_mm256_set1_epi8(0x0F), _mm256_set1_epi16(1));
        let mut acc = _mm256_setzero_ps();
        let mut offset = 0f32;
        for b in 0..wd.len() {
            let packed = _mm_loadu_si128(wq[b * 16..b * 16 + 16].as_ptr().cast());
            // Low half: low nibbles (values 0..16); high half: high nibbles (values 16..32).
            let q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), low4);
            let x = _mm256_loadu_si256(xq[b * BLOCK..(b + 1) * BLOCK].as_ptr().cast());
            let sums = _mm256_madd_epi16(_mm256_maddubs_epi16(q, x), ones); // 8 × i32
            acc = _mm256_fmadd_ps(_mm256_set1_ps(wd[b] * xd[b]), _mm256_cvtepi32_ps(sums), acc);
            offset += wm[b] * xsum[b];
        }
        hsum(acc) + offset
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn q8_0_avx2(wd: &[f32], wq: &[i8], xd: &[f32], xq: &[i8]) -> f32 {
        use std::arch::x86_64::*;
        let ones = _mm256_set1_epi16(1);
        let mut acc = _mm256_setzero_ps();
        for b in 0..wd.len() {
            let w = _mm256_loadu_si256(wq[b * BLOCK..(b + 1) * BLOCK].as_ptr().cast());
            let x = _mm256_loadu_si256(xq[b * BLOCK..(b + 1) * BLOCK].as_ptr().cast());
            // Both signed: |w| is unsigned, and the sign moves onto x (w·x = |w| · sign(w)x).
            let prod = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
            let sums = _mm256_madd_epi16(prod, ones);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(wd[b] * xd[b]), _mm256_cvtepi32_ps(sums), acc);
        }
        hsum(acc)
    }

    /// [`row_q4_1`] on the fastest path this CPU has.
    pub fn q4_1(w: (&[f32], &[f32], &[u8]), xs: (&[f32], &[f32]), xq: &[i8]) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: AVX2 and FMA are present (checked just above).
            return unsafe { q4_1_avx2(w, xs, xq) };
        }
        row_q4_1(w, xs, xq)
    }

    /// [`row_q8_0`] on the fastest path this CPU has.
    pub fn q8_0(wd: &[f32], wq: &[i8], xd: &[f32], xq: &[i8]) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: AVX2 and FMA are present (checked just above).
            return unsafe { q8_0_avx2(wd, wq, xd, xq) };
        }
        row_q8_0(wd, wq, xd, xq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;

    /// Builds GGUF-layout bytes for a random (rows, cols) matrix in `dtype`.
    fn random_raw(dtype: GgmlDType, rows: usize, cols: usize, rng: &mut Rng) -> Vec<u8> {
        let mut out = Vec::new();
        for _ in 0..rows * cols / BLOCK {
            match dtype {
                GgmlDType::Q8_0 => {
                    out.extend(f16::from_f32((0.001 + 0.02 * rng.uniform()) as f32).to_le_bytes());
                    out.extend((0..BLOCK).map(|_| (rng.below(255) as i32 - 127) as i8 as u8));
                }
                GgmlDType::Q4_1 => {
                    out.extend(f16::from_f32((0.001 + 0.02 * rng.uniform()) as f32).to_le_bytes());
                    out.extend(f16::from_f32((-0.1 * rng.uniform()) as f32).to_le_bytes());
                    out.extend((0..16).map(|_| rng.below(256) as u8));
                }
                _ => unreachable!(),
            }
        }
        out
    }

    #[test]
    fn q4_1_dequantizes_with_ggml_nibble_order() {
        // One block: d = 0.5, m = −1, byte j = (high j+16 value) << 4 | (low j value).
        let mut raw = Vec::new();
        raw.extend(f16::from_f32(0.5).to_le_bytes());
        raw.extend(f16::from_f32(-1.0).to_le_bytes());
        raw.extend((0..16u8).map(|j| ((15 - j) << 4) | j));
        let w = QMatrix::from_raw("w", RawTensor { dtype: GgmlDType::Q4_1, dims: &[1, 32], bytes: &raw }).unwrap();
        let row = w.dequantize_row(0);
        assert_eq!(row[0], -1.0); // 0.5·0 − 1
        assert_eq!(row[15], 6.5); // 0.5·15 − 1
        assert_eq!(row[16], 6.5); // high nibble of byte 0 is 15
        assert_eq!(row[31], -1.0);
    }

    #[test]
    fn quantized_matmul_matches_dequantized_f32_within_activation_rounding() {
        let mut rng = Rng::new(7);
        for dtype in [GgmlDType::Q8_0, GgmlDType::Q4_1] {
            let (rows, cols, t) = (37, 96, 3);
            let raw = random_raw(dtype, rows, cols, &mut rng);
            let w = QMatrix::from_raw("w", RawTensor { dtype, dims: &[rows, cols], bytes: &raw }).unwrap();
            let x: Vec<f32> = (0..t * cols).map(|_| rng.normal() as f32).collect();
            let y = w.matmul(&x, t).unwrap();
            let wf = w.dequantize();
            for tt in 0..t {
                for r in 0..rows {
                    let exact = dot_f32(&wf[r * cols..(r + 1) * cols], &x[tt * cols..(tt + 1) * cols]);
                    // Rounding x to 8 bits moves each product by ≤ |w|·dₓ/2; the sum by far less.
                    let bound: f32 = wf[r * cols..(r + 1) * cols].iter().map(|v| v.abs()).sum::<f32>() * 4.0 / 127.0;
                    let got = y[tt * rows + r];
                    assert!((got - exact).abs() <= 0.1 * bound, "{dtype:?} t={tt} r={r}: {got} vs {exact}");
                }
            }
        }
    }

    #[test]
    fn unsupported_storage_is_named() {
        let raw = vec![0u8; 18];
        let e = QMatrix::from_raw("blk.0.x", RawTensor { dtype: GgmlDType::Q4_0, dims: &[1, 32], bytes: &raw })
            .unwrap_err()
            .to_string();
        assert!(e.contains("blk.0.x") && e.contains("Q4_0") && e.contains("supported"), "{e}");
    }
}
