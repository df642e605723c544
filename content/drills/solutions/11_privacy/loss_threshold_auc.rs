//! The loss-threshold membership-inference attack: its AUC (Mann–Whitney) and its advantage.

/// ROC AUC of the score −loss: P(member loss < non-member loss) + ½ P(equal).
pub fn attack_auc(member_losses: &[f64], nonmember_losses: &[f64]) -> f64 {
    let mut wins = 0.0;
    for &m in member_losses {
        for &n in nonmember_losses {
            if m < n {
                wins += 1.0;
            } else if m == n {
                wins += 0.5;
            }
        }
    }
    wins / (member_losses.len() * nonmember_losses.len()) as f64
}

/// The fraction of `losses` strictly below `threshold`.
fn below(losses: &[f64], threshold: f64) -> f64 {
    losses.iter().filter(|&&l| l < threshold).count() as f64 / losses.len() as f64
}

/// TPR − FPR of the attack that predicts "member" iff loss < `threshold`.
pub fn advantage_at(member_losses: &[f64], nonmember_losses: &[f64], threshold: f64) -> f64 {
    below(member_losses, threshold) - below(nonmember_losses, threshold)
}
