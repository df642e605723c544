//! A KV cache for one attention head: append a token's key and value, attend with its query.

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
        self.keys.len()
    }

    /// Stores one token's key (d values) and value (dv values).
    pub fn append(&mut self, k_row: &[f64], v_row: &[f64]) {
        self.keys.push(k_row.to_vec());
        self.values.push(v_row.to_vec());
    }

    /// softmax(q · kⱼ / √d) over every cached key, then the weighted sum of the cached values.
    pub fn attend(&self, q: &[f64]) -> Vec<f64> {
        let scale = 1.0 / (q.len() as f64).sqrt(); // √d, the key width
        let scores: Vec<f64> =
            self.keys.iter().map(|k| q.iter().zip(k).map(|(a, b)| a * b).sum::<f64>() * scale).collect();
        let w = softmax(&scores);
        let dv = self.values.first().map_or(0, Vec::len);
        let mut out = vec![0.0; dv];
        for (wj, vj) in w.iter().zip(&self.values) {
            for (o, x) in out.iter_mut().zip(vj) {
                *o += wj * x;
            }
        }
        out
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
