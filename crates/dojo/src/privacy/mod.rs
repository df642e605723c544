//! Topic 11, security and privacy: what a model can leak about its training data, and the
//! mechanisms that bound it.
//!
//! - [`mlp`]: the small classifier the labs train, with exact per-example gradients.
//! - [`dp_sgd`]: DP-SGD's step (Poisson sampling, per-example clipping, Gaussian noise).
//! - [`rdp`]: the privacy accountant of DP-SGD (Rényi DP of the subsampled Gaussian mechanism,
//!   composed over steps, converted to (ε, δ)), in agreement with Google's dp-accounting.
//! - [`exposure`]: the exposure of a planted secret (Carlini et al. 2019), in bits.
//! - [`federated`]: federated averaging over simulated clients, IID and label-skewed.
//! - [`injection`]: a prompt-injection harness (direct and indirect attacks, four defences) run
//!   against any generator, with its cases in [`injection_cases`]; the `prompt-injection` lab
//!   runs it on SmolLM2.
//! - [`membership`]: membership-inference attacks (loss threshold, shadow models) and their
//!   ROC, against the bound DP puts on them.
//! - [`pii`]: a PII detector and scrubber (e-mails, phones, cards, keys) with its precision and
//!   recall on a labelled synthetic set.
//! - [`secure_agg`]: secure aggregation by pairwise masks over 𝔽ₚ, with Shamir-shared dropout
//!   recovery: the server learns only the sum.

pub mod dp_sgd;
pub mod exposure;
pub mod federated;
pub mod injection;
pub mod injection_cases;
pub mod membership;
pub mod mlp;
pub mod pii;
pub mod rdp;
pub mod secure_agg;
