use crate::grade::*;
use crate::learner::clip_grad_norm;

pub const TESTS: &[Test] = &[
    Test { name: "global_not_per_vector", checks: "[[3], [4]] has global norm 5: both scale by 1/(5 + 1e-6), not each clipped to 1 on its own", run: global_not_per_vector },
    Test { name: "returns_the_norm_before_clipping", checks: "the return value is ‖g‖ before clipping (what training logs show), not max_norm", run: returns_the_norm_before_clipping },
    Test { name: "below_the_limit_untouched", checks: "when ‖g‖ ≤ max_norm the gradients are not changed at all (no scale up to max_norm)", run: below_the_limit_untouched },
    Test { name: "direction_kept_norm_capped", checks: "after clipping, the gradients are a positive multiple of the originals with norm max_norm·‖g‖/(‖g‖ + 1e-6)", run: direction_kept_norm_capped },
    Test { name: "empty_and_zero", checks: "no gradients, empty vectors or all-zero gradients have norm 0 and stay as they are (no NaN)", run: empty_and_zero },
];

fn case(grads: &[Vec<f64>], max_norm: f64) -> Case {
    Case::new().input_debug("grads", &grads).input_debug("max_norm", &max_norm)
}

fn flat(g: &[Vec<f64>]) -> Vec<f64> {
    g.iter().flatten().copied().collect()
}

fn lens(g: &[Vec<f64>]) -> Vec<usize> {
    g.iter().map(Vec::len).collect()
}

fn global_not_per_vector() -> Outcome {
    let orig = vec![vec![3.0], vec![4.0]];
    let mut g = orig.clone();
    let c = case(&orig, 1.0);
    let norm = clip_grad_norm(&mut g, 1.0);
    c.scalar("returned norm", norm, 5.0, 1e-12)?;
    // √(3² + 4²) = 5 > 1: scale = 1/(5 + 1e-6) for both.
    let s = 1.0 / (5.0 + 1e-6);
    c.equal("lengths of the gradient vectors", &lens(&g), &lens(&orig))?;
    c.close("clipped gradients", &flat(&g), &[3.0 * s, 4.0 * s], &[2], 1e-12)
}

fn returns_the_norm_before_clipping() -> Outcome {
    let orig = vec![vec![1.0, -2.0], vec![], vec![2.0, 0.0, 4.0]];
    let mut g = orig.clone();
    let c = case(&orig, 0.5);
    // 1 + 4 + 4 + 16 = 25 → 5.
    c.scalar("returned norm", clip_grad_norm(&mut g, 0.5), 5.0, 1e-12)
}

fn below_the_limit_untouched() -> Outcome {
    let orig = vec![vec![0.3, -0.4], vec![0.1]];
    let mut g = orig.clone();
    let c = case(&orig, 1.0);
    let norm = clip_grad_norm(&mut g, 1.0);
    c.scalar("returned norm", norm, (0.09f64 + 0.16 + 0.01).sqrt(), 1e-12)?;
    c.equal("lengths of the gradient vectors", &lens(&g), &lens(&orig))?;
    c.close("gradients (below max_norm: unchanged)", &flat(&g), &flat(&orig), &[3], 0.0)
}

fn direction_kept_norm_capped() -> Outcome {
    let orig = vec![vec![0.5, -1.5, 2.0, 0.25], vec![-3.0, 1.0], vec![7.0]];
    let mut g = orig.clone();
    let max_norm = 2.0;
    let c = case(&orig, max_norm);
    let norm = clip_grad_norm(&mut g, max_norm);
    // Independent: the norm by explicit loops, then every entry times one scale.
    let mut sq = 0.0;
    for v in &orig {
        for x in v {
            sq += x * x;
        }
    }
    let want_norm = sq.sqrt();
    c.scalar("returned norm", norm, want_norm, 1e-12)?;
    let s = max_norm / (want_norm + 1e-6);
    let want: Vec<f64> = flat(&orig).iter().map(|x| x * s).collect();
    c.equal("lengths of the gradient vectors", &lens(&g), &lens(&orig))?;
    c.close("clipped gradients", &flat(&g), &want, &[want.len()], 1e-12)?;
    let after = flat(&g).iter().map(|x| x * x).sum::<f64>().sqrt();
    c.scalar("norm after clipping", after, max_norm * want_norm / (want_norm + 1e-6), 1e-12)
}

fn empty_and_zero() -> Outcome {
    let mut none: Vec<Vec<f64>> = vec![];
    let c = case(&none, 1.0);
    c.scalar("norm of no gradients", clip_grad_norm(&mut none, 1.0), 0.0, 0.0)?;
    let mut empty = vec![vec![], vec![]];
    let c = case(&empty, 1.0);
    c.scalar("norm of empty gradients", clip_grad_norm(&mut empty, 1.0), 0.0, 0.0)?;
    let orig = vec![vec![0.0, 0.0], vec![0.0]];
    let mut zero = orig.clone();
    let c = case(&orig, 1.0);
    c.scalar("norm of zero gradients", clip_grad_norm(&mut zero, 1.0), 0.0, 0.0)?;
    c.close("zero gradients", &flat(&zero), &[0.0; 3], &[3], 0.0)
}
