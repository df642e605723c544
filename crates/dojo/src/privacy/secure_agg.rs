//! Secure aggregation (Bonawitz et al. 2017): the server of federated learning learns the *sum* of
//! the clients' updates and nothing about any one of them, even when some clients drop out.
//!
//! Everything lives in the prime field 𝔽ₚ, p = 2⁶¹ − 1. Real-valued updates are encoded in fixed
//! point ([`encode`]); sums of encodings decode to sums of values as long as no sum wraps past p/2.
//!
//! # The three ideas
//! 1. **Additive secret sharing** ([`additive_shares`]): x = s₁ + … + sₙ (mod p) with s₁ … sₙ₋₁
//!    uniform. Any n − 1 of the shares are uniform and independent of x; all n give x back.
//! 2. **Pairwise masks**: every pair of clients i < j agrees on a seed sᵢⱼ (here by Diffie–Hellman
//!    in 𝔽ₚ*: sᵢⱼ = g^(aᵢ·aⱼ), computable by i from its secret aᵢ and j's public gᵃʲ, and by j
//!    likewise) and expands it to a mask vector m(sᵢⱼ). Client i sends
//!    yᵢ = xᵢ + Σ_{j>i} m(sᵢⱼ) − Σ_{j<i} m(sⱼᵢ) + m(bᵢ). Summing over all clients, every pairwise
//!    mask appears once with + and once with −, so Σ yᵢ = Σ xᵢ + Σ m(bᵢ). To the server a single yᵢ
//!    is uniform: it is xᵢ plus a uniform mask it cannot compute.
//! 3. **Shamir sharing for dropouts** ([`shamir_share`]): a client that masks and then vanishes
//!    leaves its pairwise masks uncancelled. So at setup every client splits its DH secret aᵢ and
//!    its self-mask seed bᵢ into t-of-n Shamir shares, one per client. After the upload the server
//!    asks each survivor, per client, for **one** kind of share: bᵢ's if i's yᵢ arrived (to remove
//!    m(bᵢ)), aᵢ's if i dropped (to recompute and remove i's pairwise masks with the survivors).
//!    Never both: that is why the self-mask exists. Had the server aᵢ *and* bᵢ of a client whose yᵢ
//!    it holds (say, one that only looked dropped), it could unmask xᵢ alone.
//!
//! # What is simplified here
//! The algebra is the protocol's; the cryptographic strength is not. A 61-bit DH group is
//! breakable, the masks come from a seeded xoshiro stream rather than a cryptographic PRG (AES-CTR
//! or ChaCha in a real system), shares travel in the clear rather than encrypted to their
//! recipient, and the server is honest-but-curious (no signatures, no consistency round). The
//! properties tested below are the protocol's: the sum is exact, one client's message is uniform,
//! t − 1 Shamir shares say nothing, and dropouts are recovered.

use crate::nn::Rng;
use crate::{Error, Result};

/// The field's prime, p = 2⁶¹ − 1 (a Mersenne prime).
pub const P: u64 = (1 << 61) - 1;

/// The toy Diffie–Hellman's base: a primitive root of 𝔽ₚ* (its powers reach every non-zero
/// element; p − 1 = 2·3²·5²·7·11·13·31·41·61·151·331·1321 and 37^((p−1)/f) ≠ 1 for each f).
pub const G: u64 = 37;

/// a + b mod p, for a, b < p.
pub fn add(a: u64, b: u64) -> u64 {
    let s = a + b; // < 2⁶², no overflow
    if s >= P {
        s - P
    } else {
        s
    }
}

/// a − b mod p, for a, b < p.
pub fn sub(a: u64, b: u64) -> u64 {
    add(a, P - b)
}

/// a · b mod p, for a, b < p.
pub fn mul(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % P as u128) as u64
}

/// aᵉ mod p by square-and-multiply.
pub fn pow(mut a: u64, mut e: u64) -> u64 {
    let mut r = 1;
    while e > 0 {
        if e & 1 == 1 {
            r = mul(r, a);
        }
        a = mul(a, a);
        e >>= 1;
    }
    r
}

/// a⁻¹ mod p by Fermat's little theorem, a^(p−2); a must be non-zero.
pub fn inv(a: u64) -> u64 {
    debug_assert!(a % P != 0, "0 has no inverse");
    pow(a, P - 2)
}

