import Foundation
import Testing
@testable import Circuit
@testable import NeuralNet
@testable import Quantization

/// Compares a clear run with the integer reference forward of the same quantized model:
/// every accumulator, every rounded value, every hidden output code, every logit and the class
/// must be identical, and every value must lie in its op's sound bounds.
func expectIdentical(_ trace: CircuitTrace, _ reference: QuantizedForwardResult, circuit: IntegerCircuit,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    for stage in circuit.stages {
        let l = stage.layer
        let accumulators = trace.values[stage.linear]
        #expect(accumulators == reference.accumulators[l], "layer \(l) accumulators", sourceLocation: sourceLocation)
        if let round = stage.round {
            let expected = accumulators.map { ($0 + stage.addend) >> stage.shift }
            #expect(trace.values[round] == expected, "layer \(l) rounded values", sourceLocation: sourceLocation)
        }
        if let table = stage.table {
            #expect(trace.values[table] == reference.activationCodes[l], "layer \(l) output codes", sourceLocation: sourceLocation)
        }
    }
    for (i, op) in circuit.ops.enumerated() {
        for j in op.low.indices {
            #expect((op.low[j]...op.high[j]).contains(trace.values[i][j]), "op \(i) value \(j) outside its sound bound",
                    sourceLocation: sourceLocation)
        }
    }
    let decoded = circuit.decode(trace.outputs)
    #expect(decoded.logits == reference.logits, sourceLocation: sourceLocation)
    #expect(decoded.predictedClass == reference.predictedClass, sourceLocation: sourceLocation)
}

/// A random (untrained) quantized model: random float weights, biases and calibration data.
func randomQuantizedModel(seed: UInt64, sizes: [Int], activation: Activation, bits: (Int, Int, Int),
                          perChannel: Bool, symmetricWeights: Bool = true) throws -> QuantizedModel {
    var model = Network(sizes: sizes, activation: activation, seed: seed)
    var generator = SeededGenerator(seed: seed &+ 1)
    for l in model.layers.indices {
        for j in model.layers[l].bias.indices { model.layers[l].bias[j] = 0.3 * generator.nextGaussian() }
    }
    var calibration = Matrix(rows: 64, columns: sizes[0])
    for k in calibration.values.indices { calibration.values[k] = generator.nextUnitFloat() }
    return try PostTrainingQuantizer.quantize(model, calibrationInputs: calibration, configuration: QuantizationConfiguration(
        method: .ptq, inputBits: bits.0, weightBits: bits.1, activationBits: bits.2,
        perChannel: perChannel, symmetricWeights: symmetricWeights))
}

@Suite struct CircuitTests {
    struct RandomCase: Sendable, CustomTestStringConvertible {
        let seed: UInt64, sizes: [Int], activation: Activation, bits: (Int, Int, Int), perChannel: Bool, symmetric: Bool, maxTLUBits: Int
        var testDescription: String { "seed \(seed) \(sizes) \(activation) bits \(bits) tlu≤\(maxTLUBits)" }
    }
    static let randomCases: [RandomCase] = [
        RandomCase(seed: 1, sizes: [10, 8, 4], activation: .relu, bits: (4, 4, 4), perChannel: true, symmetric: true, maxTLUBits: 16),
        RandomCase(seed: 2, sizes: [12, 9, 7, 5], activation: .tanh, bits: (3, 5, 3), perChannel: false, symmetric: true, maxTLUBits: 6),
        RandomCase(seed: 3, sizes: [20, 16, 6], activation: .sigmoid, bits: (6, 6, 6), perChannel: true, symmetric: false, maxTLUBits: 7),
        RandomCase(seed: 4, sizes: [30, 10, 10, 3], activation: .relu, bits: (8, 3, 2), perChannel: true, symmetric: true, maxTLUBits: 5),
        RandomCase(seed: 5, sizes: [6, 5, 4], activation: .identity, bits: (2, 2, 5), perChannel: false, symmetric: false, maxTLUBits: 8),
        RandomCase(seed: 6, sizes: [16, 3], activation: .relu, bits: (4, 4, 4), perChannel: true, symmetric: true, maxTLUBits: 7),
    ]

