//! Seeded parameters: candle's `VarBuilder` over variables drawn from our [`Rng`].
//!
//! Models build their weights the idiomatic candle way (`candle_nn::linear(c, 4 * c,
//! vb.pp("fc"))`), but with `vb` from [`Params::var_builder`]. Each new variable is drawn from
//! its own stream, `Rng::new(seed).fork(hash(name))`, so a weight's initial value depends only on
//! the seed and its *name*: not on the order layers are created, nor on a thread-local
//! generator. Tests load reference weights by name with [`Params::set`].

use super::Rng;
use crate::{Error, Result};
use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::init::{Init, NormalOrUniform};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{VarBuilder, VarMap};

/// A map of named trainable variables with seeded initialisation.
#[derive(Clone)]
pub struct Params {
    map: VarMap,
    seed: u64,
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Params {{ seed: {}, vars: {} }}", self.seed, self.named_vars().len())
    }
}

impl Params {
    /// An empty store; every variable created through it derives from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { map: VarMap::new(), seed }
    }

    /// A `VarBuilder` (f32) that creates missing variables in this store.
    pub fn var_builder(&self, device: &Device) -> VarBuilder<'static> {
        VarBuilder::from_backend(Box::new(self.clone()), DType::F32, device.clone())
    }

    /// The current values as constants: a `VarBuilder` over copies of them, so a model built from
    /// it tracks no gradient for these weights and later training of this store leaves it
    /// unchanged (a frozen base for LoRA and adapters). Asking it for a missing name is an error.
    pub fn frozen(&self, device: &Device) -> Result<VarBuilder<'static>> {
        let mut values = std::collections::HashMap::new();
        for (name, v) in self.named_vars() {
            values.insert(name, v.as_tensor().detach().copy()?); // own storage: Var::set writes in place
        }
        Ok(VarBuilder::from_tensors(values, DType::F32, device))
    }

    /// Every variable with its name, sorted by name.
    pub fn named_vars(&self) -> Vec<(String, Var)> {
        let data = self.map.data().lock().expect("no panic while holding the lock");
        let mut v: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Every variable, sorted by name (what an optimizer receives).
    pub fn vars(&self) -> Vec<Var> {
        self.named_vars().into_iter().map(|(_, v)| v).collect()
    }

    /// The variable called `name` (e.g. to wrap a trained layer's weight in LoRA).
    pub fn var(&self, name: &str) -> Result<Var> {
        let data = self.map.data().lock().expect("no panic while holding the lock");
        data.get(name).cloned().ok_or_else(|| {
            let mut known: Vec<&String> = data.keys().collect();
            known.sort();
            Error::Config(format!("no parameter named {name:?}; known: {known:?}"))
        })
    }

    /// The number of scalar parameters.
    pub fn count(&self) -> usize {
        self.named_vars().iter().map(|(_, v)| v.elem_count()).sum()
    }

    /// Overwrites variable `name` with `value` (same shape), e.g. to load reference weights.
    pub fn set(&self, name: &str, value: &Tensor) -> Result<()> {
        let var = self.var(name)?;
        if var.dims() != value.dims() {
            return Err(Error::Shape {
                op: format!("Params::set({name})"),
                expected: format!("{:?}", var.dims()),
                got: format!("{:?}", value.dims()),
            });
        }
        Ok(var.set(&value.to_dtype(var.dtype())?)?)
    }

    /// Draws a new tensor for `name` as `init` asks, from the name's own stream.
    fn draw(&self, shape: &Shape, name: &str, init: Init, dev: &Device) -> candle_core::Result<Tensor> {
        let mut rng = Rng::new(self.seed).fork(fnv1a(name));
        match init {
            Init::Const(c) => Tensor::full(c as f32, shape, dev),
            Init::Randn { mean, stdev } => rng.randn(shape, stdev, dev)? + mean,
            Init::Uniform { lo, up } => rng.rand(shape, lo, up, dev),
            Init::Kaiming { dist, fan, non_linearity } => {
                // std = gain / √fan (He et al. 2015); a uniform with that std has bound √3·std.
                let std = non_linearity.gain() / (fan.for_shape(shape) as f64).sqrt();
                match dist {
                    NormalOrUniform::Normal => rng.randn(shape, std, dev),
                    NormalOrUniform::Uniform => rng.rand(shape, -3f64.sqrt() * std, 3f64.sqrt() * std, dev),
                }
            }
        }
    }
}

