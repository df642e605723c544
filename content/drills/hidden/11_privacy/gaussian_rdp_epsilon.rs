use crate::grade::*;
use crate::learner::rdp_epsilon;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "ε = min over α of T·α/(2σ²) + ln(1/δ)/(α − 1), and its α, on the contract's numbers", run: contract_by_hand },
    Test { name: "multiplies_by_steps", checks: "T releases cost T times the RDP of one release (composition adds RDP at a fixed order)", run: multiplies_by_steps },
    Test { name: "delta_term_sign", checks: "the conversion ADDS ln(1/δ)/(α − 1) = −ln(δ)/(α − 1), a positive cost: ε is never below the RDP term", run: delta_term_sign },
    Test { name: "divides_by_alpha_minus_one", checks: "the δ term is divided by α − 1, not α (it blows up as α → 1)", run: divides_by_alpha_minus_one },
    Test { name: "minimises_over_unsorted_orders", checks: "every order is tried and the smallest ε kept, wherever it sits in an unsorted list (not the first or last order)", run: minimises_over_unsorted_orders },
    Test { name: "natural_log", checks: "ln(1/δ) is the natural logarithm: δ = 10⁻⁵ costs 5·ln 10 ≈ 11.51, not log₁₀ = 5", run: natural_log },
];

fn check(sigma: f64, steps: u64, delta: f64, orders: &[f64], want_eps: f64, want_order: f64) -> Outcome {
    let c = Case::new()
        .input_debug("(sigma, steps, delta)", &(sigma, steps, delta))
        .input("orders", orders, &[orders.len()]);
    let (eps, order) = rdp_epsilon(sigma, steps, delta, orders);
    c.scalar("ε (the first value returned)", eps, want_eps, 1e-12)?;
    c.scalar("best order α (the second value returned)", order, want_order, 0.0)
}

fn contract_by_hand() -> Outcome {
    // σ = 1, T = 2: RDP_T(α) = 2α/2 = α. δ = e⁻⁴: ln(1/δ) = 4.
    // ε(2) = 2 + 4/1 = 6, ε(3) = 3 + 4/2 = 5, ε(5) = 5 + 4/4 = 6 → (5, 3).
    check(1.0, 2, (-4.0f64).exp(), &[2.0, 3.0, 5.0], 5.0, 3.0)
}

fn multiplies_by_steps() -> Outcome {
    // σ = 2, T = 8: RDP_T(α) = 8α/8 = α. δ = e⁻⁹: ln(1/δ) = 9.
    // ε(2) = 2 + 9 = 11, ε(4) = 4 + 9/3 = 7, ε(7) = 7 + 9/6 = 8.5 → (7, 4).
    // Forgetting T would give α/8 + 9/(α − 1): 9.25, 3.5, 2.375 → (2.375, 7).
    check(2.0, 8, (-9.0f64).exp(), &[2.0, 4.0, 7.0], 7.0, 4.0)?;
    // One release, same σ and δ: α/8 + 9/(α − 1). At α = 7: 0.875 + 1.5 = 2.375;
    // at α = 4: 0.5 + 3 = 3.5; at α = 2: 0.25 + 9 = 9.25 → (2.375, 7).
    check(2.0, 1, (-9.0f64).exp(), &[2.0, 4.0, 7.0], 2.375, 7.0)
}

fn delta_term_sign() -> Outcome {
    // σ = 1, T = 1: RDP_T(α) = α/2. δ = e⁻⁸: ln(1/δ) = 8.
    // ε(3) = 1.5 + 8/2 = 5.5, ε(5) = 2.5 + 8/4 = 4.5, ε(9) = 4.5 + 8/8 = 5.5 → (4.5, 5).
    // With the sign flipped, α/2 − 8/(α − 1) gives −2.5, 0.5, 3.5 → (−2.5, 3): a negative ε.
    check(1.0, 1, (-8.0f64).exp(), &[3.0, 5.0, 9.0], 4.5, 5.0)
}

fn divides_by_alpha_minus_one() -> Outcome {
    // One order, α = 1.5. σ = 1, T = 1: RDP = 1.5/2 = 0.75. δ = e⁻¹: ln(1/δ) = 1.
    // ε = 0.75 + 1/0.5 = 2.75 (dividing by α would give 0.75 + 1/1.5 ≈ 1.4167).
    check(1.0, 1, (-1.0f64).exp(), &[1.5], 2.75, 1.5)?;
    // σ = 1, T = 2: RDP = α. δ = e⁻⁴. ε(1.5) = 1.5 + 4/0.5 = 9.5, ε(2) = 2 + 4 = 6 → (6, 2).
    // Dividing by α would give 1.5 + 2.667 = 4.167 and 2 + 2 = 4 → (4, 2): right order, wrong ε.
    check(1.0, 2, (-4.0f64).exp(), &[1.5, 2.0], 6.0, 2.0)
}

fn minimises_over_unsorted_orders() -> Outcome {
    // σ = 2, T = 8, δ = e⁻⁹: ε(α) = α + 9/(α − 1).
    // ε(9) = 9 + 1.125 = 10.125, ε(2) = 11, ε(4) = 7, ε(7) = 8.5, ε(3) = 3 + 4.5 = 7.5 → (7, 4).
    // The first order would give 10.125, the last 7.5, the largest (9) 10.125.
    check(2.0, 8, (-9.0f64).exp(), &[9.0, 2.0, 4.0, 7.0, 3.0], 7.0, 4.0)?;
    // Same set, reversed: still (7, 4).
    check(2.0, 8, (-9.0f64).exp(), &[3.0, 7.0, 4.0, 2.0, 9.0], 7.0, 4.0)
}

fn natural_log() -> Outcome {
    // σ = 1, T = 2: RDP = α. δ = 10⁻⁵: ln(1/δ) = 5·ln 10 ≈ 11.512925.
    // ε(2) ≈ 2 + 11.5129 = 13.513, ε(3) ≈ 3 + 5.7565 = 8.756, ε(4) ≈ 4 + 3.8376 = 7.8376,
    // ε(5) ≈ 5 + 2.8782 = 7.8782, ε(6) ≈ 6 + 2.3026 = 8.3026 → α = 4, ε = 4 + 5·ln 10 / 3.
    // With log₁₀ (ln(1/δ) taken as 5): 7, 5.5, 5.667, … → (5.5, 3).
    let want = 4.0 + 5.0 * 10f64.ln() / 3.0;
    check(1.0, 2, 1e-5, &[2.0, 3.0, 4.0, 5.0, 6.0], want, 4.0)
}
