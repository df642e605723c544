use crate::grade::*;
use crate::learner::dp_aggregate;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "clip each example to norm C, sum, add σCz, divide by L, on the contract's numbers", run: contract_by_hand },
    Test { name: "clipped_norm_is_exactly_c", checks: "an example with norm > C contributes exactly norm C in its own direction (L2 rescaling, not per-coordinate clamping); one at or below C is untouched", run: clipped_norm_is_exactly_c },
    Test { name: "per_example_not_batch_clipping", checks: "each example is clipped by its own norm before summing, not the summed gradient", run: per_example_not_batch_clipping },
    Test { name: "zero_noise_expected_batch", checks: "σ = 0 gives Σ clipped / L, dividing by the expected batch size L, not the number of examples", run: zero_noise_expected_batch },
    Test { name: "noise_scale_and_zero_grads", checks: "zero gradients stay zero (no NaN) and the noise is σ·C·z, added before dividing by L", run: noise_scale_and_zero_grads },
    Test { name: "empty_batch", checks: "a Poisson-sampled batch can be empty: the result is the noise σCz/L alone", run: empty_batch },
];

fn case(grads: &[Vec<f64>], clip: f64, sigma: f64, z: &[f64], l: f64) -> Case {
    Case::new()
        .input_rows("grads", grads)
        .input_debug("(clip, sigma, expected_batch)", &(clip, sigma, l))
        .input("z", z, &[z.len()])
}

fn contract_by_hand() -> Outcome {
    // ‖[3, 4]‖ = 5 > 1 → [0.6, 0.8]; ‖[0.3, 0.4]‖ = 0.5 ≤ 1 → kept. Sum [0.9, 1.2];
    // noise 0.5·1·[1, -2] = [0.5, -1]; (sum + noise) / 2 = [0.7, 0.1].
    let grads = vec![vec![3.0, 4.0], vec![0.3, 0.4]];
    let z = [1.0, -2.0];
    let c = case(&grads, 1.0, 0.5, &z, 2.0);
    c.close("noisy gradient", &dp_aggregate(&grads, 1.0, 0.5, &z, 2.0), &[0.7, 0.1], &[2], 1e-12)
}

fn clipped_norm_is_exactly_c() -> Outcome {
    // ‖[3, 4, 12]‖ = 13; C = 2.6 → factor 0.2 → [0.6, 0.8, 2.4], whose norm is 2.6.
    let grads = vec![vec![3.0, 4.0, 12.0]];
    let z = [0.0; 3];
    let c = case(&grads, 2.6, 0.0, &z, 1.0);
    let got = dp_aggregate(&grads, 2.6, 0.0, &z, 1.0);
    c.close("clipped gradient", &got, &[0.6, 0.8, 2.4], &[3], 1e-12)?;
    c.scalar("its L2 norm", got.iter().map(|v| v * v).sum::<f64>().sqrt(), 2.6, 1e-12)?;
    // Norm exactly C (13) and below C: unchanged.
    for clip in [13.0, 20.0] {
        let c = case(&grads, clip, 0.0, &z, 1.0);
        c.close("gradient inside the ball", &dp_aggregate(&grads, clip, 0.0, &z, 1.0), &[3.0, 4.0, 12.0], &[3], 1e-12)?;
    }
    Ok(())
}

fn per_example_not_batch_clipping() -> Outcome {
    // [3, 0] → [1, 0] and [0, 4] → [0, 1]: sum [1, 1], over L = 2: [0.5, 0.5].
    // Clipping the sum [3, 4] instead would give [0.6, 0.8] / 2.
    let grads = vec![vec![3.0, 0.0], vec![0.0, 4.0]];
    let z = [0.0, 0.0];
    let c = case(&grads, 1.0, 0.0, &z, 2.0);
    c.close("noisy gradient", &dp_aggregate(&grads, 1.0, 0.0, &z, 2.0), &[0.5, 0.5], &[2], 1e-12)
}

fn zero_noise_expected_batch() -> Outcome {
    // C = 2: [0, 6] → [0, 2]; [1, -1] (norm √2 < 2) kept; [-4, 0] → [-2, 0]. Sum [-1, 1].
    // Divided by L = 4 (three examples arrived, four expected): [-0.25, 0.25].
    let grads = vec![vec![0.0, 6.0], vec![1.0, -1.0], vec![-4.0, 0.0]];
    let z = [0.7, -1.3];
    let c = case(&grads, 2.0, 0.0, &z, 4.0);
    c.close("noisy gradient (σ = 0)", &dp_aggregate(&grads, 2.0, 0.0, &z, 4.0), &[-0.25, 0.25], &[2], 1e-12)
}

fn noise_scale_and_zero_grads() -> Outcome {
    // Zero gradients contribute nothing; noise σ C z = 0.8·3·z = 2.4 z; over L = 4: 0.6 z.
    let grads = vec![vec![0.0; 3], vec![0.0; 3]];
    let z = [1.0, -0.5, 2.0];
    let c = case(&grads, 3.0, 0.8, &z, 4.0);
    c.close("noisy gradient", &dp_aggregate(&grads, 3.0, 0.8, &z, 4.0), &[0.6, -0.3, 1.2], &[3], 1e-12)?;
    let c = case(&grads, 3.0, 0.0, &z, 4.0);
    c.close("noisy gradient (σ = 0)", &dp_aggregate(&grads, 3.0, 0.0, &z, 4.0), &[0.0; 3], &[3], 0.0)
}

fn empty_batch() -> Outcome {
    // No examples: σ C z / L = 1·1·[1, 2] / 2.
    let z = [1.0, 2.0];
    let c = case(&[], 1.0, 1.0, &z, 2.0);
    c.close("noisy gradient", &dp_aggregate(&[], 1.0, 1.0, &z, 2.0), &[0.5, 1.0], &[2], 1e-12)
}
