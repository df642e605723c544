//! Gaussian clusters: a small classification task whose difficulty is one number.
//!
//! Class k has a centre μₖ ~ N(0, s²·I) in d dimensions, drawn once; an example of class k is
//! μₖ + N(0, I). The larger the spread s against the unit noise, the easier the classes are to
//! tell apart. Used where a lab needs a classifier to train in seconds (DP-SGD, membership
//! inference).

use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// The class centres of a Gaussian-clusters task.
#[derive(Debug, Clone)]
pub struct Clusters {
    /// (K, d)
    centres: Vec<Vec<f32>>,
}

impl Clusters {
    /// `classes` centres in `dim` dimensions with per-coordinate std `spread`.
    pub fn new(dim: usize, classes: usize, spread: f64, rng: &mut Rng) -> Result<Self> {
        if dim == 0 || classes < 2 || spread.is_nan() || spread <= 0.0 {
            return Err(Error::Config(format!(
                "clusters need dim ≥ 1, classes ≥ 2, spread > 0; got {dim}, {classes}, {spread}"
            )));
        }
        let centres = (0..classes).map(|_| (0..dim).map(|_| (spread * rng.normal()) as f32).collect()).collect();
        Ok(Self { centres })
    }

    /// Number of classes K.
    pub fn classes(&self) -> usize {
        self.centres.len()
    }

    /// Input dimension d.
    pub fn dim(&self) -> usize {
        self.centres[0].len()
    }

    /// `n` examples with uniformly drawn labels: x (N, d) f32 and y (N) u32.
    pub fn sample(&self, n: usize, rng: &mut Rng, dev: &Device) -> Result<(Tensor, Tensor)> {
        let d = self.dim();
        let mut xs = Vec::with_capacity(n * d);
        let mut ys = Vec::with_capacity(n);
        for _ in 0..n {
            let k = rng.below(self.classes());
            xs.extend(self.centres[k].iter().map(|&c| c + rng.normal() as f32));
            ys.push(k as u32);
        }
        Ok((Tensor::from_vec(xs, (n, d), dev)?, Tensor::from_vec(ys, n, dev)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_sit_around_their_class_centre_and_labels_cover_every_class() {
        let mut rng = Rng::new(1);
        let c = Clusters::new(3, 4, 5.0, &mut rng).unwrap();
        let (x, y) = c.sample(2000, &mut rng, &Device::Cpu).unwrap();
        let (x, y) = (x.to_vec2::<f32>().unwrap(), y.to_vec1::<u32>().unwrap());
        for k in 0..4u32 {
            let rows: Vec<&Vec<f32>> = x.iter().zip(&y).filter(|(_, &l)| l == k).map(|(r, _)| r).collect();
            assert!(rows.len() > 400, "class {k} has {} examples", rows.len());
            for j in 0..3 {
                let mean = rows.iter().map(|r| f64::from(r[j])).sum::<f64>() / rows.len() as f64;
                assert!((mean - f64::from(c.centres[k as usize][j])).abs() < 0.15, "class {k} coord {j}");
            }
        }
        assert!(Clusters::new(3, 1, 1.0, &mut rng).is_err());
    }
}
