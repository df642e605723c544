use crate::grade::*;
use crate::learner::{merge_heads, split_heads};

pub const TESTS: &[Test] = &[
    Test { name: "split_by_hand", checks: "the contract's case: head g takes columns g·d..(g+1)·d of every row (not every h-th column)", run: split_by_hand },
    Test { name: "merge_by_hand", checks: "merge lays the heads' row i side by side: [t, h·d] = concat over heads (a transpose back, not a plain reshape)", run: merge_by_hand },
    Test { name: "split_every_entry", checks: "t ≠ h ≠ d: every entry satisfies split[g][i][c] = x[i][g·d + c]", run: split_every_entry },
    Test { name: "round_trips", checks: "merge(split(x)) = x and split(merge(y)) = y, so the two are inverses", run: round_trips },
    Test { name: "one_head_and_one_token", checks: "h = 1 is the identity both ways; t = 1 gives h rows of d", run: one_head_and_one_token },
];

fn seq(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64).collect()
}

fn split_by_hand() -> Outcome {
    let x = seq(8);
    let c = Case::new().input("x", &x, &[2, 4]).input_debug("(t, h, d)", &(2, 2, 2));
    c.close("split_heads", &split_heads(&x, 2, 2, 2), &[0., 1., 4., 5., 2., 3., 6., 7.], &[2, 2, 2], 0.0)
}

fn merge_by_hand() -> Outcome {
    // h = 3 heads of [t = 2, d = 1]: head 0 = [[0], [1]], head 1 = [[2], [3]], head 2 = [[4], [5]].
    // Row 0 of the merge takes row 0 of each head: [0, 2, 4]; row 1: [1, 3, 5].
    let y = seq(6);
    let c = Case::new().input("x", &y, &[3, 2, 1]).input_debug("(h, t, d)", &(3, 2, 1));
    c.close("merge_heads", &merge_heads(&y, 3, 2, 1), &[0., 2., 4., 1., 3., 5.], &[2, 3], 0.0)
}

fn split_every_entry() -> Outcome {
    let (t, h, d) = (3, 4, 2);
    // Entry (i, col) holds 100·i + col, so a misplaced value is easy to trace.
    let x: Vec<f64> = (0..t).flat_map(|i| (0..h * d).map(move |col| (100 * i + col) as f64)).collect();
    let c = Case::new().input("x", &x, &[t, h * d]).input_debug("(t, h, d)", &(t, h, d));
    let mut want = vec![0.0; t * h * d];
    for (g, head) in want.chunks_mut(t * d).enumerate() {
        for (i, row) in head.chunks_mut(d).enumerate() {
            for (cc, w) in row.iter_mut().enumerate() {
                *w = (100 * i + g * d + cc) as f64;
            }
        }
    }
    c.close("split_heads", &split_heads(&x, t, h, d), &want, &[h, t, d], 0.0)
}

fn round_trips() -> Outcome {
    let (t, h, d) = (5, 2, 3);
    let x: Vec<f64> = (0..t * h * d).map(|i| (i as f64 * 0.37).sin()).collect();
    let c = Case::new().input("x", &x, &[t, h * d]).input_debug("(t, h, d)", &(t, h, d));
    let s = split_heads(&x, t, h, d);
    c.close("merge_heads(split_heads(x))", &merge_heads(&s, h, t, d), &x, &[t, h * d], 0.0)?;
    let c = Case::new().input("y", &x, &[h, t, d]).input_debug("(h, t, d)", &(h, t, d));
    let m = merge_heads(&x, h, t, d);
    c.close("split_heads(merge_heads(y))", &split_heads(&m, t, h, d), &x, &[h, t, d], 0.0)
}

fn one_head_and_one_token() -> Outcome {
    let x = seq(6);
    let c = Case::new().input("x", &x, &[3, 2]).input_debug("(t, h, d)", &(3, 1, 2));
    c.close("split_heads with h = 1", &split_heads(&x, 3, 1, 2), &x, &[1, 3, 2], 0.0)?;
    c.close("merge_heads with h = 1", &merge_heads(&x, 1, 3, 2), &x, &[3, 2], 0.0)?;
    // t = 1: the single row is already head after head.
    let c = Case::new().input("x", &x, &[1, 6]).input_debug("(t, h, d)", &(1, 3, 2));
    c.close("split_heads with t = 1", &split_heads(&x, 1, 3, 2), &x, &[3, 1, 2], 0.0)
}
