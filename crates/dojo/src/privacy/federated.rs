//! Federated averaging (FedAvg, McMahan et al. 2017): train one model on data that never leaves
//! the clients holding it.
//!
//! Each round the server sends the global weights θ to m sampled clients; client k runs E local
//! epochs of minibatch SGD on its own nₖ examples, starting from θ, and returns θₖ; the server
//! replaces θ by the data-weighted average `θ ← Σₖ (nₖ / Σⱼ nⱼ) θₖ`. Only weights travel (and with
//! [`super::secure_agg`], the server sees only their sum).
//!
//! With E = 1 epoch of one full-batch step, the average *is* one step of full-batch gradient
//! descent on the union of the sampled clients' data (FedSGD): gradients are linear, so averaging
//! the models averages the gradients. More local work (E > 1, small batches) saves communication,
//! but each client then descends its *own* loss. When the clients' data are alike (IID) their
//! optima are alike and the average is good. When they are label-skewed (each client holds a few
//! classes) every client drifts toward a model of its classes alone, the average of those
//! drifted models is not the minimiser of the global loss, and FedAvg converges slower and
//! worse than centralized training: the "weight divergence" of Zhao et al. (2018), measured by
//! [`divergence`].
//!
//! The model is the classifier of [`super::mlp`].

use super::mlp::Mlp;
use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::Tensor;

/// IID split: indices 0..n shuffled and dealt round-robin to `clients` clients (sizes differ by
/// at most one).
pub fn split_iid(n: usize, clients: usize, rng: &mut Rng) -> Result<Vec<Vec<usize>>> {
    if clients == 0 || clients > n {
        return Err(Error::Config(format!("cannot split {n} examples among {clients} clients")));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut idx);
    let mut parts = vec![Vec::new(); clients];
    idx.into_iter().enumerate().for_each(|(k, i)| parts[k % clients].push(i));
    Ok(parts)
}

/// McMahan et al.'s label-skewed ("pathological non-IID") split: sort the examples by label, cut
/// them into `clients · shards` equal shards, and deal each client `shards` shards at random.
/// With shards = 2 most clients see two classes.
pub fn split_by_label(labels: &[u32], clients: usize, shards: usize, rng: &mut Rng) -> Result<Vec<Vec<usize>>> {
    let pieces = clients * shards;
    if clients == 0 || shards == 0 || pieces > labels.len() {
        return Err(Error::Config(format!(
            "cannot cut {} examples into {clients} clients × {shards} shards",
            labels.len()
        )));
    }
    let mut sorted: Vec<usize> = (0..labels.len()).collect();
    sorted.sort_by_key(|&i| (labels[i], i));
    let size = labels.len() / pieces; // the last len % pieces examples are left out
    let mut order: Vec<usize> = (0..pieces).collect();
    rng.shuffle(&mut order);
    Ok(order
        .chunks(shards)
        .map(|own| own.iter().flat_map(|&s| sorted[s * size..(s + 1) * size].to_vec()).collect())
        .collect())
}

/// The data-weighted average `Σₖ wₖ θₖ / Σₖ wₖ` of several models of the same shape.
pub fn average(models: &[(Mlp, f64)]) -> Result<Mlp> {
    let total: f64 = models.iter().map(|(_, w)| w).sum();
    if models.is_empty() || total.is_nan() || total <= 0.0 {
        return Err(Error::Config("averaging needs at least one model with positive weight".into()));
    }
    let mix = |field: fn(&Mlp) -> &Tensor| -> Result<Tensor> {
        let mut acc = field(&models[0].0).zeros_like()?;
        for (m, w) in models {
            acc = (acc + (field(m) * (w / total))?)?;
        }
        Ok(acc)
    };
    Ok(Mlp { w1: mix(|m| &m.w1)?, b1: mix(|m| &m.b1)?, w2: mix(|m| &m.w2)?, b2: mix(|m| &m.b2)? })
}

/// Relative weight divergence ‖θ_a − θ_b‖ / ‖θ_b‖ over all parameters together.
pub fn divergence(a: &Mlp, b: &Mlp) -> Result<f64> {
    let (mut diff, mut norm) = (0.0, 0.0);
    for (pa, pb) in [(&a.w1, &b.w1), (&a.b1, &b.b1), (&a.w2, &b.w2), (&a.b2, &b.b2)] {
        diff += f64::from((pa - pb)?.sqr()?.sum_all()?.to_scalar::<f32>()?);
        norm += f64::from(pb.sqr()?.sum_all()?.to_scalar::<f32>()?);
    }
    Ok((diff / norm).sqrt())
}

/// FedAvg's hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FedAvg {
    /// m: clients sampled (without replacement) per round.
    pub clients_per_round: usize,
    /// E: local epochs over the client's data per round.
    pub local_epochs: usize,
    /// B: local minibatch size (a client with fewer examples takes one full batch).
    pub batch: usize,
    /// Local learning rate η.
    pub lr: f64,
}

