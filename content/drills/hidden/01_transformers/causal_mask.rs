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
    c.close_rows("attention_mask(4, all valid)", &attention_mask(4, &kv), &want, 0.0)
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
    c.close_rows("attention_mask(4, key_valid)", &attention_mask(4, &kv), &want, 0.0)
}

fn left_padding_masks_a_whole_row() -> Outcome {
    let kv = [false, true, true];
    let c = bools(&kv).input_debug("t", &3);
    let want = vec![vec![NEG, NEG, NEG], vec![NEG, 0.0, NEG], vec![NEG, 0.0, 0.0]];
    c.close_rows("attention_mask(3, key_valid)", &attention_mask(3, &kv), &want, 0.0)
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
    c.close_rows("attention_mask(7, key_valid)", &got, &want, 0.0)
}

fn one_and_zero_tokens() -> Outcome {
    let c = bools(&[true]).input_debug("t", &1);
    c.close_rows("attention_mask(1, [true])", &attention_mask(1, &[true]), &[vec![0.0]], 0.0)?;
    let c = bools(&[false]).input_debug("t", &1);
    c.close_rows("attention_mask(1, [false])", &attention_mask(1, &[false]), &[vec![NEG]], 0.0)?;
    let c = bools(&[]).input_debug("t", &0);
    let got = attention_mask(0, &[]);
    c.holds(got.is_empty(), &format!("attention_mask(0, []) should have no rows, got {} row(s)", got.len()))
}
