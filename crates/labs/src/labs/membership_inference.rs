//! Lab `membership-inference`: how well an attacker tells training examples from fresh ones, with
//! and without DP-SGD.
//!
//! A target classifier is trained on a small member set from a hard Gaussian-clusters task
//! ([`dojo::data::clusters`]), long enough to overfit. Two attacks ([`dojo::privacy::membership`])
//! then score the members and as many non-members: the loss threshold, and a shadow-model attack
//! whose shadows the attacker trains with the same recipe on data of its own. The same is done
//! for targets trained with DP-SGD at several noise multipliers, ε from the RDP accountant. The
//! report plots attack AUC against ε, the ROC curves, and the best measured advantage against the
//! bound (e^ε − 1 + 2δ)/(e^ε + 1) that (ε, δ)-DP places on any attack.
//!
//! Code under test: [`dojo::privacy::membership`], [`dojo::privacy::dp_sgd`], [`dojo::privacy::rdp`].

use crate::context::RunContext;
use crate::lab::{Experiment, LabConfig, LabError, LabInfo};
use crate::plot::{Plot, Series};
use crate::report::{fmt_num, Report};
use candle_core::{Device, Tensor};
use dojo::data::clusters::Clusters;
use dojo::nn::Rng;
use dojo::privacy::dp_sgd::DpSgd;
use dojo::privacy::membership::{advantage_bound, auc, max_advantage, roc, tpr_at_fpr, ShadowAttack};
use dojo::privacy::mlp::Mlp;
use dojo::privacy::rdp::dp_sgd_epsilon;
use serde::{Deserialize, Serialize};

/// Configuration of `membership-inference`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipConfig {
    /// Seed of the data, the weights and the training noise.
    pub seed: u64,
    /// Input dimension d, e.g. 50.
    pub dim: usize,
    /// Classes K, e.g. 10.
    pub classes: usize,
    /// Std of the class centres against unit noise, e.g. 0.35 (small: a hard task that overfits).
    pub spread: f64,
    /// Members N (the target's training set), e.g. 1000; as many non-members are scored.
    pub members: usize,
    /// Hidden width H, e.g. 128.
    pub hidden: usize,
    /// Expected batch size qN, e.g. 50.
    pub batch: usize,
    /// Training steps T, e.g. 500 (T·q = 25 epochs).
    pub steps: usize,
    /// Learning rate η, e.g. 0.2.
    pub lr: f64,
    /// Clipping norm C of the DP runs, e.g. 1.0.
    pub clip: f64,
    /// δ of the (ε, δ) guarantee, e.g. 1e-5.
    pub delta: f64,
    /// Noise multipliers σ of the DP targets, e.g. [0.7, 1.5, 4.0, 8.0].
    pub sigmas: Vec<f64>,
    /// Shadow models per target, e.g. 2.
    pub shadows: usize,
}

impl LabConfig for MembershipConfig {
    fn tiny() -> Self {
        Self {
            seed: 0,
            dim: 50,
            classes: 10,
            spread: 0.35,
            members: 1000,
            hidden: 128,
            batch: 50,
            steps: 500,
            lr: 0.2,
            clip: 1.0,
            delta: 1e-5,
            sigmas: vec![0.7, 1.5, 4.0, 8.0],
            shadows: 2,
        }
    }

    fn full() -> Self {
        Self {
            members: 2000,
            hidden: 256,
            batch: 100,
            steps: 1000,
            shadows: 4,
            sigmas: vec![0.6, 1.0, 1.5, 2.5, 4.0, 8.0],
            ..Self::tiny()
        }
    }

    fn seed(&self) -> u64 {
        self.seed
    }

    fn validate(&self) -> Result<(), String> {
        if self.dim == 0 || self.classes < 2 || self.hidden == 0 || self.steps == 0 || self.shadows == 0 {
            return Err("dim, hidden, steps and shadows must be ≥ 1 and classes ≥ 2".into());
        }
        if self.members < 2 || self.batch == 0 || self.batch > self.members {
            return Err(format!("batch must be in 1..={} (the members), got {}", self.members, self.batch));
        }
        if !(self.spread > 0.0 && self.lr > 0.0 && self.clip > 0.0 && self.clip.is_finite()) {
            return Err("spread, lr and clip must be > 0 (clip finite)".into());
        }
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return Err(format!("delta must be in (0, 1), got {}", self.delta));
        }
        if self.sigmas.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
            return Err(format!("sigmas must be positive, got {:?}", self.sigmas));
        }
        Ok(())
    }
}

/// The `membership-inference` lab.
#[derive(Debug, Clone, Copy, Default)]
pub struct MembershipInference;

