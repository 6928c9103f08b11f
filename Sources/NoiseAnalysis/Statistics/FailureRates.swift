import GSLStatistics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Clopper–Pearson exact interval for a binomial proportion: k failures in n trials.
/// lower = B⁻¹(α/2; k, n−k+1) (0 when k = 0), upper = B⁻¹(1−α/2; k+1, n−k) (1 when k = n).
/// It covers the true rate with probability ≥ the confidence level for every rate.
public func clopperPearsonInterval(
    failures: Int, trials: Int, confidenceLevel: Double = 0.99
) throws -> ConfidenceInterval {
    try validateConfidenceLevel(confidenceLevel)
    guard trials >= 1, failures >= 0, failures <= trials else {
        throw NoiseAnalysisError.failureCountOutOfRange(failures: failures, trials: trials)
    }
    let alpha = 1 - confidenceLevel
    let k = Double(failures), n = Double(trials)
    let lower = failures == 0 ? 0 : try BetaDistribution(a: k, b: n - k + 1).quantile(alpha / 2)
    // The upper tail quantile keeps its precision when the bound is tiny (rates near 2^-20).
    let upper = failures == trials ? 1 : try BetaDistribution(a: k + 1, b: n - k).survivalQuantile(alpha / 2)
    return ConfidenceInterval(lower: lower, upper: upper, confidenceLevel: confidenceLevel)
}

/// A failure probability kept as log2 as well, because production rates (2^-40 … 2^-128)
/// underflow nothing but lose all meaning as plain decimals in reports.
public struct FailureProbability: Sendable, Hashable, Codable {
    public let value: Double
    public let log2Value: Double

    public init(log2Value: Double) {
        self.log2Value = log2Value
        self.value = exp2(log2Value)
    }
}

/// Probability that a centred Gaussian error of standard deviation σ (torus units) crosses the
/// decoding boundary t = Δ/2 = 2^−(p+2) for a p-bit message with one padding bit:
/// p_fail = erfc(t/(√2·σ)) (TFHE_FACTS §3.7). Computed through ln erfc, so 2^-128 and below are exact.
public func gaussianFailureProbability(standardDeviation sigma: Double, precision: Int) throws -> FailureProbability {
    try validatePrecision(precision, name: "precision")
    guard sigma > 0, sigma.isFinite else {
        throw NoiseAnalysisError.probabilityOutOfRange(name: "noise standard deviation (must be positive, finite)", value: sigma)
    }
    let boundary = exp2(-Double(precision + 2))
    let logValue = try ErrorFunction.logErfc(boundary / (2.0.squareRoot() * sigma))
    return FailureProbability(log2Value: logValue / M_LN2)
}

/// Maps a failure probability observed with `measuredPrecision` message bits to the one the same
/// noise gives at `targetPrecision` bits (tfhe-rs `equivalent_pfail_gaussian_noise`).
///
/// With p_fail = erfc(z/√2) and z = t/σ, the boundary t = 2^−(p+2) scales by 2^(p_measured −
/// p_target) while σ is unchanged, so z_target = z_measured · 2^(p_measured − p_target).
/// This assumes the noise is Gaussian far into the tail: an extrapolation, not a measurement.
public func equivalentFailureProbability(
    _ measured: Double, measuredPrecision: Int, targetPrecision: Int
) throws -> FailureProbability {
    try validatePrecision(measuredPrecision, name: "measured precision")
    try validatePrecision(targetPrecision, name: "target precision")
    guard measured >= 0, measured <= 1 else {
        throw NoiseAnalysisError.probabilityOutOfRange(name: "measured failure probability", value: measured)
    }
    if measured == 0 { return FailureProbability(log2Value: -.infinity) }
    let zMeasured = try ErrorFunction.inverseErfc(measured) * 2.0.squareRoot()
    let zTarget = zMeasured * exp2(Double(measuredPrecision - targetPrecision))
    let logValue = try ErrorFunction.logErfc(zTarget / 2.0.squareRoot())
    return FailureProbability(log2Value: logValue / M_LN2)
}

/// Trials needed so that a rate p gives at least `expectedFailures` failures on average.
public func trialsForExpectedFailures(_ expectedFailures: Double, rate: Double) throws -> Int {
    guard rate > 0, rate <= 1 else {
        throw NoiseAnalysisError.probabilityOutOfRange(name: "failure rate (must be positive)", value: rate)
    }
    return Int((expectedFailures / rate).rounded(.up))
}

private func validatePrecision(_ bits: Int, name: String) throws(NoiseAnalysisError) {
    guard (1...62).contains(bits) else { throw .precisionOutOfRange(name: name, value: bits) }
}
