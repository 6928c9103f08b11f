import Testing
@testable import NeuralNet
@testable import Quantization

@Suite struct QuantizerTests {
    struct Kind: CustomTestStringConvertible, Sendable {
        let signed: Bool, symmetric: Bool
        var testDescription: String { "\(signed ? "signed" : "unsigned") \(symmetric ? "symmetric" : "asymmetric")" }
    }
    static let kinds = [Kind(signed: false, symmetric: false), Kind(signed: false, symmetric: true),
                        Kind(signed: true, symmetric: false), Kind(signed: true, symmetric: true)]

    @Test(arguments: kinds, [2, 3, 4, 6, 8, 12])
    func roundTripErrorIsAtMostHalfAScaleAndCodesStayInRange(kind: Kind, bits: Int) {
        var generator = SeededGenerator(seed: UInt64(bits * 10 + (kind.signed ? 1 : 0) + (kind.symmetric ? 2 : 0)))
        for _ in 0..<50 {
            let a = Double(generator.nextGaussian()) * 3, b = Double(generator.nextGaussian()) * 3
            let q = Quantizer(bitWidth: bits, signed: kind.signed, symmetric: kind.symmetric, minimum: min(a, b), maximum: max(a, b))
            #expect(q.scale > 0)
            #expect(q.codeRange.contains(q.zeroPoint))
            #expect(q.dequantize(q.quantize(0.0)) == 0, "zero must be exact: \(q)")
            #expect(q.maxCode - q.minCode == (kind.signed && kind.symmetric ? (1 << bits) - 2 : (1 << bits) - 1))
            let range = q.representableRange
            for _ in 0..<200 {
                let x = range.lowerBound + Double(generator.nextUnitFloat()) * (range.upperBound - range.lowerBound)
                let code = q.quantize(x)
                #expect(q.codeRange.contains(code))
                #expect(abs(q.dequantize(code) - x) <= q.scale / 2 * (1 + 1e-9), "x=\(x) code=\(code) \(q)")
            }
            // Outside the range: clamp to the nearest end.
            #expect(q.quantize(range.upperBound + 10 * q.scale + 1) == q.maxCode)
            #expect(q.quantize(range.lowerBound - 10 * q.scale - 1) == q.minCode)
            #expect(q.quantize(1e300) == q.maxCode && q.quantize(-1e300) == q.minCode)
        }
    }

    @Test func calibratedRangeIsCovered() {
        // Unsigned asymmetric over [0.2, 1]: widened to [0, 1], 4 bits → scale 1/15.
        let q = Quantizer(bitWidth: 4, signed: false, symmetric: false, minimum: 0.2, maximum: 1)
        #expect(q.zeroPoint == 0 && abs(q.scale - 1.0 / 15) < 1e-15)
        #expect(q.quantize(1.0) == 15 && q.quantize(0.5) == 8) // 7.5 rounds half away from zero
        // Signed symmetric 3 bits: codes −3...3, scale = max|x| / 3.
        let w = Quantizer(bitWidth: 3, signed: true, symmetric: true, minimum: -0.6, maximum: 0.3)
        #expect(w.codeRange == -3...3 && abs(w.scale - 0.2) < 1e-15 && w.quantize(-0.6) == -3 && w.quantize(0.3) == 2)
        // Asymmetric around a negative minimum puts the zero point inside the codes.
        let t = Quantizer(bitWidth: 8, signed: false, symmetric: false, minimum: -1, maximum: 3)
        #expect(t.zeroPoint == 64 && abs(t.dequantize(t.quantize(-1.0)) + 1) <= t.scale / 2)
        // Degenerate range.
        let z = Quantizer(bitWidth: 4, signed: false, symmetric: true, minimum: 0, maximum: 0)
        #expect(z.scale == 1 && z.quantize(0.0) == 0)
    }

