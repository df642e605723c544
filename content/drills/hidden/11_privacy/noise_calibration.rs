use crate::grade::*;
use crate::learner::calibrate_sigma;

pub const TESTS: &[Test] = &[
    Test { name: "contract_by_hand", checks: "√ρ = √(L + ε) − √L and σ = √(T/(2ρ)) on cases chosen so every root is whole", run: contract_by_hand },
    Test { name: "round_trip", checks: "plugging σ back in, min over α of α·T/(2σ²) + ln(1/δ)/(α − 1) = ρ + 2√(ρL) gives back exactly ε", run: round_trip },
    Test { name: "grows_as_sqrt_steps", checks: "more releases need more noise, and under this bound σ(4T) = 2σ(T) exactly (ρ depends only on ε and δ)", run: grows_as_sqrt_steps },
    Test { name: "tighter_budget_more_noise", checks: "a smaller ε or a smaller δ needs strictly more noise", run: tighter_budget_more_noise },
    Test { name: "not_the_one_shot_sigma", checks: "the answer is the composed RDP calibration, not the one-shot Gaussian σ = √(2 ln(1.25/δ))/ε, nor that formula applied to ε/T per release", run: not_the_one_shot_sigma },
];

fn case(epsilon: f64, delta: f64, steps: u64) -> Case {
    Case::new().input_debug("(epsilon, delta, steps)", &(epsilon, delta, steps))
}

fn check(epsilon: f64, delta: f64, steps: u64, want: f64) -> Outcome {
    case(epsilon, delta, steps).scalar("σ", calibrate_sigma(epsilon, delta, steps), want, 1e-12)
}

/// The continuous-order bound: ρ + 2√(ρL) with ρ = T/(2σ²), L = ln(1/δ).
fn epsilon_of(sigma: f64, delta: f64, steps: u64) -> f64 {
    let rho = steps as f64 / (2.0 * sigma * sigma);
    let l = (1.0 / delta).ln();
    rho + 2.0 * (rho * l).sqrt()
}

fn contract_by_hand() -> Outcome {
    // ε = 7, δ = e⁻⁹: L = 9, √ρ = √16 − 3 = 1, ρ = 1; T = 8: σ = √(8/2) = 2.
    // (Skipping the outer square root would give T/(2ρ) = 4.)
    check(7.0, (-9.0f64).exp(), 8, 2.0)?;
    // ε = 5, δ = e⁻⁴: L = 4, √ρ = √9 − 2 = 1, ρ = 1; T = 2: σ = √(2/2) = 1.
    check(5.0, (-4.0f64).exp(), 2, 1.0)?;
    // ε = 16, δ = e⁻⁹: √ρ = √25 − 3 = 2, ρ = 4; T = 32: σ = √(32/8) = 2.
    check(16.0, (-9.0f64).exp(), 32, 2.0)?;
    // ε = 2.25, δ = e⁻⁴: √ρ = √6.25 − 2 = 0.5, ρ = 0.25; T = 2: σ = √(2/0.5) = 2.
    check(2.25, (-4.0f64).exp(), 2, 2.0)
}

fn round_trip() -> Outcome {
    for (epsilon, delta, steps) in [(1.0, 1e-5, 1000), (8.0, 1e-5, 10_000), (0.1, 1e-6, 1), (3.0, 0.01, 50), (0.01, 1e-9, 100)] {
        let c = case(epsilon, delta, steps);
        let sigma = calibrate_sigma(epsilon, delta, steps);
        c.holds(sigma.is_finite() && sigma > 0.0, &format!("σ must be a positive number, got {sigma}"))?;
        c.scalar("ε of the returned σ, ρ + 2√(ρ ln(1/δ)) with ρ = T/(2σ²)", epsilon_of(sigma, delta, steps), epsilon, 1e-9)?;
    }
    Ok(())
}

fn grows_as_sqrt_steps() -> Outcome {
    let delta = 1e-5;
    for epsilon in [0.5, 2.0, 8.0] {
        let c = case(epsilon, delta, 10);
        let s10 = calibrate_sigma(epsilon, delta, 10);
        let s40 = calibrate_sigma(epsilon, delta, 40);
        let s1000 = calibrate_sigma(epsilon, delta, 1000);
        c.holds(s10 < s40 && s40 < s1000, &format!("σ must grow with T: got σ(10) = {s10}, σ(40) = {s40}, σ(1000) = {s1000}"))?;
        // ρ = T/(2σ²) is fixed by (ε, δ), so σ ∝ √T: σ(40) = √4·σ(10), σ(1000) = √100·σ(10).
        c.scalar("σ(T = 40) / σ(T = 10), which must be √4", s40 / s10, 2.0, 1e-12)?;
        c.scalar("σ(T = 1000) / σ(T = 10), which must be √100", s1000 / s10, 10.0, 1e-12)?;
    }
    Ok(())
}

fn tighter_budget_more_noise() -> Outcome {
    let steps = 100;
    let mut last = 0.0;
    // Decreasing ε: σ must increase at every step.
    for epsilon in [10.0, 4.0, 1.0, 0.5, 0.1] {
        let sigma = calibrate_sigma(epsilon, 1e-5, steps);
        case(epsilon, 1e-5, steps).holds(sigma > last, &format!("a smaller ε must need more noise, but σ went from {last} to {sigma}"))?;
        last = sigma;
    }
    let mut last = 0.0;
    for delta in [1e-2, 1e-4, 1e-6, 1e-8] {
        let sigma = calibrate_sigma(1.0, delta, steps);
        case(1.0, delta, steps).holds(sigma > last, &format!("a smaller δ must need more noise, but σ went from {last} to {sigma}"))?;
        last = sigma;
    }
    Ok(())
}

fn not_the_one_shot_sigma() -> Outcome {
    // ε = 5, δ = e⁻⁴, T = 1: √ρ = √9 − 2 = 1, ρ = 1, σ = √(1/2) ≈ 0.7071.
    // The one-shot formula gives √(2·(4 + ln 1.25))/5 ≈ 0.5813; T = 2 with ε/T = 2.5 per
    // release gives twice that, ≈ 1.1625, where the right answer is √(2/2) = 1.
    for (steps, want) in [(1u64, 0.5f64.sqrt()), (2, 1.0)] {
        let (epsilon, delta) = (5.0, (-4.0f64).exp());
        let c = case(epsilon, delta, steps);
        let got = calibrate_sigma(epsilon, delta, steps);
        let one_shot = (2.0 * (1.25 / delta).ln()).sqrt() / (epsilon / steps as f64);
        c.holds(
            (got - one_shot).abs() > 1e-6,
            &format!("σ = {got} is the classic one-shot Gaussian σ = √(2 ln(1.25/δ))/(ε/T); this drill wants the RDP calibration √(T/(2ρ)) with √ρ = √(ln(1/δ) + ε) − √ln(1/δ)"),
        )?;
        c.scalar("σ", got, want, 1e-12)?;
    }
    Ok(())
}
