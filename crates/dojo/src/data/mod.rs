//! Synthetic data that makes the labs meaningful without downloads. Every generator takes an
//! explicit [`crate::nn::Rng`].
//!
//! - [`recency`]: recall the most recent letter, a task that needs relative order.
//! - [`languages`]: a mixture of tiny bigram languages over disjoint vocabularies.

pub mod languages;
pub mod recency;
