use crate::grade::*;
use crate::learner::KvCache;

pub const TESTS: &[Test] = &[
    Test { name: "worked_example", checks: "the contract's case: two cached tokens, scores 2/√4 = 1 and 0 → [e/(1+e), 1/(1+e)]", run: worked_example },
    Test { name: "first_step_and_len", checks: "len counts appended tokens (0 when new); after one append, attend returns v₀ whatever the query", run: first_step_and_len },
    Test { name: "decode_equals_full_causal", checks: "appending then attending token by token gives the same rows as full causal attention over the sequence", run: decode_equals_full_causal },
    Test { name: "scale_is_key_width", checks: "3 cached keys of width 8: scores are divided by √8 (the key width), not by √(number of tokens)", run: scale_is_key_width },
    Test { name: "large_scores", checks: "scores near 1000 give the right weights, not NaN (stable softmax)", run: large_scores },
];

/// Deterministic test numbers in [-1, 1].
fn fill(rows: usize, cols: usize, seed: f64) -> Vec<Vec<f64>> {
    (0..rows).map(|i| (0..cols).map(|j| (seed + 1.9 * i as f64 + 0.8 * j as f64).sin()).collect()).collect()
}

/// Full causal attention over the whole sequence, as a training pass computes it: the [t, t]
/// score matrix with -inf above the diagonal, then exp and normalise each row (no max shift: the
/// grader's scores are small).
fn full_causal(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (t, d, dv) = (q.len(), q[0].len(), v[0].len());
    let mut s = vec![vec![f64::NEG_INFINITY; t]; t];
    for i in 0..t {
        for j in 0..=i {
            s[i][j] = (0..d).map(|c| q[i][c] * k[j][c]).sum::<f64>() / (d as f64).sqrt();
        }
    }
    s.iter()
        .map(|row| {
            let e: Vec<f64> = row.iter().map(|x| x.exp()).collect(); // exp(-inf) = 0
            let z: f64 = e.iter().sum();
            (0..dv).map(|c| (0..t).map(|j| e[j] * v[j][c]).sum::<f64>() / z).collect()
        })
        .collect()
}

fn worked_example() -> Outcome {
    let mut cache = KvCache::new();
    cache.append(&[1.0, 0.0, 0.0, 0.0], &[1.0, 0.0]);
    cache.append(&[0.0, 0.0, 0.0, 0.0], &[0.0, 1.0]);
    let q = [2.0, 0.0, 0.0, 0.0];
    let c = Case::new()
        .input_rows("cached keys", &[vec![1.0, 0.0, 0.0, 0.0], vec![0.0; 4]])
        .input_rows("cached values", &[vec![1.0, 0.0], vec![0.0, 1.0]])
        .input("q", &q, &[4]);
    let e = 1f64.exp();
    c.close("attend(q)", &cache.attend(&q), &[e / (1.0 + e), 1.0 / (1.0 + e)], &[2], 1e-12)
}

fn first_step_and_len() -> Outcome {
    let mut cache = KvCache::new();
    let c = Case::new();
    c.equal("KvCache::new().len()", &cache.len(), &0)?;
    let (k0, v0) = ([0.3, -1.0, 2.0], [5.0, -6.0, 7.0, 8.0]);
    cache.append(&k0, &v0);
    let c = Case::new().input("k0", &k0, &[3]).input("v0", &v0, &[4]);
    c.equal("len() after one append", &cache.len(), &1)?;
    for q in [[1.0, 2.0, 3.0], [-4.0, 0.0, 9.0]] {
        c.close(&format!("attend({q:?}) with one cached token"), &cache.attend(&q), &v0, &[4], 1e-12)?;
    }
    cache.append(&k0, &v0);
    cache.append(&k0, &v0);
    c.equal("len() after three appends", &cache.len(), &3)
}

fn decode_equals_full_causal() -> Outcome {
    let (t, d, dv) = (6, 4, 3);
    let (q, k, v) = (fill(t, d, 0.1), fill(t, d, 1.4), fill(t, dv, 2.7));
    let c = Case::new().input_rows("q", &q).input_rows("k", &k).input_rows("v", &v);
    let mut cache = KvCache::new();
    let mut got = Vec::new();
    for s in 0..t {
        cache.append(&k[s], &v[s]); // the new token's key and value first
        got.push(cache.attend(&q[s])); // then its query over positions 0..=s
    }
    c.close_rows("decoded rows (step s = attend(q_s) after appending token s)", &got, &full_causal(&q, &k, &v), 1e-9)
}

fn scale_is_key_width() -> Outcome {
    // q · k = 2√8 for key 0 and 0 for keys 1, 2; scaled by √8 the scores are 2, 0, 0.
    let r8 = 8f64.sqrt();
    let mut q = vec![0.0; 8];
    q[0] = 2.0 * r8;
    let keys = vec![{ let mut k = vec![0.0; 8]; k[0] = 1.0; k }, vec![0.0; 8], vec![0.0; 8]];
    let values = vec![vec![1.0], vec![0.0], vec![0.0]];
    let mut cache = KvCache::new();
    for (k, v) in keys.iter().zip(&values) {
        cache.append(k, v);
    }
    let c = Case::new().input_rows("cached keys", &keys).input_rows("cached values", &values).input("q", &q, &[8]);
    // weight of key 0: e² / (e² + 2)
    let e2 = 2f64.exp();
    c.close("attend(q)", &cache.attend(&q), &[e2 / (e2 + 2.0)], &[1], 1e-12)
}

fn large_scores() -> Outcome {
    // d = 1: scores 1000 and 999 (q · k / √1); softmax is shift-invariant: weights e/(1+e), 1/(1+e).
    let mut cache = KvCache::new();
    cache.append(&[1.0], &[1.0, 0.0]);
    cache.append(&[0.999], &[0.0, 1.0]);
    let c = Case::new()
        .input_rows("cached keys", &[vec![1.0], vec![0.999]])
        .input_rows("cached values", &[vec![1.0, 0.0], vec![0.0, 1.0]])
        .input("q", &[1000.0], &[1]);
    let e = 1f64.exp();
    c.close("attend([1000])", &cache.attend(&[1000.0]), &[e / (1.0 + e), 1.0 / (1.0 + e)], &[2], 1e-9)
}
