//! FlashAttention forward pass for one head: attention computed tile by tile, never holding the
//! full [tq, tk] score matrix.
//!
//! out_i = Σ_j softmax_j(q_i · k_j / √d) v_j. Queries are cut into blocks of `bq` rows, keys and
//! values into blocks of `bk`. For each query row keep a running max m, a running normaliser l
//! and an unnormalised output o; on each key block with scores s_j: m' = max(m, max_j s_j),
//! α = exp(m - m'), l' = α l + Σ_j exp(s_j - m'), o' = α o + Σ_j exp(s_j - m') v_j. At the end
//! out_i = o / l. With `causal`, query i sees keys j ≤ i only, and a (query block, key block)
//! tile that lies entirely above the diagonal is skipped without computing any score.
//!
//! Contract: q = [[1, 0]], k = [[1, 0], [0, 1]], v = [[1, 2], [3, 4]], bq = bk = 1, not causal
//! → scores [1/√2, 0], weights [0.6698, 0.3302], out = [[1.6605, 2.6605]], and 2 tiles computed.
//! Conventions: q is [tq, d], k is [tk, d], v is [tk, dv] (dv may differ from d), out is
//! [tq, dv]. `causal` requires tq == tk (self-attention: query i is at position i). Block sizes
//! are ≥ 1 and need not divide tq or tk; the last block is shorter. The second return value
//! counts the tiles whose scores you computed: ⌈tq/bq⌉·⌈tk/bk⌉ without the causal flag, fewer
//! with it. Inside a computed tile some rows may see no key at all (all scores masked): they
//! must leave that row's state unchanged, not turn it into NaN.

/// Tiled attention: `(out [tq, dv], tiles computed)`.
pub fn flash_attention(
    q: &[Vec<f64>],
    k: &[Vec<f64>],
    v: &[Vec<f64>],
    bq: usize,
    bk: usize,
    causal: bool,
) -> (Vec<Vec<f64>>, usize) {
    // TODO: loop over query blocks, then key blocks (skipping those above the diagonal when
    // causal); per row, update (m, l, o) with the online softmax; finally divide o by l.
    todo!()
}
