use crate::grade::*;
use crate::learner::{aggregate, reconstruct, share};

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "shares are the randoms mod p then secret − Σ randoms mod p, and reconstruct adds them back, on the contract's numbers", run: contract_by_hand },
    Test { name: "wraps_below_zero", checks: "secret − Σ r mod p stays in [0, p) when Σ r exceeds the secret (add p, do not underflow), and a random equal to p reduces to 0", run: wraps_below_zero },
    Test { name: "a_share_is_just_the_random", checks: "the first n − 1 shares equal the randoms mod p whatever the secret, so one share alone says nothing about it", run: a_share_is_just_the_random },
    Test { name: "one_party", checks: "with no randoms there is one share, and it is the secret itself", run: one_party },
    Test { name: "no_overflow_near_2_61", checks: "with p = 2⁶¹ − 1, summing nine shares or two u64::MAX randoms without reducing mod p at every addition overflows u64", run: no_overflow_near_2_61 },
    Test { name: "aggregate_per_server", checks: "server j adds the j-th share of every client (one total per server, not per client), and the totals reconstruct to the sum of the secrets", run: aggregate_per_server },
    Test { name: "aggregate_no_overflow", checks: "ten clients' shares near p = 2⁶¹ − 1 are added per server without overflowing u64", run: aggregate_no_overflow },
    Test { name: "random_round_trips", checks: "on random inputs (any u64 randoms, p from 2 to 2⁶¹ − 1, 1 to 6 parties): shares are in [0, p), reconstruct gives the secret, aggregated shares give Σ secrets mod p", run: random_round_trips },
];

/// p = 2⁶¹ − 1, a Mersenne prime: the largest modulus of this drill.
const P61: u64 = (1 << 61) - 1;

/// Runs `f`; a panic other than `todo!()` becomes a failure that explains the likely overflow.
fn guarded<T>(c: &Case, what: &str, f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T, String> {
    match std::panic::catch_unwind(f) {
        Ok(v) => Ok(v),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if msg.starts_with("not yet implemented") {
                // Let the runner report the todo!() as work still to do.
                std::panic::resume_unwind(payload);
            }
            Err(c
                .fail(&format!(
                    "{what} panicked: {msg}\n  An 'attempt to add/subtract with overflow' means a u64 went past 2⁶⁴ or below 0. \
                     Keep every value in [0, p): reduce mod p after every addition (with p near 2⁶¹, eight shares \
                     already pass 2⁶⁴) and compute a − b as a + (p − b). (A release build does not panic but wraps \
                     silently, and the shares come out wrong.)"
                ))
                .unwrap_err())
        }
    }
}

/// What a wrong value means when p is large: most likely a u64 that wrapped.
fn wrap_note(p: u64) -> &'static str {
    if p > u32::MAX as u64 {
        " (with p this large, a wrong value usually means a u64 sum wrapped past 2⁶⁴ or a difference \
         wrapped below 0: reduce mod p after every addition, subtract as a + (p − b))"
    } else {
        ""
    }
}

fn check_share(secret: u64, randoms: &[u64], p: u64, want: &[u64]) -> Outcome {
    let c = Case::new().input_debug("secret", &secret).input_debug("randoms", &randoms).input_debug("p", &p);
    let got = guarded(&c, "share", || share(secret, randoms, p))?;
    c.equal(&format!("share(secret, randoms, p){}", wrap_note(p)), &got, &want.to_vec())
}

fn check_reconstruct(shares: &[u64], p: u64, want: u64) -> Outcome {
    let c = Case::new().input_debug("shares", &shares).input_debug("p", &p);
    let got = guarded(&c, "reconstruct", || reconstruct(shares, p))?;
    c.equal(&format!("reconstruct(shares, p){}", wrap_note(p)), &got, &want)
}