/// A uniform element of 𝔽ₚ (rejection sampling of 61-bit draws).
pub fn uniform(rng: &mut Rng) -> u64 {
    loop {
        let v = rng.next_u64() >> 3;
        if v < P {
            return v;
        }
    }
}

/// The mask vector m(seed) of length `len`: the seed expanded to uniform field elements.
pub fn mask(seed: u64, len: usize) -> Vec<u64> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| uniform(&mut rng)).collect()
}

/// Fixed point: round(v · scale) mod p, negatives wrapping to p − |·|.
pub fn encode(v: f64, scale: f64) -> u64 {
    let q = (v * scale).round() as i64;
    if q >= 0 {
        q as u64 % P
    } else {
        P - ((-q) as u64 % P)
    }
}

/// The inverse of [`encode`], reading elements above p/2 as negative.
pub fn decode(e: u64, scale: f64) -> f64 {
    let signed = if e > P / 2 { -((P - e) as f64) } else { e as f64 };
    signed / scale
}

/// Splits each coordinate of `x` into n additive shares: n − 1 uniform vectors and the
/// remainder, so the n shares sum to x mod p.
pub fn additive_shares(x: &[u64], n: usize, rng: &mut Rng) -> Result<Vec<Vec<u64>>> {
    if n == 0 {
        return Err(Error::Config("additive sharing needs at least one share".into()));
    }
    let mut shares: Vec<Vec<u64>> = (1..n).map(|_| x.iter().map(|_| uniform(rng)).collect()).collect();
    let last = x.iter().enumerate().map(|(k, &xk)| shares.iter().fold(xk, |acc, s| sub(acc, s[k]))).collect();
    shares.push(last);
    Ok(shares)
}

/// One Shamir share: the point (x, f(x)) of the sharing polynomial, x ≠ 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// Evaluation point, 1 … n.
    pub x: u64,
    /// f(x).
    pub y: u64,
}

/// Shamir's t-of-n sharing: f(z) = secret + c₁z + … + c_{t−1}z^{t−1} with uniform cᵢ, and share k
/// is (k, f(k)) for k = 1 … n. Any t shares determine f (and f(0) = secret); any t − 1 are
/// uniform whatever the secret.
pub fn shamir_share(secret: u64, t: usize, n: usize, rng: &mut Rng) -> Result<Vec<Share>> {
    if t == 0 || t > n || secret >= P {
        return Err(Error::Config(format!("Shamir sharing needs 1 ≤ t ≤ n and secret < p; got t {t}, n {n}")));
    }
    let coeffs: Vec<u64> = std::iter::once(secret).chain((1..t).map(|_| uniform(rng))).collect();
    Ok((1..=n as u64)
        .map(|x| Share { x, y: coeffs.iter().rev().fold(0, |acc, &c| add(mul(acc, x), c)) }) // Horner
        .collect())
}

/// f(0) from t or more shares by Lagrange interpolation: Σₖ yₖ · Πⱼ≠ₖ xⱼ / (xⱼ − xₖ).
/// With fewer than t shares the answer is some field element unrelated to the secret.
pub fn shamir_reconstruct(shares: &[Share]) -> Result<u64> {
    for (k, a) in shares.iter().enumerate() {
        if a.x == 0 || shares[..k].iter().any(|b| b.x == a.x) {
            return Err(Error::Config(format!("Shamir shares need distinct non-zero points; got x = {}", a.x)));
        }
    }
    Ok(shares.iter().enumerate().fold(0, |acc, (k, sk)| {
        let (num, den) = shares
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != k)
            .fold((1, 1), |(num, den), (_, sj)| (mul(num, sj.x), mul(den, sub(sj.x, sk.x))));
        add(acc, mul(sk.y, mul(num, inv(den))))
    }))
}

/// One client's secrets, generated at setup.
#[derive(Debug, Clone)]
struct ClientKeys {
    /// DH secret aᵢ.
    secret: u64,
    /// DH public g^aᵢ, published to everyone.
    public: u64,
    /// Self-mask seed bᵢ.
    self_seed: u64,
}

