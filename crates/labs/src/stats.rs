//! Small statistics the labs report: medians and power-law slopes.

/// The median of `xs` (mean of the middle two for an even count); NaN when empty.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// The exponent p of a power law y ≈ c·xᵖ fitted to the points: the least-squares slope of
/// log y against log x,
///
/// p = Σ (lx − mean lx)(ly − mean ly) / Σ (lx − mean lx)²,  where lx = ln x, ly = ln y.
///
/// Naive attention's time and memory grow as T², so their slope is near 2; a linear-time
/// method's near 1. Needs ≥ 2 distinct positive x and positive y; otherwise NaN.
pub fn loglog_slope(points: &[(f64, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> =
        points.iter().filter(|(x, y)| *x > 0.0 && *y > 0.0).map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    if logs.len() < 2 {
        return f64::NAN;
    }
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = logs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = logs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    if sxx == 0.0 {
        f64::NAN
    } else {
        sxy / sxx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn slope_of_exact_power_laws() {
        let quad: Vec<_> = [1.0, 2.0, 4.0, 8.0].iter().map(|&x| (x, 3.0 * x * x)).collect();
        assert!((loglog_slope(&quad) - 2.0).abs() < 1e-12);
        let lin: Vec<_> = [10.0, 100.0, 1000.0].iter().map(|&x| (x, 0.5 * x)).collect();
        assert!((loglog_slope(&lin) - 1.0).abs() < 1e-12);
        assert!(loglog_slope(&[(1.0, 1.0)]).is_nan());
        assert!(loglog_slope(&[(2.0, 1.0), (2.0, 5.0)]).is_nan());
    }
}
