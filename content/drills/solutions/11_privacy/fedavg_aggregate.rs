//! FedAvg's server step: the data-size-weighted mean of the client models.

/// FedAvg: `Σₖ sizes[k]·models[k] / Σₖ sizes[k]`, or None when that total is 0.
pub fn fedavg(models: &[Vec<f64>], sizes: &[usize]) -> Option<Vec<f64>> {
    let total: usize = sizes.iter().sum();
    if total == 0 {
        return None;
    }
    // Every client with data has a model of the same length d.
    let d = models.iter().zip(sizes).find(|(_, &n)| n > 0)?.0.len();
    let mut sum = vec![0.0; d];
    for (theta, &n) in models.iter().zip(sizes) {
        if n == 0 {
            continue;
        }
        for (s, v) in sum.iter_mut().zip(theta) {
            *s += n as f64 * v;
        }
    }
    Some(sum.iter().map(|s| s / total as f64).collect())
}
