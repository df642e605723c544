use crate::grade::*;
use crate::learner::{adamw_step, AdamW};

pub const TESTS: &[Test] = &[
    Test { name: "first_step_is_lr_times_sign", checks: "on step 1 m̂ = g and √v̂ = |g|, so p moves by η·g/(|g| + ε); m = (1−β₁)g, v = (1−β₂)g²", run: first_step_is_lr_times_sign },
    Test { name: "eps_outside_the_sqrt", checks: "ε is added to √v̂, not inside the root: a gradient of 1e-8 with ε = 1e-8 moves p by η/2", run: eps_outside_the_sqrt },
    Test { name: "bias_correction", checks: "with a constant gradient the corrected m̂/√v̂ is sign(g) at every step, so p moves by η each step", run: bias_correction },
    Test { name: "zero_decay_is_adam", checks: "λ = 0 over three steps matches Adam written with the moments as explicit weighted sums of past gradients", run: zero_decay_is_adam },
    Test { name: "decay_is_decoupled", checks: "with g = 0 only the decay acts, p ← p(1 − ηλ); λp is not added to the gradient (that would move p by η)", run: decay_is_decoupled },
    Test { name: "decay_uses_the_old_p", checks: "p ← p − ηλp − η·m̂/(√v̂ + ε), the decay computed from p before this step's update", run: decay_uses_the_old_p },
];

const ADAM: AdamW = AdamW { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 };

fn case(p: &[f64], g: &[f64], m: &[f64], v: &[f64], t: u32, opt: &AdamW) -> Case {
    let n = p.len();
    Case::new()
        .input("p", p, &[n])
        .input("g", g, &[n])
        .input("m", m, &[n])
        .input("v", v, &[n])
        .input_debug("t", &t)
        .input_debug("opt", opt)
}

fn first_step_is_lr_times_sign() -> Outcome {
    let p0 = [1.0, -2.0, 0.5, 3.0];
    let g = [0.5, -3.0, 0.0, 1e-3];
    let (mut p, mut m, mut v) = (p0, [0.0; 4], [0.0; 4]);
    let c = case(&p0, &g, &m, &v, 1, &ADAM);
    adamw_step(&mut p, &g, &mut m, &mut v, 1, &ADAM);
    // m = 0.1·g, v = 0.001·g²; m̂ = m/0.1 = g, v̂ = v/0.001 = g², so the step is η·g/(|g| + ε).
    let want_m: Vec<f64> = g.iter().map(|g| 0.1 * g).collect();
    let want_v: Vec<f64> = g.iter().map(|g| 0.001 * g * g).collect();
    let want_p: Vec<f64> = p0.iter().zip(&g).map(|(p, g)| p - 0.01 * g / (g.abs() + 1e-8)).collect();
    c.close("m after step 1", &m, &want_m, &[4], 1e-12)?;
    c.close("v after step 1", &v, &want_v, &[4], 1e-12)?;
    c.close("p after step 1", &p, &want_p, &[4], 1e-12)
}

fn eps_outside_the_sqrt() -> Outcome {
    let p0 = [0.0, 0.0];
    let g = [1e-8, -1e-8];
    let (mut p, mut m, mut v) = (p0, [0.0; 2], [0.0; 2]);
    let c = case(&p0, &g, &m, &v, 1, &ADAM);
    adamw_step(&mut p, &g, &mut m, &mut v, 1, &ADAM);
    // m̂ = g, √v̂ = 1e-8: step = η · 1e-8 / (1e-8 + 1e-8) = η/2 = 0.005.
    c.close("p after step 1", &p, &[-0.005, 0.005], &[2], 1e-9)
}

fn bias_correction() -> Outcome {
    let p0 = [1.0, -1.0];
    let g = [0.2, -4.0];
    let (mut p, mut m, mut v) = (p0, [0.0; 2], [0.0; 2]);
    let c = case(&p0, &g, &m, &v, 1, &ADAM).input_debug("steps", &"t = 1..=5, the same g every step");
    for t in 1..=5 {
        adamw_step(&mut p, &g, &mut m, &mut v, t, &ADAM);
    }
    // After t steps of a constant g: m = (1 − β₁ᵗ)g and v = (1 − β₂ᵗ)g² exactly, so m̂ = g and
    // √v̂ = |g|: each of the 5 steps moves p by η·g/(|g| + ε).
    let want_m: Vec<f64> = g.iter().map(|g| (1.0 - 0.9f64.powi(5)) * g).collect();
    let want_v: Vec<f64> = g.iter().map(|g| (1.0 - 0.999f64.powi(5)) * g * g).collect();
    let want_p: Vec<f64> = p0.iter().zip(&g).map(|(p, g)| p - 5.0 * 0.01 * g / (g.abs() + 1e-8)).collect();
    c.close("m after 5 steps", &m, &want_m, &[2], 1e-12)?;
    c.close("v after 5 steps", &v, &want_v, &[2], 1e-12)?;
    c.close("p after 5 steps", &p, &want_p, &[2], 1e-10)
}