    @Test(arguments: randomCases)
    func clearExecutorMatchesReferenceOnRandomModels(testCase: RandomCase) throws {
        let model = try randomQuantizedModel(seed: testCase.seed, sizes: testCase.sizes, activation: testCase.activation,
                                             bits: testCase.bits, perChannel: testCase.perChannel, symmetricWeights: testCase.symmetric)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: testCase.maxTLUBits))
        let shifts = circuit.roundingShifts
        try circuit.validate()
        #expect(circuit.tluPrecision <= testCase.maxTLUBits)
        var generator = SeededGenerator(seed: testCase.seed &* 31)
        let maxCode = circuit.inputHigh
        for sample in 0..<300 {
            let codes: [Int64]
            switch sample {
            case 0: codes = Array(repeating: 0, count: circuit.inputCount)
            case 1: codes = Array(repeating: maxCode, count: circuit.inputCount)
            default: codes = (0..<circuit.inputCount).map { _ in Int64(generator.next() % UInt64(maxCode + 1)) }
            }
            expectIdentical(try ClearEvaluator(circuit).evaluate(codes), model.forward(codes: codes, accumulatorShifts: shifts), circuit: circuit)
        }
    }

    /// The first layer's bounds are not only sound but attained: the input that puts the top
    /// code under every positive weight reaches hi_j exactly (and symmetrically lo_j).
    @Test func firstLayerBoundsAreTight() throws {
        let model = try randomQuantizedModel(seed: 9, sizes: [15, 6, 3], activation: .relu, bits: (5, 4, 4), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 16))
        #expect(circuit.ops.map(\.kind) == [.dense, .table, .dense])
        let dense = circuit.ops[0]
        guard case .dense(let weights) = dense.operation else { Issue.record("op 0 is not dense"); return }
        let evaluator = ClearEvaluator(circuit)
        for j in 0..<dense.count {
            let maximizing = (0..<weights.columns).map { weights[j, $0] > 0 ? circuit.inputHigh : circuit.inputLow }
            let minimizing = (0..<weights.columns).map { weights[j, $0] < 0 ? circuit.inputHigh : circuit.inputLow }
            #expect(try evaluator.evaluate(maximizing).values[0][j] == dense.high[j])
            #expect(try evaluator.evaluate(minimizing).values[0][j] == dense.low[j])
        }
        let statistics = circuit.layerStatistics[0]
        let width = zip(dense.low, dense.high).map { $1 - $0 + 1 }.max()!
        #expect(statistics.accumulatorBits == AccumulatorRounding.bits(forCount: width))
        #expect(1 << (statistics.accumulatorBits - 1) < width && width <= 1 << statistics.accumulatorBits)
        #expect(statistics.tluPrecision == statistics.accumulatorBits)
    }

    @Test func roundingFollowsTheContract() throws {
        let model = try randomQuantizedModel(seed: 11, sizes: [40, 12, 4], activation: .relu, bits: (6, 6, 4), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 6))
        #expect(circuit.ops.map(\.kind) == [.dense, .round, .table, .dense])
        let stage = circuit.stages[0]
        let t = stage.shift
        #expect(t > 0, "a 40-input 6/6-bit layer needs rounding to fit 6-bit tables")
        #expect(stage.addend == 1 << (t - 1))
        let statistics = circuit.layerStatistics[0]
        #expect(statistics.tluPrecision! <= 6)
        #expect(statistics.roundingPBSCount == 12 * t && statistics.tablePBSCount == 12)
        let dense = circuit.ops[0], round = circuit.ops[1]
        // Without the last shift the tables would not fit: t is the smallest that works.
        let tooSmall = zip(dense.low, dense.high).map {
            AccumulatorRounding.tableSize(low: AccumulatorRounding.alignDown($0, shift: t - 1), high: $1, shift: t - 1)
        }.max()!
        #expect(tooSmall > 64)
        guard case .table(let inputLow, let tables) = circuit.ops[2].operation else { Issue.record("op 2 is not a table"); return }
        #expect(inputLow == round.low)
        var generator = SeededGenerator(seed: 12)
        for j in 0..<dense.count {
            #expect(tables[j].count == Int(round.high[j] - round.low[j] + 1))
            var input = [Int64](repeating: 0, count: dense.count)
            for _ in 0..<200 {
                let span = UInt64(dense.high[j] - dense.low[j] + 1)
                input[j] = dense.low[j] + Int64(generator.next() % span)
                let rounded = input.withUnsafeBufferPointer { round.value(j, input: $0) }
                // DESIGN §3: floor((acc + 2^(t−1)) / 2^t), written without shifts.
                let half = Double(1 << (t - 1)), step = Double(1 << t)
                #expect(rounded == Int64(((Double(input[j]) + half) / step).rounded(.down)))
                #expect(rounded >= round.low[j] && rounded <= round.high[j])
            }
        }
    }

    /// round(t, 2^(t−1)) at the edges of a sound range: the lowest and highest accumulators,
    /// negative values, and the ties v ≡ 2^(t−1) (mod 2^t), which round up (half up).
    @Test(arguments: [1, 2, 3, 5])
    func roundingAtTheEdgesAndTies(shift t: Int) throws {
        let half = Int64(1) << (t - 1), step = Int64(1) << t
        let low: Int64 = -37 * step - 3, high: Int64 = 41 * step + half
        let op = CircuitOp(.round(shift: t, addend: half), layer: 0, low: [(low + half) >> t], high: [(high + half) >> t])
        func rounded(_ v: Int64) -> Int64 { [v].withUnsafeBufferPointer { op.value(0, input: $0) } }
        #expect(rounded(low) == op.low[0] && rounded(high) == op.high[0])
        for k in Int64(-37)...41 {
            let tie = k * step + half           // exactly halfway between k and k + 1
            #expect(rounded(tie) == k + 1, "tie \(tie) rounds up")
            #expect(rounded(tie - 1) == k, "just below the tie \(tie - 1)")
            #expect(rounded(k * step) == k)
        }
        for v in low...high { #expect((op.low[0]...op.high[0]).contains(rounded(v))) }
    }

    @Test func disabledRoundingRefusesWideTablesNamingTheLayer() throws {
        let model = try randomQuantizedModel(seed: 13, sizes: [40, 12, 4], activation: .relu, bits: (6, 6, 4), perChannel: true)
        do {
            _ = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 6, rounding: .disabled))
            Issue.record("lowering should have failed")
        } catch let error as CircuitLoweringError {
            #expect(error.description.hasPrefix("layer 0 needs "))
            #expect(error.description.contains("max_tlu_bits is 6"))
        }
        #expect(throws: CircuitLoweringError(description: "max_tlu_bits is 17; allowed values are 1...16")) {
            try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 17))
        }
    }

    @Test func circuitJSONRoundTrip() throws {
        let model = try randomQuantizedModel(seed: 14, sizes: [8, 6, 5, 3], activation: .tanh, bits: (4, 4, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 5))
        let data = try JSONEncoder().encode(circuit)
        let decoded = try JSONDecoder().decode(IntegerCircuit.self, from: data)
        #expect(decoded == circuit)
        let json = String(decoding: data, as: UTF8.self)
        for key in ["\"ops\"", "\"op\":\"dense\"", "\"op\":\"table\"", "\"tables\"", "\"inputLow\"", "\"maxTLUBits\"", "\"formatVersion\":3"] {
            #expect(json.contains(key), "\(key)")
        }
    }

    @Test func statisticsDescribeTheLayers() throws {
        let model = try randomQuantizedModel(seed: 15, sizes: [10, 7, 3], activation: .relu, bits: (4, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 7))
        let hidden = circuit.layerStatistics[0], output = circuit.layerStatistics[1]
        #expect(hidden.inputBits == 4 && output.inputBits <= 3)
        #expect(hidden.neuronCount == 7 && hidden.tablePBSCount == 7 && output.pbsCount == 0 && output.tluPrecision == nil)
        let norms = (0..<7).map { j in model.layers[0].weights.row(j).reduce(0.0) { $0 + Double($1 * $1) }.squareRoot() }
        #expect(hidden.maxWeightNorm == norms.max())
        // Hidden outputs are 3-bit codes, so the output layer's inputs lie in 0...7.
        let input = circuit.inputBounds(ofOp: circuit.stages[1].linear)
        #expect(input.low.allSatisfy { $0 >= 0 } && input.high.allSatisfy { $0 <= 7 })
        // One table lookup per hidden neuron; the rounding PBSs are the plan's.
        #expect(circuit.pbsCount == 7 && hidden.roundingPBSCount == 7 * hidden.roundingShift)
    }
}

