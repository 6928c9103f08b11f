import Foundation
import Testing
@testable import Circuit
@testable import NeuralNet
@testable import Quantization

/// The quickstart network end to end in clear: a 64→32→10 ReLU MLP on sklearn digits, QAT
/// at 4-bit inputs, 3-bit weights and 3-bit activations, lowered with 7-bit tables.
@Suite(.serialized) struct DigitsCircuitTests {
    static let trained: (float: Network, quantized: QuantizedModel, circuit: IntegerCircuit) = {
        let split = DigitsFixture.split
        var model = Network(sizes: [64, 32, 10], activation: .relu, seed: 7)
        try! Trainer.train(model: &model, inputs: split.trainInputs, labels: split.trainLabels,
                      config: TrainingConfiguration(epochs: 40, batchSize: 32, optimizer: .adam, learningRate: 0.005, seed: 7))
        let floatModel = model
        let quantized = try! QuantizationAwareTrainer.train(
            model: &model, inputs: split.trainInputs, labels: split.trainLabels,
            quantization: QuantizationConfiguration(method: .qat, inputBits: 4, weightBits: 3, activationBits: 3),
            training: TrainingConfiguration(epochs: 15, batchSize: 32, optimizer: .adam, learningRate: 0.002, seed: 8))
        let circuit = try! CircuitCompiler.lower(quantized, options: CircuitOptions(maxTLUBits: 7))
        return (floatModel, quantized, circuit)
    }()

    @Test func floatAndQuantizedAccuracy() {
        let split = DigitsFixture.split
        let floatAccuracy = Self.trained.float.accuracy(inputs: split.testInputs, labels: split.testLabels)
        var correct = 0
        for row in 0..<split.testInputs.rows {
            let trace = ClearEvaluator(Self.trained.circuit).run(Self.trained.quantized.quantizeInput(split.testInputs.row(row)))
            if Self.trained.circuit.decode(trace.outputs).predictedClass == split.testLabels[row] { correct += 1 }
        }
        let circuitAccuracy = Double(correct) / Double(split.testInputs.rows)
        print("digits 64-32-10: float test accuracy \(floatAccuracy), clear circuit (QAT 4/3/3, TLU ≤ 7) \(circuitAccuracy), shift \(Self.trained.circuit.roundingShifts[0]), accumulator bits \(Self.trained.circuit.layerStatistics.map(\.accumulatorBits))")
        #expect(floatAccuracy >= 0.96)
        #expect(circuitAccuracy >= 0.93)
        #expect(Self.trained.circuit.tluPrecision <= 7)
    }

    /// Every sample of the dataset: the clear circuit equals the reference bit for bit, and no
    /// accumulator leaves its sound bound.
    @Test func wholeDatasetMatchesReferenceWithinSoundBounds() {
        let (_, quantized, circuit) = Self.trained
        let inputs = DigitsFixture.allInputs
        let shifts = circuit.roundingShifts
        var observed = ObservedAccumulatorRanges(circuit: circuit)
        for row in 0..<inputs.rows {
            let codes = quantized.quantizeInput(inputs.row(row))
            let trace = ClearEvaluator(circuit).run(codes)
            observed.record(trace)
            expectIdentical(trace, quantized.forward(codes: codes, accumulatorShifts: shifts), circuit: circuit)
        }
        for (l, stage) in circuit.stages.enumerated() {
            let dense = circuit.ops[stage.linear]
            #expect(observed.low[l]! >= dense.low.min()! && observed.high[l]! <= dense.high.max()!)
            #expect(observed.observedBits(layer: l)! <= circuit.layerStatistics[l].accumulatorBits)
        }
    }

    /// The L1-budget alternative to rounding: QAT with 2-bit inputs and a 5-bit accumulator
    /// budget (Σ|W| ≤ 10 per hidden neuron) lowers to exact 5-bit tables, one PBS per hidden
    /// neuron instead of 1 + shift; the output layer (no table) keeps 6-bit weights.
    @Test func accumulatorBudgetGivesExactFiveBitTables() throws {
        let split = DigitsFixture.split
        var model = Self.trained.float
        let quantized = try QuantizationAwareTrainer.train(
            model: &model, inputs: split.trainInputs, labels: split.trainLabels,
            quantization: QuantizationConfiguration(method: .qat, inputBits: 2, weightBits: 3, activationBits: 4,
                                                    accumulatorBitsBudget: 5, outputWeightBits: 6),
            training: TrainingConfiguration(epochs: 15, batchSize: 32, optimizer: .adam, learningRate: 0.002, seed: 8))
        let circuit = try CircuitCompiler.lower(quantized, options: CircuitOptions(maxTLUBits: 5, rounding: .disabled))
        #expect(circuit.roundingShifts.allSatisfy { $0 == 0 })
        #expect(circuit.layerStatistics[0].messageBits <= 5 && circuit.tluPrecision <= 5)
        #expect(quantized.layers[0].weights.values.allSatisfy { abs($0) <= 3 })
        let accuracy = quantized.accuracy(inputs: split.testInputs, labels: split.testLabels)
        print("digits QAT 2/3/4 with a 5-bit accumulator budget, no rounding: accuracy \(accuracy), message bits \(circuit.layerStatistics.map(\.messageBits)), PBS \(circuit.pbsCount) (rounded circuit: \(Self.trained.circuit.pbsCount))")
        #expect(accuracy >= 0.9)
    }

    /// Without rounding, the circuit computes the fake-quantized network; the Float32
    /// fake-quantized pass (Σŵx̂ + b in Float) may differ only where Float rounding crosses a
    /// quantization boundary. On digits they agree on at least 99 % of all 1,797 samples.
    @Test func unroundedCircuitAgreesWithFloatFakeQuantization() throws {
        let quantized = Self.trained.quantized
        let circuit = try CircuitCompiler.lower(quantized, options: CircuitOptions(maxTLUBits: 16, rounding: .disabled))
        let inputs = DigitsFixture.allInputs
        let fake = quantized.fakeQuantizedFloatForward(inputs)
        let traces = ClearEvaluator(circuit).runBatch((0..<inputs.rows).map { quantized.quantizeInput(inputs.row($0)) })
        let agreeing = (0..<inputs.rows).filter { argmax(fake.row($0)) == circuit.decode(traces[$0].outputs).predictedClass }.count
        print("digits: unrounded circuit vs Float32 fake-quantized forward: \(agreeing)/\(inputs.rows) argmax agree")
        #expect(Double(agreeing) / Double(inputs.rows) >= 0.99)
    }

    @Test func roundingMatchesTheReferenceOnlyWithTheSameShifts() throws {
        let (_, quantized, circuit) = Self.trained
        let table = try #require(circuit.stages[0].table)
        try #require(circuit.stages[0].shift > 0, "the quickstart-sized circuit with 7-bit tables must round")
        // Without the shifts the reference uses exact accumulators; some sample must differ,
        // which shows the comparison above is sensitive to the rounding step.
        let inputs = DigitsFixture.split.testInputs
        var differing = 0
        for row in 0..<inputs.rows {
            let codes = quantized.quantizeInput(inputs.row(row))
            if ClearEvaluator(circuit).run(codes).values[table] != quantized.forward(codes: codes).activationCodes[0] { differing += 1 }
        }
        #expect(differing > 0)
    }
}
