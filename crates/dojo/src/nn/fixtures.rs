//! Test-only access to the reference fixtures in `crates/dojo/fixtures/` (made by the scripts
//! in `refs/`, which record their versions and seeds).

use super::{assert_close, Tolerance};
use candle_core::{backprop::GradStore, Device, Tensor, Var};
use std::collections::HashMap;

/// One fixture file: named tensors.
pub(crate) struct Fixture {
    name: String,
    tensors: HashMap<String, Tensor>,
}

impl Fixture {
    /// Loads `fixtures/<name>.safetensors`, e.g. `Fixture::load("transformers/mha")`.
    pub(crate) fn load(name: &str) -> Self {
        let path = format!("{}/fixtures/{name}.safetensors", env!("CARGO_MANIFEST_DIR"));
        let tensors = candle_core::safetensors::load(&path, &Device::Cpu)
            .unwrap_or_else(|e| panic!("cannot load fixture {path}: {e}\n---> HINT: regenerate it with refs/*.py"));
        Self { name: name.to_string(), tensors }
    }

    /// The tensor called `key`.
    pub(crate) fn get(&self, key: &str) -> Tensor {
        self.tensors.get(key).cloned().unwrap_or_else(|| {
            let mut keys: Vec<_> = self.tensors.keys().collect();
            keys.sort();
            panic!("fixture {} has no tensor {key:?}; it has {keys:?}", self.name)
        })
    }

    /// A trainable copy of the tensor called `key`.
    pub(crate) fn var(&self, key: &str) -> Var {
        Var::from_tensor(&self.get(key)).expect("a fixture tensor makes a Var")
    }

    /// Asserts that the gradient of each `(var, key)` is close to the fixture's tensor `key`.
    #[track_caller]
    pub(crate) fn assert_grads(&self, grads: &GradStore, pairs: &[(&Var, &str)], tol: Tolerance) {
        for (var, key) in pairs {
            let g = grads.get(var).unwrap_or_else(|| panic!("no gradient reached the variable compared with {key}"));
            if let Err(m) = super::check_close(g, &self.get(key), tol) {
                panic!("{}: gradient {key}: {m}", self.name);
            }
        }
    }

    /// Asserts that `actual` is close to the fixture's tensor `key`.
    #[track_caller]
    pub(crate) fn assert_close(&self, actual: &Tensor, key: &str, tol: Tolerance) {
        assert_close(actual, &self.get(key), tol);
    }
}