fn zero_decay_is_adam() -> Outcome {
    let opt = AdamW { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weight_decay: 0.0 };
    let p0 = [0.3, -0.7, 2.0];
    let grads = [[0.4, -1.0, 0.0], [-0.2, -0.5, 2.0], [0.1, 0.3, -1.5]];
    let (mut p, mut m, mut v) = (p0, [0.0; 3], [0.0; 3]);
    let c = case(&p0, &grads[0], &m, &v, 1, &opt).input_debug("gradients of steps 1, 2, 3", &grads);
    for t in 1..=3u32 {
        adamw_step(&mut p, &grads[t as usize - 1], &mut m, &mut v, t, &opt);
    }
    // Adam with the moments unrolled: m_t = (1−β₁) Σ_{s≤t} β₁^(t−s) g_s, likewise v_t with g².
    let mut want_p = p0;
    let (mut want_m, mut want_v) = ([0.0; 3], [0.0; 3]);
    for t in 1..=3i32 {
        for j in 0..3 {
            let mut ms = 0.0;
            let mut vs = 0.0;
            for s in 1..=t {
                let gs = grads[s as usize - 1][j];
                ms += (1.0 - opt.beta1) * opt.beta1.powi(t - s) * gs;
                vs += (1.0 - opt.beta2) * opt.beta2.powi(t - s) * gs * gs;
            }
            want_m[j] = ms;
            want_v[j] = vs;
            let m_hat = ms / (1.0 - opt.beta1.powi(t));
            let v_hat = vs / (1.0 - opt.beta2.powi(t));
            want_p[j] -= opt.lr * m_hat / (v_hat.sqrt() + opt.eps);
        }
    }
    c.close("m after 3 steps", &m, &want_m, &[3], 1e-12)?;
    c.close("v after 3 steps", &v, &want_v, &[3], 1e-12)?;
    c.close("p after 3 steps", &p, &want_p, &[3], 1e-10)
}

fn decay_is_decoupled() -> Outcome {
    let opt = AdamW { lr: 0.5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.1 };
    let p0 = [2.0, -4.0, 0.0];
    let g = [0.0; 3];
    let (mut p, mut m, mut v) = (p0, [0.0; 3], [0.0; 3]);
    let c = case(&p0, &g, &m, &v, 1, &opt);
    adamw_step(&mut p, &g, &mut m, &mut v, 1, &opt);
    // g = 0: m = v = 0 and the Adam step is 0/(0 + ε) = 0; p ← p(1 − 0.5·0.1) = 0.95p.
    // (Adding λp to g instead would give m̂/√v̂ = sign(p) and move p by η = 0.5.)
    c.close("p after a step with zero gradient", &p, &[1.9, -3.8, 0.0], &[3], 1e-12)?;
    c.close("m (the gradient was 0)", &m, &[0.0; 3], &[3], 0.0)?;
    c.close("v (the gradient was 0)", &v, &[0.0; 3], &[3], 0.0)
}

fn decay_uses_the_old_p() -> Outcome {
    let opt = AdamW { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.5 };
    let p0 = [1.0, -3.0];
    let g = [2.0, 0.5];
    let (mut p, mut m, mut v) = (p0, [0.0; 2], [0.0; 2]);
    let c = case(&p0, &g, &m, &v, 1, &opt);
    adamw_step(&mut p, &g, &mut m, &mut v, 1, &opt);
    // p − ηλp − η·g/(|g| + ε) = 0.95p − 0.1·g/(|g| + 1e-8): [0.95 − 0.1, −2.85 − 0.1] ≈ [0.85, −2.95].
    let want: Vec<f64> = p0.iter().zip(&g).map(|(p, g)| 0.95 * p - 0.1 * g / (g.abs() + 1e-8)).collect();
    c.close("p after step 1", &p, &want, &[2], 1e-12)
}
