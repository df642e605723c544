//! Additive secret sharing over Z_p, with every operation kept in [0, p) so u64 never overflows.

/// a + b mod p for a, b in [0, p): a + b < 2p ≤ 2⁶², so it cannot overflow.
fn add_mod(a: u64, b: u64, p: u64) -> u64 {
    let s = a + b;
    if s >= p {
        s - p
    } else {
        s
    }
}

/// The n = randoms.len() + 1 additive shares of `secret` mod `p`: the randoms mod p, then the rest.
pub fn share(secret: u64, randoms: &[u64], p: u64) -> Vec<u64> {
    let mut shares: Vec<u64> = randoms.iter().map(|r| r % p).collect();
    let sum = reconstruct(&shares, p);
    // secret − sum, as secret + (p − sum); p − 0 = p reduces back to 0.
    shares.push(add_mod(secret % p, (p - sum) % p, p));
    shares
}

/// The secret behind `shares`: their sum mod `p`.
pub fn reconstruct(shares: &[u64], p: u64) -> u64 {
    shares.iter().fold(0, |acc, &s| add_mod(acc, s, p))
}

/// Server j's total: the sum mod `p` of the j-th share of every client, for j = 0 … n − 1.
pub fn aggregate(client_shares: &[Vec<u64>], p: u64) -> Vec<u64> {
    let n = client_shares[0].len();
    (0..n)
        .map(|j| client_shares.iter().fold(0, |acc, shares| add_mod(acc, shares[j], p)))
        .collect()
}