impl FedAvg {
    /// One round from the global model over the dataset (x: (N, I), y: (N) u32) split into
    /// `parts` (one index list per client); returns the new global model.
    pub fn round(&self, global: &Mlp, x: &Tensor, y: &Tensor, parts: &[Vec<usize>], rng: &mut Rng) -> Result<Mlp> {
        if self.clients_per_round == 0 || self.clients_per_round > parts.len() || self.local_epochs == 0 {
            return Err(Error::Config(format!("FedAvg needs 1 ≤ m ≤ {} clients and E ≥ 1; got {self:?}", parts.len())));
        }
        if self.batch == 0 || self.lr.is_nan() || self.lr <= 0.0 {
            return Err(Error::Config(format!("FedAvg needs B ≥ 1 and η > 0; got {self:?}")));
        }
        let mut ids: Vec<usize> = (0..parts.len()).collect();
        rng.shuffle(&mut ids);
        let mut trained = Vec::with_capacity(self.clients_per_round);
        for &k in &ids[..self.clients_per_round] {
            if parts[k].is_empty() {
                continue; // nothing to train on, and weight 0 in the average
            }
            trained.push((self.local_train(global, x, y, &parts[k], rng)?, parts[k].len() as f64));
        }
        average(&trained)
    }

    /// Client k's work: E epochs of minibatch SGD over its shuffled examples, from the global θ.
    fn local_train(&self, global: &Mlp, x: &Tensor, y: &Tensor, own: &[usize], rng: &mut Rng) -> Result<Mlp> {
        let mut model = global.clone();
        let mut order: Vec<u32> = own.iter().map(|&i| i as u32).collect();
        for _ in 0..self.local_epochs {
            rng.shuffle(&mut order);
            for chunk in order.chunks(self.batch) {
                let idx = Tensor::new(chunk, x.device())?;
                model.sgd_step(&x.index_select(&idx, 0)?, &y.index_select(&idx, 0)?, self.lr)?;
            }
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Tolerance};
    use crate::privacy::mlp::tests::setup;

    #[test]
    fn splits_partition_the_data_and_label_shards_hold_few_classes() {
        let mut rng = Rng::new(0);
        let mut iid: Vec<usize> = split_iid(103, 10, &mut rng).unwrap().concat();
        iid.sort();
        assert_eq!(iid, (0..103).collect::<Vec<_>>());
        // 10 classes × 20 examples, 10 clients × 2 shards of 10: every shard is one class.
        let labels: Vec<u32> = (0..200).map(|i| (i % 10) as u32).collect();
        let parts = split_by_label(&labels, 10, 2, &mut rng).unwrap();
        let mut all = parts.concat();
        all.sort();
        assert_eq!(all, (0..200).collect::<Vec<_>>());
        for p in &parts {
            let mut classes: Vec<u32> = p.iter().map(|&i| labels[i]).collect();
            classes.sort();
            classes.dedup();
            assert!(p.len() == 20 && classes.len() <= 2, "client sees {classes:?}");
        }
        assert!(split_iid(5, 6, &mut rng).is_err() && split_by_label(&labels, 100, 3, &mut rng).is_err());
    }

    #[test]
    fn one_full_batch_local_step_averaged_is_one_global_gradient_step() {
        // Clients of unequal sizes 3, 5, 8: the nₖ-weighted average of their one-step models is
        // the full-batch step on all 16 examples (unweighted averaging would not be).
        let (m, x, y) = setup(16);
        let parts = vec![(0..3).collect(), (3..8).collect(), (8..16).collect::<Vec<_>>()];
        let fed = FedAvg { clients_per_round: 3, local_epochs: 1, batch: 16, lr: 0.3 };
        let got = fed.round(&m, &x, &y, &parts, &mut Rng::new(1)).unwrap();
        let mut want = m.clone();
        want.sgd_step(&x, &y, 0.3).unwrap();
        for (g, w) in [(&got.w1, &want.w1), (&got.b1, &want.b1), (&got.w2, &want.w2), (&got.b2, &want.b2)] {
            assert_close(g, w, Tolerance::new(1e-5, 1e-5));
        }
        assert!(divergence(&got, &want).unwrap() < 1e-5);
        assert!(divergence(&m, &want).unwrap() > 1e-3, "the step moved the model");
        let bad = FedAvg { clients_per_round: 4, ..fed };
        assert!(bad.round(&m, &x, &y, &parts, &mut Rng::new(1)).is_err());
    }

    #[test]
    fn averaging_identical_models_changes_nothing() {
        let (m, _, _) = setup(1);
        let avg = average(&[(m.clone(), 1.0), (m.clone(), 3.0)]).unwrap();
        assert!(divergence(&avg, &m).unwrap() < 1e-7);
        assert!(average(&[]).is_err());
    }
}
