//! One beam-search step: every (beam, token) extension competes; finished beams are frozen.

/// A partial (or finished) hypothesis: its tokens and its total log-probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Beam {
    pub tokens: Vec<usize>,
    pub logprob: f64,
}

/// One beam-search step. `next_logprobs: [beams.len(), vocab]`, row b for beam b.
pub fn beam_search_step(beams: &[Beam], next_logprobs: &[Vec<f64>], width: usize, eos: usize) -> Vec<Beam> {
    // Candidates as (total log-prob, beam index, token); token None = a finished beam carried over.
    let mut cands: Vec<(f64, usize, Option<usize>)> = Vec::new();
    for (b, (beam, row)) in beams.iter().zip(next_logprobs).enumerate() {
        if beam.tokens.last() == Some(&eos) {
            cands.push((beam.logprob, b, None));
        } else {
            // log p(y, v) = log p(y) + log p(v | y)
            cands.extend(row.iter().enumerate().map(|(v, &lp)| (beam.logprob + lp, b, Some(v))));
        }
    }
    // Best score first; ties by beam index, then token (a finished beam has a single candidate).
    cands.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    cands
        .into_iter()
        .take(width)
        .map(|(logprob, b, tok)| {
            let mut tokens = beams[b].tokens.clone();
            tokens.extend(tok);
            Beam { tokens, logprob }
        })
        .collect()
}
