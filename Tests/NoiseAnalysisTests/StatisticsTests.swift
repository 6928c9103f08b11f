import SeededRandom
import Testing
import GSLStatistics
@testable import NoiseAnalysis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func isClose(_ a: Double, _ b: Double, relative tolerance: Double) -> Bool {
    abs(a - b) <= tolerance * abs(b)
}

/// The smallest m with P(X ≥ m) < 1e-4 for X ~ Binomial(n, p): a replicate count above it has
/// less than a 1-in-10,000 chance under a correctly calibrated procedure.
private func improbablyManyMisses(replicates n: Int, rate p: Double) throws -> Int {
    let binomial = BinomialDistribution(trials: n, successProbability: p)
    var m = 0
    while try binomial.survival(m) >= 1e-4 { m += 1 }
    return m + 1
}

@Suite("Confidence intervals on mean and variance")
struct ConfidenceIntervalTests {
    @Test func textbookVarianceInterval() throws {
        // Twenty returns with sample sd 5 %: the 95 % interval for σ is (3.8 %, 7.3 %)
        // (LibreTexts, Geraghty §9.3; χ²_19 critical values 8.907 and 32.852).
        let interval = try varianceConfidenceInterval(sampleVariance: 0.05 * 0.05, sampleCount: 20, confidenceLevel: 0.95)
        #expect(abs(interval.lower.squareRoot() - 0.038) < 5e-4)
        #expect(abs(interval.upper.squareRoot() - 0.073) < 5e-4)
        #expect(isClose(interval.lower, 19 * 0.0025 / 32.852, relative: 1e-4))
        #expect(isClose(interval.upper, 19 * 0.0025 / 8.907, relative: 1e-4))
    }

    @Test func meanIntervalOnKnownSample() throws {
        // Mean 5, s² = 32/7, n = 8; z_{0.995} = 2.575829.
        let interval = try meanConfidenceInterval(of: [2, 4, 4, 4, 5, 5, 7, 9], confidenceLevel: 0.99)
        let halfWidth = 2.575829 * (32.0 / 7 / 8).squareRoot()
        #expect(abs(interval.lower - (5 - halfWidth)) < 1e-5)
        #expect(abs(interval.upper - (5 + halfWidth)) < 1e-5)
    }

    /// Coverage: over 400 independent seeded replicates of 500 Gaussian samples, the 99 %
    /// intervals miss the true value about 4 times; more than the 1e-4-improbable count fails.
    @Test func ninetyNinePercentIntervalsCoverAsStated() throws {
        let replicates = 400
        var meanMisses = 0, varianceMisses = 0
        for seed in 0..<UInt64(replicates) {
            let samples = SyntheticSamples.gaussian(count: 500, mean: 0.25, standardDeviation: 3, seed: 1000 + seed)
            if !(try meanConfidenceInterval(of: samples)).contains(0.25) { meanMisses += 1 }
            if !(try varianceConfidenceInterval(of: samples)).contains(9) { varianceMisses += 1 }
        }
        let limit = try improbablyManyMisses(replicates: replicates, rate: 0.01)
        #expect(meanMisses < limit, "mean interval missed \(meanMisses) of \(replicates)")
        #expect(varianceMisses < limit, "variance interval missed \(varianceMisses) of \(replicates)")
    }

    /// Power: 100,000 samples give a 99 % interval of ±1.2 % around s²; a prediction 10 % off
    /// must be called a disagreement, the true variance an agreement.
    @Test func verdictSeparatesRightFromWrongPrediction() throws {
        let sigma = 3.0e-6
        let samples = SyntheticSamples.gaussian(count: 100_000, standardDeviation: sigma, seed: 42)
        let right = try NoiseCheck(step: "synthetic", samples: samples, predictedVariance: sigma * sigma)
        #expect(right.verdict == .agrees)
        #expect(right.meanVerdict == .agrees)
        #expect(right.normality?.isConsistentWithNormal == true)
        let wrong = try NoiseCheck(step: "synthetic", samples: samples, predictedVariance: 1.1 * sigma * sigma)
        #expect(wrong.verdict == .disagrees)
        #expect(abs(right.varianceRatio - 1) < 0.012)
    }

    @Test func badInputsThrowDescriptiveErrors() {
        #expect(throws: NoiseAnalysisError.confidenceLevelOutOfRange(1)) {
            try meanConfidenceInterval(of: [1, 2, 3], confidenceLevel: 1)
        }
        #expect(throws: NoiseAnalysisError.tooFewSamples(needed: 2, got: 1, purpose: "a confidence interval on the variance")) {
            try varianceConfidenceInterval(of: [1])
        }
        #expect(throws: NoiseAnalysisError.nonFiniteSample(index: 1, value: .infinity)) {
            try varianceConfidenceInterval(of: [1, .infinity, 3])
        }
        #expect(NoiseAnalysisError.confidenceLevelOutOfRange(1.5).description.contains("1.5"))
    }
}

