//! Expected calibration error with bins (b/M, (b+1)/M], a confidence of 0 in bin 0.

/// The bin of `confidence` among `bins` equal-width bins: b with b/M < c <= (b+1)/M; 0 → 0.
pub fn ece_bin(confidence: f64, bins: usize) -> usize {
    // c in (b/M, (b+1)/M] ⇔ ceil(c·M) = b + 1; c = 0 gives ceil 0, clamped up to bin 0.
    ((confidence * bins as f64).ceil() as usize).clamp(1, bins) - 1
}

/// ECE over `bins` equal-width bins; `correct[i]` says whether prediction i was right.
pub fn expected_calibration_error(confidence: &[f64], correct: &[bool], bins: usize) -> f64 {
    if confidence.is_empty() {
        return 0.0;
    }
    // Per bin: (count, sum of confidences, number correct).
    let mut stats = vec![(0usize, 0.0f64, 0usize); bins];
    for (&c, &ok) in confidence.iter().zip(correct) {
        let s = &mut stats[ece_bin(c, bins)];
        s.0 += 1;
        s.1 += c;
        s.2 += usize::from(ok);
    }
    let n = confidence.len() as f64;
    stats
        .iter()
        .filter(|s| s.0 > 0)
        .map(|&(count, sum_c, hits)| {
            let (acc, conf) = (hits as f64 / count as f64, sum_c / count as f64);
            count as f64 / n * (acc - conf).abs() // weighted by the bin's share of the data
        })
        .sum()
}
