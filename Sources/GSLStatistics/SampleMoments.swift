import CGSL

/// Mean, variance, standard deviation, skewness and excess kurtosis of a sample, by GSL's
/// `gsl_stats_*` routines (variance with the n − 1 denominator).
public struct SampleMoments: Sendable, Hashable {
    public let count: Int
    public let mean: Double
    /// Unbiased sample variance s² = Σ(x − x̄)²/(n − 1).
    public let variance: Double
    public let standardDeviation: Double
    /// Σ((x − x̄)/s)³/n (`gsl_stats_skew`); 0 for a normal population.
    public let skewness: Double
    /// Σ((x − x̄)/s)⁴/n − 3 (`gsl_stats_kurtosis`); 0 for a normal population.
    public let excessKurtosis: Double

    /// Needs at least two finite samples (one gives no variance).
    public init(_ samples: [Double]) throws(GSLError) {
        guard samples.count >= 2 else {
            throw GSLError(status: Int32(GSL_EDOM),
                           reason: "sample moments need at least 2 samples, got \(samples.count)",
                           function: "gsl_stats_variance", arguments: "n: \(samples.count)")
        }
        if let index = samples.firstIndex(where: { !$0.isFinite }) {
            throw GSLError(status: Int32(GSL_EDOM),
                           reason: "sample \(index) is \(samples[index]); every sample must be finite",
                           function: "gsl_stats_mean", arguments: "n: \(samples.count)")
        }
        let n = samples.count
        (mean, variance, standardDeviation, skewness, excessKurtosis) = samples.withUnsafeBufferPointer { buffer in
            let data = buffer.baseAddress!
            let mean = gsl_stats_mean(data, 1, n)
            let variance = gsl_stats_variance_m(data, 1, n, mean)
            let sd = variance.squareRoot()
            // A constant sample has no shape; GSL would divide by zero.
            let skew = sd > 0 ? gsl_stats_skew_m_sd(data, 1, n, mean, sd) : 0
            let kurtosis = sd > 0 ? gsl_stats_kurtosis_m_sd(data, 1, n, mean, sd) : 0
            return (mean, variance, sd, skew, kurtosis)
        }
        count = n
    }
}
