//! The repetition penalty of CTRL (Keskar et al. 2019), as Hugging Face applies it.
//!
//! For every token that already appears in the generated text, with penalty r > 1:
//! z' = z / r if z > 0, else z' = z · r. Both branches push the logit down (dividing a
//! negative logit by r would RAISE it), so seen tokens become less likely. Each distinct token
//! is penalised once, however often it occurred (counting occurrences is the separate
//! "frequency penalty").
//!
//! Contract: `repetition_penalty(&[2.0, -2.0, 1.0], &[0, 1, 1], 2.0)` → `[1.0, -4.0, 1.0]`.
//! Conventions: tokens not in `generated` keep their logit exactly; z = 0 stays 0; r = 1 changes
//! nothing; an empty history changes nothing. Every id in `generated` is < `logits.len()`.

/// `logits` with the CTRL repetition penalty applied once to every token id in `generated`.
pub fn repetition_penalty(logits: &[f64], generated: &[usize], penalty: f64) -> Vec<f64> {
    // TODO: mark the distinct seen ids, then divide positive / multiply non-positive logits.
    todo!()
}
