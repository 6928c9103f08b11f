import SeededRandom
import Testing
@testable import NoiseAnalysis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Noise histogram beside the predicted Gaussian")
struct NoiseHistogramTests {
    @Test func countsSumToTheSamplesAndBinsAreContiguous() throws {
        let sigma = 3e-7
        let samples = SyntheticSamples.gaussian(count: 6400, standardDeviation: sigma, seed: 41)
        let histogram = try NoiseHistogram(samples: samples, predictedSigma: sigma)
        #expect(histogram.bins.map(\.observed).reduce(0, +) == samples.count)
        #expect(histogram.sampleCount == 6400)
        // Symmetric about 0, width σ/4, at least ±4σ.
        #expect(histogram.bins.count.isMultiple(of: 2) && histogram.bins.count >= 32)
        #expect(abs(histogram.bins.first!.low + histogram.bins.last!.high) < 1e-18)
        for (left, right) in zip(histogram.bins, histogram.bins.dropFirst()) { #expect(left.high == right.low) }
        #expect(abs(histogram.bins[0].high - histogram.bins[0].low - sigma / 4) < 1e-18)
        // Every sample falls inside a bin by its edges, not by clamping.
        let largest = samples.map(abs).max()!
        #expect(histogram.bins.first!.low < -largest && largest < histogram.bins.last!.high)
    }

    @Test func expectedCountsComeFromThePredictedSigma() throws {
        let predicted = 2e-6
        // Measured noise twice as wide as predicted: the expected column must not follow it.
        let samples = SyntheticSamples.gaussian(count: 1000, standardDeviation: 2 * predicted, seed: 42)
        let histogram = try NoiseHistogram(samples: samples, predictedSigma: predicted)
        let middle = histogram.bins.count / 2
        let firstAboveZero = histogram.bins[middle]
        #expect(firstAboveZero.low == 0)
        // P(0 ≤ X < σ/4) for X ~ N(0, σ²) = erf(1/(4√2))/2.
        let probability = erf(0.25 / 2.0.squareRoot()) / 2
        #expect(abs(firstAboveZero.expected - 1000 * probability) < 1e-9)
        #expect(abs(histogram.bins[middle - 1].expected - firstAboveZero.expected) < 1e-9, "symmetric")
        // The bins cover ±4σ_pred or more, so the expected counts hold ≥ 1 − 2Q(4) of the samples.
        let expectedTotal = histogram.bins.map(\.expected).reduce(0, +)
        #expect(expectedTotal > 1000 * (1 - erfc(4 / 2.0.squareRoot())) - 1e-6 && expectedTotal <= 1000 + 1e-9)
        // Twice as wide: the central bins hold clearly fewer than the prediction says.
        let centralObserved = histogram.bins[(middle - 4)..<(middle + 4)].map(\.observed).reduce(0, +)
        let centralExpected = histogram.bins[(middle - 4)..<(middle + 4)].map(\.expected).reduce(0, +)
        #expect(Double(centralObserved) < 0.75 * centralExpected, "\(centralObserved) vs \(centralExpected)")
    }

    @Test func farOutlierWidensTheBinsInsteadOfMultiplyingThem() throws {
        var samples = SyntheticSamples.gaussian(count: 500, standardDeviation: 1, seed: 43)
        samples.append(1000)
        let histogram = try NoiseHistogram(samples: samples, predictedSigma: 1, maximumBins: 200)
        #expect(histogram.bins.count == 200)
        #expect(histogram.bins.map(\.observed).reduce(0, +) == 501)
        #expect(histogram.bins.last!.observed == 1 && histogram.bins.last!.high > 1000)
    }

    @Test func badInputsThrow() {
        #expect(throws: NoiseAnalysisError.self) { try NoiseHistogram(samples: [], predictedSigma: 1) }
        #expect(throws: NoiseAnalysisError.self) { try NoiseHistogram(samples: [0.1], predictedSigma: 0) }
        #expect(throws: NoiseAnalysisError.self) { try NoiseHistogram(samples: [.nan], predictedSigma: 1) }
    }
}
