//! Perplexity from log-probabilities, the sliding-window (stride) method for texts longer than
//! the model's context, and bits per byte.
//!
//! PPL = exp( −(1/N) Σₜ log p(xₜ | x₍<t₎) ),   bits/byte = −Σₜ log₂ p(xₜ | x₍<t₎) / bytes(text)
//!
//! Perplexity is the effective branching factor: a model with PPL 20 is as unsure as a uniform
//! choice among 20 tokens. It is only comparable between models with the *same tokenizer*
//! (fewer, longer tokens mean fewer predictions, each harder); bits per byte normalises by
//! the text's size instead of the token count, so it compares across tokenizers.
//!
//! Sliding window: with context length W and stride 1 ≤ S < W, window k covers tokens
//! [kS, kS + W) and scores only the tokens not scored by an earlier window, each conditioned
//! on up to W − 1 earlier tokens. S = W − 1 is the cheapest (nearly disjoint chunks: fast,
//! pessimistic, as early tokens of each chunk see little context; S = W would leave a chunk's
//! first token with no context at all, so it is refused); S = 1 gives every token a full
//! context (exact, about W times slower). Hugging Face's perplexity guide uses the same scheme.

/// Perplexity of a sequence given the log-probabilities (natural log) of its predicted tokens.
pub fn perplexity(logprobs: &[f64]) -> f64 {
    if logprobs.is_empty() {
        return f64::NAN;
    }
    (-logprobs.iter().sum::<f64>() / logprobs.len() as f64).exp()
}

/// Bits per byte of a text of `bytes` UTF-8 bytes whose tokens have these log-probabilities.
pub fn bits_per_byte(logprobs: &[f64], bytes: usize) -> f64 {
    -logprobs.iter().sum::<f64>() / std::f64::consts::LN_2 / bytes.max(1) as f64
}

/// Teacher forcing: from a model's logits (T, V) over `tokens` (T of them), the
/// log-probability `log softmax(logits[t])[tokens[t + 1]]` of every token after the first, in f64.
pub fn next_token_logprobs(logits: &candle_core::Tensor, tokens: &[u32]) -> crate::Result<Vec<f64>> {
    let rows = logits.to_dtype(candle_core::DType::F64)?.to_vec2::<f64>()?;
    if rows.len() != tokens.len() {
        return Err(crate::Error::Shape {
            op: "next_token_logprobs logits".into(),
            expected: format!("(T, V) with T = {}", tokens.len()),
            got: format!("{:?}", logits.dims()),
        });
    }
    Ok(rows
        .iter()
        .zip(&tokens[1..])
        .map(|(z, &next)| {
            let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log_sum = m + z.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
            z[next as usize] - log_sum
        })
        .collect())
}

/// Log-probabilities of tokens 1 … N−1 of `tokens`, each conditioned on at most `window − 1`
/// earlier tokens, computed window by window with `stride`.
///
/// `score(w)` must return, for a window `w` of tokens, the log-probability of each `w[i]` given
/// `w[..i]` for i = 1 … len − 1 (the first token of a window is never predicted).
///
/// # Panics
/// If `stride` is 0 or larger than `window − 1`, or `window < 2`.
pub fn sliding_window_logprobs(
    tokens: &[u32],
    window: usize,
    stride: usize,
    mut score: impl FnMut(&[u32]) -> Vec<f64>,
) -> Vec<f64> {
    assert!(window >= 2 && stride >= 1 && stride < window, "need window ≥ 2 and 1 ≤ stride < window");
    let mut out = Vec::with_capacity(tokens.len().saturating_sub(1));
    let mut scored = 1; // tokens[0] is never predicted; tokens before `scored` are done
    let mut start = 0;
    while scored < tokens.len() {
        let end = (start + window).min(tokens.len());
        // Predictions for tokens start+1 … end−1; keep those of tokens not yet scored.
        let lp = score(&tokens[start..end]);
        out.extend_from_slice(&lp[scored - start - 1..]);
        scored = end;
        start += stride; // stride < window, so the next window still ends past `scored`
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_model_has_perplexity_equal_to_vocabulary() {
        let lp = vec![-(20f64.ln()); 7];
        assert!((perplexity(&lp) - 20.0).abs() < 1e-12);
        // 7 tokens × log₂ 20 bits over 14 bytes.
        assert!((bits_per_byte(&lp, 14) - 7.0 * 20f64.log2() / 14.0).abs() < 1e-12);
    }

    /// A toy model whose log-probability of a token is −1/(1 + c) for c tokens of context: more
    /// context, more confident, as with a real model; the test can read c back.
    fn context_model(w: &[u32]) -> Vec<f64> {
        (1..w.len()).map(|c| -1.0 / (1.0 + c as f64)).collect()
    }

    #[test]
    fn every_token_after_the_first_is_scored_once() {
        let tokens: Vec<u32> = (0..23).collect();
        for (window, stride) in [(8, 7), (8, 4), (8, 1), (5, 2), (30, 3)] {
            let lp = sliding_window_logprobs(&tokens, window, stride, context_model);
            assert_eq!(lp.len(), 22, "window {window}, stride {stride}");
        }
    }

    #[test]
    fn smaller_stride_gives_more_context() {
        // Disjoint chunks (stride W − 1 here) restart the context; stride 1 gives every token
        // min(t, W − 1) tokens of context, the most possible.
        let tokens: Vec<u32> = (0..20).collect();
        let full: Vec<f64> = (1..20).map(|t| -1.0 / (1.0 + (t as f64).min(7.0))).collect();
        assert_eq!(sliding_window_logprobs(&tokens, 8, 1, context_model), full);
        let chunked = sliding_window_logprobs(&tokens, 8, 7, context_model);
        assert!(perplexity(&chunked) > perplexity(&full), "less context, higher perplexity");
        // Token 8 is the first prediction of the second chunk: 1 token of context, −1/2.
        assert_eq!(chunked[7], -0.5);
    }
}
