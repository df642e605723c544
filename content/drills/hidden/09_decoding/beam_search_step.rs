use crate::grade::*;
use crate::learner::{beam_search_step, Beam};

pub const TESTS: &[Test] = &[
    Test { name: "first_step", checks: "from the single empty beam, the result is the `width` most likely first tokens, best first", run: first_step },
    Test { name: "scores_are_totals", checks: "candidates are ranked by beam log-prob + next-token log-prob, and one beam may fill several places", run: scores_are_totals },
    Test { name: "ties_by_beam_then_token", checks: "equal totals are ordered by beam index, then token index", run: ties_by_beam_then_token },
    Test { name: "finished_beams_frozen", checks: "a beam ending in eos is carried over once, unchanged, not extended, and competes on its score", run: finished_beams_frozen },
    Test { name: "two_steps_with_eos", checks: "an extension by eos is kept as a candidate and then frozen at the next step", run: two_steps_with_eos },
    Test { name: "width_edge_cases", checks: "width 0 returns nothing; a width above the number of candidates returns all of them", run: width_edge_cases },
    Test { name: "matches_brute_force", checks: "agrees with enumerating every candidate and picking the best one repeatedly, on random beams with ties", run: matches_brute_force },
];

fn b(tokens: &[usize], logprob: f64) -> Beam {
    Beam { tokens: tokens.to_vec(), logprob }
}

fn check(beams: &[Beam], rows: &[Vec<f64>], width: usize, eos: usize, want: &[Beam]) -> Outcome {
    let c = Case::new()
        .input_debug("beams", &beams)
        .input_rows("next_logprobs", rows)
        .input_debug("width", &width)
        .input_debug("eos", &eos);
    let got = beam_search_step(beams, rows, width, eos);
    let toks = |v: &[Beam]| v.iter().map(|x| x.tokens.clone()).collect::<Vec<_>>();
    c.equal("token sequences of the returned beams, in order", &toks(&got), &toks(want))?;
    let lps = |v: &[Beam]| v.iter().map(|x| x.logprob).collect::<Vec<_>>();
    c.close("log-probs of the returned beams", &lps(&got), &lps(want), &[want.len()], 1e-12)
}

fn first_step() -> Outcome {
    // eos = 0 is the least likely first token here.
    let rows = vec![vec![-2.0, -0.3, -1.2, -0.9]];
    check(&[b(&[], 0.0)], &rows, 2, 0, &[b(&[1], -0.3), b(&[3], -0.9)])?;
    check(&[b(&[], 0.0)], &rows, 1, 0, &[b(&[1], -0.3)])
}

fn scores_are_totals() -> Outcome {
    // The contract. Totals: beam 0 → -1.2, -2.8, -4.0; beam 1 → -4.0, -3.4, -5.5.
    // Ranking by the next-token log-prob alone would pick [0,0], [1,1], [1,0] instead.
    let beams = [b(&[0], -1.0), b(&[1], -3.0)];
    let rows = vec![vec![-0.2, -1.8, -3.0], vec![-1.0, -0.4, -2.5]];
    check(&beams, &rows, 3, 2, &[b(&[0, 0], -1.2), b(&[0, 1], -2.8), b(&[1, 1], -3.4)])?;
    // Width 5: -4.0 ties between (beam 0, token 2) and (beam 1, token 0): beam 0 first.
    check(
        &beams,
        &rows,
        5,
        2,
        &[b(&[0, 0], -1.2), b(&[0, 1], -2.8), b(&[1, 1], -3.4), b(&[0, 2], -4.0), b(&[1, 0], -4.0)],
    )
}

fn ties_by_beam_then_token() -> Outcome {
    // Four candidates at -1.5: (0,0), (0,1), (1,0), (1,1).
    let beams = [b(&[0], -1.0), b(&[1], -1.0)];
    let rows = vec![vec![-0.5, -0.5, -2.0], vec![-0.5, -0.5, -2.0]];
    check(&beams, &rows, 3, 2, &[b(&[0, 0], -1.5), b(&[0, 1], -1.5), b(&[1, 0], -1.5)])?;
    // Beam 1 is now better by 0.25, so its candidates come first despite the higher index.
    let beams = [b(&[0], -1.25), b(&[1], -1.0)];
    check(&beams, &rows, 3, 2, &[b(&[1, 0], -1.5), b(&[1, 1], -1.5), b(&[0, 0], -1.75)])
}

