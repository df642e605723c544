//! The associative combine of affine maps and an inclusive scan by recursive doubling.

/// The composition "first, then second" of h ↦ a·h + b maps, as an (a, b) pair.
pub fn combine(first: (f64, f64), second: (f64, f64)) -> (f64, f64) {
    let ((a1, b1), (a2, b2)) = (first, second);
    (a1 * a2, a2 * b1 + b2)
}

/// Every inclusive prefix composition of `steps`, by recursive doubling with `combine`.
pub fn inclusive_scan(steps: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut x = steps.to_vec();
    let mut stride = 1;
    while stride < x.len() {
        // Every i reads the previous round's values, so this round could run in parallel.
        let prev = x.clone();
        for i in stride..x.len() {
            x[i] = combine(prev[i - stride], prev[i]);
        }
        stride *= 2;
    }
    x
}
