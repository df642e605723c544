//! A mixture of tiny "languages": each owns a disjoint block of the vocabulary and a random
//! bigram grammar over it; every sequence is written in one language.
//!
//! Token t of language ℓ is followed by one of `branch` successors (fixed per token, drawn from
//! ℓ's own block), each with probability 1/branch, or, after [`Languages::with_skew`], the first
//! with probability p and the others sharing 1 − p. With uniform successors the best possible
//! next-token loss is ln(branch). A router can tell the languages apart from the tokens alone,
//! which gives mixture-of-experts layers something to specialise on.

use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// A fixed set of languages (the grammar is drawn once from the seed).
#[derive(Debug, Clone)]
pub struct Languages {
    /// successors[t] = the tokens that may follow token t.
    successors: Vec<Vec<u32>>,
    /// Tokens per language.
    per_language: usize,
    languages: usize,
    /// Probability of each token's first successor; the others share the rest equally.
    first: f64,
}

impl Languages {
    /// `languages` languages of `per_language` tokens each, `branch` successors per token.
    pub fn new(languages: usize, per_language: usize, branch: usize, rng: &mut Rng) -> Result<Self> {
        if languages == 0 || branch == 0 || branch > per_language {
            return Err(Error::Config(format!(
                "need ≥ 1 language and 1 ≤ branch ≤ per_language, got {languages}, {branch}, {per_language}"
            )));
        }
        let successors = (0..languages * per_language)
            .map(|t| {
                let base = (t / per_language) * per_language;
                let mut own: Vec<u32> = (base..base + per_language).map(|x| x as u32).collect();
                rng.shuffle(&mut own);
                own.truncate(branch);
                own
            })
            .collect();
        Ok(Self { successors, per_language, languages, first: 1.0 / branch as f64 })
    }

    /// Makes each token's first successor more likely: probability `p` (in [1/branch, 1]).
    pub fn with_skew(mut self, p: f64) -> Result<Self> {
        let b = self.successors[0].len() as f64;
        if !(1.0 / b..=1.0).contains(&p) {
            return Err(Error::Config(format!("skew {p} must be in [1/branch, 1] = [{:.3}, 1]", 1.0 / b)));
        }
        self.first = p;
        Ok(self)
    }

    /// Vocabulary size.
    pub fn vocab(&self) -> usize {
        self.successors.len()
    }

    /// The lowest achievable mean next-token loss in nats: the entropy of the successor
    /// distribution, ln(branch) when uniform.
    pub fn entropy(&self) -> f64 {
        let b = self.successors[0].len() as f64;
        let rest = if b > 1.0 { (1.0 - self.first) / (b - 1.0) } else { 0.0 };
        let h = |p: f64| if p > 0.0 { -p * p.ln() } else { 0.0 };
        h(self.first) + (b - 1.0) * h(rest)
    }

    /// `batch` sequences of `len + 1` tokens as (inputs, targets), each (B, T) u32.
    pub fn batch(&self, rng: &mut Rng, batch: usize, len: usize, device: &Device) -> Result<(Tensor, Tensor)> {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..batch {
            let lang = rng.below(self.languages);
            let mut tok = (lang * self.per_language + rng.below(self.per_language)) as u32;
            let mut seq = vec![tok];
            for _ in 0..len {
                let next = &self.successors[tok as usize];
                tok = if next.len() == 1 || rng.uniform() < self.first {
                    next[0]
                } else {
                    next[1 + rng.below(next.len() - 1)] // the others share 1 − p equally
                };
                seq.push(tok);
            }
            x.extend_from_slice(&seq[..len]);
            y.extend_from_slice(&seq[1..]);
        }
        Ok((Tensor::from_vec(x, (batch, len), device)?, Tensor::from_vec(y, (batch, len), device)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_changes_the_entropy_and_the_frequencies() {
        // branch 2, p = 0.8: H = −0.8 ln 0.8 − 0.2 ln 0.2 = 0.5004.
        let l = Languages::new(1, 8, 2, &mut Rng::new(0)).unwrap().with_skew(0.8).unwrap();
        assert!((l.entropy() - 0.500_402).abs() < 1e-6);
        let (x, y) = l.batch(&mut Rng::new(1), 50, 40, &Device::Cpu).unwrap();
        let (x, y) =
            (x.flatten_all().unwrap().to_vec1::<u32>().unwrap(), y.flatten_all().unwrap().to_vec1::<u32>().unwrap());
        let firsts = x.iter().zip(&y).filter(|(a, b)| l.successors[**a as usize][0] == **b).count();
        let frac = firsts as f64 / x.len() as f64;
        assert!((frac - 0.8).abs() < 0.03, "{frac}");
        assert!(Languages::new(1, 8, 2, &mut Rng::new(0)).unwrap().with_skew(0.3).is_err());
    }

    #[test]
    fn sequences_stay_in_one_language_and_follow_the_grammar() {
        let mut rng = Rng::new(0);
        let l = Languages::new(4, 8, 2, &mut rng).unwrap();
        assert_eq!(l.vocab(), 32);
        assert!((l.entropy() - 2f64.ln()).abs() < 1e-12);
        let (x, y) = l.batch(&mut rng, 5, 20, &Device::Cpu).unwrap();
        let (x, y) = (x.to_vec2::<u32>().unwrap(), y.to_vec2::<u32>().unwrap());
        for r in 0..5 {
            let lang = x[r][0] / 8;
            for t in 0..20 {
                assert_eq!(y[r][t] / 8, lang, "stays in its language");
                assert!(l.successors[x[r][t] as usize].contains(&y[r][t]), "follows the grammar");
            }
        }
    }
}
