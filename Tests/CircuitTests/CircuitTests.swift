import Foundation
import Testing
@testable import Circuit
@testable import NeuralNet
@testable import Quantization

/// Compares a clear run with the integer reference forward of the same quantized model:
/// every accumulator, every hidden output code, every logit and the class must be identical.
func expectIdentical(_ trace: ClearTrace, _ reference: QuantizedForwardResult, circuit: IntegerCircuit,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    for (l, layer) in trace.layers.enumerated() {
        #expect(layer.accumulators == reference.accumulators[l], "layer \(l) accumulators", sourceLocation: sourceLocation)
        if l < trace.layers.count - 1 {
            #expect(layer.outputs == reference.activationCodes[l], "layer \(l) output codes", sourceLocation: sourceLocation)
        }
        for j in layer.accumulators.indices {
            let bounds = circuit.layers[l].accumulatorLow[j]...circuit.layers[l].accumulatorHigh[j]
            #expect(bounds.contains(layer.accumulators[j]), "layer \(l) neuron \(j) outside its sound bound", sourceLocation: sourceLocation)
        }
    }
    #expect(trace.logits == reference.logits, sourceLocation: sourceLocation)
    #expect(trace.predictedClass == reference.predictedClass, sourceLocation: sourceLocation)
}

/// A random (untrained) quantized model: random float weights, biases and calibration data.
func randomQuantizedModel(seed: UInt64, sizes: [Int], activation: Activation, bits: (Int, Int, Int),
                          perChannel: Bool, symmetricWeights: Bool = true) throws -> QuantizedModel {
    var model = MLP(sizes: sizes, activation: activation, seed: seed)
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
        let shifts = circuit.layers.map(\.roundingShift)
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
            expectIdentical(ClearExecutor.run(circuit, input: codes), model.forward(codes: codes, accumulatorShifts: shifts), circuit: circuit)
        }
    }

    /// The first layer's bounds are not only sound but attained: the input that puts the top
    /// code under every positive weight reaches hi_j exactly (and symmetrically lo_j).
    @Test func firstLayerBoundsAreTight() throws {
        let model = try randomQuantizedModel(seed: 9, sizes: [15, 6, 3], activation: .relu, bits: (5, 4, 4), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 16))
        let layer = circuit.layers[0]
        #expect(layer.roundingShift == 0)
        for j in 0..<layer.neuronCount {
            let maximizing = (0..<layer.inputCount).map { layer.weights[j, $0] > 0 ? circuit.inputHigh : circuit.inputLow }
            let minimizing = (0..<layer.inputCount).map { layer.weights[j, $0] < 0 ? circuit.inputHigh : circuit.inputLow }
            #expect(ClearExecutor.run(circuit, input: maximizing).layers[0].accumulators[j] == layer.accumulatorHigh[j])
            #expect(ClearExecutor.run(circuit, input: minimizing).layers[0].accumulators[j] == layer.accumulatorLow[j])
        }
        let width = zip(layer.accumulatorLow, layer.accumulatorHigh).map { $1 - $0 + 1 }.max()!
        #expect(layer.statistics.accumulatorBits == AccumulatorRounding.bits(forCount: width))
        #expect(1 << (layer.statistics.accumulatorBits - 1) < width && width <= 1 << layer.statistics.accumulatorBits)
        #expect(layer.statistics.tluPrecision == layer.statistics.accumulatorBits)
    }

    @Test func roundingFollowsTheContract() throws {
        let model = try randomQuantizedModel(seed: 11, sizes: [40, 12, 4], activation: .relu, bits: (6, 6, 4), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 6))
        let layer = circuit.layers[0]
        let t = layer.roundingShift
        #expect(t > 0, "a 40-input 6/6-bit layer needs rounding to fit 6-bit tables")
        #expect(layer.statistics.tluPrecision! <= 6)
        #expect(layer.statistics.roundingPBSCount == 12 * t && layer.statistics.tablePBSCount == 12)
        // Without the last shift the tables would not fit: t is the smallest that works.
        let tooSmall = zip(layer.accumulatorLow, layer.accumulatorHigh).map {
            AccumulatorRounding.tableSize(low: AccumulatorRounding.alignDown($0, shift: t - 1), high: $1, shift: t - 1)
        }.max()!
        #expect(tooSmall > 64)
        var generator = SeededGenerator(seed: 12)
        for j in 0..<layer.neuronCount {
            #expect(layer.accumulatorLow[j] % (1 << t) == 0)
            #expect(layer.tables![j].count == AccumulatorRounding.tableSize(low: layer.accumulatorLow[j], high: layer.accumulatorHigh[j], shift: t))
            for _ in 0..<200 {
                let span = UInt64(layer.accumulatorHigh[j] - layer.accumulatorLow[j] + 1)
                let acc = layer.accumulatorLow[j] + Int64(generator.next() % span)
                let index = layer.tableIndex(neuron: j, accumulator: acc)
                // DESIGN §3: acc' = floor((acc + 2^(t−1)) / 2^t), written without shifts.
                let half = Double(1 << (t - 1)), step = Double(1 << t)
                let expected = Int64(((Double(acc) + half) / step).rounded(.down)) - layer.accumulatorLow[j] / (1 << t)
                #expect(index == expected)
                #expect(index >= 0 && index < Int64(layer.tables![j].count))
            }
        }
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
        for key in ["\"tables\"", "\"accumulatorLow\"", "\"roundingShift\"", "\"tluPrecision\"", "\"maxTLUBits\"", "\"formatVersion\""] {
            #expect(json.contains(key))
        }
    }

    @Test func statisticsDescribeTheLayers() throws {
        let model = try randomQuantizedModel(seed: 15, sizes: [10, 7, 3], activation: .relu, bits: (4, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 7))
        let hidden = circuit.layers[0].statistics, output = circuit.layers[1].statistics
        #expect(hidden.inputBits == 4 && output.inputBits == 3)
        #expect(hidden.neuronCount == 7 && hidden.tablePBSCount == 7 && output.pbsCount == 0 && output.tluPrecision == nil)
        let norms = (0..<7).map { j in model.layers[0].weights.row(j).reduce(0.0) { $0 + Double($1 * $1) }.squareRoot() }
        #expect(hidden.maxWeightNorm == norms.max())
        // Hidden outputs are 3-bit codes, so the output layer's inputs lie in 0...7.
        #expect(circuit.layers[1].inputLow.allSatisfy { $0 >= 0 } && circuit.layers[1].inputHigh.allSatisfy { $0 <= 7 })
        // One PBS per hidden neuron, whatever the rounding: the executor folds it into the table.
        #expect(circuit.pbsCount == 7 && hidden.roundingPBSCount == 7 * hidden.roundingShift)
    }
}

