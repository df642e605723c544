//! Generalized Advantage Estimation by the backward recursion.

/// (advantages, returns), both of length T = rewards.len(). `values`: [T + 1].
pub fn gae(rewards: &[f64], values: &[f64], gamma: f64, lambda: f64) -> (Vec<f64>, Vec<f64>) {
    let t_len = rewards.len();
    let mut adv = vec![0.0; t_len];
    let mut next = 0.0; // A_{t+1}; A_T = 0
    for t in (0..t_len).rev() {
        let delta = rewards[t] + gamma * values[t + 1] - values[t]; // one-step TD error
        next = delta + gamma * lambda * next;
        adv[t] = next;
    }
    // Value targets: the advantage plus the baseline it was measured against.
    let returns = adv.iter().zip(values).map(|(a, v)| a + v).collect();
    (adv, returns)
}