impl SimpleBackend for Params {
    fn get(&self, s: Shape, name: &str, h: Init, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        let mut data = self.map.data().lock().expect("no panic while holding the lock");
        if let Some(v) = data.get(name) {
            if v.shape() != &s {
                candle_core::bail!("parameter {name}: asked for shape {s:?}, it has {:?}", v.shape());
            }
            return Ok(v.as_tensor().clone());
        }
        let var = Var::from_tensor(&self.draw(&s, name, h, dev)?.to_dtype(dtype)?)?;
        data.insert(name.to_string(), var.clone());
        Ok(var.as_tensor().clone())
    }

    fn get_unchecked(&self, name: &str, dtype: DType, _dev: &Device) -> candle_core::Result<Tensor> {
        let data = self.map.data().lock().expect("no panic while holding the lock");
        match data.get(name) {
            Some(v) => v.as_tensor().to_dtype(dtype),
            None => candle_core::bail!("parameter {name} does not exist yet and its shape is unknown"),
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.map.data().lock().expect("no panic while holding the lock").contains_key(name)
    }
}

/// FNV-1a, 64-bit: a stable hash of a parameter name (std's hasher may change between releases).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Tolerance};
    use candle_core::Module;

    #[test]
    fn fnv1a_matches_the_published_test_vector() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the FNV reference test suite).
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn initial_values_depend_on_name_and_seed_not_creation_order() {
        let dev = Device::Cpu;
        let (p1, p2) = (Params::new(5), Params::new(5));
        let (vb1, vb2) = (p1.var_builder(&dev), p2.var_builder(&dev));
        let a1 = candle_nn::linear(4, 3, vb1.pp("a")).unwrap();
        let b1 = candle_nn::linear(4, 3, vb1.pp("b")).unwrap();
        let b2 = candle_nn::linear(4, 3, vb2.pp("b")).unwrap(); // created first this time
        let a2 = candle_nn::linear(4, 3, vb2.pp("a")).unwrap();
        assert_close(a1.weight(), a2.weight(), Tolerance::new(0.0, 0.0));
        assert_close(b1.weight(), b2.weight(), Tolerance::new(0.0, 0.0));
        let other = Params::new(6);
        let a3 = candle_nn::linear(4, 3, other.var_builder(&dev).pp("a")).unwrap();
        assert!(crate::nn::check_close(a1.weight(), a3.weight(), Tolerance::F32).is_err());
        assert_eq!(p1.count(), 2 * (4 * 3 + 3));
        assert_eq!(p1.named_vars()[0].0, "a.bias");
    }

    #[test]
    fn kaiming_normal_has_the_right_spread() {
        // candle_nn::linear uses Kaiming normal with ReLU gain: std = √2 / √fan_in = √2 / 16.
        let p = Params::new(0);
        let l = candle_nn::linear(256, 512, p.var_builder(&Device::Cpu)).unwrap();
        let w: Vec<f32> = l.weight().flatten_all().unwrap().to_vec1().unwrap();
        let var = w.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / w.len() as f64;
        assert!((var.sqrt() - 2f64.sqrt() / 16.0).abs() < 0.002, "std {}", var.sqrt());
    }

    #[test]
    fn set_loads_weights_and_checks_shape_and_name() {
        let dev = Device::Cpu;
        let p = Params::new(0);
        let l = candle_nn::linear_no_bias(2, 2, p.var_builder(&dev)).unwrap();
        let eye = Tensor::eye(2, DType::F32, &dev).unwrap();
        p.set("weight", &eye).unwrap();
        let x = Tensor::new(&[[1f32, 2.0]], &dev).unwrap();
        assert_close(&l.forward(&x).unwrap(), &x, Tolerance::F32);
        assert!(p.set("weight", &Tensor::zeros(3, DType::F32, &dev).unwrap()).is_err());
        let e = p.set("wieght", &eye).unwrap_err().to_string();
        assert!(e.contains("no parameter named \"wieght\""), "{e}");
    }
}
