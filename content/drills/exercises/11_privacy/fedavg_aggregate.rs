//! Federated averaging (McMahan et al., 2017): the server's step. Each client k trains the global
//! model on its own nₖ examples, which never leave the device, and sends back only its new
//! parameters θₖ. The server averages them weighted by data size:
//!   θ = Σₖ nₖ θₖ / Σₖ nₖ.
//! Weighting by nₖ makes one round of one local step equal to a step of plain SGD on the union
//! of the data: a client with ten times the examples pulls ten times as hard.
//!
//! Contract: models [[1, 2], [4, 8]], sizes [1, 3] → (1·[1, 2] + 3·[4, 8]) / 4 = [3.25, 6.5].
//! Conventions: models.len() == sizes.len(), and every model has the same length d (the
//! number of parameters); the result has length d. A client with nₖ = 0 is skipped entirely:
//! its model is not read, so even a NaN in it cannot reach the average. With no models, or with
//! every nₖ = 0, there is nothing to average: return None (not a vector of 0/0 = NaN).

/// FedAvg: `Σₖ sizes[k]·models[k] / Σₖ sizes[k]`, or None when that total is 0.
pub fn fedavg(models: &[Vec<f64>], sizes: &[usize]) -> Option<Vec<f64>> {
    // TODO: total = Σ nₖ (None if 0); sum nₖ·θₖ coordinate by coordinate, skipping nₖ = 0; divide.
    todo!()
}