@Suite struct AccumulatorBudgetTests {
    /// With a per-neuron L1 budget of B bits, every table fits B bits without any rounding; the
    /// output layer (no table) is not bound by it.
    @Test(arguments: [5, 7, 9])
    func budgetBoundsEveryTableWithoutRounding(budget: Int) throws {
        var model = Network(sizes: [30, 12, 8, 4], activation: .relu, seed: 31)
        var generator = SeededGenerator(seed: 32)
        var calibration = Matrix(rows: 50, columns: 30)
        for k in calibration.values.indices { calibration.values[k] = generator.nextUnitFloat() }
        for l in model.layers.indices { model.layers[l].bias = model.layers[l].bias.map { _ in 0.1 * generator.nextGaussian() } }
        let quantized = try PostTrainingQuantizer.quantize(model, calibrationInputs: calibration, configuration: QuantizationConfiguration(
            method: .ptq, inputBits: 4, weightBits: 4, activationBits: 3, accumulatorBitsBudget: budget))
        let circuit = try CircuitCompiler.lower(quantized, options: CircuitOptions(maxTLUBits: budget, rounding: .disabled))
        #expect(circuit.roundingShifts.allSatisfy { $0 == 0 } && !circuit.ops.contains { $0.kind == .round })
        #expect(circuit.layerStatistics.dropLast().allSatisfy { $0.messageBits <= budget })
        #expect(circuit.tluPrecision <= budget)
        let unbudgeted = try PostTrainingQuantizer.quantize(model, calibrationInputs: calibration, configuration: QuantizationConfiguration(
            method: .ptq, inputBits: 4, weightBits: 4, activationBits: 3))
        #expect(throws: CircuitLoweringError.self) {
            try CircuitCompiler.lower(unbudgeted, options: CircuitOptions(maxTLUBits: budget, rounding: .disabled))
        }
    }
}

