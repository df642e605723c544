use crate::grade::*;
use crate::learner::{bits_per_byte, perplexity, target_logprobs};

pub const TESTS: &[Test] = &[
    Test { name: "uniform_model_has_ppl_v", checks: "a uniform distribution over V tokens has perplexity exactly V (also through target_logprobs)", run: uniform_model_has_ppl_v },
    Test { name: "geometric_mean_of_inverse_probs", checks: "PPL = exp(-mean ℓ) = (Π 1/p)^(1/N): the MEAN, not the sum, of the log-probabilities", run: geometric_mean_of_inverse_probs },
    Test { name: "bits_per_byte_hand_checked", checks: "bits per byte converts nats to bits (÷ ln 2) and divides by bytes, not tokens", run: bits_per_byte_hand_checked },
    Test { name: "target_logprobs_stable", checks: "log-softmax at the target, exact on small logits and finite for logits near 1000", run: target_logprobs_stable },
    Test { name: "empty_and_certain", checks: "no tokens gives NaN; a model certain and right (ℓ = 0) has perplexity 1", run: empty_and_certain },
];

fn ppl(lp: &[f64], want: f64, tol: f64) -> Outcome {
    let c = Case::new().input("logprobs", lp, &[lp.len()]);
    c.scalar("perplexity(logprobs)", perplexity(lp), want, tol)
}

fn uniform_model_has_ppl_v() -> Outcome {
    for v in [2usize, 10, 50257] {
        let lp = vec![-(v as f64).ln(); 9];
        ppl(&lp, v as f64, 1e-12)?;
    }
    // Equal logits: every target has log-probability -ln 7.
    let logits = vec![vec![0.0; 7], vec![3.5; 7], vec![-2.0; 7]];
    let targets = [4, 0, 6];
    let lp = target_logprobs(&logits, &targets);
    let c = Case::new().input_rows("logits", &logits).input_debug("targets", &targets);
    c.close("target_logprobs(logits, targets)", &lp, &[-(7f64.ln()); 3], &[3], 1e-12)?;
    c.scalar("perplexity(target_logprobs(logits, targets))", perplexity(&lp), 7.0, 1e-12)
}

fn geometric_mean_of_inverse_probs() -> Outcome {
    // ℓ = ln ½, ln ¼: mean = -1.5 ln 2, PPL = 2^1.5.
    ppl(&[0.5f64.ln(), 0.25f64.ln()], 2f64.powf(1.5), 1e-12)?;
    // (1 / (0.9 · 0.1 · 0.5))^(1/3) = 22.2…^(1/3) = 2.811442.
    let p = [0.9f64, 0.1, 0.5];
    let lp: Vec<f64> = p.iter().map(|x| x.ln()).collect();
    ppl(&lp, (1.0 / (0.9 * 0.1 * 0.5) as f64).powf(1.0 / 3.0), 1e-12)
}

fn bpb(lp: &[f64], bytes: usize, want: f64) -> Outcome {
    let c = Case::new().input("logprobs", lp, &[lp.len()]).input_debug("n_bytes", &bytes);
    c.scalar("bits_per_byte(logprobs, n_bytes)", bits_per_byte(lp, bytes), want, 1e-12)
}

fn bits_per_byte_hand_checked() -> Outcome {
    // 1 + 2 + 3 bits over 4 bytes.
    bpb(&[0.5f64.ln(), 0.25f64.ln(), 0.125f64.ln()], 4, 1.5)?;
    // A uniform byte-level model (V = 256, one token per byte) spends 8 bits per byte.
    bpb(&vec![-(256f64.ln()); 11], 11, 8.0)?;
    // Same text as 5 tokens over 20 bytes: 5 · log₂ 10 / 20 bits per byte; and then
    // PPL = 2^(bpb · bytes / tokens) ties the two measures together.
    let lp = vec![-(10f64.ln()); 5];
    bpb(&lp, 20, 5.0 * 10f64.log2() / 20.0)?;
    let b = bits_per_byte(&lp, 20);
    ppl(&lp, 2f64.powf(b * 20.0 / 5.0), 1e-9)
}

fn target_logprobs_stable() -> Outcome {
    // softmax([0, ln 3]) = [1/4, 3/4].
    let logits = vec![vec![0.0, 3f64.ln()], vec![0.0, 3f64.ln()]];
    let targets = [1, 0];
    let c = Case::new().input_rows("logits", &logits).input_debug("targets", &targets);
    c.close("target_logprobs(logits, targets)", &target_logprobs(&logits, &targets), &[0.75f64.ln(), 0.25f64.ln()], &[2], 1e-12)?;
    // Shifted by 1000: log_softmax([1000, 1001, 999])[0] = 1 - ln(e + e² + 1) = -1.407606.
    let logits = vec![vec![1000.0, 1001.0, 999.0]];
    let targets = [0];
    let want = 1.0 - (1f64.exp() + 2f64.exp() + 1.0).ln();
    let c = Case::new().input_rows("logits", &logits).input_debug("targets", &targets);
    c.close("target_logprobs(logits, targets)", &target_logprobs(&logits, &targets), &[want], &[1], 1e-9)
}

fn empty_and_certain() -> Outcome {
    let c = Case::new().input("logprobs", &[], &[0]);
    c.holds(perplexity(&[]).is_nan(), &format!("perplexity(&[]) should be NaN (undefined), got {}", perplexity(&[])))?;
    ppl(&[0.0, 0.0, 0.0], 1.0, 1e-12)?;
    let c = Case::new().input_rows("logits", &[]).input_debug("targets", &Vec::<usize>::new());
    c.close("target_logprobs(&[], &[])", &target_logprobs(&[], &[]), &[], &[0], 0.0)
}
