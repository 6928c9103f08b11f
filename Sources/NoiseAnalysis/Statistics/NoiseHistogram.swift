import GSLStatistics

/// Measured noise counted in bins beside the counts a centred Gaussian with the predicted σ
/// gives the same bins: the data of a "measured noise vs predicted Gaussian" figure.
///
/// Bins are symmetric about 0 with width σ_pred/`binsPerSigma`; they cover at least
/// ±`minimumHalfWidthInSigmas`·σ_pred and always every sample (the largest |noise| lies
/// strictly inside the outer bins). A measurement far wider than the prediction widens the
/// bins instead of multiplying them, so at most `maximumBins` are written.
public struct NoiseHistogram: Sendable, Hashable, Codable {
    public struct Bin: Sendable, Hashable, Codable {
        /// Edges in the samples' unit; a bin holds low ≤ x < high.
        public let low: Double
        public let high: Double
        public let observed: Int
        /// n·(Φ(high/σ_pred) − Φ(low/σ_pred)).
        public let expected: Double
    }

    public let bins: [Bin]
    public let sampleCount: Int
    public let predictedSigma: Double

    public init(
        samples: [Double], predictedSigma: Double, binsPerSigma: Int = 4, minimumHalfWidthInSigmas: Int = 4,
        maximumBins: Int = 200
    ) throws {
        try validateSamples(samples, atLeast: 1, purpose: "a noise histogram")
        guard predictedSigma > 0, predictedSigma.isFinite else {
            throw NoiseAnalysisError.probabilityOutOfRange(
                name: "predicted noise standard deviation of the histogram (must be positive, finite)", value: predictedSigma)
        }
        precondition(binsPerSigma >= 1 && minimumHalfWidthInSigmas >= 1 && maximumBins >= 2 * binsPerSigma * minimumHalfWidthInSigmas,
                     "histogram layout: \(binsPerSigma) bins per σ, ±\(minimumHalfWidthInSigmas)σ, at most \(maximumBins) bins")
        let largest = samples.map(abs).max()!
        var width = predictedSigma / Double(binsPerSigma)
        var halfCount = max(binsPerSigma * minimumHalfWidthInSigmas, Int((largest / width).rounded(.down)) + 1)
        if 2 * halfCount > maximumBins {
            halfCount = maximumBins / 2
            // largest / width = halfCount − 1/2: the largest sample sits in the middle of an outer bin.
            width = largest / (Double(halfCount) - 0.5)
        }
        var counts = [Int](repeating: 0, count: 2 * halfCount)
        for x in samples {
            let index = Int((x / width).rounded(.down)) + halfCount
            counts[min(max(index, 0), counts.count - 1)] += 1
        }
        let n = Double(samples.count)
        bins = try counts.indices.map { i in
            let low = Double(i - halfCount) * width, high = Double(i - halfCount + 1) * width
            // The survival function keeps precision in the upper tail, where 1 − Φ cancels.
            let probability = low >= 0
                ? try StandardNormal.survival(low / predictedSigma) - StandardNormal.survival(high / predictedSigma)
                : try StandardNormal.cdf(high / predictedSigma) - StandardNormal.cdf(low / predictedSigma)
            return Bin(low: low, high: high, observed: counts[i], expected: n * probability)
        }
        sampleCount = samples.count
        self.predictedSigma = predictedSigma
    }
}
