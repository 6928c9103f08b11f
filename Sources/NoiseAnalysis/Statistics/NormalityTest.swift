import GSLStatistics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of a normality test at significance level α.
public struct NormalityTestResult: Sendable, Hashable, Codable {
    /// The test statistic (Shapiro–Francia W′, in (0, 1]; 1 is a perfect straight Q–Q line).
    public let statistic: Double
    public let pValue: Double
    public let significanceLevel: Double
    public let sampleCount: Int

    /// True when normality is not rejected: p > α.
    public var isConsistentWithNormal: Bool { pValue > significanceLevel }
}

/// Shapiro–Francia test of normality (Shapiro & Francia 1972) with Royston's (1993)
/// normalising transform for the p-value — the test tfhe-rs applies to its noise samples.
///
/// W′ is the squared correlation between the ordered sample and the Blom scores
/// m_i = Φ⁻¹((i − 3/8)/(n + 1/4)). Royston: ln(1 − W′) is approximately normal with
/// μ = −1.2725 + 1.0521(ln ln n − ln n), σ = 1.0308 − 0.26758(ln ln n + 2/ln n); large
/// ln(1 − W′) means departure from normality, so p = P(Z > z). Valid for 5 ≤ n ≤ 5000.
public enum ShapiroFranciaTest {
    public static let sampleCountRange = 5...5000

    public static func run(_ samples: [Double], significanceLevel: Double = 0.01) throws -> NormalityTestResult {
        guard significanceLevel > 0, significanceLevel < 1 else {
            throw NoiseAnalysisError.probabilityOutOfRange(name: "significance level α", value: significanceLevel)
        }
        try validateSamples(samples, atLeast: sampleCountRange.lowerBound, purpose: "the Shapiro–Francia test")
        guard samples.count <= sampleCountRange.upperBound else {
            throw NoiseAnalysisError.tooManySamples(allowed: sampleCountRange.upperBound, got: samples.count,
                                                    purpose: "the Shapiro–Francia test (Royston's approximation)")
        }
        let n = samples.count
        let ordered = samples.sorted()
        let mean = ordered.reduce(0, +) / Double(n)
        var scores = [Double](repeating: 0, count: n)
        for i in 0..<n {
            scores[i] = try StandardNormal.quantile((Double(i + 1) - 0.375) / (Double(n) + 0.25))
        }
        // Blom scores sum to zero by symmetry, so Σ m_i x_(i) is already the centred cross term.
        var cross = 0.0, scoreSquares = 0.0, deviationSquares = 0.0
        for i in 0..<n {
            cross += scores[i] * ordered[i]
            scoreSquares += scores[i] * scores[i]
            deviationSquares += (ordered[i] - mean) * (ordered[i] - mean)
        }
        guard deviationSquares > 0 else {
            // A constant sample is not a sample of a continuous distribution.
            return NormalityTestResult(statistic: 0, pValue: 0, significanceLevel: significanceLevel, sampleCount: n)
        }
        let statistic = min(1, cross * cross / (scoreSquares * deviationSquares))
        let logN = log(Double(n))
        let logLogN = log(logN)
        let mu = -1.2725 + 1.0521 * (logLogN - logN)
        let sigma = 1.0308 - 0.26758 * (logLogN + 2 / logN)
        // W′ = 1 exactly (rounding) gives ln 0: the most normal-looking outcome, p = 1.
        let pValue = statistic < 1 ? try StandardNormal.survival((log(1 - statistic) - mu) / sigma) : 1
        return NormalityTestResult(statistic: statistic, pValue: pValue,
                                   significanceLevel: significanceLevel, sampleCount: n)
    }
}
