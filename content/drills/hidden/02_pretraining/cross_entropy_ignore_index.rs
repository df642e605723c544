use crate::grade::*;
use crate::learner::cross_entropy;

pub const TESTS: &[Test] = &[
    Test { name: "hand_worked_rows", checks: "loss of a row is logsumexp(z) − z_y, e.g. ln 2 for two equal logits", run: hand_worked_rows },
    Test { name: "matches_naive_formula", checks: "on small logits the result equals −mean log(exp(z_y) / Σ exp(z_j))", run: matches_naive_formula },
    Test { name: "ignored_rows_leave_the_mean", checks: "rows with target −100 are skipped and the mean divides by the rows that count, not by n", run: ignored_rows_leave_the_mean },
    Test { name: "large_logits", checks: "logits of ±1000 give finite exact losses (shift by the row max before exp)", run: large_logits },
    Test { name: "banned_class_logit", checks: "a −inf logit is a class with probability 0: it adds nothing to the sum, no NaN", run: banned_class_logit },
    Test { name: "nothing_counts_is_none", checks: "all targets ignored, or no rows at all, gives None (a mean over zero terms)", run: nothing_counts_is_none },
    Test { name: "ignore_index_is_the_argument", checks: "the ignored value is the ignore_index argument, not a hard-coded −100", run: ignore_index_is_the_argument },
];

/// The textbook form, safe only for small logits: −ln(exp(z_y) / Σ_j exp(z_j)), with explicit loops.
fn naive(logits: &[Vec<f64>], targets: &[i64], ignore: i64) -> f64 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for i in 0..logits.len() {
        if targets[i] == ignore {
            continue;
        }
        let mut z = 0.0;
        for j in 0..logits[i].len() {
            z += logits[i][j].exp();
        }
        sum += -(logits[i][targets[i] as usize].exp() / z).ln();
        n += 1.0;
    }
    sum / n
}

fn case(logits: &[Vec<f64>], targets: &[i64], ignore: i64) -> Case {
    Case::new().input_rows("logits", logits).input_debug("targets", &targets).input_debug("ignore_index", &ignore)
}

fn expect_some(c: &Case, got: Option<f64>, want: f64, tol: f64) -> Outcome {
    match got {
        Some(g) => c.scalar("loss", g, want, tol),
        None => c.fail(&format!("loss: expected Some({want}), got None although some targets count")),
    }
}

fn hand_worked_rows() -> Outcome {
    // [0, 0], y = 0: logsumexp = ln 2, minus 0 → ln 2.
    let l = vec![vec![0.0, 0.0]];
    let c = case(&l, &[0], -100);
    expect_some(&c, cross_entropy(&l, &[0], -100), std::f64::consts::LN_2, 1e-12)?;
    // [1, 2, 3], y = 2: ln(e + e² + e³) − 3 = ln(e⁻² + e⁻¹ + 1).
    let l = vec![vec![1.0, 2.0, 3.0]];
    let want = (1.0 + (-1.0f64).exp() + (-2.0f64).exp()).ln();
    let c = case(&l, &[2], -100);
    expect_some(&c, cross_entropy(&l, &[2], -100), want, 1e-12)?;
    // Both rows: the mean of the two.
    let l = vec![vec![0.0, 0.0], vec![2.0, 1.0]];
    // Second row, y = 0: ln(e² + e) − 2 = ln(1 + e⁻¹).
    let want = (std::f64::consts::LN_2 + (1.0 + (-1.0f64).exp()).ln()) / 2.0;
    let c = case(&l, &[1, 0], -100);
    expect_some(&c, cross_entropy(&l, &[1, 0], -100), want, 1e-12)
}

fn matches_naive_formula() -> Outcome {
    let l = vec![
        vec![0.3, -1.2, 2.5, 0.0, 0.7],
        vec![-0.4, 0.9, 0.1, 1.6, -2.0],
        vec![1.1, 1.1, -0.3, 0.2, 0.5],
        vec![-3.0, 0.0, 3.0, 0.5, -0.5],
    ];
    let t = [2, 0, 4, 1];
    let c = case(&l, &t, -100);
    expect_some(&c, cross_entropy(&l, &t, -100), naive(&l, &t, -100), 1e-9)
}

fn ignored_rows_leave_the_mean() -> Outcome {
    let l = vec![
        vec![0.5, -0.5, 1.5],
        vec![9.0, -9.0, 0.0],
        vec![-1.0, 2.0, 0.3],
        vec![4.0, 4.0, -4.0],
        vec![0.2, 0.1, -0.6],
    ];
    let t = [0, -100, 2, -100, 1];
    // Mean over the three counted rows only (a sum over them divided by 3, not 5).
    let c = case(&l, &t, -100);
    expect_some(&c, cross_entropy(&l, &t, -100), naive(&l, &t, -100), 1e-9)
}

fn large_logits() -> Outcome {
    let l = vec![vec![1000.0, 1000.0, -1000.0], vec![1000.0, 0.0, -1000.0], vec![-1000.0, -1000.0, -1000.0]];
    let t = [0, 1, 2];
    // Row 0: 1000 + ln(2 + e⁻²⁰⁰⁰) − 1000 = ln 2. Row 1: 1000 + ln(1 + e⁻¹⁰⁰⁰ + e⁻²⁰⁰⁰) − 0 = 1000. Row 2: three equal logits → ln 3.
    let want = (std::f64::consts::LN_2 + 1000.0 + 3.0f64.ln()) / 3.0;
    let c = case(&l, &t, -100);
    expect_some(&c, cross_entropy(&l, &t, -100), want, 1e-12)
}

fn banned_class_logit() -> Outcome {
    let inf = f64::NEG_INFINITY;
    let l = vec![vec![0.0, inf, 0.0], vec![inf, 5.0, inf]];
    let t = [2, 1];
    // Row 0: two live classes with equal logits → ln 2. Row 1: one live class, p = 1 → 0.
    let c = case(&l, &t, -100);
    expect_some(&c, cross_entropy(&l, &t, -100), std::f64::consts::LN_2 / 2.0, 1e-12)
}

fn nothing_counts_is_none() -> Outcome {
    let l = vec![vec![0.1, 0.2], vec![0.3, 0.4]];
    let c = case(&l, &[-100, -100], -100);
    c.equal("loss when every target is ignored", &cross_entropy(&l, &[-100, -100], -100), &None)?;
    let c = case(&[], &[], -100);
    c.equal("loss of zero rows", &cross_entropy(&[], &[], -100), &None)
}

fn ignore_index_is_the_argument() -> Outcome {
    // Here class 0 is padding: ignore_index = 0. Rows with target 0 are skipped.
    let l = vec![vec![2.0, 0.5, -1.0], vec![0.0, 1.0, 2.0], vec![3.0, 0.0, 0.0], vec![0.4, -0.2, 0.9]];
    let t = [0, 2, 0, 1];
    let c = case(&l, &t, 0);
    expect_some(&c, cross_entropy(&l, &t, 0), naive(&l, &t, 0), 1e-9)?;
    // Every target equal to ignore_index = 0: nothing counts.
    let c = case(&l, &[0, 0, 0, 0], 0);
    c.equal("loss when every target equals ignore_index = 0", &cross_entropy(&l, &[0, 0, 0, 0], 0), &None)
}