fn check_aggregate(client_shares: &[Vec<u64>], p: u64, want: &[u64]) -> Outcome {
    let c = Case::new().input_debug("client_shares", &client_shares).input_debug("p", &p);
    let got = guarded(&c, "aggregate", || aggregate(client_shares, p))?;
    c.equal(&format!("aggregate(client_shares, p), one total per server{}", wrap_note(p)), &got, &want.to_vec())
}

fn contract_by_hand() -> Outcome {
    // 10 mod 97 = 10, 200 mod 97 = 6; 42 − 10 − 6 = 26. Back: 10 + 6 + 26 = 42.
    check_share(42, &[10, 200], 97, &[10, 6, 26])?;
    check_reconstruct(&[10, 6, 26], 97, 42)
}

fn wraps_below_zero() -> Outcome {
    // 5 − (90 + 3) = −88 ≡ −88 + 97 = 9. Check: 90 + 3 + 9 = 102 ≡ 5.
    check_share(5, &[90, 3], 97, &[90, 3, 9])?;
    check_reconstruct(&[90, 3, 9], 97, 5)?;
    // 0 − 1 ≡ 96.
    check_share(0, &[1], 97, &[1, 96])?;
    // 97 mod 97 = 0, so the last share is 7 − 0 = 7 (secret + p − 0 = 104 must reduce to 7).
    check_share(7, &[97], 97, &[0, 7])?;
    // 96 + 96 = 192 ≡ 95: reconstruct reduces, it does not return the raw sum.
    check_reconstruct(&[96, 96], 97, 95)
}

fn a_share_is_just_the_random() -> Outcome {
    // randoms [55, 3]: Σ = 58. Last share = secret − 58 mod 97:
    // secret 0 → 39, secret 13 → −45 + 97 = 52, secret 96 → 38. The first two never move.
    for (secret, last) in [(0, 39), (13, 52), (96, 38)] {
        check_share(secret, &[55, 3], 97, &[55, 3, last])?;
    }
    // Near 2⁶¹: the random p + 5 reduces to 5 whatever the secret; the rest is secret − 5.
    for (secret, last) in [(5, 0), (6, 1), (P61 - 1, P61 - 6), (0, P61 - 5)] {
        check_share(secret, &[P61 + 5], P61, &[5, last])?;
    }
    Ok(())
}

fn one_party() -> Outcome {
    // n = 1: no randoms, the one share is secret − 0 = secret.
    check_share(42, &[], 97, &[42])?;
    check_share(0, &[], 97, &[0])?;
    check_share(P61 - 1, &[], P61, &[P61 - 1])?;
    check_reconstruct(&[42], 97, 42)
}

fn no_overflow_near_2_61() -> Outcome {
    // Nine randoms p − 1: Σ = 9p − 9 ≡ −9, so the last share is 5 − (−9) = 14.
    // Unreduced, 9·(2⁶¹ − 2) is above 2⁶⁴ = 8·2⁶¹: it overflows.
    let mut want = vec![P61 - 1; 9];
    want.push(14);
    check_share(5, &[P61 - 1; 9], P61, &want)?;
    // Back: 9(p − 1) + 14 = 9p + 5 ≡ 5.
    check_reconstruct(&want, P61, 5)?;
    // u64::MAX = 2⁶⁴ − 1 = 8(p + 1) − 1 = 8p + 7 ≡ 7. Two of them: shares 7, 7 and
    // 3 − 14 = −11 ≡ p − 11. Adding the two raw randoms would overflow.
    check_share(3, &[u64::MAX, u64::MAX], P61, &[7, 7, P61 - 11])?;
    // Back: 7 + 7 + p − 11 = p + 3 ≡ 3.
    check_reconstruct(&[7, 7, P61 - 11], P61, 3)?;
    // Two shares: (p − 1) + (p − 1) = 2p − 2 ≡ p − 2.
    check_reconstruct(&[P61 - 1, P61 - 1], P61, P61 - 2)
}

