import Testing
@testable import NoiseAnalysis

@Suite("Exact negacyclic product and the FFT noise fit")
struct MeasurementToolsTests {
    @Test func degreeOneProductByHand() {
        // (a0 + a1 X)(b0 + b1 X) mod X² + 1 = (a0 b0 − a1 b1) + (a0 b1 + a1 b0) X.
        let product = exactNegacyclicProduct(torus: [3, 5], integer: [7, -2])
        #expect(product == [UInt64(bitPattern: 3 * 7 - 5 * -2), UInt64(bitPattern: 3 * -2 + 5 * 7)])
    }

    @Test func multiplyingByXToTheJRotatesNegacyclically() {
        var generator = SplitMix64(seed: 3)
        let n = 64
        let a = (0..<n).map { _ in generator.next() }
        for j in [0, 1, 17, 63] {
            var monomial = [Int64](repeating: 0, count: n)
            monomial[j] = 1
            let rotated = exactNegacyclicProduct(torus: a, integer: monomial)
            for i in 0..<n {
                let expected = i >= j ? a[i - j] : 0 &- a[i - j + n]
                #expect(rotated[i] == expected)
            }
        }
    }

    @Test func productIsBilinearWithWrapping() {
        var generator = SplitMix64(seed: 4)
        let n = 32
        let a = (0..<n).map { _ in generator.next() }
        let b = (0..<n).map { _ in Int64.random(in: -512..<512, using: &generator) }
        let c = (0..<n).map { _ in Int64.random(in: -512..<512, using: &generator) }
        var sum = exactNegacyclicProduct(torus: a, integer: b)
        accumulateExactNegacyclicProduct(into: &sum, torus: a, integer: c)
        #expect(sum == exactNegacyclicProduct(torus: a, integer: zip(b, c).map { $0 + $1 }))
    }

    /// Measurements drawn from a known model (c = 2^-3, N² law) with Gaussian errors of the
    /// right variance: the fit must return log2 c within its sampling error and exponent ≈ 2.
    @Test func fitRecoversAKnownModel() throws {
        let truth = FFTNoiseModel(log2Constant: -3)
        var measurements: [FFTErrorMeasurement] = []
        for (index, n) in [512, 1024, 2048, 4096].enumerated() {
            let variance = truth.variance(polynomialSize: n, glweDimension: 1, baseLog: 22, levels: 1)
            let errors = gaussianSamples(count: 20_000, standardDeviation: variance.squareRoot(), seed: UInt64(100 + index))
            measurements.append(try FFTErrorMeasurement(polynomialSize: n, glweDimension: 1, baseLog: 22, levels: 1, errors: errors))
        }
        let fit = try FFTNoiseFit(measurements: measurements)
        // Each variance is known to ±1 % (√(2/20000)); 4·0.01/ln 2 bits is a generous bound.
        #expect(abs(fit.fixedExponentModel.log2Constant + 3) < 0.06)
        #expect(fit.log2ConstantSpread < 0.06)
        let free = try #require(fit.freeExponentModel)
        #expect(abs(free.polynomialSizeExponent - 2) < 0.05)
        #expect(FFTNoiseModel.concreteCPU.variance(polynomialSize: 2048, glweDimension: 1, baseLog: 23, levels: 1) > 0)
    }
}
