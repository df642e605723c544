//! Membership inference: was this example in the training set?
//!
//! A model fits its training examples better than fresh ones, so any score of how well it fits
//! an example is an attack. Each attack here maps an example to a score, higher meaning "member";
//! it is judged on known members and non-members by its ROC curve.
//!
//! - **Loss threshold** (Yeom et al. 2018): score = −ℓ(x, y). Needs nothing but the model's loss.
//! - **Shadow models** (Shokri et al. 2017): the attacker trains models of its own, on data from
//!   the same distribution with the same recipe, where it *knows* who was in. Those shadows show
//!   how a member's confidence is distributed and how a non-member's is; [`ShadowAttack`] fits a
//!   Gaussian to each (on the logit-scaled confidence φ = ln(p_y / (1 − p_y)), which is closer to
//!   Gaussian than the loss, as in Carlini et al. 2022) and scores by the likelihood ratio.
//!
//! # Reading the result
//! [`auc`] is the probability that a random member outscores a random non-member (0.5: no
//! better than a coin). An average hides the worst case, so [`tpr_at_fpr`] reports how many
//! members are caught while almost no non-members are accused. Differential privacy bounds every
//! test: with (ε, δ)-DP, TPR ≤ e^ε·FPR + δ at every threshold, so TPR − FPR ≤
//! (e^ε − 1 + 2δ)/(e^ε + 1) ([`advantage_bound`], Kairouz et al. 2015).

use crate::{Error, Result};

/// ROC AUC of scores (higher = member): P(member score > non-member score), ties counting ½
/// (the Mann–Whitney U statistic over |members|·|non-members|).
pub fn auc(members: &[f64], nonmembers: &[f64]) -> Result<f64> {
    if members.is_empty() || nonmembers.is_empty() || members.iter().chain(nonmembers).any(|s| s.is_nan()) {
        return Err(Error::Config("AUC needs members and non-members with scores that are not NaN".into()));
    }
    let mut out = nonmembers.to_vec();
    out.sort_by(f64::total_cmp);
    // For each member, count non-members strictly below it and those tied with it.
    let wins: f64 = members
        .iter()
        .map(|&m| {
            let below = out.partition_point(|&o| o < m);
            let tied = out.partition_point(|&o| o <= m) - below;
            below as f64 + 0.5 * tied as f64
        })
        .sum();
    Ok(wins / (members.len() * nonmembers.len()) as f64)
}

/// The ROC curve: (FPR, TPR) for "member iff score ≥ t" at every distinct threshold, from (0, 0)
/// to (1, 1).
pub fn roc(members: &[f64], nonmembers: &[f64]) -> Vec<(f64, f64)> {
    let mut thresholds: Vec<f64> = members.iter().chain(nonmembers).copied().filter(|s| !s.is_nan()).collect();
    thresholds.sort_by(|a, b| b.total_cmp(a));
    thresholds.dedup();
    let rate = |xs: &[f64], t: f64| xs.iter().filter(|&&s| s >= t).count() as f64 / xs.len().max(1) as f64;
    std::iter::once((0.0, 0.0)).chain(thresholds.iter().map(|&t| (rate(nonmembers, t), rate(members, t)))).collect()
}

/// The largest TPR over thresholds whose FPR is at most `fpr`.
pub fn tpr_at_fpr(members: &[f64], nonmembers: &[f64], fpr: f64) -> f64 {
    roc(members, nonmembers).iter().filter(|p| p.0 <= fpr).map(|p| p.1).fold(0.0, f64::max)
}

/// The best TPR − FPR over thresholds (the membership advantage of the best threshold).
pub fn max_advantage(members: &[f64], nonmembers: &[f64]) -> f64 {
    roc(members, nonmembers).iter().map(|p| p.1 - p.0).fold(0.0, f64::max)
}

/// The most any membership test can achieve against an (ε, δ)-DP training algorithm:
/// TPR − FPR ≤ (e^ε − 1 + 2δ) / (e^ε + 1).
pub fn advantage_bound(epsilon: f64, delta: f64) -> f64 {
    if epsilon.is_infinite() {
        return 1.0;
    }
    ((epsilon.exp() - 1.0 + 2.0 * delta) / (epsilon.exp() + 1.0)).min(1.0)
}

/// Logit-scaled confidence φ = ln(p / (1 − p)) of the true class, computed stably from the loss
/// ℓ = −ln p: φ = −ℓ − ln(1 − e^(−ℓ)).
pub fn logit_confidence(loss: f64) -> f64 {
    let loss = loss.max(1e-12); // p = 1 exactly would be +∞
    -loss - (-(-loss).exp_m1()).ln()
}

/// The shadow-model attack: Gaussians fitted to φ of the shadows' members and non-members, and the
/// log-likelihood ratio between them as the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShadowAttack {
    /// Mean and std of φ over shadow members.
    pub member: (f64, f64),
    /// Mean and std of φ over shadow non-members.
    pub nonmember: (f64, f64),
}