/// One target's training recipe and what the attacks achieved against it.
struct Outcome {
    label: String,
    sigma: f64,
    epsilon: f64,
    train_accuracy: f64,
    test_accuracy: f64,
    loss_auc: f64,
    shadow_auc: f64,
    advantage: f64,
    tpr_at_1pct: f64,
    roc: Vec<(f64, f64)>,
}

/// A fresh member set and non-member set from the task.
fn split(clusters: &Clusters, n: usize, rng: &mut Rng, dev: &Device) -> Result<[(Tensor, Tensor); 2], LabError> {
    Ok([clusters.sample(n, rng, dev)?, clusters.sample(n, rng, dev)?])
}

/// Trains a model on (x, y) with the recipe `dp` for `steps` steps.
fn train(cfg: &MembershipConfig, dp: &DpSgd, data: &(Tensor, Tensor), seed: u64) -> Result<Mlp, LabError> {
    let mut model = Mlp::new(cfg.dim, cfg.hidden, cfg.classes, &mut Rng::new(seed), data.0.device())?;
    let mut rng = Rng::new(seed).fork(1);
    for _ in 0..cfg.steps {
        dp.step(&mut model, &data.0, &data.1, &mut rng)?;
    }
    Ok(model)
}

fn losses(model: &Mlp, data: &(Tensor, Tensor)) -> Result<Vec<f64>, LabError> {
    Ok(model.losses(&data.0, &data.1)?.to_vec1::<f32>()?.into_iter().map(f64::from).collect())
}

impl Experiment for MembershipInference {
    type Config = MembershipConfig;

    const INFO: LabInfo = LabInfo {
        name: "membership-inference",
        topic: "privacy",
        title: "Membership inference against plain and DP-SGD training",
        summary: "Loss-threshold and shadow-model attacks on an overfit classifier and on DP-SGD ones: attack AUC against ε, with the DP bound.",
    };

    fn run(&self, cfg: &MembershipConfig, ctx: &mut RunContext<'_>) -> Result<Report, LabError> {
        let dev = Device::Cpu;
        let mut data_rng = Rng::new(cfg.seed);
        let clusters = Clusters::new(cfg.dim, cfg.classes, cfg.spread, &mut data_rng)?;
        let [members, nonmembers] = split(&clusters, cfg.members, &mut data_rng, &dev)?;
        // The attacker's own data, from the same distribution, disjoint from the target's.
        let shadow_data: Vec<[(Tensor, Tensor); 2]> =
            (0..cfg.shadows).map(|_| split(&clusters, cfg.members, &mut data_rng, &dev)).collect::<Result<_, _>>()?;
        let q = cfg.batch as f64 / cfg.members as f64;

        let mut recipes = vec![("no DP".to_string(), 0.0, f64::INFINITY)];
        recipes.extend(cfg.sigmas.iter().map(|&s| (format!("DP-SGD σ = {s}"), s, cfg.clip)));
        let total = (recipes.len() * (1 + cfg.shadows)) as u64;
        let mut outcomes = Vec::new();
        for (i, (label, sigma, clip)) in recipes.into_iter().enumerate() {
            let dp = DpSgd { q, clip, sigma, lr: cfg.lr };
            let target = train(cfg, &dp, &members, cfg.seed.wrapping_add(100 + i as u64))?;
            ctx.progress((i * (1 + cfg.shadows) + 1) as u64, total, &format!("{label}: target"));
            // Shadows: same recipe, attacker's data, known membership.
            let (mut shadow_in, mut shadow_out) = (Vec::new(), Vec::new());
            for (k, [s_in, s_out]) in shadow_data.iter().enumerate() {
                let shadow = train(cfg, &dp, s_in, cfg.seed.wrapping_add(1000 + 100 * k as u64 + i as u64))?;
                shadow_in.extend(losses(&shadow, s_in)?);
                shadow_out.extend(losses(&shadow, s_out)?);
                ctx.progress((i * (1 + cfg.shadows) + 2 + k) as u64, total, &format!("{label}: shadow {}", k + 1));
            }
            let attack = ShadowAttack::fit(&shadow_in, &shadow_out)?;
            let (l_in, l_out) = (losses(&target, &members)?, losses(&target, &nonmembers)?);
            let neg = |v: &[f64]| v.iter().map(|l| -l).collect::<Vec<f64>>();
            let (s_in, s_out) = (neg(&l_in), neg(&l_out)); // loss-threshold scores
            let shadow_scores = |v: &[f64]| v.iter().map(|&l| attack.score(l)).collect::<Vec<f64>>();
            let epsilon = if sigma > 0.0 {
                dp_sgd_epsilon(q, sigma, cfg.steps as u64, cfg.delta)?.epsilon
            } else {
                f64::INFINITY
            };
            let o = Outcome {
                label,
                sigma,
                epsilon,
                train_accuracy: target.accuracy(&members.0, &members.1)?,
                test_accuracy: target.accuracy(&nonmembers.0, &nonmembers.1)?,
                loss_auc: auc(&s_in, &s_out)?,
                shadow_auc: auc(&shadow_scores(&l_in), &shadow_scores(&l_out))?,
                advantage: max_advantage(&s_in, &s_out),
                tpr_at_1pct: tpr_at_fpr(&s_in, &s_out, 0.01),
                roc: roc(&s_in, &s_out),
            };
            ctx.log(serde_json::json!({
                "target": o.label, "sigma": sigma, "epsilon": epsilon.is_finite().then_some(epsilon),
                "train_accuracy": o.train_accuracy, "test_accuracy": o.test_accuracy,
                "loss_auc": o.loss_auc, "shadow_auc": o.shadow_auc, "advantage": o.advantage,
                "tpr_at_1pct_fpr": o.tpr_at_1pct,
            }))?;
            outcomes.push(o);
        }
        Ok(report(cfg, q, &outcomes))
    }
}

