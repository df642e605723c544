//! Splitting [t, h·d] into h heads of [t, d], and merging them back.

/// x: [t, h·d] → [h, t, d], head g taking columns g·d .. (g+1)·d of every row.
pub fn split_heads(x: &[f64], t: usize, h: usize, d: usize) -> Vec<f64> {
    assert_eq!(x.len(), t * h * d, "x must be [t, h·d]");
    let mut out = Vec::with_capacity(x.len());
    for g in 0..h {
        for i in 0..t {
            // row i of head g is a contiguous slice of row i of x
            let start = i * h * d + g * d;
            out.extend_from_slice(&x[start..start + d]);
        }
    }
    out
}

/// x: [h, t, d] → [t, h·d], the inverse of `split_heads`.
pub fn merge_heads(x: &[f64], h: usize, t: usize, d: usize) -> Vec<f64> {
    assert_eq!(x.len(), h * t * d, "x must be [h, t, d]");
    let mut out = Vec::with_capacity(x.len());
    for i in 0..t {
        for g in 0..h {
            // concatenate the heads' row i side by side
            let start = (g * t + i) * d;
            out.extend_from_slice(&x[start..start + d]);
        }
    }
    out
}
