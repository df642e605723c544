//! A KV cache for one attention head, for token-by-token decoding.
//!
//! In a causal model the keys and values of past tokens never change, so a decoder stores them:
//! at step s it appends the new token's k_s and v_s, then attends with its query q_s over
//! everything cached, out_s = Σⱼ softmax_j(q_s · k_j / √d) v_j, j = 0..=s. Each step costs one new
//! row instead of recomputing the whole prefix, and no mask is needed: the cache holds no future.
//!
//! Contract: append([1, 0, 0, 0], [1, 0]), append([0, 0, 0, 0], [0, 1]), then
//! attend([2, 0, 0, 0]) → [0.7311, 0.2689] (scores 2/√4 = 1 and 0). d is the key width (not
//! the number of cached tokens). A step appends first, then attends, so a token sees itself; after
//! the first append, attend returns v_0 for any query. attend is not called on an empty cache.

/// Keys and values of the tokens seen so far, one row per token.
pub struct KvCache {
    keys: Vec<Vec<f64>>,   // [len, d]
    values: Vec<Vec<f64>>, // [len, dv]
}

impl KvCache {
    /// An empty cache.
    pub fn new() -> KvCache {
        KvCache { keys: Vec::new(), values: Vec::new() }
    }

    /// The number of cached tokens.
    pub fn len(&self) -> usize {
        // TODO
        todo!()
    }

    /// Stores one token's key (d values) and value (dv values).
    pub fn append(&mut self, k_row: &[f64], v_row: &[f64]) {
        // TODO
        todo!()
    }

    /// One decode step's attention: softmax(q · kⱼ / √d) over every cached key, then the
    /// weighted sum of the cached values (dv values).
    pub fn attend(&self, q: &[f64]) -> Vec<f64> {
        // TODO: scores against every cached key, softmax, weighted sum of the values.
        todo!()
    }
}

/// Stable softmax, given.
pub fn softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return vec![0.0; x.len()];
    }
    let e: Vec<f64> = x.iter().map(|&v| (v - m).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.into_iter().map(|v| v / sum).collect()
}