@Suite struct RandomCircuitSweep {
    /// 40 seeded random architectures, activations, bit widths, weight schemes and TLU caps;
    /// every lowered circuit validates and matches the integer reference on 50 random inputs.
    @Test func randomConfigurationsMatchTheReference() throws {
        var generator = SeededGenerator(seed: 2026)
        func draw(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(generator.next() % UInt64(range.count)) }
        for trial in 0..<40 {
            let depth = draw(1...3)
            let sizes = [draw(1...40)] + (0..<depth).map { _ in draw(1...12) } + [draw(2...6)]
            let activation = Activation.allCases[draw(0...3)]
            let bits = (draw(1...8), draw(2...8), draw(1...6))
            let model = try randomQuantizedModel(seed: UInt64(trial), sizes: sizes, activation: activation, bits: bits,
                                                 perChannel: draw(0...1) == 1, symmetricWeights: draw(0...1) == 1)
            let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: draw(2...10)))
            try circuit.validate()
            #expect(circuit.tluPrecision <= circuit.maxTLUBits)
            for _ in 0..<50 {
                let codes = (0..<circuit.inputCount).map { _ in Int64(generator.next() % UInt64(circuit.inputHigh + 1)) }
                expectIdentical(try ClearEvaluator(circuit).evaluate(codes),
                                model.forward(codes: codes, accumulatorShifts: circuit.roundingShifts), circuit: circuit)
            }
        }
    }
}

@Suite struct RoundingNarrowingTests {
    /// Narrowing a layer's round(t) to any e ∈ 0…t (the table absorbing the rest) keeps every
    /// table op's values and the outputs of the original circuit, on random inputs including
    /// the extremes; the narrowed circuit validates (sound bounds, covering tables).
    @Test(arguments: [(UInt64(21), [40, 12, 4]), (UInt64(22), [30, 9, 6, 3])])
    func everyNarrowingComputesTheSameFunction(seed: UInt64, sizes: [Int]) throws {
        let model = try randomQuantizedModel(seed: seed, sizes: sizes, activation: .relu, bits: (6, 6, 4), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 6))
        let stages = circuit.stages
        #expect(stages.contains { $0.shift > 0 }, "the case must round")
        var generator = SeededGenerator(seed: seed &* 7)
        let inputs = [[Int64](repeating: circuit.inputLow, count: circuit.inputCount),
                      [Int64](repeating: circuit.inputHigh, count: circuit.inputCount)]
            + (0..<100).map { _ in (0..<circuit.inputCount).map { _ in Int64(generator.next() % UInt64(circuit.inputHigh + 1)) } }
        let reference = inputs.map { try! ClearEvaluator(circuit).evaluate($0) }
        for e in 0...stages.map(\.shift).max()! {
            let narrowed = circuit.narrowingRounding(extractedBits: stages.map { min(e, $0.shift) })
            try narrowed.validate()
            let narrowedStages = narrowed.stages
            #expect(narrowedStages.map(\.shift) == stages.map { min(e, $0.shift) })
            for (input, expected) in zip(inputs, reference) {
                let trace = try ClearEvaluator(narrowed).evaluate(input)
                #expect(trace.outputs == expected.outputs)
                for (old, new) in zip(stages, narrowedStages) {
                    #expect(trace.values[new.linear] == expected.values[old.linear])
                    if let oldTable = old.table, let newTable = new.table {
                        #expect(trace.values[newTable] == expected.values[oldTable], "layer \(old.layer) table values at e = \(e)")
                    }
                }
            }
        }
    }
}
