use crate::grade::*;
use crate::learner::mlm_mask;

pub const TESTS: &[Test] = &[
    Test { name: "contract_example", checks: "the worked example: one [MASK], one unselected, one random, one kept", run: contract_example },
    Test { name: "corruption_kinds_and_boundaries", checks: "kind_u < 0.8 → [MASK], 0.8 ≤ kind_u < 0.9 → random id, ≥ 0.9 → unchanged (boundaries included)", run: corruption_kinds_and_boundaries },
    Test { name: "kept_tokens_still_have_labels", checks: "a selected token left unchanged still gets its label: the loss covers all selected positions", run: kept_tokens_still_have_labels },
    Test { name: "selection_threshold", checks: "select_u < 0.15 selects (0.15 itself does not); unselected positions keep their token and get −100 whatever their other draws", run: selection_threshold },
    Test { name: "special_tokens_never_selected", checks: "[CLS], [SEP], [PAD] are never selected even when select_u = 0: unchanged input, label −100", run: special_tokens_never_selected },
    Test { name: "longer_sequence", checks: "a 12-token sequence against the rule written as a match on the draws", run: longer_sequence },
    Test { name: "empty", checks: "no tokens in, no inputs and no labels out", run: empty },
];

const MASK: u32 = 103;

fn case(ids: &[u32], sel: &[f64], kind: &[f64], rnd: &[u32], special: &[u32]) -> Case {
    Case::new()
        .input_debug("ids", &ids)
        .input_debug("select_u", &sel)
        .input_debug("kind_u", &kind)
        .input_debug("random_ids", &rnd)
        .input_debug("mask_id", &MASK)
        .input_debug("special", &special)
}

fn check(ids: &[u32], sel: &[f64], kind: &[f64], rnd: &[u32], special: &[u32], want_in: &[u32], want_lab: &[i64]) -> Outcome {
    let c = case(ids, sel, kind, rnd, special);
    let (inputs, labels) = mlm_mask(ids, sel, kind, rnd, MASK, special);
    c.equal("inputs", &inputs, &want_in.to_vec())?;
    c.equal("labels", &labels, &want_lab.to_vec())
}

fn contract_example() -> Outcome {
    check(
        &[5, 6, 7, 8],
        &[0.1, 0.5, 0.05, 0.01],
        &[0.3, 0.0, 0.85, 0.95],
        &[11, 12, 13, 14],
        &[],
        &[MASK, 6, 13, 8],
        &[5, -100, 7, 8],
    )
}

fn corruption_kinds_and_boundaries() -> Outcome {
    // All selected (select_u = 0); kind_u walks across 0.8 and 0.9.
    let ids = [20, 21, 22, 23, 24, 25];
    let kind = [0.0, 0.7999, 0.8, 0.8999, 0.9, 0.999];
    let rnd = [50, 51, 52, 53, 54, 55];
    check(&ids, &[0.0; 6], &kind, &rnd, &[], &[MASK, MASK, 52, 53, 24, 25], &[20, 21, 22, 23, 24, 25])
}

fn kept_tokens_still_have_labels() -> Outcome {
    check(&[40, 41, 42], &[0.01, 0.02, 0.5], &[0.95, 0.91, 0.95], &[1, 2, 3], &[], &[40, 41, 42], &[40, 41, -100])
}

fn selection_threshold() -> Outcome {
    // Unselected positions carry draws that would mask (kind 0.0) or replace (0.85): unused.
    let ids = [30, 31, 32, 33];
    let sel = [0.1499, 0.15, 0.9, 0.0];
    let kind = [0.0, 0.0, 0.85, 0.85];
    let rnd = [60, 61, 62, 63];
    check(&ids, &sel, &kind, &rnd, &[], &[MASK, 31, 32, 63], &[30, -100, -100, 33])
}

fn special_tokens_never_selected() -> Outcome {
    // [CLS] = 101, [SEP] = 102, [PAD] = 0.
    let ids = [101, 7592, 2088, 102, 0, 0];
    let sel = [0.0; 6];
    let kind = [0.1, 0.1, 0.85, 0.1, 0.1, 0.85];
    let rnd = [9, 9, 9, 9, 9, 9];
    check(&ids, &sel, &kind, &rnd, &[0, 101, 102], &[101, MASK, 9, 102, 0, 0], &[-100, 7592, 2088, -100, -100, -100])
}

fn longer_sequence() -> Outcome {
    let ids: Vec<u32> = vec![101, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 102];
    let sel = [0.0, 0.02, 0.4, 0.14, 0.16, 0.07, 0.99, 0.11, 0.0, 0.3, 0.149, 0.0];
    let kind = [0.5, 0.81, 0.2, 0.95, 0.1, 0.6, 0.85, 0.89, 0.9, 0.0, 0.3, 0.1];
    let rnd: Vec<u32> = (70..82).collect();
    let special = [101, 102];
    let mut want_in = Vec::new();
    let mut want_lab = Vec::new();
    for i in 0..ids.len() {
        let chosen = !special.contains(&ids[i]) && sel[i] < 0.15;
        let (inp, lab) = match (chosen, kind[i]) {
            (false, _) => (ids[i], -100),
            (true, k) if k >= 0.9 => (ids[i], ids[i] as i64),
            (true, k) if k >= 0.8 => (rnd[i], ids[i] as i64),
            (true, _) => (MASK, ids[i] as i64),
        };
        want_in.push(inp);
        want_lab.push(lab);
    }
    check(&ids, &sel, &kind, &rnd, &special, &want_in, &want_lab)
}

fn empty() -> Outcome {
    check(&[], &[], &[], &[], &[0], &[], &[])
}
