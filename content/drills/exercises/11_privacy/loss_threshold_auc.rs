//! The loss-threshold membership-inference attack (Yeom et al., 2018): a model fits its training
//! examples better than unseen ones, so a low loss hints "this example was in the training set".
//!
//! The attacker scores each example by −loss and predicts "member" when the loss is below a
//! threshold t. At one threshold it is judged by its advantage TPR − FPR, where
//! TPR = #{members with loss < t} / #members and FPR = #{non-members with loss < t} / #non-members
//! (0 for a coin flip, 1 for a perfect attack). Over all thresholds it is judged by the ROC AUC,
//! which (Mann–Whitney) is the probability that a random member has a LOWER loss than a random
//! non-member, a tie counting ½:
//!   AUC = Σᵢ Σⱼ ([mᵢ < nⱼ] + ½ [mᵢ = nⱼ]) / (#members · #non-members).
//! AUC 0.5 means the losses leak nothing; a differentially private model keeps it near 0.5.
//!
//! Contract: members [0.1, 0.5], non-members [0.3, 0.5, 0.9] → 0.1 beats all 3, 0.5 beats 0.9
//! and ties 0.5 (1.5), AUC = 4.5 / 6 = 0.75; advantage at t = 0.5: TPR 1/2 (0.5 is not < 0.5),
//! FPR 1/3 → 1/6.
//! Conventions: both lists are non-empty and hold finite losses, in any order, repeats allowed.
//! "Member" means loss < t, strictly. The advantage can be negative; do not take its absolute
//! value.

/// ROC AUC of the score −loss: P(member loss < non-member loss) + ½ P(equal).
pub fn attack_auc(member_losses: &[f64], nonmember_losses: &[f64]) -> f64 {
    // TODO: over every (member, non-member) pair count 1 if the member's loss is lower, ½ if
    // equal; divide by the number of pairs.
    todo!()
}

/// TPR − FPR of the attack that predicts "member" iff loss < `threshold`.
pub fn advantage_at(member_losses: &[f64], nonmember_losses: &[f64], threshold: f64) -> f64 {
    // TODO: the fraction of members below the threshold minus the fraction of non-members below it.
    todo!()
}