fn finished_beams_frozen() -> Outcome {
    // eos = 2. Beam 0 is finished at -0.7; its row of zeros (log 1) must be ignored, or it would
    // spawn four candidates at -0.7. Beam 1 extends to -0.6, -1.1, -2.8 (ends in eos), -4.5.
    let beams = [b(&[1, 2], -0.7), b(&[3], -0.5)];
    let rows = vec![vec![0.0; 4], vec![-0.1, -0.6, -2.3, -4.0]];
    check(&beams, &rows, 2, 2, &[b(&[3, 0], -0.6), b(&[1, 2], -0.7)])?;
    let all = [b(&[3, 0], -0.6), b(&[1, 2], -0.7), b(&[3, 1], -1.1), b(&[3, 2], -2.8), b(&[3, 3], -4.5)];
    check(&beams, &rows, 10, 2, &all)?;
    // A finished beam that is worse than `width` extensions drops out.
    let beams = [b(&[1, 2], -5.0), b(&[3], -0.5)];
    check(&beams, &rows, 2, 2, &[b(&[3, 0], -0.6), b(&[3, 1], -1.1)])
}

fn two_steps_with_eos() -> Outcome {
    // Step 1: eos = 2 is the most likely first token.
    let start = [b(&[], 0.0)];
    let rows1 = vec![vec![-1.2, -0.9, -0.6]];
    check(&start, &rows1, 2, 2, &[b(&[2], -0.6), b(&[1], -0.9)])?;
    let step1 = beam_search_step(&start, &rows1, 2, 2);
    // Step 2: [2] is frozen at -0.6; [1] extends to -1.0, -2.9, -3.9.
    let rows2 = vec![vec![0.0, 0.0, 0.0], vec![-0.1, -2.0, -3.0]];
    check(&step1, &rows2, 2, 2, &[b(&[2], -0.6), b(&[1, 0], -1.0)])
}

fn width_edge_cases() -> Outcome {
    let beams = [b(&[4], -0.2)];
    let rows = vec![vec![-0.7, -0.7]];
    check(&beams, &rows, 0, 9, &[])?;
    check(&beams, &rows, 7, 9, &[b(&[4, 0], -0.9), b(&[4, 1], -0.9)])
}

/// Brute force: list every candidate, then repeatedly take the best remaining one, comparing
/// (score, then smaller beam index, then smaller token) by hand; -1 marks a carried-over beam.
fn brute(beams: &[Beam], rows: &[Vec<f64>], width: usize, eos: usize) -> Vec<Beam> {
    let mut pool: Vec<(f64, usize, i64)> = Vec::new();
    for (i, beam) in beams.iter().enumerate() {
        if beam.tokens.last() == Some(&eos) {
            pool.push((beam.logprob, i, -1));
        } else {
            for (v, &lp) in rows[i].iter().enumerate() {
                pool.push((beam.logprob + lp, i, v as i64));
            }
        }
    }
    let better = |x: &(f64, usize, i64), y: &(f64, usize, i64)| {
        x.0 > y.0 || (x.0 == y.0 && (x.1 < y.1 || (x.1 == y.1 && x.2 < y.2)))
    };
    let mut out = Vec::new();
    while out.len() < width && !pool.is_empty() {
        let mut best = 0;
        for k in 1..pool.len() {
            if better(&pool[k], &pool[best]) {
                best = k;
            }
        }
        let (lp, i, v) = pool.remove(best);
        let mut tokens = beams[i].tokens.clone();
        if v >= 0 {
            tokens.push(v as usize);
        }
        out.push(Beam { tokens, logprob: lp });
    }
    out
}

fn matches_brute_force() -> Outcome {
    let mut s: u64 = 31337;
    let mut next = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        s >> 33
    };
    let eos = 1;
    for round in 0..40 {
        let nb = 1 + round % 4;
        let vocab = 2 + (round / 4) % 4;
        // Quarter steps keep the sums exact, so ties really are ties.
        let beams: Vec<Beam> = (0..nb)
            .map(|_| {
                let len = 1 + next() as usize % 3;
                let tokens = (0..len).map(|_| next() as usize % vocab).collect();
                Beam { tokens, logprob: -((next() % 12) as f64) * 0.25 }
            })
            .collect();
        let rows: Vec<Vec<f64>> =
            (0..nb).map(|_| (0..vocab).map(|_| -((next() % 8) as f64) * 0.25).collect()).collect();
        let width = 1 + next() as usize % 6;
        check(&beams, &rows, width, eos, &brute(&beams, &rows, width, eos))?;
    }
    Ok(())
}
