import Testing
@testable import NoiseAnalysis
import TFHE

@Suite("FFT noise fit")
struct FFTNoiseFitTests {
    private func estimate(n: Int, coefficient: Double) -> FFTTermEstimate {
        let shape = FFTNoiseModel.measuredShape(k: 1, N: Double(n), baseLog: 22, l: 1)
        let variance = coefficient * shape
        return FFTTermEstimate(parameterSet: "synthetic-\(n)", polynomialSize: n, glweDimension: 1, baseLog: 22, levels: 1,
                               variance: variance,
                               interval: ConfidenceInterval(lower: 0.9 * variance, upper: 1.1 * variance, confidenceLevel: 0.99),
                               shareOfBlindRotationVariance: 0.5)
    }

    @Test func exactN2LawGivesItsCoefficientAndExponentTwo() throws {
        let fit = try FFTNoiseFit(estimates: [1024, 2048, 4096, 8192].map { estimate(n: $0, coefficient: 0.125) })
        #expect(abs(fit.coefficient - 0.125) < 1e-12)
        #expect(fit.log2CoefficientSpread < 1e-12)
        #expect(abs(try #require(fit.polynomialSizeExponent) - 2) < 1e-9)
        #expect(fit.model == .measured(coefficient: fit.coefficient))
    }

    /// Var ∝ N^2.5: c grows as √N, the exponent fit must see 2.5.
    @Test func steeperLawIsDetected() throws {
        let fit = try FFTNoiseFit(estimates: [1024, 2048, 4096].map { estimate(n: $0, coefficient: 0.01 * Double($0).squareRoot()) })
        #expect(abs(try #require(fit.polynomialSizeExponent) - 2.5) < 1e-9)
        #expect(fit.log2CoefficientSpread > 0.4)
    }

    @Test func unresolvedEstimatesAreLeftOut() throws {
        let negative = FFTTermEstimate(parameterSet: "unresolved", polynomialSize: 512, glweDimension: 3, baseLog: 18, levels: 1,
                                       variance: -1e-12,
                                       interval: ConfidenceInterval(lower: -2e-12, upper: 1e-12, confidenceLevel: 0.99),
                                       shareOfBlindRotationVariance: 0)
        let unresolved = FFTTermEstimate(parameterSet: "unresolved-positive", polynomialSize: 512, glweDimension: 3, baseLog: 18,
                                         levels: 1, variance: 1e-11,
                                         interval: ConfidenceInterval(lower: -3e-11, upper: 5e-11, confidenceLevel: 0.99),
                                         shareOfBlindRotationVariance: 0.01)
        let fit = try FFTNoiseFit(estimates: [negative, unresolved, estimate(n: 2048, coefficient: 0.2)])
        #expect(fit.estimates.count == 1)
        #expect(fit.polynomialSizeExponent == nil)
        #expect(throws: NoiseAnalysisError.self) { try FFTNoiseFit(estimates: [negative]) }
    }
}