fn aggregate_per_server() -> Outcome {
    // Three clients, two servers, p = 97. Secrets 10, 20, 30 shared with randoms 50, 90, 5:
    // [50, 10 − 50 ≡ 57], [90, 20 − 90 ≡ 27], [5, 30 − 5 = 25].
    check_share(10, &[50], 97, &[50, 57])?;
    check_share(20, &[90], 97, &[90, 27])?;
    check_share(30, &[5], 97, &[5, 25])?;
    // Server 0: 50 + 90 + 5 = 145 ≡ 48. Server 1: 57 + 27 + 25 = 109 ≡ 12.
    let clients = vec![vec![50, 57], vec![90, 27], vec![5, 25]];
    check_aggregate(&clients, 97, &[48, 12])?;
    // 48 + 12 = 60 = 10 + 20 + 30: the sum, and no server saw a secret.
    check_reconstruct(&[48, 12], 97, 60)?;
    // Two clients, three servers: [1 + 10, 2 + 20, 3 + 30] = [11, 22, 33] (three totals, not two).
    check_aggregate(&[vec![1, 2, 3], vec![10, 20, 30]], 97, &[11, 22, 33])
}

fn aggregate_no_overflow() -> Outcome {
    // Client i (i = 0 … 9) sends [p − 1, p − 1, i + 2]: shares of (2p − 2 + i + 2) ≡ i.
    // Servers 0 and 1: 10(p − 1) ≡ −10 ≡ p − 10 (unreduced, 10·(2⁶¹ − 2) overflows 2⁶⁴).
    // Server 2: Σ (i + 2) = 45 + 20 = 65.
    let clients: Vec<Vec<u64>> = (0..10).map(|i| vec![P61 - 1, P61 - 1, i + 2]).collect();
    check_aggregate(&clients, P61, &[P61 - 10, P61 - 10, 65])?;
    // Back: 2(p − 10) + 65 = 2p + 45 ≡ 45 = 0 + 1 + … + 9.
    check_reconstruct(&[P61 - 10, P61 - 10, 65], P61, 45)
}

/// A small deterministic generator (an LCG), so the cases are the same on every run.
fn next(s: &mut u64) -> u64 {
    *s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    // Mix the high bits down: the low bits of an LCG are weak.
    *s ^ (*s >> 29)
}

fn random_round_trips() -> Outcome {
    let mut s: u64 = 2024;
    for p in [2, 97, 1_000_003, (1 << 40) + 15, P61] {
        for n in 1..=6usize {
            let clients = 4;
            let mut all = Vec::new();
            let mut total: u128 = 0;
            for _ in 0..clients {
                let secret = next(&mut s) % p;
                let randoms: Vec<u64> = (0..n - 1).map(|_| next(&mut s)).collect();
                let c = Case::new().input_debug("secret", &secret).input_debug("randoms", &randoms).input_debug("p", &p);
                let shares = guarded(&c, "share", || share(secret, &randoms, p))?;
                c.equal("number of shares (randoms.len() + 1)", &shares.len(), &n)?;
                c.holds(shares.iter().all(|&x| x < p), &format!("every share must be in [0, p), got {shares:?}"))?;
                let reduced: Vec<u64> = randoms.iter().map(|r| r % p).collect();
                c.equal("the first n − 1 shares (the randoms mod p)", &shares[..n - 1].to_vec(), &reduced)?;
                let back = guarded(&c, "reconstruct", || reconstruct(&shares, p))?;
                c.equal("reconstruct(share(secret, randoms, p), p), which must be the secret", &back, &secret)?;
                total += secret as u128;
                all.push(shares);
            }
            let want = (total % p as u128) as u64;
            let c = Case::new().input_debug("client_shares", &all).input_debug("p", &p);
            let per_server = guarded(&c, "aggregate", || aggregate(&all, p))?;
            c.equal("number of server totals", &per_server.len(), &n)?;
            let back = guarded(&c, "reconstruct", || reconstruct(&per_server, p))?;
            c.equal("reconstruct(aggregate(client_shares)), which must be Σ secrets mod p", &back, &want)?;
        }
    }
    Ok(())
}
