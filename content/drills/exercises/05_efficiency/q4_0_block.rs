//! GGUF / ggml Q4_0: one block of 32 weights stored as 32 four-bit codes and one scale d.
//!
//! Take the element of largest magnitude, max, with its sign, and set d = max / -8. Each value
//! becomes the code q = min(15, ⌊x · (1/d) + 8.5⌋) ∈ [0, 15] and comes back as (q - 8) · d. So
//! max itself lands on code 0 and comes back exactly, while the opposite side reaches only 7 · d:
//! the value -max would need code 16, and codes are capped at 15.
//!
//! Contract: x = [4.0, -1.0, 1.25, 0.3, then 28 zeros] → d = -0.5 and codes
//! [0, 10, 6, 7, 8, 8, …]; dequantized [4.0, -1.0, 1.0, 0.5, 0, 0, …].
//! Conventions (exactly ggml's `quantize_row_q4_0_ref`): if several elements share the largest
//! |x|, the FIRST one is max (ggml updates only on a strictly larger |x|). ⌊x/d + 8.5⌋ is ggml's
//! `(int8_t)(x*id + 8.5f)`: truncation, equal to floor because the argument is positive; it rounds
//! x/d half UP (x/d = 2.5 → 3, x/d = -2.5 → -2), not half away from zero. An all-zero block has
//! d = 0 and uses 1/d := 0, so every code is 8 and every value 0. Here everything is f64: unlike
//! ggml we do not round d to f16, and the codes are returned unpacked (ggml packs value j in the
//! low nibble of byte j and value j + 16 in the high nibble).

/// Quantizes one block (32 values): `(d, codes)` with every code in 0..=15.
pub fn q4_0_quantize(x: &[f64]) -> (f64, Vec<u8>) {
    // TODO: find the signed max-magnitude element, d = max / -8, code each value.
    todo!()
}

/// Dequantizes one block: `(q - 8) · d` for each code.
pub fn q4_0_dequantize(d: f64, q: &[u8]) -> Vec<f64> {
    // TODO
    todo!()
}
