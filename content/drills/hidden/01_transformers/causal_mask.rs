use crate::grade::*;
use crate::learner::attention_mask;

pub const TESTS: &[Test] = &[
    Test { name: "causal_by_hand", checks: "all keys valid: 0 on and below the diagonal, -inf strictly above (query i sees keys 0..=i)", run: causal_by_hand },
    Test { name: "padding_by_hand", checks: "a pad key is -inf in every row, on top of the causal rule", run: padding_by_hand },
    Test { name: "left_padding_masks_a_whole_row", checks: "with key 0 a pad, query 0 sees nothing: its row is all -inf (the softmax handles it)", run: left_padding_masks_a_whole_row },
    Test { name: "matches_the_rule_entry_by_entry", checks: "every entry of a larger mask follows 0 iff (j <= i and key_valid[j])", run: matches_the_rule_entry_by_entry },
    Test { name: "one_and_zero_tokens", checks: "t = 1 gives [[0]] (or [[-inf]] if that key is a pad); t = 0 gives an empty matrix", run: one_and_zero_tokens },
];

const NEG: f64 = f64::NEG_INFINITY;

/// Exact comparison of two masks (entries are 0 or -inf, so no tolerance). Written here rather
/// than with `close_rows`, whose relative tolerance is infinite where -inf is expected.
fn same_mask(c: &Case, what: &str, got: &[Vec<f64>], want: &[Vec<f64>]) -> Outcome {
    let t = want.len();
    if got.len() != t || got.iter().any(|r| r.len() != t) {
        let lens: Vec<usize> = got.iter().map(Vec::len).collect();
        return c.fail(&format!("{what}: wrong shape: expected [{t}, {t}], got {} row(s) of lengths {lens:?}", got.len()));
    }
    for i in 0..t {
        for j in 0..t {
            if got[i][j] != want[i][j] {
                return c.fail(&format!(
                    "{what}: at [{i}, {j}]: expected {}, got {}\n  expected: {}\n  got:      {}",
                    want[i][j], got[i][j], show(want), show(got)
                ));
            }
        }
    }
    Ok(())
}

fn show(m: &[Vec<f64>]) -> String {
    let rows: Vec<String> = m
        .iter()
        .map(|r| format!("[{}]", r.iter().map(|v| if *v == 0.0 { "0".to_string() } else { v.to_string() }).collect::<Vec<_>>().join(", ")))
        .collect();
    format!("[{}]", rows.join(", "))
}

fn bools(v: &[bool]) -> Case {
    Case::new().input_debug("key_valid", &v)
}

fn causal_by_hand() -> Outcome {
    let kv = [true; 4];
    let c = bools(&kv).input_debug("t", &4);
    // Row i has i + 1 zeros, then -inf.
    let want = vec![
        vec![0.0, NEG, NEG, NEG],
        vec![0.0, 0.0, NEG, NEG],
        vec![0.0, 0.0, 0.0, NEG],
        vec![0.0, 0.0, 0.0, 0.0],
    ];
    same_mask(&c, "attention_mask(4, all valid)", &attention_mask(4, &kv), &want)
}

fn padding_by_hand() -> Outcome {
    // Right padding: the last key is a pad, and the second one too (an odd mask, still legal).
    let kv = [true, false, true, false];
    let c = bools(&kv).input_debug("t", &4);
    let want = vec![
        vec![0.0, NEG, NEG, NEG],
        vec![0.0, NEG, NEG, NEG],
        vec![0.0, NEG, 0.0, NEG],
        vec![0.0, NEG, 0.0, NEG],
    ];
    same_mask(&c, "attention_mask(4, key_valid)", &attention_mask(4, &kv), &want)
}

fn left_padding_masks_a_whole_row() -> Outcome {
    let kv = [false, true, true];
    let c = bools(&kv).input_debug("t", &3);
    let want = vec![vec![NEG, NEG, NEG], vec![NEG, 0.0, NEG], vec![NEG, 0.0, 0.0]];
    same_mask(&c, "attention_mask(3, key_valid)", &attention_mask(3, &kv), &want)
}

fn matches_the_rule_entry_by_entry() -> Outcome {
    let t = 7;
    let kv = [true, true, false, true, true, false, true];
    let c = bools(&kv).input_debug("t", &t);
    let got = attention_mask(t, &kv);
    // Built column by column (the key's view): key j is visible to queries j..t when valid.
    let mut want = vec![vec![NEG; t]; t];
    for j in 0..t {
        if kv[j] {
            for row in want.iter_mut().skip(j) {
                row[j] = 0.0;
            }
        }
    }
    same_mask(&c, "attention_mask(7, key_valid)", &got, &want)
}

fn one_and_zero_tokens() -> Outcome {
    let c = bools(&[true]).input_debug("t", &1);
    same_mask(&c, "attention_mask(1, [true])", &attention_mask(1, &[true]), &[vec![0.0]])?;
    let c = bools(&[false]).input_debug("t", &1);
    same_mask(&c, "attention_mask(1, [false])", &attention_mask(1, &[false]), &[vec![NEG]])?;
    let c = bools(&[]).input_debug("t", &0);
    let got = attention_mask(0, &[]);
    c.holds(got.is_empty(), &format!("attention_mask(0, []) should have no rows, got {} row(s)", got.len()))
}
