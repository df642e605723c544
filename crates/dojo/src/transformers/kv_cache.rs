//! The KV cache: keep every past key and value so each new token costs one row, not a rerun.
//!
//! Generating token t+1 needs attention from the new query to *all* earlier keys and values.
//! They do not change once computed (a causal model never lets an earlier position see a later
//! one), so we store them and append the new token's K and V each step: the per-token cost of
//! attention drops from recomputing O(t) projections to computing one, at the price of memory
//! 2 · L · G · D · S values per sequence (keys and values, every layer, every KV head).
//! Left out on purpose: pre-allocation and paging (vLLM's PagedAttention); `Tensor::cat` per
//! step copies the cache, which is simple and fine at lab sizes.

use crate::Result;
use candle_core::Tensor;

/// Keys and values seen so far for one attention layer.
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    k: Option<Tensor>,
    v: Option<Tensor>,
}

impl KvCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cached positions S (0 when empty).
    pub fn len(&self) -> usize {
        self.k.as_ref().map_or(0, |k| k.dims()[2])
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends new keys and values along the sequence axis; returns everything cached.
    ///
    /// # Shapes
    /// k, v: (B, G, T_new, D) → (B, G, S + T_new, D) each
    pub fn append(&mut self, k: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)> {
        let join = |old: &Option<Tensor>, new: &Tensor| -> Result<Tensor> {
            Ok(match old {
                Some(o) => Tensor::cat(&[o, new], 2)?, // (B, G, S, D) ++ (B, G, T_new, D)
                None => new.clone(),
            })
        };
        let (k, v) = (join(&self.k, k)?, join(&self.v, v)?);
        self.k = Some(k.clone());
        self.v = Some(v.clone());
        Ok((k, v))
    }

    /// The cached keys, (B, G, S, D), if any.
    pub fn keys(&self) -> Option<&Tensor> {
        self.k.as_ref()
    }

    /// The cached values, (B, G, S, D), if any.
    pub fn values(&self) -> Option<&Tensor> {
        self.v.as_ref()
    }

    /// Forgets everything (a new sequence).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    #[test]
    fn appends_along_the_sequence_axis() {
        let dev = Device::Cpu;
        let mut c = KvCache::new();
        assert!(c.is_empty());
        let (k, _) = c
            .append(
                &Tensor::zeros((1, 2, 3, 4), DType::F32, &dev).unwrap(),
                &Tensor::zeros((1, 2, 3, 4), DType::F32, &dev).unwrap(),
            )
            .unwrap();
        assert_eq!(k.dims(), [1, 2, 3, 4]);
        let (k, v) = c
            .append(
                &Tensor::ones((1, 2, 1, 4), DType::F32, &dev).unwrap(),
                &Tensor::ones((1, 2, 1, 4), DType::F32, &dev).unwrap(),
            )
            .unwrap();
        assert_eq!((k.dims(), v.dims(), c.len()), ([1, 2, 4, 4].as_slice(), [1, 2, 4, 4].as_slice(), 4));
        // The new row is last.
        assert_eq!(k.sum_all().unwrap().to_scalar::<f32>().unwrap(), 8.0);
        c.clear();
        assert_eq!(c.len(), 0);
    }
}