/// A secure-aggregation round among n clients with threshold t, simulated end to end: setup
/// (keys and shares), masked upload, and the server's unmasking with dropout recovery.
#[derive(Debug, Clone)]
pub struct Round {
    keys: Vec<ClientKeys>,
    /// `secret_shares[i][k]`: client k's share of client i's DH secret.
    secret_shares: Vec<Vec<Share>>,
    /// `seed_shares[i][k]`: client k's share of client i's self-mask seed.
    seed_shares: Vec<Vec<Share>>,
    threshold: usize,
}

impl Round {
    /// Setup: every client draws its DH key pair and self-mask seed and Shamir-shares both among
    /// all n clients with threshold t. Needs 2 ≤ t ≤ n (t = 1 would hand any one client another's
    /// secrets).
    pub fn setup(n: usize, t: usize, rng: &mut Rng) -> Result<Self> {
        if n < 2 || t < 2 || t > n {
            return Err(Error::Config(format!(
                "secure aggregation needs n ≥ 2 clients and 2 ≤ t ≤ n; got n {n}, t {t}"
            )));
        }
        let keys: Vec<ClientKeys> = (0..n)
            .map(|_| {
                let secret = 1 + uniform(rng) % (P - 2);
                ClientKeys { secret, public: pow(G, secret), self_seed: uniform(rng) }
            })
            .collect();
        let secret_shares = keys.iter().map(|k| shamir_share(k.secret, t, n, rng)).collect::<Result<_>>()?;
        let seed_shares = keys.iter().map(|k| shamir_share(k.self_seed, t, n, rng)).collect::<Result<_>>()?;
        Ok(Self { keys, secret_shares, seed_shares, threshold: t })
    }

    /// Number of clients n.
    pub fn clients(&self) -> usize {
        self.keys.len()
    }

    /// The pairwise seed sᵢⱼ = (g^aⱼ)^aᵢ, as client i computes it from its secret and j's public key.
    fn pair_seed(secret_i: u64, public_j: u64) -> u64 {
        pow(public_j, secret_i)
    }

    /// Client i's upload yᵢ = xᵢ + Σ_{j>i} m(sᵢⱼ) − Σ_{j<i} m(sⱼᵢ) + m(bᵢ), all mod p.
    pub fn masked_input(&self, i: usize, x: &[u64]) -> Result<Vec<u64>> {
        let me = self.keys.get(i).ok_or_else(|| Error::Config(format!("no client {i}")))?;
        let mut y = x.to_vec();
        for (j, other) in self.keys.iter().enumerate().filter(|&(j, _)| j != i) {
            let m = mask(Self::pair_seed(me.secret, other.public), x.len());
            let op = if i < j { add } else { sub };
            y.iter_mut().zip(&m).for_each(|(v, &mk)| *v = op(*v, mk));
        }
        y.iter_mut().zip(mask(me.self_seed, x.len())).for_each(|(v, mk)| *v = add(*v, mk));
        Ok(y)
    }