@Suite("Shapiro–Francia normality test")
struct NormalityTests {
    @Test(arguments: [UInt64(11), 12, 13, 14, 15])
    func acceptsGaussianSamples(seed: UInt64) throws {
        let result = try ShapiroFranciaTest.run(SyntheticSamples.gaussian(count: 2000, mean: -1, standardDeviation: 1e-5, seed: seed),
                                                significanceLevel: 0.01)
        #expect(result.isConsistentWithNormal, "p = \(result.pValue), W' = \(result.statistic)")
        #expect(result.statistic > 0.99)
    }

    @Test(arguments: [UInt64(21), 22, 23])
    func rejectsUniformSamples(seed: UInt64) throws {
        let result = try ShapiroFranciaTest.run(SyntheticSamples.uniform(count: 1000, seed: seed), significanceLevel: 0.01)
        #expect(!result.isConsistentWithNormal)
        #expect(result.pValue < 1e-6, "p = \(result.pValue)")
    }

    @Test func rejectsHeavyTails() throws {
        // Laplace samples: the difference of two independent exponentials.
        var generator = SplitMix64(seed: 5)
        let laplace = (0..<1000).map { _ in
            log(Double.random(in: Double.ulpOfOne..<1, using: &generator))
                - log(Double.random(in: Double.ulpOfOne..<1, using: &generator))
        }
        #expect(!(try ShapiroFranciaTest.run(laplace, significanceLevel: 0.01)).isConsistentWithNormal)
    }

    /// W′ is the squared Pearson correlation of the ordered sample with the Blom scores;
    /// recompute it from that definition.
    @Test func statisticIsSquaredCorrelationWithBlomScores() throws {
        let samples = SyntheticSamples.gaussian(count: 50, seed: 99).map { $0 * $0 }
        let ordered = samples.sorted()
        let n = Double(samples.count)
        let scores = try (1...samples.count).map { i in try StandardNormal.quantile((Double(i) - 0.375) / (n + 0.25)) }
        let meanX = ordered.reduce(0, +) / n, meanM = scores.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, m) in zip(ordered, scores) {
            sxy += (x - meanX) * (m - meanM); sxx += (x - meanX) * (x - meanX); syy += (m - meanM) * (m - meanM)
        }
        let result = try ShapiroFranciaTest.run(samples)
        #expect(isClose(result.statistic, sxy * sxy / (sxx * syy), relative: 1e-12))
        #expect(!result.isConsistentWithNormal, "χ²₁ samples are skewed; p = \(result.pValue)")
    }

    /// Calibration at α = 0.05: 300 Gaussian replicates reject about 15 times. Too many
    /// rejections means a wrong null distribution, too few a test without power.
    @Test func rejectionRateMatchesAlpha() throws {
        let replicates = 300
        var rejections = 0
        for seed in 0..<UInt64(replicates) {
            let result = try ShapiroFranciaTest.run(SyntheticSamples.gaussian(count: 500, seed: 5000 + seed), significanceLevel: 0.05)
            if !result.isConsistentWithNormal { rejections += 1 }
        }
        let limit = try improbablyManyMisses(replicates: replicates, rate: 0.05)
        #expect(rejections < limit, "\(rejections) of \(replicates) rejections")
        #expect(rejections >= 4, "\(rejections) of \(replicates) rejections; P(X ≤ 3) < 1e-4 at rate 0.05")
    }

    @Test func sampleSizeOutsideRoystonRangeThrows() {
        #expect(throws: NoiseAnalysisError.self) { try ShapiroFranciaTest.run([1, 2, 3, 4]) }
        #expect(throws: NoiseAnalysisError.self) { try ShapiroFranciaTest.run(SyntheticSamples.uniform(count: 5001, seed: 1)) }
    }
}

@Suite("Failure counts: Clopper–Pearson and precision scaling")
struct FailureRateTests {
    @Test func clopperPearsonKnownValues() throws {
        // k = 0, n = 10, 95 %: upper = 1 − 0.025^(1/10) = 0.3085.
        let none = try clopperPearsonInterval(failures: 0, trials: 10, confidenceLevel: 0.95)
        #expect(none.lower == 0)
        #expect(abs(none.upper - 0.3085) < 5e-5)
        // k = 5, n = 10, 95 %: (0.1871, 0.8129) (R binom.test).
        let half = try clopperPearsonInterval(failures: 5, trials: 10, confidenceLevel: 0.95)
        #expect(abs(half.lower - 0.1871) < 5e-5)
        #expect(abs(half.upper - 0.8129) < 5e-5)
        let all = try clopperPearsonInterval(failures: 10, trials: 10, confidenceLevel: 0.95)
        #expect(all.upper == 1)
        #expect(abs(all.lower - 0.6915) < 5e-5)
    }

