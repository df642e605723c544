//! GGUF, the single-file model format of llama.cpp: a header of typed key/value metadata
//! (architecture, sizes, the tokenizer's vocabulary and merges), a table of tensors (name,
//! shape, storage type, offset), then the tensor bytes, aligned.
//!
//! Spec: <https://github.com/ggml-org/ggml/blob/master/docs/gguf.md>. candle parses the header
//! ([`candle_core::quantized::gguf_file`]); this file adds what a user needs on top: every
//! failure names the file and what is wrong (a missing key, a tensor that runs past the end of a
//! truncated file, a storage type we cannot multiply), and typed getters for the metadata.

use crate::{Error, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::quantized::GgmlDType;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// A GGUF file read into memory: metadata plus raw tensor bytes.
#[derive(Debug)]
pub struct Gguf {
    path: PathBuf,
    content: Content,
    bytes: Vec<u8>,
}

/// One tensor's storage: its ggml type, shape as GGUF writes it reversed into row-major
/// `(rows, cols)` order, and its raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct RawTensor<'a> {
    /// Storage type (F32, F16, Q8_0, Q4_1, ...).
    pub dtype: GgmlDType,
    /// Row-major dimensions, outermost first: a weight matrix is `(out, in)`.
    pub dims: &'a [usize],
    /// The bytes exactly as stored: blocks of `dtype.block_size()` values each.
    pub bytes: &'a [u8],
}

impl Gguf {
    /// Reads and checks a GGUF file: the header parses and every tensor lies inside the file.
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display();
        let bytes = std::fs::read(path).map_err(|e| Error::Model(format!("cannot read model file {shown}: {e}")))?;
        let content = Content::read(&mut Cursor::new(&bytes))
            .map_err(|e| Error::Model(format!("{shown} is not a readable GGUF file: {e}")))?;
        let gguf = Self { path: path.to_path_buf(), content, bytes };
        for name in gguf.content.tensor_infos.keys() {
            gguf.tensor(name)?;
        }
        Ok(gguf)
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn missing(&self, what: &str) -> Error {
        Error::Model(format!("{}: {what}", self.path.display()))
    }

    fn value(&self, key: &str) -> Result<&Value> {
        self.content.metadata.get(key).ok_or_else(|| self.missing(&format!("metadata key `{key}` is missing")))
    }

    fn wrong_type(&self, key: &str, want: &str) -> Error {
        self.missing(&format!("metadata key `{key}` is not {want}"))
    }

    /// Whether the metadata has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.content.metadata.contains_key(key)
    }

    /// An unsigned integer value (any width).
    pub fn usize(&self, key: &str) -> Result<usize> {
        let v = self.value(key)?;
        let n = match v {
            Value::U8(x) => *x as u64,
            Value::U16(x) => *x as u64,
            Value::U32(x) => *x as u64,
            Value::U64(x) => *x,
            Value::I32(x) if *x >= 0 => *x as u64,
            Value::I64(x) if *x >= 0 => *x as u64,
            _ => return Err(self.wrong_type(key, "a non-negative integer")),
        };
        usize::try_from(n).map_err(|_| self.wrong_type(key, "a usize"))
    }

    /// A floating-point value.
    pub fn f64(&self, key: &str) -> Result<f64> {
        match self.value(key)? {
            Value::F32(x) => Ok(*x as f64),
            Value::F64(x) => Ok(*x),
            _ => Err(self.wrong_type(key, "a float")),
        }
    }

    /// A string value.
    pub fn str(&self, key: &str) -> Result<&str> {
        match self.value(key)? {
            Value::String(s) => Ok(s),
            _ => Err(self.wrong_type(key, "a string")),
        }
    }

    /// An array of strings (the vocabulary, the merges).
    pub fn strings(&self, key: &str) -> Result<Vec<&str>> {
        let Value::Array(items) = self.value(key)? else { return Err(self.wrong_type(key, "an array")) };
        items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.as_str()),
                _ => Err(self.wrong_type(key, "an array of strings")),
            })
            .collect()
    }

    /// An array of integers (token types).
    pub fn ints(&self, key: &str) -> Result<Vec<i64>> {
        let Value::Array(items) = self.value(key)? else { return Err(self.wrong_type(key, "an array")) };
        items
            .iter()
            .map(|v| match v {
                Value::I32(x) => Ok(*x as i64),
                Value::U32(x) => Ok(*x as i64),
                Value::I8(x) => Ok(*x as i64),
                Value::U8(x) => Ok(*x as i64),
                _ => Err(self.wrong_type(key, "an array of integers")),
            })
            .collect()
    }

    /// Names of all tensors, sorted.
    pub fn tensor_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.content.tensor_infos.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Whether a tensor called `name` exists.
    pub fn has_tensor(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// A tensor's raw storage, checked to lie inside the file.
    pub fn tensor(&self, name: &str) -> Result<RawTensor<'_>> {
        let info =
            self.content.tensor_infos.get(name).ok_or_else(|| self.missing(&format!("tensor `{name}` is missing")))?;
        let (elems, block) = (info.shape.elem_count(), info.ggml_dtype.block_size());
        if elems % block != 0 {
            return Err(self.missing(&format!("tensor `{name}` has {elems} values, not a multiple of {block}")));
        }
        let len = elems / block * info.ggml_dtype.type_size();
        let start = self.content.tensor_data_offset.saturating_add(info.offset);
        let end = start.saturating_add(len as u64);
        if end > self.bytes.len() as u64 {
            return Err(self.missing(&format!(
                "tensor `{name}` needs bytes {start}..{end} but the file has {} (truncated download?)",
                self.bytes.len()
            )));
        }
        Ok(RawTensor {
            dtype: info.ggml_dtype,
            dims: info.shape.dims(),
            bytes: &self.bytes[start as usize..end as usize],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let p = dir.join("not.gguf");
        std::fs::write(&p, b"hello, this is not a model").unwrap();
        let e = Gguf::open(&p).unwrap_err().to_string();
        assert!(e.contains("not a readable GGUF file"), "{e}");
        let e = Gguf::open(&dir.join("absent.gguf")).unwrap_err().to_string();
        assert!(e.contains("cannot read model file"), "{e}");
    }
}
