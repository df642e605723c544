use crate::grade::*;
use crate::learner::grouped_query_attention as gqa;

pub const TESTS: &[Test] = &[
    Test { name: "one_token_shows_the_grouping", checks: "t = 1: head i returns the value of kv head i / (n_q/n_kv): consecutive heads share (not i % n_kv)", run: one_token_shows_the_grouping },
    Test { name: "matches_repeat_kv", checks: "n_q = 6, n_kv = 2: equals MHA on K, V with each kv head repeated n_q/n_kv times (the repeat_kv formulation)", run: matches_repeat_kv },
    Test { name: "mqa", checks: "n_kv = 1 (multi-query): every query head attends to the one shared K, V", run: mqa },
    Test { name: "mha", checks: "n_kv = n_q: plain multi-head attention, query head i with kv head i", run: mha },
    Test { name: "groups_are_independent", checks: "changing kv head 1 changes query heads 2 and 3 only (n_q = 4, n_kv = 2): a kv head serves exactly its group", run: groups_are_independent },
];

/// Deterministic test numbers in [-1, 1].
fn fill(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|i| (seed + 0.77 * i as f64).sin()).collect()
}

/// Causal attention of one head, direct formula Σ exp(s) v / Σ exp(s) over j <= i.
/// q, k, v: flat [t, d] → [t, d].
fn head_attention(q: &[f64], k: &[f64], v: &[f64], t: usize, d: usize) -> Vec<f64> {
    let mut out = vec![0.0; t * d];
    for i in 0..t {
        let e: Vec<f64> = (0..=i)
            .map(|j| ((0..d).map(|c| q[i * d + c] * k[j * d + c]).sum::<f64>() / (d as f64).sqrt()).exp())
            .collect();
        let z: f64 = e.iter().sum();
        for c in 0..d {
            out[i * d + c] = (0..=i).map(|j| e[j] * v[j * d + c]).sum::<f64>() / z;
        }
    }
    out
}

/// MHA over explicitly given per-query-head K and V ([n_q, t, d] each).
fn mha_reference(q: &[f64], k: &[f64], v: &[f64], t: usize, n: usize, d: usize) -> Vec<f64> {
    let s = t * d;
    (0..n).flat_map(|i| head_attention(&q[i * s..(i + 1) * s], &k[i * s..(i + 1) * s], &v[i * s..(i + 1) * s], t, d)).collect()
}

/// repeat_kv as in Hugging Face Llama: [n_kv, t, d] → [n_kv·g, t, d], kv head h copied g times in a row.
fn repeat_kv(x: &[f64], n_kv: usize, g: usize, t: usize, d: usize) -> Vec<f64> {
    let s = t * d;
    (0..n_kv).flat_map(|h| std::iter::repeat(&x[h * s..(h + 1) * s]).take(g).flatten().copied()).collect()
}

fn case(q: &[f64], k: &[f64], v: &[f64], t: usize, n_q: usize, n_kv: usize, d: usize) -> Case {
    Case::new()
        .input("q", q, &[n_q, t, d])
        .input("k", k, &[n_kv, t, d])
        .input("v", v, &[n_kv, t, d])
        .input_debug("(t, n_q, n_kv, d)", &(t, n_q, n_kv, d))
}

fn one_token_shows_the_grouping() -> Outcome {
    // One key: every weight is 1, so head i's output is the value row of its kv head.
    let (q, k, v) = (fill(8, 0.0), fill(4, 1.0), vec![10.0, 11.0, 20.0, 21.0]);
    let c = case(&q, &k, &v, 1, 4, 2, 2);
    let want = [10.0, 11.0, 10.0, 11.0, 20.0, 21.0, 20.0, 21.0];
    c.close("gqa output", &gqa(&q, &k, &v, 1, 4, 2, 2), &want, &[4, 1, 2], 1e-12)?;
    // n_q = 6, n_kv = 3: groups of 2 → kv heads 0, 0, 1, 1, 2, 2.
    let (q, k, v) = (fill(6, 0.5), fill(3, 1.5), vec![1.0, 2.0, 3.0]);
    let c = case(&q, &k, &v, 1, 6, 3, 1);
    c.close("gqa output", &gqa(&q, &k, &v, 1, 6, 3, 1), &[1.0, 1.0, 2.0, 2.0, 3.0, 3.0], &[6, 1, 1], 1e-12)
}

fn matches_repeat_kv() -> Outcome {
    let (t, n_q, n_kv, d) = (4, 6, 2, 3);
    let (q, k, v) = (fill(n_q * t * d, 0.2), fill(n_kv * t * d, 2.2), fill(n_kv * t * d, 4.1));
    let c = case(&q, &k, &v, t, n_q, n_kv, d);
    let g = n_q / n_kv;
    let want = mha_reference(&q, &repeat_kv(&k, n_kv, g, t, d), &repeat_kv(&v, n_kv, g, t, d), t, n_q, d);
    c.close("gqa output", &gqa(&q, &k, &v, t, n_q, n_kv, d), &want, &[n_q, t, d], 1e-9)
}

fn mqa() -> Outcome {
    let (t, n_q, d) = (3, 4, 2);
    let (q, k, v) = (fill(n_q * t * d, 0.9), fill(t * d, 3.3), fill(t * d, 5.0));
    let c = case(&q, &k, &v, t, n_q, 1, d);
    let s = t * d;
    let want: Vec<f64> = (0..n_q).flat_map(|i| head_attention(&q[i * s..(i + 1) * s], &k, &v, t, d)).collect();
    c.close("gqa output with n_kv = 1", &gqa(&q, &k, &v, t, n_q, 1, d), &want, &[n_q, t, d], 1e-9)
}

fn mha() -> Outcome {
    let (t, n, d) = (3, 3, 4);
    let (q, k, v) = (fill(n * t * d, 1.2), fill(n * t * d, 2.6), fill(n * t * d, 6.1));
    let c = case(&q, &k, &v, t, n, n, d);
    c.close("gqa output with n_kv = n_q", &gqa(&q, &k, &v, t, n, n, d), &mha_reference(&q, &k, &v, t, n, d), &[n, t, d], 1e-9)
}

fn groups_are_independent() -> Outcome {
    let (t, n_q, n_kv, d) = (3, 4, 2, 2);
    let (q, k, v) = (fill(n_q * t * d, 0.4), fill(n_kv * t * d, 1.9), fill(n_kv * t * d, 3.7));
    let before = gqa(&q, &k, &v, t, n_q, n_kv, d);
    // Change kv head 1 (the second half of k and v) entirely.
    let s = t * d;
    let (mut k2, mut v2) = (k.clone(), v.clone());
    for x in k2[s..].iter_mut().chain(v2[s..].iter_mut()) {
        *x = 2.0 - *x * 3.0;
    }
    let c = case(&q, &k2, &v2, t, n_q, n_kv, d);
    let after = gqa(&q, &k2, &v2, t, n_q, n_kv, d);
    if before.len() != n_q * s || after.len() != n_q * s {
        return c.fail(&format!("wrong shape: expected [{n_q}, {t}, {d}] = {} values, got {}", n_q * s, after.len()));
    }
    c.close("query heads 0 and 1 after changing kv head 1 (they read kv head 0)", &after[..2 * s], &before[..2 * s], &[2, t, d], 1e-12)?;
    c.holds(
        after[2 * s..].iter().zip(&before[2 * s..]).any(|(a, b)| (a - b).abs() > 1e-6),
        "query heads 2 and 3 did not change when kv head 1 did: they should read kv head 1",
    )
}