    @Test(arguments: [true, false])
    func perChannelAndPerTensorWeights(perChannel: Bool) {
        var generator = SeededGenerator(seed: 77)
        var weights = Matrix(rows: 6, columns: 20)
        for j in 0..<6 { for i in 0..<20 { weights[j, i] = generator.nextGaussian() * Float(j + 1) * 0.1 } }
        let config = QuantizationConfiguration(method: .ptq, inputBits: 4, weightBits: 4, activationBits: 4, perChannel: perChannel)
        let (integers, quantizers) = Calibration.quantizeWeights(weights, configuration: config, inputCodeSpan: 15, isOutputLayer: false)
        #expect(quantizers.count == 6)
        for j in 0..<6 {
            let rowMax = (0..<20).map { abs(Double(weights[j, $0])) }.max()!
            let allMax = weights.values.map { abs(Double($0)) }.max()!
            let expectedScale = (perChannel ? rowMax : allMax) / 7
            #expect(abs(quantizers[j].scale - expectedScale) <= 1e-12 * expectedScale)
            for i in 0..<20 {
                #expect((-7...7).contains(integers[j, i]))
                #expect(abs(quantizers[j].scale * Double(integers[j, i]) - Double(weights[j, i])) <= quantizers[j].scale / 2 * (1 + 1e-9))
            }
            // Per channel, every row uses its full code range.
            if perChannel { #expect(integers.row(j).map { abs($0) }.max() == 7) }
        }
    }

    /// With one scale per layer the budget zeroes the smallest weights at that scale (per
    /// channel, BudgetFit chooses codes and scale; see BudgetFitTests).
    @Test func accumulatorBudgetPrunesSmallestWeightsAtASharedScale() {
        var generator = SeededGenerator(seed: 5)
        var weights = Matrix(rows: 8, columns: 64)
        for k in weights.values.indices { weights.values[k] = generator.nextGaussian() }
        let budget = 9
        let config = QuantizationConfiguration(method: .qat, inputBits: 4, weightBits: 4, activationBits: 3, perChannel: false,
                                               accumulatorBitsBudget: budget)
        let unpruned = Calibration.quantizeWeights(weights, configuration: QuantizationConfiguration(method: .qat, inputBits: 4, weightBits: 4, activationBits: 3, perChannel: false), inputCodeSpan: 15, isOutputLayer: false).0
        let (pruned, _) = Calibration.quantizeWeights(weights, configuration: config, inputCodeSpan: 15, isOutputLayer: false)
        for j in 0..<8 {
            let l1 = pruned.row(j).reduce(Int64(0)) { $0 + abs($1) }
            #expect(l1 * 15 <= (1 << budget) - 1)
            #expect(l1 > 0)
            // Kept weights are unchanged, and every pruned weight is no larger than every kept one.
            let kept = zip(pruned.row(j), unpruned.row(j)).filter { $0.0 != 0 }
            #expect(kept.allSatisfy { $0.0 == $0.1 })
            let smallestKept: Int64 = kept.map { abs($0.1) }.min() ?? Int64(0)
            let largestPruned: Int64 = zip(pruned.row(j), unpruned.row(j)).filter { $0.0 == 0 }.map { abs($0.1) }.max() ?? Int64(0)
            #expect(largestPruned <= smallestKept)
        }
        #expect(pruned != unpruned)
    }

    @Test func invalidConfigurationsNameTheField() {
        let bad = QuantizationConfiguration(method: .ptq, inputBits: 0, weightBits: 4, activationBits: 4)
        #expect(throws: QuantizationConfigurationError(description: "input_bits is 0; allowed values are 1...16")) { try bad.validate() }
        let badWeights = QuantizationConfiguration(method: .ptq, inputBits: 4, weightBits: 1, activationBits: 4)
        #expect(throws: QuantizationConfigurationError(description: "weight_bits is 1; allowed values are 2...16")) { try badWeights.validate() }
        let badPercentile = QuantizationConfiguration(method: .ptq, inputBits: 4, weightBits: 4, activationBits: 4, activationCalibration: .percentile(30))
        #expect(throws: QuantizationConfigurationError.self) { try badPercentile.validate() }
    }
}
