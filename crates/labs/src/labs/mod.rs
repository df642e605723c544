//! The labs, one file each.

pub mod attention_cost;
