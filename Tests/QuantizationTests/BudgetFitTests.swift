import Foundation
import Testing
@testable import NeuralNet
@testable import Quantization

@Suite struct BudgetFitTests {
    /// The codes and error the old rule gives: min/max scale, then zero the smallest codes.
    static func pruneAtMinMaxScale(_ w: [Float], maxCode: Int64, l1Limit: Int64) -> (codes: [Int64], error: Double) {
        let largest = Double(w.map { abs($0) }.max()!)
        let scale = largest / Double(maxCode)
        var codes = w.map { min(maxCode, max(-maxCode, Int64((Double($0) / scale).rounded()))) }
        var l1 = codes.reduce(0) { $0 + abs($1) }
        for i in codes.indices.sorted(by: { abs(w[$0]) < abs(w[$1]) }) where l1 > l1Limit {
            l1 -= abs(codes[i])
            codes[i] = 0
        }
        let error = zip(w, codes).reduce(0.0) { $0 + pow(Double($1.0) - scale * Double($1.1), 2) }
        return (codes, error)
    }

    /// Every fit respects the code range and the L1 limit, reports its true squared error, and
    /// is never worse than pruning at the min/max scale (that pair is among the candidates).
    @Test(arguments: [1, 3, 7, 127] as [Int64])
    func fitRespectsTheLimitAndBeatsPruning(maxCode: Int64) {
        var generator = SeededGenerator(seed: UInt64(maxCode))
        for trial in 0..<60 {
            let count = 1 + trial % 40
            let w = (0..<count).map { _ in generator.nextGaussian() * (trial % 2 == 0 ? 0.3 : 2) }
            let limit = Int64(trial % 25)
            let fit = BudgetFit.fit(w[...], maxCode: maxCode, l1Limit: limit)
            #expect(fit.codes.count == count && fit.scale > 0 && fit.scale.isFinite)
            #expect(fit.codes.allSatisfy { abs($0) <= maxCode })
            #expect(fit.codes.reduce(0) { $0 + abs($1) } <= limit)
            let error = zip(w, fit.codes).reduce(0.0) { $0 + pow(Double($1.0) - fit.scale * Double($1.1), 2) }
            #expect(abs(error - fit.squaredError) <= 1e-9 * max(1, error))
            let pruned = Self.pruneAtMinMaxScale(w, maxCode: maxCode, l1Limit: limit)
            #expect(fit.squaredError <= pruned.error * (1 + 1e-12) + 1e-12, "trial \(trial): fit \(fit.squaredError), pruning \(pruned.error)")
        }
    }

    /// Ternary codes: at the min/max scale only weights above max|w|/2 survive; the fit lowers
    /// the threshold (clipping the outlier) and spends the budget on the many mid-sized weights.
    @Test func ternaryFitKeepsMoreWeightsThanTheMinMaxScale() {
        let w: [Float] = [4] + [Float](repeating: 1, count: 12) + [Float](repeating: -1, count: 6) + [0.05, -0.05]
        let pruned = Self.pruneAtMinMaxScale(w, maxCode: 1, l1Limit: 31)
        let fit = BudgetFit.fit(w[...], maxCode: 1, l1Limit: 31)
        #expect(pruned.codes.filter { $0 != 0 }.count == 1)
        #expect(fit.codes.filter { $0 != 0 }.count == 19)
        #expect(fit.codes[19] == 0 && fit.codes[20] == 0)
        #expect(fit.squaredError < pruned.error / 2)
    }

    @Test func zeroWeightsAndZeroLimitGiveZeroCodes() {
        let zero = BudgetFit.fit([Float](repeating: 0, count: 5)[...], maxCode: 3, l1Limit: 10)
        #expect(zero.codes.allSatisfy { $0 == 0 } && zero.scale == 1 && zero.squaredError == 0)
        let none = BudgetFit.fit([0.5, -0.2][...], maxCode: 3, l1Limit: 0)
        #expect(none.codes == [0, 0] && abs(none.squaredError - 0.29) < 1e-6)
    }
}

@Suite struct AccumulatorBudgetQuantizationTests {
    static func calibrated(_ configuration: QuantizationConfiguration) throws -> QuantizedModel {
        var model = Network(sizes: [20, 16, 4], activation: .relu, seed: 41)
        var generator = SeededGenerator(seed: 42)
        var inputs = Matrix(rows: 40, columns: 20)
        for k in inputs.values.indices { inputs.values[k] = generator.nextUnitFloat() }
        model.layers[1].weights = model.layers[1].weights.map { $0 * 4 }
        return try PostTrainingQuantizer.quantize(model, calibrationInputs: inputs, configuration: configuration)
    }

    static func largestL1(_ layer: QuantizedLayer) -> Int64 {
        (0..<layer.weights.rows).map { j in layer.weights.row(j).reduce(0) { $0 + abs($1) } }.max()!
    }

    /// The budget binds hidden neurons only: the output layer, which has no table, keeps the
    /// weights it has without a budget.
    @Test(arguments: [true, false])
    func budgetBindsHiddenLayersOnly(perChannel: Bool) throws {
        let budgeted = try Self.calibrated(QuantizationConfiguration(method: .ptq, inputBits: 2, weightBits: 4, activationBits: 3,
                                                                    perChannel: perChannel, accumulatorBitsBudget: 5))
        let free = try Self.calibrated(QuantizationConfiguration(method: .ptq, inputBits: 2, weightBits: 4, activationBits: 3,
                                                                perChannel: perChannel))
        #expect(Self.largestL1(budgeted.layers[0]) * 3 <= 31)
        #expect(Self.largestL1(free.layers[0]) * 3 > 31)
        #expect(budgeted.layers[1].weights == free.layers[1].weights)
        #expect(Self.largestL1(budgeted.layers[1]) * 7 > 31)
    }

    @Test func outputWeightBitsWidenOnlyTheOutputLayer() throws {
        let configuration = QuantizationConfiguration(method: .ptq, inputBits: 2, weightBits: 2, activationBits: 3,
                                                      accumulatorBitsBudget: 5, outputWeightBits: 6)
        let model = try Self.calibrated(configuration)
        #expect(model.layers[0].weights.values.allSatisfy { (-1...1).contains($0) })
        #expect(model.layers[0].weightQuantizers.allSatisfy { $0.bitWidth == 2 })
        #expect(model.layers[1].weightQuantizers.allSatisfy { $0.bitWidth == 6 })
        #expect(model.layers[1].weights.values.contains { abs($0) > 1 } && model.layers[1].weights.values.allSatisfy { abs($0) <= 31 })
    }

    @Test func outputWeightBitsAreValidatedAndOptionalInFiles() throws {
        var configuration = QuantizationConfiguration(method: .qat, inputBits: 2, weightBits: 3, activationBits: 3, outputWeightBits: 1)
        #expect(throws: QuantizationConfigurationError(description: "output_weight_bits is 1; allowed values are 2...16")) {
            try configuration.validate()
        }
        configuration.outputWeightBits = nil
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration)) as! [String: Any]
        json.removeValue(forKey: "outputWeightBits")
        let decoded = try JSONDecoder().decode(QuantizationConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded == configuration)
    }
}