@Suite struct AccumulatorBudgetTests {
    /// With a per-neuron L1 budget of B bits, every table fits B bits without any rounding; the
    /// output layer (no table) is not bound by it.
    @Test(arguments: [5, 7, 9])
    func budgetBoundsEveryTableWithoutRounding(budget: Int) throws {
        var model = MLP(sizes: [30, 12, 8, 4], activation: .relu, seed: 31)
        var generator = SeededGenerator(seed: 32)
        var calibration = Matrix(rows: 50, columns: 30)
        for k in calibration.values.indices { calibration.values[k] = generator.nextUnitFloat() }
        for l in model.layers.indices { model.layers[l].bias = model.layers[l].bias.map { _ in 0.1 * generator.nextGaussian() } }
        let quantized = try PostTrainingQuantizer.quantize(model, calibrationInputs: calibration, configuration: QuantizationConfiguration(
            method: .ptq, inputBits: 4, weightBits: 4, activationBits: 3, accumulatorBitsBudget: budget))
        let circuit = try CircuitCompiler.lower(quantized, options: CircuitOptions(maxTLUBits: budget, rounding: .disabled))
        #expect(circuit.layers.allSatisfy { $0.roundingShift == 0 })
        #expect(circuit.layers.dropLast().allSatisfy { $0.statistics.messageBits <= budget })
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
                expectIdentical(ClearExecutor.run(circuit, input: codes),
                                model.forward(codes: codes, accumulatorShifts: circuit.roundingShifts), circuit: circuit)
            }
        }
    }
}
