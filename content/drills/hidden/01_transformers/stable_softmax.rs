use crate::grade::*;
use crate::learner::softmax;

pub const TESTS: &[Test] = &[
    Test { name: "small_row", checks: "softmax(x)_i = exp(x_i) / Σ exp(x_j) on a small row", run: small_row },
    Test { name: "large_logits", checks: "logits near 1000 do not overflow (shift by the max first)", run: large_logits },
    Test { name: "shift_invariance", checks: "adding a constant to every logit leaves the softmax unchanged", run: shift_invariance },
    Test { name: "masked_entries", checks: "-inf entries get probability exactly 0 and the rest still sum to 1", run: masked_entries },
    Test { name: "fully_masked_row", checks: "a row that is all -inf gives all zeros, not NaN", run: fully_masked_row },
    Test { name: "single_and_empty", checks: "one entry gives [1.0]; an empty row gives an empty row", run: single_and_empty },
];

/// The textbook formula, safe here because the grader only feeds it small logits.
fn direct(x: &[f64]) -> Vec<f64> {
    let z: f64 = x.iter().map(|v| v.exp()).sum();
    x.iter().map(|v| v.exp() / z).collect()
}

fn small_row() -> Outcome {
    let x = [1.0, 2.0, 3.0, -0.5];
    let c = Case::new().input("x", &x, &[4]);
    c.close("softmax(x)", &softmax(&x), &direct(&x), &[4], 1e-9)
}

fn large_logits() -> Outcome {
    let x = [1000.0, 1001.0, 999.0];
    let c = Case::new().input("x", &x, &[3]);
    // softmax is shift-invariant, so the answer equals that of [1, 2, 0].
    c.close("softmax(x)", &softmax(&x), &direct(&[1.0, 2.0, 0.0]), &[3], 1e-9)
}

fn shift_invariance() -> Outcome {
    let x = [0.3, -1.2, 2.5, 0.0, 0.7];
    let shifted: Vec<f64> = x.iter().map(|v| v - 40.0).collect();
    let c = Case::new().input("x", &shifted, &[5]);
    c.close("softmax(x - 40)", &softmax(&shifted), &direct(&x), &[5], 1e-9)
}

fn masked_entries() -> Outcome {
    let inf = f64::NEG_INFINITY;
    let x = [0.5, inf, 1.5, inf];
    let c = Case::new().input("x", &x, &[4]);
    let d = direct(&[0.5, 1.5]);
    c.close("softmax(x)", &softmax(&x), &[d[0], 0.0, d[1], 0.0], &[4], 1e-9)
}

fn fully_masked_row() -> Outcome {
    let x = [f64::NEG_INFINITY; 3];
    let c = Case::new().input("x", &x, &[3]);
    c.close("softmax(x)", &softmax(&x), &[0.0; 3], &[3], 0.0)
}

fn single_and_empty() -> Outcome {
    let c = Case::new().input("x", &[-7.0], &[1]);
    c.close("softmax([-7])", &softmax(&[-7.0]), &[1.0], &[1], 1e-12)?;
    let c = Case::new().input("x", &[], &[0]);
    c.close("softmax([])", &softmax(&[]), &[], &[0], 0.0)
}
