//! BERT's masked-LM corruption, the 80/10/10 rule (Devlin et al. 2019, section 3.1).
//!
//! Each non-special token is selected for prediction with probability 0.15. A selected token
//! becomes [MASK] with probability 0.8, a random token with probability 0.1, and stays itself
//! with probability 0.1; the model must predict the original at every selected position, and
//! only there. The random draws are passed in, one of each per position:
//!   selected  ⇔  token not special and select_u[i] < 0.15
//!   kind_u[i] < 0.8 → mask_id;  0.8 ≤ kind_u[i] < 0.9 → random_ids[i];  kind_u[i] ≥ 0.9 → unchanged
//!
//! Contract: ids [5, 6, 7, 8], select_u [0.1, 0.5, 0.05, 0.01], kind_u [0.3, 0.0, 0.85, 0.95],
//! random_ids [11, 12, 13, 14], mask_id 103 → inputs [103, 6, 13, 8], labels [5, −100, 7, 8].
//! Labels are −100 (the ignore index of the loss) at unselected positions and the original id
//! at selected ones, also where the token was left unchanged. Draws of unselected positions are
//! not used. All slices have the length of `ids`; empty in, empty out.

/// Returns (inputs the model sees, labels). `special`: ids that are never selected.
pub fn mlm_mask(
    ids: &[u32],
    select_u: &[f64],
    kind_u: &[f64],
    random_ids: &[u32],
    mask_id: u32,
    special: &[u32],
) -> (Vec<u32>, Vec<i64>) {
    // TODO: per position: selected? then which corruption; label = original id or −100.
    todo!()
}