impl ShadowAttack {
    /// Fits the two Gaussians to the shadows' per-example losses on their own training data
    /// (`member_losses`) and on held-out data (`nonmember_losses`).
    pub fn fit(member_losses: &[f64], nonmember_losses: &[f64]) -> Result<Self> {
        let fit = |losses: &[f64]| -> Result<(f64, f64)> {
            if losses.len() < 2 {
                return Err(Error::Config("a shadow Gaussian needs at least two losses".into()));
            }
            let phi: Vec<f64> = losses.iter().map(|&l| logit_confidence(l)).collect();
            let mean = phi.iter().sum::<f64>() / phi.len() as f64;
            let var = phi.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / (phi.len() - 1) as f64;
            Ok((mean, var.sqrt().max(1e-6)))
        };
        Ok(Self { member: fit(member_losses)?, nonmember: fit(nonmember_losses)? })
    }

    /// ln N(φ; member) − ln N(φ; non-member) for an example with loss ℓ (higher = member).
    pub fn score(&self, loss: f64) -> f64 {
        let phi = logit_confidence(loss);
        let log_normal = |(mean, std): (f64, f64)| -0.5 * ((phi - mean) / std).powi(2) - std.ln();
        log_normal(self.member) - log_normal(self.nonmember)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;

    #[test]
    fn auc_counts_pairs_with_ties_as_half() {
        // Pairs (m, o): 3>1, 3>2, 3=3 (½), 2>1, 2=2 (½), 2<3: 3 wins + 2 halves = 4 of 6.
        assert!((auc(&[3.0, 2.0], &[1.0, 2.0, 3.0]).unwrap() - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(auc(&[1.0, 1.0], &[1.0]).unwrap(), 0.5, "all tied");
        assert_eq!(auc(&[5.0, 6.0], &[1.0, 2.0]).unwrap(), 1.0);
        assert_eq!(auc(&[1.0], &[2.0]).unwrap(), 0.0);
        assert!(auc(&[], &[1.0]).is_err() && auc(&[f64::NAN], &[1.0]).is_err());
    }

    #[test]
    fn roc_runs_corner_to_corner_and_its_area_is_the_auc() {
        let mut rng = Rng::new(0);
        let m: Vec<f64> = (0..300).map(|_| rng.normal() + 0.8).collect();
        let o: Vec<f64> = (0..200).map(|_| rng.normal()).collect();
        let curve = roc(&m, &o);
        assert_eq!((curve[0], *curve.last().unwrap()), ((0.0, 0.0), (1.0, 1.0)));
        assert!(curve.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1), "monotone");
        let area: f64 = curve.windows(2).map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0).sum();
        assert!((area - auc(&m, &o).unwrap()).abs() < 1e-9, "trapezoids {area}");
        // Shift 0.8 of unit Gaussians: AUC = Φ(0.8/√2) ≈ 0.714.
        assert!((auc(&m, &o).unwrap() - 0.714).abs() < 0.05);
        assert!(tpr_at_fpr(&m, &o, 0.0) < tpr_at_fpr(&m, &o, 0.1) && tpr_at_fpr(&m, &o, 1.0) == 1.0);
    }

    #[test]
    fn the_dp_advantage_bound_is_zero_at_zero_epsilon_and_tends_to_one() {
        assert_eq!(advantage_bound(0.0, 0.0), 0.0);
        // ε = ln 3: (3 − 1)/(3 + 1) = 0.5.
        assert!((advantage_bound(3f64.ln(), 0.0) - 0.5).abs() < 1e-12);
        assert!((advantage_bound(3f64.ln(), 0.01) - 0.505).abs() < 1e-12);
        assert!(advantage_bound(20.0, 1e-5) > 0.999 && advantage_bound(f64::INFINITY, 0.0) == 1.0);
    }

    #[test]
    fn logit_confidence_inverts_the_loss_and_the_shadow_score_separates() {
        for p in [0.01f64, 0.5, 0.9, 0.999999] {
            let want = (p / (1.0 - p)).ln();
            assert!((logit_confidence(-p.ln()) - want).abs() < 1e-6 * (1.0 + want.abs()), "p = {p}");
        }
        // Shadow members with small losses (p near 1), non-members with large ones.
        let mut rng = Rng::new(1);
        let members: Vec<f64> = (0..200).map(|_| 0.01 * (1.0 + rng.uniform())).collect();
        let outs: Vec<f64> = (0..200).map(|_| 0.5 + rng.uniform()).collect();
        let attack = ShadowAttack::fit(&members, &outs).unwrap();
        assert!(attack.member.0 > attack.nonmember.0);
        assert!(attack.score(0.012) > 0.0 && attack.score(1.0) < 0.0);
        assert!(ShadowAttack::fit(&[0.1], &outs).is_err());
    }
}
