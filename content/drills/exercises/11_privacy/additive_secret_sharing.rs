//! Additive secret sharing over Z_p, the building block of secure aggregation (Bonawitz et al.,
//! 2017): n servers together can learn the SUM of the clients' values and nothing else.
//!
//! To share a secret x among n servers, draw n − 1 uniform values r₁ … rₙ₋₁ in [0, p) and hand
//! out the shares r₁, …, rₙ₋₁, x − Σ rᵢ (mod p). Any n − 1 shares are uniform and independent
//! of x (each one is just a random number); all n add back to x mod p.
//! Sharing is linear: if every client shares its value and server j adds up the j-th shares of
//! all clients, the n per-server totals are themselves shares of Σ x. Reconstructing them gives
//! the sum of the secrets while no server ever saw one client's value.
//!
//! Contract: p = 97, secret 42, randoms [10, 200] → shares [10, 200 mod 97 = 6,
//! (42 − 10 − 6) mod 97 = 26]; reconstruct([10, 6, 26], 97) → 42.
//! Conventions: 2 ≤ p ≤ 2⁶¹ − 1. The secret is in [0, p); the randoms may be any u64 and are
//! reduced mod p; n = randoms.len() + 1 shares, so no randoms means the single share is the
//! secret itself. Shares handed to `reconstruct` and `aggregate` are in [0, p), and every result
//! is in [0, p). `client_shares[i]` holds client i's n shares, one per server (at least one
//! client, all with the same n); `aggregate` returns n values, value j = Σᵢ client_shares[i][j]
//! mod p. Beware u64: with p near 2⁶¹, eight shares already sum past 2⁶⁴, and x − r goes below
//! zero; reduce after every addition and subtract as x + (p − r).

/// The n = randoms.len() + 1 additive shares of `secret` mod `p`: the randoms mod p, then the rest.
pub fn share(secret: u64, randoms: &[u64], p: u64) -> Vec<u64> {
    // TODO: the first n − 1 shares are r mod p; the last is secret − Σ r mod p, kept in [0, p).
    todo!()
}

/// The secret behind `shares`: their sum mod `p`.
pub fn reconstruct(shares: &[u64], p: u64) -> u64 {
    // TODO: add the shares mod p, reducing after every addition.
    todo!()
}

/// Server j's total: the sum mod `p` of the j-th share of every client, for j = 0 … n − 1.
pub fn aggregate(client_shares: &[Vec<u64>], p: u64) -> Vec<u64> {
    // TODO: for each server j, add client_shares[i][j] over all clients i, mod p.
    todo!()
}
