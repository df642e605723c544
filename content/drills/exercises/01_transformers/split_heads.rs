//! Splitting the model width into attention heads, and merging them back.
//!
//! Multi-head attention projects x to Q = x W_Q of shape [t, h·d] and reads it as h heads of
//! width d: head g owns the columns g·d .. (g+1)·d. Attention runs per head, so the layout
//! wanted is [h, t, d] (a reshape to [t, h, d] then a transpose of the first two axes):
//!   split[g][i][c] = x[i][g·d + c],   and merge is the inverse, merge(split(x)) = x.
//!
//! Contract: `split_heads(&[0., 1., 2., 3., 4., 5., 6., 7.], 2, 2, 2)` (x = [[0, 1, 2, 3],
//! [4, 5, 6, 7]]) → `[0., 1., 4., 5., 2., 3., 6., 7.]` (head 0 = [[0, 1], [4, 5]], head 1 =
//! [[2, 3], [6, 7]]). All tensors are flat row-major. With h = 1 both functions are the identity.

/// x: [t, h·d] → [h, t, d], head g taking columns g·d .. (g+1)·d of every row.
pub fn split_heads(x: &[f64], t: usize, h: usize, d: usize) -> Vec<f64> {
    // TODO: out[(g·t + i)·d + c] = x[i·(h·d) + g·d + c]
    todo!()
}

/// x: [h, t, d] → [t, h·d], the inverse of `split_heads`: row i is head 0's row i, then head 1's, ….
pub fn merge_heads(x: &[f64], h: usize, t: usize, d: usize) -> Vec<f64> {
    // TODO: the same index map read the other way round.
    todo!()
}
