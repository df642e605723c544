//! The labs, one file each.

pub mod attention_cost;
pub mod position_extrapolation;
