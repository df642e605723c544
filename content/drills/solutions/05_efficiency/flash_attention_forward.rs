//! FlashAttention forward for one head: online softmax over key blocks, causal tiles skipped.

/// Tiled attention: `(out [tq, dv], tiles computed)`.
pub fn flash_attention(
    q: &[Vec<f64>],
    k: &[Vec<f64>],
    v: &[Vec<f64>],
    bq: usize,
    bk: usize,
    causal: bool,
) -> (Vec<Vec<f64>>, usize) {
    let (tq, tk) = (q.len(), k.len());
    let d = q.first().map_or(1, Vec::len);
    let dv = v.first().map_or(0, Vec::len);
    let scale = 1.0 / (d as f64).sqrt();
    let (bq, bk) = (bq.max(1), bk.max(1));
    let mut out = vec![vec![0.0; dv]; tq];
    let mut tiles = 0;

    for i0 in (0..tq).step_by(bq) {
        let i1 = (i0 + bq).min(tq);
        // Per-row state for this query block.
        let mut m = vec![f64::NEG_INFINITY; i1 - i0];
        let mut l = vec![0.0; i1 - i0];
        let mut o = vec![vec![0.0; dv]; i1 - i0];
        for j0 in (0..tk).step_by(bk) {
            // The smallest key index in the tile is j0, the largest query index i1 - 1.
            if causal && j0 > i1 - 1 {
                break; // this tile and every later one lie above the diagonal
            }
            tiles += 1;
            let j1 = (j0 + bk).min(tk);
            for i in i0..i1 {
                let r = i - i0;
                let s: Vec<f64> = (j0..j1)
                    .map(|j| {
                        if causal && j > i {
                            f64::NEG_INFINITY
                        } else {
                            q[i].iter().zip(&k[j]).map(|(a, b)| a * b).sum::<f64>() * scale
                        }
                    })
                    .collect();
                let m_new = s.iter().copied().fold(m[r], f64::max);
                if m_new == f64::NEG_INFINITY {
                    // No visible key yet. Cannot happen here (key 0 is visible to every row and
                    // comes first), but it keeps exp(-inf - (-inf)) = NaN out if the order changes.
                    continue;
                }
                let alpha = (m[r] - m_new).exp(); // 0 on the first visible block
                l[r] *= alpha;
                o[r].iter_mut().for_each(|x| *x *= alpha);
                for (j, &sj) in (j0..j1).zip(&s) {
                    let p = (sj - m_new).exp(); // exactly 0 for masked keys
                    if p == 0.0 {
                        continue;
                    }
                    l[r] += p;
                    o[r].iter_mut().zip(&v[j]).for_each(|(x, vj)| *x += p * vj);
                }
                m[r] = m_new;
            }
        }
        for r in 0..i1 - i0 {
            if l[r] > 0.0 {
                out[i0 + r] = o[r].iter().map(|x| x / l[r]).collect();
            }
        }
    }
    (out, tiles)
}