fn report(cfg: &MembershipConfig, q: f64, outs: &[Outcome]) -> Report {
    let mut r = Report::default();
    let (plain, private) = (&outs[0], &outs[1..]);
    r.metric("plain_loss_auc", plain.loss_auc);
    r.metric("plain_shadow_auc", plain.shadow_auc);
    r.metric("plain_train_accuracy", plain.train_accuracy);
    r.metric("plain_test_accuracy", plain.test_accuracy);
    r.metric("plain_tpr_at_1pct_fpr", plain.tpr_at_1pct);
    for o in private {
        r.metric(&format!("epsilon_sigma_{}", o.sigma), o.epsilon);
        r.metric(&format!("loss_auc_sigma_{}", o.sigma), o.loss_auc);
        r.metric(&format!("shadow_auc_sigma_{}", o.sigma), o.shadow_auc);
        r.metric(&format!("advantage_sigma_{}", o.sigma), o.advantage);
        r.metric(&format!("advantage_bound_sigma_{}", o.sigma), advantage_bound(o.epsilon, cfg.delta));
        r.metric(&format!("test_accuracy_sigma_{}", o.sigma), o.test_accuracy);
    }
    if let Some(most) = private.iter().min_by(|a, b| a.epsilon.total_cmp(&b.epsilon)) {
        r.metric("smallest_epsilon", most.epsilon);
        r.metric("loss_auc_smallest_epsilon", most.loss_auc);
        r.metric("shadow_auc_smallest_epsilon", most.shadow_auc);
    }

    let row_text: Vec<String> =
        private.iter().map(|o| format!("ε = {} → AUC {:.3}", fmt_num(o.epsilon), o.loss_auc)).collect();
    r.summary = format!(
        "{} members and {} non-members, {} steps at expected batch {} (q = {}). Trained without DP the \
         target fits its members ({:.1}% train against {:.1}% test accuracy) and the loss-threshold attack \
         reaches AUC **{:.3}** (shadow models: {:.3}), catching {:.1}% of members at 1% false positives. \
         With DP-SGD: {}.",
        cfg.members,
        cfg.members,
        cfg.steps,
        cfg.batch,
        fmt_num(q),
        100.0 * plain.train_accuracy,
        100.0 * plain.test_accuracy,
        plain.loss_auc,
        plain.shadow_auc,
        100.0 * plain.tpr_at_1pct,
        row_text.join(", "),
    );

    if !private.is_empty() {
        let pts = |f: fn(&Outcome) -> f64| private.iter().map(|o| (o.epsilon, f(o))).collect::<Vec<_>>();
        let (lo, hi) = private.iter().fold((f64::MAX, 0.0f64), |a, o| (a.0.min(o.epsilon), a.1.max(o.epsilon)));
        let mut p = Plot::new(
            "auc-vs-epsilon",
            "Attack AUC against ε (log x)",
            format!("ε at δ = {:e}", cfg.delta),
            "attack AUC",
        );
        p.x_log = true;
        p = p
            .with(Series::new("loss threshold", pts(|o| o.loss_auc)))
            .with(Series::new("shadow models", pts(|o| o.shadow_auc)))
            .with(Series::reference("no DP (loss threshold)", vec![(lo, plain.loss_auc), (hi, plain.loss_auc)]))
            .with(Series::reference("chance", vec![(lo, 0.5), (hi, 0.5)]));
        r.plot(p);
        let mut a = Plot::new("advantage-vs-bound", "Best TPR − FPR against the DP bound (log x)", "ε", "advantage");
        a.x_log = true;
        let bound: Vec<(f64, f64)> =
            private.iter().map(|o| (o.epsilon, advantage_bound(o.epsilon, cfg.delta))).collect();
        a = a
            .with(Series::new("measured (loss threshold)", pts(|o| o.advantage)))
            .with(Series::reference("(e^ε − 1 + 2δ)/(e^ε + 1)", bound));
        r.plot(a);
    }
    let mut roc_plot =
        Plot::new("roc", "ROC of the loss-threshold attack", "false positive rate", "true positive rate");
    for o in outs {
        let every = o.roc.len().div_ceil(200).max(1);
        roc_plot = roc_plot.with(Series::new(
            o.label.clone(),
            o.roc.iter().step_by(every).copied().chain(o.roc.last().copied()).collect(),
        ));
    }
    roc_plot = roc_plot.with(Series::reference("chance", vec![(0.0, 0.0), (1.0, 1.0)]));
    r.plot(roc_plot);

    let rows: Vec<Vec<String>> = outs
        .iter()
        .map(|o| {
            vec![
                o.label.clone(),
                if o.epsilon.is_finite() { fmt_num(o.epsilon) } else { "∞".into() },
                format!("{:.1}% / {:.1}%", 100.0 * o.train_accuracy, 100.0 * o.test_accuracy),
                format!("{:.3}", o.loss_auc),
                format!("{:.3}", o.shadow_auc),
                format!("{:.3} (≤ {:.3})", o.advantage, advantage_bound(o.epsilon, cfg.delta)),
                format!("{:.1}%", 100.0 * o.tpr_at_1pct),
            ]
        })
        .collect();
    r.table(
        &[
            "target",
            "ε",
            "train / test accuracy",
            "loss AUC",
            "shadow AUC",
            "best TPR − FPR (DP bound)",
            "TPR at 1% FPR",
        ],
        &rows,
    );
    r.text(
        "## What to look for\n\n\
         - **Overfitting is leakage.** Without DP the gap between train and test accuracy is the gap \
         the attack exploits: members have visibly smaller losses. The attack needs nothing but the \
         loss of the example.\n\
         - **DP-SGD pushes the attack towards chance.** Clipping bounds each member's pull on the \
         weights and the noise hides what remains; as ε falls the member and non-member loss \
         distributions merge and the AUC approaches 0.5. It also costs test accuracy: compare the \
         accuracy column.\n\
         - **The bound is a worst case, the attack an average.** (ε, δ)-DP caps TPR − FPR for *every* \
         example and every attack at (e^ε − 1 + 2δ)/(e^ε + 1); a real attack on typical examples \
         stays far below it. A measured AUC near 0.5 is not a privacy proof (a better attack might \
         do more, or on outliers); the DP bound is.\n\
         - **Shadow models know the recipe.** The shadow attack learns from models it trained itself \
         how members' and non-members' confidences φ are distributed, and scores by the likelihood \
         ratio of two Gaussians fitted to them. When the two fitted spreads are alike that ratio is a \
         monotone function of φ, hence of the loss, so it ranks examples exactly as the loss threshold \
         does and the AUCs coincide (the DP rows); it differs only where the spreads differ. Its real \
         use is calibration: it tells the attacker *where* to put the threshold without any known \
         member of the target. Per-example calibration (LiRA, Carlini et al. 2022: shadows trained \
         with and without each example) is what makes shadow attacks far stronger at low \
         false-positive rates.\n\
         - **Report TPR at low FPR**, not only AUC: an attack that confidently identifies a few \
         members is a real breach even if its AUC is near 0.5."
            .to_string(),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attack_beats_chance_on_an_overfit_model_and_dp_pushes_it_back() {
        let report = crate::lab::run_tiny(&MembershipInference);
        let m = &report.metrics;
        // The non-private target overfits, and both attacks exploit it.
        assert!(m["plain_train_accuracy"] > m["plain_test_accuracy"] + 0.2, "{m:?}");
        assert!(m["plain_loss_auc"] > 0.63 && m["plain_shadow_auc"] > 0.63, "{m:?}");
        // At the smallest ε (below 1) the attacks are near chance and well below the non-private attack.
        assert!(m["smallest_epsilon"] < 1.0, "{m:?}");
        for attack in ["loss_auc", "shadow_auc"] {
            let at_small = m[&format!("{attack}_smallest_epsilon")];
            assert!(at_small < 0.56 && at_small < m[&format!("plain_{attack}")] - 0.08, "{attack}: {m:?}");
        }
        // Less privacy, more leakage: the largest ε leaks more than the smallest.
        let sigmas = MembershipConfig::tiny().sigmas;
        let (weakest, strongest) = (sigmas[0], sigmas[sigmas.len() - 1]);
        assert!(m[&format!("loss_auc_sigma_{weakest}")] > m[&format!("loss_auc_sigma_{strongest}")] + 0.03, "{m:?}");
        // No measured advantage exceeds what DP allows.
        for s in sigmas {
            assert!(m[&format!("advantage_sigma_{s}")] <= m[&format!("advantage_bound_sigma_{s}")], "σ = {s}: {m:?}");
        }
    }
}
