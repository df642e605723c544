use crate::grade::*;
use crate::learner::{combine, inclusive_scan};

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "combine((0.5, 1), (2, 3)) = (1, 5): the earlier offset b₁ passes through the later map, a₂·b₁ + b₂", run: contract_by_hand },
    Test { name: "order_matters", checks: "combine is not commutative: swapping the arguments gives (1, 2.5), not (1, 5) (a cumulative sum with every a = 1 cannot tell)", run: order_matters },
    Test { name: "associative_with_identity", checks: "(x∘y)∘z = x∘(y∘z) for decays ≠ 1, and (1, 0) is the identity on both sides", run: associative_with_identity },
    Test { name: "scan_equals_the_loop", checks: "the scan's b is h_t = a_t h_{t−1} + b_t and its a is Π a_s, against a sequential loop, for T = 1, 5 (not a power of two), 8 and 13", run: scan_equals_the_loop },
    Test { name: "empty_scan", checks: "T = 0 gives an empty result", run: empty_scan },
];

/// Deterministic pseudo-random (a, b) steps: a in (0.1, 1.1), b in [-2, 2].
fn steps(seed: u64, t: usize) -> Vec<(f64, f64)> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..t).map(|_| (0.1 + next(), 4.0 * next() - 2.0)).collect()
}

fn flat(p: &[(f64, f64)]) -> Vec<f64> {
    p.iter().flat_map(|&(a, b)| [a, b]).collect()
}

fn contract_by_hand() -> Outcome {
    let c = Case::new().input_debug("first", &(0.5, 1.0)).input_debug("second", &(2.0, 3.0));
    let (a, b) = combine((0.5, 1.0), (2.0, 3.0));
    c.close("combine", &[a, b], &[1.0, 5.0], &[2], 1e-12)
}

fn order_matters() -> Outcome {
    let c = Case::new().input_debug("first", &(2.0, 3.0)).input_debug("second", &(0.5, 1.0));
    let (a, b) = combine((2.0, 3.0), (0.5, 1.0));
    c.close("combine", &[a, b], &[1.0, 2.5], &[2], 1e-12)
}

fn associative_with_identity() -> Outcome {
    let s = steps(7, 3);
    let c = Case::new().input_debug("x, y, z", &s);
    let left = combine(combine(s[0], s[1]), s[2]);
    let right = combine(s[0], combine(s[1], s[2]));
    c.close("(x∘y)∘z vs x∘(y∘z)", &[left.0, left.1], &[right.0, right.1], &[2], 1e-12)?;
    let (l, r) = (combine((1.0, 0.0), s[0]), combine(s[0], (1.0, 0.0)));
    c.close("identity∘x", &[l.0, l.1], &[s[0].0, s[0].1], &[2], 1e-15)?;
    c.close("x∘identity", &[r.0, r.1], &[s[0].0, s[0].1], &[2], 1e-15)
}

fn scan_equals_the_loop() -> Outcome {
    for t in [1, 5, 8, 13] {
        let s = steps(t as u64 + 20, t);
        let c = Case::new().input_debug("steps", &s);
        let (mut h, mut prod) = (0.0, 1.0);
        let want: Vec<(f64, f64)> = s
            .iter()
            .map(|&(a, b)| {
                h = a * h + b;
                prod *= a;
                (prod, h)
            })
            .collect();
        let got = inclusive_scan(&s);
        c.holds(got.len() == t, &format!("expected {t} prefixes, got {}", got.len()))?;
        c.close("prefixes as [a₀, b₀, a₁, b₁, …]", &flat(&got), &flat(&want), &[2 * t], 1e-10)?;
    }
    Ok(())
}

fn empty_scan() -> Outcome {
    let c = Case::new().input_debug("steps", &"[] (T = 0)");
    c.holds(inclusive_scan(&[]).is_empty(), "T = 0 must give an empty result")
}