    /// The server's unmasking. `uploads[i]` is client i's yᵢ, or `None` if it dropped before
    /// sending it. Survivors hand over, for every client, one kind of share: of bᵢ if yᵢ arrived,
    /// of aᵢ if it did not. Returns Σ over surviving clients of xᵢ; an error if fewer than t
    /// clients survive (the shares cannot be opened) or the uploads disagree in length.
    pub fn aggregate(&self, uploads: &[Option<Vec<u64>>]) -> Result<Vec<u64>> {
        let n = self.clients();
        if uploads.len() != n {
            return Err(Error::Config(format!("{} uploads for {n} clients", uploads.len())));
        }
        let alive: Vec<usize> = (0..n).filter(|&i| uploads[i].is_some()).collect();
        if alive.len() < self.threshold {
            return Err(Error::Config(format!(
                "only {} of {n} clients survived; opening the shares needs t = {}",
                alive.len(),
                self.threshold
            )));
        }
        let len = uploads[alive[0]].as_ref().map_or(0, Vec::len);
        if alive.iter().any(|&i| uploads[i].as_ref().map_or(0, Vec::len) != len) {
            return Err(Error::Config("uploads differ in length".into()));
        }
        // Σ yᵢ over survivors = Σ xᵢ + Σ m(bᵢ) + (pairwise masks between a survivor and a dropout).
        let mut sum = vec![0; len];
        for &i in &alive {
            sum.iter_mut().zip(uploads[i].as_ref().unwrap()).for_each(|(s, &y)| *s = add(*s, y));
        }
        let from_survivors = |shares: &[Share]| -> Vec<Share> { alive.iter().map(|&k| shares[k]).collect() };
        for (i, upload) in uploads.iter().enumerate() {
            if upload.is_some() {
                // Survived: reconstruct bᵢ and remove its self-mask.
                let b = shamir_reconstruct(&from_survivors(&self.seed_shares[i]))?;
                sum.iter_mut().zip(mask(b, len)).for_each(|(s, mk)| *s = sub(*s, mk));
            } else {
                // Dropped: reconstruct aᵢ, recompute sᵢⱼ with each survivor j, undo j's ∓m(sᵢⱼ).
                let a = shamir_reconstruct(&from_survivors(&self.secret_shares[i]))?;
                for &j in &alive {
                    let m = mask(Self::pair_seed(a, self.keys[j].public), len);
                    // Survivor j added m(sⱼᵢ) if j < i and subtracted it if j > i.
                    let undo = if j < i { sub } else { add };
                    sum.iter_mut().zip(&m).for_each(|(s, &mk)| *s = undo(*s, mk));
                }
            }
        }
        Ok(sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(n: usize, len: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
        (0..n).map(|_| (0..len).map(|_| 3.0 * rng.normal()).collect()).collect()
    }

    const SCALE: f64 = 1e6;

    fn encoded(x: &[f64]) -> Vec<u64> {
        x.iter().map(|&v| encode(v, SCALE)).collect()
    }

    /// Σᵢ round(xᵢ·scale) / scale: what an exact aggregation must decode to.
    fn exact_sum(xs: &[&Vec<f64>], k: usize) -> f64 {
        xs.iter().map(|x| (x[k] * SCALE).round()).sum::<f64>() / SCALE
    }

    #[test]
    fn field_arithmetic_inverts_and_fixed_point_round_trips() {
        let mut rng = Rng::new(0);
        for _ in 0..100 {
            let (a, b) = (uniform(&mut rng), 1 + uniform(&mut rng) % (P - 1));
            assert_eq!(add(sub(a, b), b), a);
            assert_eq!(mul(mul(a, b), inv(b)), a);
        }
        assert_eq!(pow(G, P - 1), 1, "Fermat");
        for v in [0.0, 1.5, -2.25, 1234.567891, -0.000001] {
            assert_eq!(decode(encode(v, SCALE), SCALE), (v * SCALE).round() / SCALE);
        }
        assert_eq!(decode(add(encode(-3.5, SCALE), encode(1.25, SCALE)), SCALE), -2.25, "sums of encodings");
    }

    #[test]
    fn additive_shares_sum_to_the_secret_and_one_share_is_uniform() {
        let mut rng = Rng::new(1);
        let x = vec![0, 5, P - 1];
        let shares = additive_shares(&x, 4, &mut rng).unwrap();
        let total: Vec<u64> = (0..3).map(|k| shares.iter().fold(0, |acc, s| add(acc, s[k]))).collect();
        assert_eq!(total, x);
        // The last share alone, for a fixed secret, over many sharings: uniform top bits.
        let counts = top_bit_counts((0..4000).map(|_| additive_shares(&[7], 3, &mut rng).unwrap()[2][0]));
        assert_uniform(&counts);
        assert!(additive_shares(&x, 0, &mut rng).is_err());
    }

    /// How many of the values fall in each of 16 equal bins of [0, p).
    fn top_bit_counts(values: impl Iterator<Item = u64>) -> [usize; 16] {
        let mut c = [0; 16];
        values.for_each(|v| c[(v >> 57) as usize] += 1); // p < 2⁶¹: top 4 of 61 bits
        c
    }

    /// χ² against the uniform over 16 bins: 15 degrees of freedom, 0.1% critical value 37.7.
    fn assert_uniform(counts: &[usize; 16]) {
        let n: usize = counts.iter().sum();
        let e = n as f64 / 16.0;
        let chi2: f64 = counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
        assert!(chi2 < 37.7, "χ² = {chi2:.1} over 15 d.o.f. is not uniform: {counts:?}");
    }

    #[test]
    fn shamir_any_t_shares_reconstruct_and_fewer_do_not() {
        let mut rng = Rng::new(2);
        let secret = uniform(&mut rng);
        let shares = shamir_share(secret, 3, 5, &mut rng).unwrap();
        for a in 0..5 {
            for b in a + 1..5 {
                for c in b + 1..5 {
                    assert_eq!(shamir_reconstruct(&[shares[a], shares[b], shares[c]]).unwrap(), secret);
                }
            }
        }
        assert_eq!(shamir_reconstruct(&shares).unwrap(), secret, "more than t also works");
        assert_ne!(shamir_reconstruct(&shares[..2]).unwrap(), secret, "t − 1 shares miss it");
        // t − 1 shares of a fixed secret are uniform: client 1's share of the secret 0, many times.
        assert_uniform(&top_bit_counts((0..4000).map(|_| shamir_share(0, 3, 5, &mut rng).unwrap()[0].y)));
        assert!(shamir_share(secret, 6, 5, &mut rng).is_err());
        assert!(shamir_reconstruct(&[shares[0], shares[0]]).is_err(), "repeated points");
    }

    #[test]
    fn the_server_gets_the_exact_sum_and_one_upload_looks_uniform() {
        let mut rng = Rng::new(3);
        let (n, len) = (6, 8);
        let xs = inputs(n, len, &mut rng);
        let round = Round::setup(n, 4, &mut rng).unwrap();
        let uploads: Vec<Option<Vec<u64>>> =
            (0..n).map(|i| Some(round.masked_input(i, &encoded(&xs[i])).unwrap())).collect();
        let sum = round.aggregate(&uploads).unwrap();
        let all: Vec<&Vec<f64>> = xs.iter().collect();
        for (k, &s) in sum.iter().enumerate() {
            assert_eq!(decode(s, SCALE), exact_sum(&all, k), "coordinate {k}");
        }
        // What the server sees of client 0 with input all zeros, over fresh rounds: uniform, and
        // so is the upload of an input of large values. Unmasked, the encodings would be constant.
        for x in [vec![0u64; 1], vec![encode(1e6, SCALE)]] {
            let views = (0..2000).map(|_| Round::setup(3, 2, &mut rng).unwrap().masked_input(0, &x).unwrap()[0]);
            assert_uniform(&top_bit_counts(views));
        }
    }

    #[test]
    fn dropped_clients_are_recovered_from_shares_until_fewer_than_t_survive() {
        let mut rng = Rng::new(4);
        let (n, len) = (7, 5);
        let xs = inputs(n, len, &mut rng);
        let round = Round::setup(n, 4, &mut rng).unwrap();
        let full: Vec<Vec<u64>> = (0..n).map(|i| round.masked_input(i, &encoded(&xs[i])).unwrap()).collect();
        for dropped in [vec![0], vec![6], vec![1, 3, 5]] {
            let uploads: Vec<Option<Vec<u64>>> =
                (0..n).map(|i| (!dropped.contains(&i)).then(|| full[i].clone())).collect();
            let sum = round.aggregate(&uploads).unwrap();
            let alive: Vec<&Vec<f64>> = (0..n).filter(|i| !dropped.contains(i)).map(|i| &xs[i]).collect();
            for (k, &s) in sum.iter().enumerate() {
                assert_eq!(decode(s, SCALE), exact_sum(&alive, k), "dropped {dropped:?}, coordinate {k}");
            }
        }
        // Without the unmasking step the survivors' uploads sum to noise, not to Σ xᵢ.
        let naive = (1..n).fold(vec![0; len], |acc, i| acc.iter().zip(&full[i]).map(|(&a, &y)| add(a, y)).collect());
        let alive: Vec<&Vec<f64>> = xs[1..].iter().collect();
        assert!(decode(naive[0], SCALE) != exact_sum(&alive, 0));
        // Four of seven dropped: three survivors cannot open t = 4 shares.
        let uploads: Vec<Option<Vec<u64>>> = (0..n).map(|i| (i < 3).then(|| full[i].clone())).collect();
        assert!(round.aggregate(&uploads).is_err());
        assert!(Round::setup(5, 1, &mut rng).is_err() && Round::setup(1, 1, &mut rng).is_err());
    }
}
