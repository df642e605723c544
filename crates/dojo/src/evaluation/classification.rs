//! Accuracy, precision, recall and F1 for classification, micro- and macro-averaged, and the
//! expected calibration error.
//!
//! For class c with TP_c, FP_c, FN_c:
//! - precision_c = TP_c / (TP_c + FP_c), recall_c = TP_c / (TP_c + FN_c), F1_c their harmonic
//!   mean (each 0 when its denominator is 0, scikit-learn's `zero_division=0`);
//! - macro average: the plain mean over classes (every class weighs the same, so rare classes
//!   count fully);
//! - micro average: pool the counts first; for single-label multiclass data micro P = R = F1 =
//!   accuracy, which is why micro-F1 tells you nothing beyond accuracy there.
//!
//! ECE = Σ_b (|B_b| / N) · |acc(B_b) − conf(B_b)| over equal-width confidence bins B_b: how far
//! the model's stated confidence is from its accuracy (Naeini et al. 2015; Guo et al. 2017,
//! "On Calibration of Modern Neural Networks"). It depends on the bin count; report it.

/// Per-class and averaged precision, recall and F1.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassReport {
    /// Fraction of exact matches.
    pub accuracy: f64,
    /// (precision, recall, F1) per class, indexed by class id.
    pub per_class: Vec<(f64, f64, f64)>,
    /// Mean over the classes in `labels` of (P, R, F1).
    pub macro_avg: (f64, f64, f64),
    /// (P, R, F1) from pooled counts.
    pub micro_avg: (f64, f64, f64),
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Scores predictions against gold labels over the classes `0..classes`.
///
/// # Panics
/// If the slices differ in length or a label is out of range.
pub fn classification_report(gold: &[usize], pred: &[usize], classes: usize) -> ClassReport {
    assert_eq!(gold.len(), pred.len(), "gold and predictions must be aligned");
    let (mut tp, mut fp, mut fnn) = (vec![0; classes], vec![0; classes], vec![0; classes]);
    for (&g, &p) in gold.iter().zip(pred) {
        assert!(g < classes && p < classes, "label out of range 0..{classes}");
        if g == p {
            tp[g] += 1;
        } else {
            fp[p] += 1; // predicted p wrongly
            fnn[g] += 1; // missed g
        }
    }
    let per_class: Vec<(f64, f64, f64)> = (0..classes)
        .map(|c| {
            let (p, r) = (ratio(tp[c], tp[c] + fp[c]), ratio(tp[c], tp[c] + fnn[c]));
            (p, r, f1(p, r))
        })
        .collect();
    let k = classes.max(1) as f64;
    let macro_avg = per_class.iter().fold((0.0, 0.0, 0.0), |a, x| (a.0 + x.0 / k, a.1 + x.1 / k, a.2 + x.2 / k));
    let (stp, sfp, sfn) = (tp.iter().sum::<usize>(), fp.iter().sum::<usize>(), fnn.iter().sum::<usize>());
    let (mp, mr) = (ratio(stp, stp + sfp), ratio(stp, stp + sfn));
    ClassReport { accuracy: ratio(stp, gold.len()), per_class, macro_avg, micro_avg: (mp, mr, f1(mp, mr)) }
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationBin {
    /// Lower edge of the confidence range.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Predictions that fell in it.
    pub count: usize,
    /// Their mean confidence (0 when empty).
    pub confidence: f64,
    /// Their accuracy (0 when empty).
    pub accuracy: f64,
}

/// Expected calibration error over `bins` equal-width bins, and the bins (a reliability diagram).
/// Bin b holds confidences in (b/bins, (b+1)/bins]; a confidence of exactly 0 goes in bin 0.
pub fn expected_calibration_error(confidence: &[f64], correct: &[bool], bins: usize) -> (f64, Vec<CalibrationBin>) {
    assert_eq!(confidence.len(), correct.len(), "confidences and outcomes must be aligned");
    let mut acc = vec![(0usize, 0.0f64, 0usize); bins]; // (count, sum confidence, hits)
    for (&c, &ok) in confidence.iter().zip(correct) {
        let b = ((c * bins as f64).ceil() as usize).clamp(1, bins) - 1;
        acc[b].0 += 1;
        acc[b].1 += c;
        acc[b].2 += usize::from(ok);
    }
    let n = confidence.len().max(1) as f64;
    let mut ece = 0.0;
    let out = acc
        .iter()
        .enumerate()
        .map(|(b, &(count, sum_c, hits))| {
            let (conf, accu) = if count > 0 { (sum_c / count as f64, hits as f64 / count as f64) } else { (0.0, 0.0) };
            ece += count as f64 / n * (accu - conf).abs();
            CalibrationBin {
                lo: b as f64 / bins as f64,
                hi: (b + 1) as f64 / bins as f64,
                count,
                confidence: conf,
                accuracy: accu,
            }
        })
        .collect();
    (ece, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_report() {
        // gold [0, 0, 1, 2], pred [0, 1, 1, 1]:
        // class 0: TP 1, FN 1 → P 1, R 1/2, F1 2/3; class 1: TP 1, FP 2 → P 1/3, R 1, F1 1/2;
        // class 2: TP 0, FN 1 → 0, 0, 0. Macro F1 = (2/3 + 1/2 + 0)/3 = 7/18. Micro = acc = 1/2.
        let r = classification_report(&[0, 0, 1, 2], &[0, 1, 1, 1], 3);
        assert!((r.macro_avg.2 - 7.0 / 18.0).abs() < 1e-12);
        assert_eq!(r.accuracy, 0.5);
        assert!((r.micro_avg.2 - 0.5).abs() < 1e-12);
        assert_eq!(r.per_class[2], (0.0, 0.0, 0.0));
    }

    #[test]
    fn ece_hand_computed() {
        // 2 bins. Bin (0, 0.5]: confidences 0.2, 0.4, one correct → |0.5 − 0.3| = 0.2.
        // Bin (0.5, 1]: 0.9, 0.9, both correct → |1 − 0.9| = 0.1. ECE = (2·0.2 + 2·0.1)/4 = 0.15.
        let (ece, bins) = expected_calibration_error(&[0.2, 0.4, 0.9, 0.9], &[true, false, true, true], 2);
        assert!((ece - 0.15).abs() < 1e-12, "{ece}");
        assert_eq!((bins[0].count, bins[1].count), (2, 2));
        let (perfect, _) = expected_calibration_error(&[1.0, 1.0], &[true, true], 10);
        assert_eq!(perfect, 0.0);
    }

    #[test]
    fn matches_scikit_learn_on_the_fixture() {
        #[derive(serde::Deserialize)]
        struct Case {
            gold: Vec<usize>,
            pred: Vec<usize>,
            classes: usize,
            accuracy: f64,
            macro_prf: [f64; 3],
            micro_prf: [f64; 3],
            per_class_f1: Vec<f64>,
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/evaluation/classification.json");
        let cases: Vec<Case> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for (i, c) in cases.iter().enumerate() {
            let r = classification_report(&c.gold, &c.pred, c.classes);
            let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
            assert!(close(r.accuracy, c.accuracy), "case {i} accuracy");
            assert!(
                close(r.macro_avg.0, c.macro_prf[0])
                    && close(r.macro_avg.1, c.macro_prf[1])
                    && close(r.macro_avg.2, c.macro_prf[2]),
                "case {i} macro {:?} vs {:?}",
                r.macro_avg,
                c.macro_prf
            );
            assert!(close(r.micro_avg.2, c.micro_prf[2]), "case {i} micro");
            assert!(r.per_class.iter().zip(&c.per_class_f1).all(|(a, b)| close(a.2, *b)), "case {i} per-class F1");
        }
    }
}