    /// The defining property: at the upper bound P(X ≤ k) = α/2, at the lower bound
    /// P(X ≥ k) = α/2, checked with GSL's binomial CDF at the sizes of a failure-rate run.
    @Test func clopperPearsonBoundsSolveTheBinomialTails() throws {
        let k = 130, n = 1_000_000
        let interval = try clopperPearsonInterval(failures: k, trials: n, confidenceLevel: 0.99)
        let atUpper = try BinomialDistribution(trials: n, successProbability: interval.upper).cdf(k)
        let atLower = try BinomialDistribution(trials: n, successProbability: interval.lower).survival(k - 1)
        #expect(isClose(atUpper, 0.005, relative: 1e-6))
        #expect(isClose(atLower, 0.005, relative: 1e-6))
    }

    @Test func failureRateVerdictOnSimulatedBernoulliTrials() throws {
        var generator = SplitMix64(seed: 77)
        let trials = 200_000, rate = 1e-3
        let failures = (0..<trials).reduce(0) { count, _ in count + (Double.random(in: 0..<1, using: &generator) < rate ? 1 : 0) }
        let check = try FailureRateCheck(observedFailures: failures, trials: trials, predictedRate: rate)
        #expect(check.expectedFailures == 200)
        #expect(check.verdict == .agrees, "\(failures) failures, interval \(check.interval)")
        #expect(try FailureRateCheck(observedFailures: failures, trials: trials, predictedRate: 1.5e-3).verdict == .disagrees)
        #expect(throws: NoiseAnalysisError.failureCountOutOfRange(failures: 11, trials: 10)) {
            try clopperPearsonInterval(failures: 11, trials: 10)
        }
    }

    @Test func gaussianFailureProbabilityMatchesErfc() throws {
        // σ = t gives erfc(1/√2) = 0.3173105 (the two-sided 1σ tail).
        let p = 4, t = exp2(-Double(p + 2))
        #expect(abs(try gaussianFailureProbability(standardDeviation: t, precision: p).value - 0.3173105) < 5e-8)
        // κ(2^-40) = 7.144 (TFHE_FACTS §3.7): σ = t/κ gives 2^-40 to the printed digits.
        #expect(abs(try gaussianFailureProbability(standardDeviation: t / 7.144, precision: p).log2Value + 40) < 0.01)
        // Far below double underflow of erfc itself.
        #expect(try gaussianFailureProbability(standardDeviation: t / 40, precision: p).log2Value < -1100)
    }

    @Test func precisionScalingMatchesTFHErsReference() throws {
        // tfhe-rs test_equivalent_pfail: 5 bits with padding at 2^-128 → 7 bits with padding
        // gives 0.0010485821554304582.
        let raised = try equivalentFailureProbability(exp2(-128), measuredPrecision: 4, targetPrecision: 6)
        #expect(isClose(raised.value, 0.0010485821554304582, relative: 1e-9))
        // And back again.
        let lowered = try equivalentFailureProbability(raised.value, measuredPrecision: 6, targetPrecision: 4)
        #expect(abs(lowered.log2Value + 128) < 1e-6)
        // Consistent with computing both rates from the same σ.
        let sigma = 2.0e-4
        let atSix = try gaussianFailureProbability(standardDeviation: sigma, precision: 6)
        let atThree = try gaussianFailureProbability(standardDeviation: sigma, precision: 3)
        let mapped = try equivalentFailureProbability(atSix.value, measuredPrecision: 6, targetPrecision: 3)
        #expect(abs(mapped.log2Value - atThree.log2Value) < 1e-6 * abs(atThree.log2Value))
        #expect(try equivalentFailureProbability(0, measuredPrecision: 6, targetPrecision: 3).log2Value == -.infinity)
    }

    @Test func trialsForExpectedFailuresRoundsUp() throws {
        #expect(try trialsForExpectedFailures(100, rate: 0.003) == 33_334)
        #expect(throws: NoiseAnalysisError.self) { try trialsForExpectedFailures(100, rate: 0) }
    }
}

@Suite("Torus distances")
struct TorusDistanceTests {
    @Test func signedDistanceWrapsAroundTheTorus() {
        let eighth: UInt64 = 1 << 61
        #expect(signedTorusDistance(eighth, from: 7 * eighth) == 0.25)
        #expect(signedTorusDistance(7 * eighth, from: eighth) == -0.25)
        #expect(signedTorusDistance(5, from: 5) == 0)
        #expect(signedTorusDistance(0, from: 1) == -0x1p-64)
        #expect(signedTorusDistance(1 << 63, from: 0) == -0.5)
    }

    @Test func gridDistanceWrapsModuloTwoN() {
        #expect(signedGridDistance(1, from: 2047, gridSize: 2048) == 2)
        #expect(signedGridDistance(2047, from: 1, gridSize: 2048) == -2)
        #expect(signedGridDistance(1024, from: 0, gridSize: 2048) == -1024)
        #expect(signedGridDistance(1023, from: 0, gridSize: 2048) == 1023)
    }
}
