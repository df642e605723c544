use crate::grade::*;
use crate::learner::modular_split;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "p = 2: index i = a·p + b, label (a + b) mod p, train = the first ⌊f·p²⌋ of the permutation, in its order", run: contract_by_hand },
    Test { name: "floor_not_round", checks: "p = 3, f = 0.5: ⌊4.5⌋ = 4 training examples (not 5), each mapped from its index by hand", run: floor_not_round },
    Test { name: "split_covers_the_table", checks: "p = 7: sizes ⌊0.3·49⌋ = 14 and 35, disjoint, together every pair exactly once, labels (a + b) mod p", run: split_covers_the_table },
    Test { name: "labels_wrap_around", checks: "labels are reduced mod p: (4, 4) mod 5 is 3, and no label reaches p", run: labels_wrap_around },
    Test { name: "edge_fractions", checks: "f = 0 puts everything in val, f = 1 everything in train; p = 1 has one example", run: edge_fractions },
];

fn case(p: usize, perm: &[usize], frac: f64) -> Case {
    Case::new().input_debug("p", &p).input_debug("perm", &perm).input_debug("frac", &frac)
}

/// A permutation of 0..n for n = p² with p = 7: i → (17 i + 5) mod 49 (17 is coprime with 49).
fn perm49() -> Vec<usize> {
    (0..49).map(|i| (17 * i + 5) % 49).collect()
}

fn contract_by_hand() -> Outcome {
    // n = ⌊0.5·4⌋ = 2. Index 3 = (1, 1) → 2 mod 2 = 0; 0 = (0, 0) → 0; 2 = (1, 0) → 1; 1 = (0, 1) → 1.
    let perm = [3, 0, 2, 1];
    let c = case(2, &perm, 0.5);
    let (train, val) = modular_split(2, &perm, 0.5);
    c.equal("train", &train, &vec![(1, 1, 0), (0, 0, 0)])?;
    c.equal("val", &val, &vec![(1, 0, 1), (0, 1, 1)])
}

fn floor_not_round() -> Outcome {
    // n = ⌊0.5·9⌋ = 4. With p = 3: 8 = (2, 2) → 1; 1 = (0, 1) → 1; 5 = (1, 2) → 0; 0 = (0, 0) → 0;
    // 3 = (1, 0) → 1; 7 = (2, 1) → 0; 2 = (0, 2) → 2; 6 = (2, 0) → 2; 4 = (1, 1) → 2.
    let perm = [8, 1, 5, 0, 3, 7, 2, 6, 4];
    let c = case(3, &perm, 0.5);
    let (train, val) = modular_split(3, &perm, 0.5);
    c.equal("train", &train, &vec![(2, 2, 1), (0, 1, 1), (1, 2, 0), (0, 0, 0)])?;
    c.equal("val", &val, &vec![(1, 0, 1), (2, 1, 0), (0, 2, 2), (2, 0, 2), (1, 1, 2)])
}

fn split_covers_the_table() -> Outcome {
    let (p, perm, frac) = (7, perm49(), 0.3);
    let c = case(p, &perm, frac);
    let (train, val) = modular_split(p, &perm, frac);
    c.equal("(train size, val size)", &(train.len(), val.len()), &(14, 35))?;
    let mut seen = vec![0usize; p * p];
    for (k, &(a, b, y)) in train.iter().chain(&val).enumerate() {
        c.holds(a < p && b < p, &format!("example {k} = ({a}, {b}, {y}) has a or b outside 0..{p}"))?;
        c.holds(y == (a + b) % p, &format!("example ({a}, {b}) has label {y}, expected ({a} + {b}) mod {p} = {}", (a + b) % p))?;
        seen[a * p + b] += 1;
    }
    c.holds(
        seen.iter().all(|&s| s == 1),
        "train and val must be disjoint and together hold every pair (a, b) exactly once",
    )?;
    // Order: the k-th training example is the pair at perm[k].
    let want_train: Vec<(usize, usize)> = perm[..14].iter().map(|&i| (i / p, i % p)).collect();
    let got_train: Vec<(usize, usize)> = train.iter().map(|&(a, b, _)| (a, b)).collect();
    c.equal("train pairs in permutation order", &got_train, &want_train)
}

fn labels_wrap_around() -> Outcome {
    // p = 5: index 24 = (4, 4) → 8 mod 5 = 3; 9 = (1, 4) → 0; 23 = (4, 3) → 2.
    let perm: Vec<usize> = [24, 9, 23].into_iter().chain((0..25).filter(|i| ![24, 9, 23].contains(i))).collect();
    let c = case(5, &perm, 0.12);
    let (train, val) = modular_split(5, &perm, 0.12); // ⌊0.12·25⌋ = 3
    c.equal("train", &train, &vec![(4, 4, 3), (1, 4, 0), (4, 3, 2)])?;
    c.holds(val.iter().all(|&(_, _, y)| y < 5), "every label must be below p = 5")
}

fn edge_fractions() -> Outcome {
    let perm = perm49();
    let all: Vec<(usize, usize, usize)> = perm.iter().map(|&i| (i / 7, i % 7, (i / 7 + i % 7) % 7)).collect();
    let c = case(7, &perm, 0.0);
    let (train, val) = modular_split(7, &perm, 0.0);
    c.equal("train (f = 0)", &train, &vec![])?;
    c.equal("val (f = 0)", &val, &all)?;
    let c = case(7, &perm, 1.0);
    let (train, val) = modular_split(7, &perm, 1.0);
    c.equal("train (f = 1)", &train, &all)?;
    c.equal("val (f = 1)", &val, &vec![])?;
    let c = case(1, &[0], 0.5);
    let (train, val) = modular_split(1, &[0], 0.5); // ⌊0.5⌋ = 0
    c.equal("(train, val) for p = 1", &(train, val), &(vec![], vec![(0, 0, 0)]))
}
