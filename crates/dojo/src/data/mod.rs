//! Synthetic data that makes the labs meaningful without downloads. Every generator takes an
//! explicit [`crate::nn::Rng`].
//!
//! - [`clusters`]: Gaussian clusters, a classification task whose difficulty is one number.
//! - [`recency`]: recall the most recent letter, a task that needs relative order.
//! - [`languages`]: a mixture of tiny bigram languages over disjoint vocabularies.
//! - [`stories`]: a grammar-generated story corpus with a difficulty knob.
//! - [`facts`]: made-up people with attributes, to memorize and be quizzed on.
//! - [`instructions`]: copy, reverse, sort, count and add tasks in the chat template.

pub mod clusters;
pub mod facts;
pub mod instructions;
pub mod languages;
pub mod recency;
pub mod stories;
