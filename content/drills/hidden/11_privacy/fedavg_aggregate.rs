use crate::grade::*;
use crate::learner::fedavg;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "θ = Σ nₖθₖ / Σ nₖ on the contract's numbers", run: contract_by_hand },
    Test { name: "weighted_by_data_size", checks: "clients are weighted by nₖ: not the plain mean of the models, and not weighted by 1/nₖ", run: weighted_by_data_size },
    Test { name: "result_has_model_length", checks: "the result has one entry per parameter (d), not one per client", run: result_has_model_length },
    Test { name: "empty_clients_skipped", checks: "a client with nₖ = 0 adds nothing to the sum or the total, even if its model holds huge values or NaN", run: empty_clients_skipped },
    Test { name: "nothing_to_average", checks: "no models, or all nₖ = 0, gives None instead of dividing by zero", run: nothing_to_average },
    Test { name: "averages_are_consistent", checks: "one client gives its own model back, identical models give that model, and scaling every nₖ changes nothing", run: averages_are_consistent },
];

fn case(models: &[Vec<f64>], sizes: &[usize]) -> Case {
    Case::new().input_rows("models", models).input_debug("sizes", &sizes)
}

fn check(models: &[Vec<f64>], sizes: &[usize], want: &[f64]) -> Outcome {
    let c = case(models, sizes);
    match fedavg(models, sizes) {
        None => c.fail("expected Some(average), got None: at least one client has data"),
        Some(got) => c.close("averaged model", &got, want, &[want.len()], 1e-12),
    }
}

fn contract_by_hand() -> Outcome {
    // (1·[1, 2] + 3·[4, 8]) / (1 + 3) = [13, 26] / 4 = [3.25, 6.5].
    check(&[vec![1.0, 2.0], vec![4.0, 8.0]], &[1, 3], &[3.25, 6.5])
}

fn weighted_by_data_size() -> Outcome {
    // (3·[0, 10] + 1·[8, 2]) / 4 = [8, 32] / 4 = [2, 8].
    // The plain mean would be [4, 6]; weights 1/nₖ would give ([0, 10]/3 + [8, 2]) / (4/3) = [6, 4].
    check(&[vec![0.0, 10.0], vec![8.0, 2.0]], &[3, 1], &[2.0, 8.0])?;
    // Three clients, sizes 10, 30, 60 (total 100):
    // 0.1·[1, -1] + 0.3·[2, 0] + 0.6·[-1, 5] = [0.1 + 0.6 − 0.6, −0.1 + 0 + 3] = [0.1, 2.9].
    check(&[vec![1.0, -1.0], vec![2.0, 0.0], vec![-1.0, 5.0]], &[10, 30, 60], &[0.1, 2.9])
}

fn result_has_model_length() -> Outcome {
    // Two clients, d = 4: (1·[1, 2, 3, 4] + 1·[3, 2, 1, 0]) / 2 = [2, 2, 2, 2].
    check(&[vec![1.0, 2.0, 3.0, 4.0], vec![3.0, 2.0, 1.0, 0.0]], &[5, 5], &[2.0, 2.0, 2.0, 2.0])?;
    // Four clients, d = 1: (1·4 + 2·1 + 1·0 + 4·(−1)) / 8 = 2/8 = 0.25.
    check(&[vec![4.0], vec![1.0], vec![0.0], vec![-1.0]], &[1, 2, 1, 4], &[0.25])
}

fn empty_clients_skipped() -> Outcome {
    // The 0-size client is not counted: (2·[1, 1] + 2·[3, 5]) / 4 = [2, 3].
    check(&[vec![1.0, 1.0], vec![1e9, -1e9], vec![3.0, 5.0]], &[2, 0, 2], &[2.0, 3.0])?;
    // A client that trained on nothing may send garbage: 0·NaN is NaN, so it must be skipped,
    // not multiplied by zero. (4·[0.5, 1.5]) / 4 = [0.5, 1.5].
    check(&[vec![f64::NAN, f64::NAN], vec![0.5, 1.5]], &[0, 4], &[0.5, 1.5])
}

fn nothing_to_average() -> Outcome {
    let c = case(&[], &[]);
    c.equal("fedavg(no models)", &fedavg(&[], &[]), &None)?;
    let models = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
    let c = case(&models, &[0, 0]);
    c.equal("fedavg(every client has nₖ = 0)", &fedavg(&models, &[0, 0]), &None)
}

fn averages_are_consistent() -> Outcome {
    // One client: n·θ / n = θ.
    check(&[vec![0.3, -7.0, 2.5]], &[17], &[0.3, -7.0, 2.5])?;
    // Identical models: Σ nₖ θ / Σ nₖ = θ.
    let same = vec![vec![1.5, -0.25]; 3];
    check(&same, &[1, 7, 100], &[1.5, -0.25])?;
    // Only the proportions matter: sizes [1, 3] and [1000, 3000] give the same [3.25, 6.5].
    check(&[vec![1.0, 2.0], vec![4.0, 8.0]], &[1000, 3000], &[3.25, 6.5])
}
