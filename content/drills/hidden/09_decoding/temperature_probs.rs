use crate::grade::*;
use crate::learner::temperature_probs;

pub const TESTS: &[Test] = &[
    Test { name: "t_one_is_softmax", checks: "T = 1 returns the plain softmax of the logits", run: t_one_is_softmax },
    Test { name: "power_of_probabilities", checks: "softmax(log p / T) = p^(1/T) / Σ p^(1/T): T = 0.5 squares, T = 2 takes square roots (divide by T, do not multiply)", run: power_of_probabilities },
    Test { name: "entropy_grows_with_t", checks: "the entropy rises strictly with T and very large T approaches uniform", run: entropy_grows_with_t },
    Test { name: "t_zero_is_one_hot", checks: "T == 0.0 gives exactly one-hot on the argmax, lowest index on ties (no division by zero)", run: t_zero_is_one_hot },
    Test { name: "tiny_t_does_not_overflow", checks: "T = 1e-3 with logits ~3 means exp(3000): shift by the max so the result is ~one-hot, not NaN", run: tiny_t_does_not_overflow },
    Test { name: "masked_logits", checks: "-inf logits get probability exactly 0 and the rest still sum to 1", run: masked_logits },
];

/// The textbook softmax, safe on the small inputs it is given here.
fn direct(z: &[f64]) -> Vec<f64> {
    let s: f64 = z.iter().map(|x| x.exp()).sum();
    z.iter().map(|x| x.exp() / s).collect()
}

fn t_one_is_softmax() -> Outcome {
    let z = [1.0, 2.0, 3.0, -0.5, 0.25];
    let c = Case::new().input("logits", &z, &[5]).input_debug("t", &1.0);
    c.close("temperature_probs(logits, 1)", &temperature_probs(&z, 1.0), &direct(&z), &[5], 1e-9)
}

fn power_of_probabilities() -> Outcome {
    let p = [0.1, 0.2, 0.3, 0.4];
    let z: Vec<f64> = p.iter().map(|x: &f64| x.ln()).collect();
    // T = 0.5: p² / Σ p² = [0.01, 0.04, 0.09, 0.16] / 0.30.
    let want: Vec<f64> = [0.01, 0.04, 0.09, 0.16].iter().map(|x| x / 0.30).collect();
    let c = Case::new().input("logits", &z, &[4]).input_debug("t", &0.5);
    c.close("temperature_probs(logits, 0.5)", &temperature_probs(&z, 0.5), &want, &[4], 1e-9)?;
    // T = 2: √p / Σ √p.
    let r: Vec<f64> = p.iter().map(|x| x.sqrt()).collect();
    let s: f64 = r.iter().sum();
    let want: Vec<f64> = r.iter().map(|x| x / s).collect();
    let c = Case::new().input("logits", &z, &[4]).input_debug("t", &2.0);
    c.close("temperature_probs(logits, 2)", &temperature_probs(&z, 2.0), &want, &[4], 1e-9)
}

fn entropy(p: &[f64]) -> f64 {
    p.iter().filter(|&&q| q > 0.0).map(|&q| -q * q.ln()).sum()
}

fn entropy_grows_with_t() -> Outcome {
    let z = [2.0, -1.0, 0.5, 0.0, 1.2];
    let ts = [0.25, 0.5, 1.0, 2.0, 4.0, 16.0];
    let mut prev = f64::NEG_INFINITY;
    for &t in &ts {
        let p = temperature_probs(&z, t);
        let c = Case::new().input("logits", &z, &[5]).input_debug("t", &t);
        c.close("length of the result", &[p.len() as f64], &[5.0], &[1], 0.0)?;
        let h = entropy(&p);
        c.holds(h > prev + 1e-6, &format!("entropy {h} at T = {t} is not above {prev} at the previous, smaller T"))?;
        prev = h;
    }
    let c = Case::new().input("logits", &z, &[5]).input_debug("t", &1e6);
    c.close("temperature_probs(logits, 1e6)", &temperature_probs(&z, 1e6), &[0.2; 5], &[5], 1e-5)
}

fn t_zero_is_one_hot() -> Outcome {
    let z = [0.2, 1.5, 1.5, -3.0];
    let c = Case::new().input("logits", &z, &[4]).input_debug("t", &0.0);
    c.close("temperature_probs(logits, 0)", &temperature_probs(&z, 0.0), &[0.0, 1.0, 0.0, 0.0], &[4], 0.0)?;
    let z = [-7.0, -9.0, f64::NEG_INFINITY];
    let c = Case::new().input("logits", &z, &[3]).input_debug("t", &0.0);
    c.close("temperature_probs(logits, 0)", &temperature_probs(&z, 0.0), &[1.0, 0.0, 0.0], &[3], 0.0)
}

fn tiny_t_does_not_overflow() -> Outcome {
    // z / T = [1000, 2000, 3000]: the others are e^-1000 and e^-2000 times the top one, i.e. 0.
    let z = [1.0, 2.0, 3.0];
    let c = Case::new().input("logits", &z, &[3]).input_debug("t", &1e-3);
    c.close("temperature_probs(logits, 1e-3)", &temperature_probs(&z, 1e-3), &[0.0, 0.0, 1.0], &[3], 1e-12)?;
    // Close logits at a small T: [1, 1.001] / 0.001 = [1000, 1001], same as softmax([0, 1]).
    let z = [1.0, 1.001];
    let c = Case::new().input("logits", &z, &[2]).input_debug("t", &1e-3);
    c.close("temperature_probs(logits, 1e-3)", &temperature_probs(&z, 1e-3), &direct(&[0.0, 1.0]), &[2], 1e-9)
}

fn masked_logits() -> Outcome {
    let inf = f64::NEG_INFINITY;
    let z = [0.5, inf, 1.5, inf];
    let t = 0.7;
    let d = direct(&[0.5 / t, 1.5 / t]);
    let c = Case::new().input("logits", &z, &[4]).input_debug("t", &t);
    c.close("temperature_probs(logits, 0.7)", &temperature_probs(&z, t), &[d[0], 0.0, d[1], 0.0], &[4], 1e-9)
}
