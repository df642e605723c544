//! One step of beam search: extend every beam by every token, keep the `width` best.
//!
//! A beam is a token sequence y with its score log p(y) = Σ_t log p(y_t | y_<t). Extending beam
//! b by token v scores log p(y_b) + log p(v | y_b), the beam's total plus the next-token
//! log-probability, and ALL (beam, token) pairs compete for the `width` places: one strong
//! beam may fill several, a weak one none. Greedy decoding is width 1.
//!
//! Contract: beams `[([0], -1.0), ([1], -3.0)]`, next log-probs `[[-0.2, -1.8, -3.0],
//! [-1.0, -0.4, -2.5]]`, width 3, eos 2 → `[([0, 0], -1.2), ([0, 1], -2.8), ([1, 1], -3.4)]`.
//! Conventions: output sorted by total log-prob descending, ties by (beam index, token index)
//! ascending; a beam whose last token is `eos` is finished: it is not extended (its row of
//! log-probs is ignored) but carried over unchanged as ONE candidate with its score, competing
//! with the extensions (the simple "frozen hypothesis" variant; Hugging Face instead moves
//! finished hypotheses to a separate pool); an extension by `eos` is a normal candidate that will
//! be finished at the next step; the result holds min(width, number of candidates) beams. Sum the
//! scores as `beam.logprob + next_logprobs[b][v]`.

/// A partial (or finished) hypothesis: its tokens and its total log-probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Beam {
    pub tokens: Vec<usize>,
    pub logprob: f64,
}

/// One beam-search step. `next_logprobs: [beams.len(), vocab]`, row b for beam b.
pub fn beam_search_step(beams: &[Beam], next_logprobs: &[Vec<f64>], width: usize, eos: usize) -> Vec<Beam> {
    // TODO: collect candidates (score, beam, token), sort with the tie rule, build the first `width`.
    todo!()
}
