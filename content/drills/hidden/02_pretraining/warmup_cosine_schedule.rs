use crate::grade::*;
use crate::learner::lr_at;

pub const TESTS: &[Test] = &[
    Test { name: "warmup_is_linear_from_step_zero", checks: "η(s) = η_max·(s + 1)/w during warmup: step 0 is η_max/w (not 0), step w − 1 is the peak", run: warmup_is_linear_from_step_zero },
    Test { name: "cosine_hand_values", checks: "the decay starts at the peak at s = w, is half way at the middle of [w, n) and uses (s − w)/(n − w)", run: cosine_hand_values },
    Test { name: "matches_cos_squared_form", checks: "every step of a GPT-like schedule equals η_min + (η_max − η_min)·cos²(π·x/2), the same curve written differently", run: matches_cos_squared_form },
    Test { name: "floor_after_the_end", checks: "from step n on the rate stays at η_min (the cosine must not swing back up)", run: floor_after_the_end },
    Test { name: "no_warmup", checks: "w = 0: step 0 is already the peak and the decay runs over all n steps", run: no_warmup },
    Test { name: "never_rises_after_warmup", checks: "after warmup the rate never increases and never drops below η_min", run: never_rises_after_warmup },
];

fn case(peak: f64, min_lr: f64, w: usize, n: usize) -> Case {
    Case::new().input_debug("peak", &peak).input_debug("min_lr", &min_lr).input_debug("warmup", &w).input_debug("total", &n)
}

fn curve(steps: &[usize], peak: f64, min_lr: f64, w: usize, n: usize) -> Vec<f64> {
    steps.iter().map(|&s| lr_at(s, peak, min_lr, w, n)).collect()
}

fn warmup_is_linear_from_step_zero() -> Outcome {
    let c = case(1.0, 0.1, 4, 14).input_debug("steps", &[0, 1, 2, 3]);
    c.close("lr at steps 0..4", &curve(&[0, 1, 2, 3], 1.0, 0.1, 4, 14), &[0.25, 0.5, 0.75, 1.0], &[4], 1e-12)?;
    // 3e-4 · (0 + 1)/10 and 3e-4 · (4 + 1)/10.
    let c = case(3e-4, 3e-5, 10, 100).input_debug("steps", &[0, 4]);
    c.close("lr at steps 0 and 4", &curve(&[0, 4], 3e-4, 3e-5, 10, 100), &[3e-5, 1.5e-4], &[2], 1e-12)
}

fn cosine_hand_values() -> Outcome {
    // η_max = 1, η_min = 0.1, w = 2, n = 10, so the decay has n − w = 8 steps; x = (s − 2)/8.
    // s = 2: x = 0, cos 0 = 1 → 1.0.  s = 4: x = ¼ → 0.1 + 0.45·(1 + √2/2) = 0.868198…
    // s = 6: x = ½ → 0.1 + 0.45 = 0.55.  s = 8: x = ¾ → 0.1 + 0.45·(1 − √2/2) = 0.231802…
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let want = [1.0, 0.1 + 0.45 * (1.0 + h), 0.55, 0.1 + 0.45 * (1.0 - h)];
    let steps = [2, 4, 6, 8];
    let c = case(1.0, 0.1, 2, 10).input_debug("steps", &steps);
    c.close("lr at steps 2, 4, 6, 8", &curve(&steps, 1.0, 0.1, 2, 10), &want, &[4], 1e-12)
}

fn matches_cos_squared_form() -> Outcome {
    // ½(1 + cos θ) = cos²(θ/2), so the decay is η_min + (η_max − η_min)·cos²(π·x/2).
    let (peak, min_lr, w, n) = (6e-4, 6e-5, 20, 200);
    let steps: Vec<usize> = (0..n + 10).collect();
    let want: Vec<f64> = steps
        .iter()
        .map(|&s| {
            if s < w {
                peak * (s as f64 + 1.0) / w as f64
            } else if s < n {
                let x = (s - w) as f64 / (n - w) as f64;
                min_lr + (peak - min_lr) * (std::f64::consts::FRAC_PI_2 * x).cos().powi(2)
            } else {
                min_lr
            }
        })
        .collect();
    let c = case(peak, min_lr, w, n).input_debug("steps", &"0..210");
    c.close("lr at every step", &curve(&steps, peak, min_lr, w, n), &want, &[steps.len()], 1e-12)
}

fn floor_after_the_end() -> Outcome {
    let steps = [14, 15, 20, 1000];
    let c = case(1.0, 0.1, 4, 14).input_debug("steps", &steps);
    c.close("lr at and after total", &curve(&steps, 1.0, 0.1, 4, 14), &[0.1; 4], &[4], 1e-12)
}

fn no_warmup() -> Outcome {
    // w = 0: x = s/n. s = 0 → peak; s = 5 of n = 10 → 0.5 (η_min = 0); s = 10 → 0.
    let steps = [0, 5, 10];
    let c = case(1.0, 0.0, 0, 10).input_debug("steps", &steps);
    c.close("lr with no warmup", &curve(&steps, 1.0, 0.0, 0, 10), &[1.0, 0.5, 0.0], &[3], 1e-12)
}

fn never_rises_after_warmup() -> Outcome {
    let (peak, min_lr, w, n) = (1e-3, 1e-4, 7, 53);
    let c = case(peak, min_lr, w, n);
    let mut prev = lr_at(w, peak, min_lr, w, n);
    c.scalar("lr at the end of warmup (step w)", prev, peak, 1e-12)?;
    for s in w + 1..n + 5 {
        let lr = lr_at(s, peak, min_lr, w, n);
        if lr > prev + 1e-15 || lr < min_lr - 1e-15 {
            return c.fail(&format!("lr at step {s} is {lr}, after {prev} at step {}: it must not rise, nor drop below min_lr = {min_lr}", s - 1));
        }
        prev = lr;
    }
    Ok(())
}
