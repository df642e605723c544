//! RetNet's retention in its recurrent form (Sun et al. 2023, "Retentive Network", §2.1).
//!
//! One head with decay γ keeps a D × Dv state S. Each token decays the old state and adds its
//! own key–value outer product, then the query reads the state:
//!   S_n = γ·S_{n−1} + k_nᵀ v_n,      o_n = q_n S_n   (o_n[j] = Σ_i q_n[i] S_n[i][j]).
//! Unrolled, o_n = Σ_{m ≤ n} γ^{n−m} (q_n·k_m) v_m: row n of the parallel form (QKᵀ ⊙ D)V with
//! D[n][m] = γ^{n−m} for m ≤ n and 0 above the diagonal. The recurrent form costs O(D·Dv) per
//! token whatever n is, which is why RetNet decodes like an RNN.
//!
//! Contract: γ = 0.5, D = Dv = 1, q = [[1], [1]], k = [[1], [2]], v = [[4], [1]]:
//! n = 0: S = 4, o = 4; n = 1: S = 0.5·4 + 2·1 = 4, o = 4. → [[4], [4]].
//! Conventions: S is D rows of Dv (index S[i][j] with i over keys, j over values); the decay
//! applies to the old state before the new outer product is added (token n itself is not
//! decayed); q and k are T rows of D, v is T rows of Dv, Dv may differ from D; T = 0 gives [].

/// One step: S ← γ·S + kᵀv, then returns o = q S (Dv values).
pub fn retention_step(s: &mut [Vec<f64>], gamma: f64, q: &[f64], k: &[f64], v: &[f64]) -> Vec<f64> {
    // TODO: decay every entry of S, add k[i]·v[j], then read Σ_i q[i] S[i][j].
    todo!()
}

/// The recurrent form over a sequence, from S = 0: T rows of Dv.
pub fn retention_recurrent(q: &[Vec<f64>], k: &[Vec<f64>], v: &[Vec<f64>], gamma: f64) -> Vec<Vec<f64>> {
    // TODO: S = zeros (D × Dv), one `retention_step` per token.
    todo!()
}
