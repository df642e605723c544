use crate::grade::*;
use crate::learner::flash_attention;

pub const TESTS: &[Test] = &[
    Test { name: "one_query_by_hand", checks: "scores scaled by 1/√d, softmax over keys, weighted sum of values, on a case worked by hand", run: one_query_by_hand },
    Test { name: "uneven_blocks_match_naive", checks: "non-causal: block sizes that do not divide tq or tk, 1, and larger than the sequence all equal naive attention", run: uneven_blocks_match_naive },
    Test { name: "causal_matches_naive", checks: "causal: every block shape (bq > bk leaves rows with no visible key in a tile) equals naive masked attention", run: causal_matches_naive },
    Test { name: "causal_skips_tiles", checks: "causal computes exactly the tiles touching j ≤ i; non-causal computes all ⌈tq/bq⌉·⌈tk/bk⌉", run: causal_skips_tiles },
    Test { name: "large_scores", checks: "scores in the hundreds do not overflow: the running max is subtracted before exp", run: large_scores },
    Test { name: "single_token", checks: "T = 1: the one key gets weight 1, so out = v[0], with one tile", run: single_token },
];

/// Deterministic values in [-1, 1).
fn rows(n: usize, w: usize, seed: f64) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            (0..w)
                .map(|j| {
                    let t = ((i * w + j) as f64 * 12.9898 + seed * 78.233).sin() * 43758.5453;
                    2.0 * (t - t.floor()) - 1.0
                })
                .collect()
        })
        .collect()
}

/// Naive attention: the whole score row, masked, stable softmax, weighted sum.
fn naive(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>], causal: bool) -> Vec<Vec<f64>> {
    let d = q[0].len() as f64;
    let dv = v[0].len();
    let mut out = Vec::new();
    for i in 0..q.len() {
        let mut s = Vec::new();
        for j in 0..k.len() {
            let mut dot = 0.0;
            for c in 0..q[i].len() {
                dot += q[i][c] * k[j][c];
            }
            s.push(if causal && j > i { f64::NEG_INFINITY } else { dot / d.sqrt() });
        }
        let mx = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = s.iter().map(|x| (x - mx).exp()).collect();
        let z: f64 = e.iter().sum();
        let mut row = vec![0.0; dv];
        for j in 0..k.len() {
            for c in 0..dv {
                row[c] += e[j] / z * v[j][c];
            }
        }
        out.push(row);
    }
    out
}

fn case(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>], bq: usize, bk: usize, causal: bool) -> Case {
    Case::new()
        .input_rows("q", q)
        .input_rows("k", k)
        .input_rows("v", v)
        .input_debug("(bq, bk, causal)", &(bq, bk, causal))
}

fn one_query_by_hand() -> Outcome {
    // d = 2: scores [1·1 + 0·0, 1·0 + 0·1] / √2 = [1/√2, 0];
    // weights w = [e^(1/√2), 1] / (e^(1/√2) + 1); out = w0·[1, 2] + w1·[3, 4].
    let q = vec![vec![1.0, 0.0]];
    let k = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
    let v = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
    let e = (1.0 / 2f64.sqrt()).exp();
    let (w0, w1) = (e / (e + 1.0), 1.0 / (e + 1.0));
    let want = vec![vec![w0 + 3.0 * w1, 2.0 * w0 + 4.0 * w1]];
    let c = case(&q, &k, &v, 1, 1, false);
    let (out, tiles) = flash_attention(&q, &k, &v, 1, 1, false);
    c.close_rows("out", &out, &want, 1e-9)?;
    c.equal("tiles computed", &tiles, &2)
}

fn uneven_blocks_match_naive() -> Outcome {
    let (q, k, v) = (rows(7, 3, 1.0), rows(5, 3, 2.0), rows(5, 2, 3.0));
    let want = naive(&q, &k, &v, false);
    for (bq, bk) in [(3, 2), (2, 3), (1, 1), (16, 16), (7, 5)] {
        let c = case(&q, &k, &v, bq, bk, false);
        c.close_rows("out", &flash_attention(&q, &k, &v, bq, bk, false).0, &want, 1e-9)?;
    }
    Ok(())
}

fn causal_matches_naive() -> Outcome {
    let (q, k, v) = (rows(10, 4, 4.0), rows(10, 4, 5.0), rows(10, 3, 6.0));
    let want = naive(&q, &k, &v, true);
    for (bq, bk) in [(4, 4), (3, 4), (4, 2), (5, 1), (1, 1), (16, 16)] {
        let c = case(&q, &k, &v, bq, bk, true);
        c.close_rows("out", &flash_attention(&q, &k, &v, bq, bk, true).0, &want, 1e-9)?;
    }
    Ok(())
}

fn causal_skips_tiles() -> Outcome {
    let (q, k, v) = (rows(10, 2, 7.0), rows(10, 2, 8.0), rows(10, 2, 9.0));
    for (bq, bk) in [(4, 4), (3, 4), (4, 2), (1, 1), (16, 16)] {
        // Brute force: a tile is needed when it holds at least one pair (i, j) with j ≤ i.
        let mut need = 0;
        for qb in 0..10usize.div_ceil(bq) {
            for kb in 0..10usize.div_ceil(bk) {
                let visible = (qb * bq..((qb + 1) * bq).min(10))
                    .any(|i| (kb * bk..((kb + 1) * bk).min(10)).any(|j| j <= i));
                need += visible as usize;
            }
        }
        let c = case(&q, &k, &v, bq, bk, true);
        c.equal("tiles computed (causal)", &flash_attention(&q, &k, &v, bq, bk, true).1, &need)?;
        let all = 10usize.div_ceil(bq) * 10usize.div_ceil(bk);
        let c = case(&q, &k, &v, bq, bk, false);
        c.equal("tiles computed (not causal)", &flash_attention(&q, &k, &v, bq, bk, false).1, &all)?;
    }
    Ok(())
}

fn large_scores() -> Outcome {
    // q·k up to about 4·30·30 / 2 = 1800: exp() of that overflows unless shifted.
    let big = |m: Vec<Vec<f64>>| m.into_iter().map(|r| r.into_iter().map(|x| 30.0 * x).collect()).collect::<Vec<_>>();
    let (q, k, v) = (big(rows(6, 4, 10.0)), big(rows(6, 4, 11.0)), rows(6, 2, 12.0));
    for causal in [false, true] {
        let want = naive(&q, &k, &v, causal);
        let c = case(&q, &k, &v, 2, 4, causal);
        c.close_rows("out", &flash_attention(&q, &k, &v, 2, 4, causal).0, &want, 1e-9)?;
    }
    Ok(())
}

fn single_token() -> Outcome {
    let (q, k, v) = (vec![vec![0.5, -2.0, 1.0]], vec![vec![3.0, 1.0, -1.0]], vec![vec![0.25, -4.0]]);
    for causal in [false, true] {
        let c = case(&q, &k, &v, 2, 2, causal);
        let (out, tiles) = flash_attention(&q, &k, &v, 2, 2, causal);
        c.close_rows("out", &out, &v, 1e-12)?;
        c.equal("tiles computed", &tiles, &1)?;
    }
    Ok(())
}
