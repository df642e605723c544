//! BERT's 80/10/10 masking with the random draws passed in.

/// Returns (inputs the model sees, labels). `special`: ids that are never selected.
pub fn mlm_mask(
    ids: &[u32],
    select_u: &[f64],
    kind_u: &[f64],
    random_ids: &[u32],
    mask_id: u32,
    special: &[u32],
) -> (Vec<u32>, Vec<i64>) {
    let mut inputs = ids.to_vec();
    let mut labels = vec![-100i64; ids.len()];
    for i in 0..ids.len() {
        if special.contains(&ids[i]) || select_u[i] >= 0.15 {
            continue; // not selected: input unchanged, no loss here
        }
        labels[i] = ids[i] as i64; // predict the original, whatever it was replaced with
        let k = kind_u[i];
        if k < 0.8 {
            inputs[i] = mask_id;
        } else if k < 0.9 {
            inputs[i] = random_ids[i];
        } // else: left unchanged (still predicted)
    }
    (inputs, labels)
}
