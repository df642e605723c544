//! Causal and padding attention masks: 0 where query i may see key j, -inf elsewhere.

/// The additive [t, t] mask: 0.0 where j <= i and key j is valid, `f64::NEG_INFINITY` elsewhere.
pub fn attention_mask(t: usize, key_valid: &[bool]) -> Vec<Vec<f64>> {
    assert_eq!(key_valid.len(), t, "key_valid needs one entry per key");
    (0..t)
        .map(|i| {
            (0..t)
                // causal: no key after the query; padding: no pad key at all
                .map(|j| if j <= i && key_valid[j] { 0.0 } else { f64::NEG_INFINITY })
                .collect()
        })
        .collect()
}
