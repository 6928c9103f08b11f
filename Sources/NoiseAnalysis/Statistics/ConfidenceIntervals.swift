import GSLStatistics

/// A two-sided interval [lower, upper] holding the true value with probability `confidenceLevel`.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    public let lower: Double
    public let upper: Double
    public let confidenceLevel: Double

    public init(lower: Double, upper: Double, confidenceLevel: Double) {
        precondition(lower <= upper, "interval lower bound \(lower) exceeds upper bound \(upper)")
        self.lower = lower
        self.upper = upper
        self.confidenceLevel = confidenceLevel
    }

    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// Whether a prediction lies inside the measured confidence interval.
public enum Verdict: String, Sendable, Hashable, Codable {
    case agrees
    case disagrees

    public init(predicted: Double, interval: ConfidenceInterval) {
        self = interval.contains(predicted) ? .agrees : .disagrees
    }
}

/// Gaussian confidence interval on the population mean: x̄ ± z_{1−α/2}·s/√n, with the sample
/// standard deviation s (n is in the thousands here, so z and Student's t coincide to 1e-3).
public func meanConfidenceInterval(
    of samples: [Double], confidenceLevel: Double = 0.99
) throws -> ConfidenceInterval {
    try validateConfidenceLevel(confidenceLevel)
    try validateSamples(samples, atLeast: 2, purpose: "a confidence interval on the mean")
    let moments = try SampleMoments(samples)
    let z = try StandardNormal.survivalQuantile((1 - confidenceLevel) / 2)
    let halfWidth = z * moments.standardDeviation / Double(moments.count).squareRoot()
    return ConfidenceInterval(lower: moments.mean - halfWidth, upper: moments.mean + halfWidth,
                              confidenceLevel: confidenceLevel)
}

/// χ² confidence interval on the variance of a normal population:
/// ((n−1)s²/χ²_{n−1}(1−α/2), (n−1)s²/χ²_{n−1}(α/2)).
public func varianceConfidenceInterval(
    of samples: [Double], confidenceLevel: Double = 0.99
) throws -> ConfidenceInterval {
    try validateConfidenceLevel(confidenceLevel)
    try validateSamples(samples, atLeast: 2, purpose: "a confidence interval on the variance")
    let moments = try SampleMoments(samples)
    return try varianceConfidenceInterval(sampleVariance: moments.variance, sampleCount: moments.count,
                                          confidenceLevel: confidenceLevel)
}

/// The same interval from a sample variance s² (n − 1 denominator) of n samples.
public func varianceConfidenceInterval(
    sampleVariance: Double, sampleCount: Int, confidenceLevel: Double = 0.99
) throws -> ConfidenceInterval {
    try validateConfidenceLevel(confidenceLevel)
    guard sampleCount >= 2 else {
        throw NoiseAnalysisError.tooFewSamples(needed: 2, got: sampleCount, purpose: "a confidence interval on the variance")
    }
    let alpha = 1 - confidenceLevel
    let degreesOfFreedom = Double(sampleCount - 1)
    let chiSquared = ChiSquaredDistribution(degreesOfFreedom: degreesOfFreedom)
    let upperCritical = try chiSquared.survivalQuantile(alpha / 2)
    let lowerCritical = try chiSquared.quantile(alpha / 2)
    let scaled = degreesOfFreedom * sampleVariance
    return ConfidenceInterval(lower: scaled / upperCritical, upper: scaled / lowerCritical,
                              confidenceLevel: confidenceLevel)
}
