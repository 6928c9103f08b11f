import SeededRandom
import GSLStatistics

/// Measured noise of one pipeline step compared with its prediction, in the manner of tfhe-rs's
/// noise checks (PEERS §4): Gaussian CI on the mean, χ² CI on the variance, a normality test.
public struct NoiseCheck: Sendable, Hashable, Codable {
    /// The step's name, e.g. "keyswitch" or "before blind rotation".
    public let step: String
    public let sampleCount: Int
    public let predictedVariance: Double
    public let measuredMean: Double
    public let meanInterval: ConfidenceInterval
    /// The mean the noise should have (0 for every step the analyzer measures).
    public let expectedMean: Double
    public let measuredVariance: Double
    public let varianceInterval: ConfidenceInterval
    /// Shapiro–Francia on the first ≤ 5000 samples (dithered when the samples lie on a grid);
    /// nil when fewer than 5 samples exist or the test was not asked for.
    public let normality: NormalityTestResult?

    /// The variance verdict: does the prediction lie in the χ² interval of the measurement?
    public var verdict: Verdict { Verdict(predicted: predictedVariance, interval: varianceInterval) }
    public var meanVerdict: Verdict { Verdict(predicted: expectedMean, interval: meanInterval) }
    /// measured / predicted.
    public var varianceRatio: Double { measuredVariance / predictedVariance }

    public init(
        step: String, samples: [Double], predictedVariance: Double, expectedMean: Double = 0,
        confidenceLevel: Double = 0.99, normalitySignificanceLevel: Double = 0.01, testNormality: Bool = true,
        gridStep: Double? = nil
    ) throws {
        let moments = try SampleMoments(samples)
        self.step = step
        self.sampleCount = samples.count
        self.predictedVariance = predictedVariance
        self.expectedMean = expectedMean
        self.measuredMean = moments.mean
        self.measuredVariance = moments.variance
        self.meanInterval = try meanConfidenceInterval(of: samples, confidenceLevel: confidenceLevel)
        self.varianceInterval = try varianceConfidenceInterval(
            sampleVariance: moments.variance, sampleCount: moments.count, confidenceLevel: confidenceLevel)
        if testNormality, samples.count >= ShapiroFranciaTest.sampleCountRange.lowerBound {
            var prefix = Array(samples.prefix(ShapiroFranciaTest.sampleCountRange.upperBound))
            if let gridStep {
                // Samples rounded to a grid tie heavily: at σ ≈ 9 steps and n = 5000 the ties
                // alone make Shapiro–Francia reject a rounded Gaussian (median p ≈ 3e-4). Adding
                // uniform dither on one step gives a continuous density within O(step²/σ²) of
                // the Gaussian, which restores the test's level and keeps its power. The variance
                // and mean tests use the undithered samples.
                var generator = SplitMix64(seed: 0xD1_7E5)
                for i in prefix.indices { prefix[i] += gridStep * (Double.random(in: 0..<1, using: &generator) - 0.5) }
            }
            self.normality = try ShapiroFranciaTest.run(prefix, significanceLevel: normalitySignificanceLevel)
        } else {
            self.normality = nil
        }
    }
}

/// A failure-rate experiment: k failures observed in n trials against a predicted rate.
public struct FailureRateCheck: Sendable, Hashable, Codable {
    public let trials: Int
    public let observedFailures: Int
    public let predictedRate: Double
    public let interval: ConfidenceInterval

    public var expectedFailures: Double { predictedRate * Double(trials) }
    public var observedRate: Double { Double(observedFailures) / Double(trials) }
    /// Agrees when the predicted rate lies in the Clopper–Pearson interval of the count.
    public var verdict: Verdict { Verdict(predicted: predictedRate, interval: interval) }

    public init(observedFailures: Int, trials: Int, predictedRate: Double, confidenceLevel: Double = 0.99) throws {
        guard predictedRate >= 0, predictedRate <= 1 else {
            throw NoiseAnalysisError.probabilityOutOfRange(name: "predicted failure rate", value: predictedRate)
        }
        self.trials = trials
        self.observedFailures = observedFailures
        self.predictedRate = predictedRate
        self.interval = try clopperPearsonInterval(failures: observedFailures, trials: trials,
                                                   confidenceLevel: confidenceLevel)
    }
}
