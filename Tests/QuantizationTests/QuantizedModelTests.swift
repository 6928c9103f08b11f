import Testing
@testable import NeuralNet
@testable import Quantization

/// Three Gaussian blobs in 4-D, features in [0, 1].
func blobs(count: Int, seed: UInt64) -> (Matrix, [Int]) {
    var generator = SeededGenerator(seed: seed)
    let centres: [[Float]] = [[0.2, 0.2, 0.7, 0.5], [0.8, 0.3, 0.3, 0.5], [0.5, 0.8, 0.5, 0.2]]
    var inputs = Matrix(rows: count, columns: 4)
    var labels = [Int]()
    for row in 0..<count {
        let label = row % 3
        for c in 0..<4 { inputs[row, c] = min(1, max(0, centres[label][c] + 0.1 * generator.nextGaussian())) }
        labels.append(label)
    }
    return (inputs, labels)
}

@Suite struct QuantizedModelTests {
    private func trainedModel(activation: Activation = .relu) throws -> (Network, Matrix, [Int]) {
        let (inputs, labels) = blobs(count: 600, seed: 1)
        var model = Network(sizes: [4, 12, 8, 3], activation: activation, seed: 3)
        try Trainer.train(model: &model, inputs: inputs, labels: labels,
                      config: TrainingConfiguration(epochs: 20, batchSize: 16, optimizer: .adam, learningRate: 0.01, seed: 4))
        return (model, inputs, labels)
    }

    @Test func eightBitPTQAgreesWithTheFloatModel() throws {
        let (model, inputs, labels) = try trainedModel()
        let floatAccuracy = model.accuracy(inputs: inputs, labels: labels)
        #expect(floatAccuracy > 0.9)
        let quantized = try PostTrainingQuantizer.quantize(model, calibrationInputs: inputs,
            configuration: QuantizationConfiguration(method: .ptq, inputBits: 8, weightBits: 8, activationBits: 8))
        let floatPredictions = model.predict(inputs)
        let quantizedPredictions = quantized.predictions(inputs: inputs)
        let agreement = Double(zip(floatPredictions, quantizedPredictions).filter { $0 == $1 }.count) / Double(inputs.rows)
        #expect(agreement >= 0.98, "float/8-bit agreement \(agreement)")
        #expect(quantized.layers.count == 3 && quantized.layers[2].outputQuantizer == nil)
        #expect(quantized.layers[1].inputQuantizer == quantized.layers[0].outputQuantizer)
        #expect(quantized.inputQuantizer.bitWidth == 8 && quantized.quantizeInput([0, 1, 0.5, 0.25]).allSatisfy { (0...255).contains($0) })
    }

    /// The Float32 fake-quantized pass and the integer reference compute the same function;
    /// they may differ only when Float rounding crosses a quantization boundary, which is
    /// rare. Measured here so a systematic mismatch (a wrong scale or zero point) fails.
    @Test(arguments: [Activation.relu, .tanh, .sigmoid])
    func integerReferenceMatchesFloatFakeQuantization(activation: Activation) throws {
        let (model, inputs, _) = try trainedModel(activation: activation)
        let quantized = try PostTrainingQuantizer.quantize(model, calibrationInputs: inputs,
            configuration: QuantizationConfiguration(method: .ptq, inputBits: 5, weightBits: 4, activationBits: 4, perChannel: true))
        let fake = quantized.fakeQuantizedFloatForward(inputs)
        var agreeing = 0
        var largestLogitDifference = 0.0
        for row in 0..<inputs.rows {
            let reference = quantized.forward(inputs.row(row))
            if argmax(fake.row(row)) == reference.predictedClass { agreeing += 1 }
            for c in 0..<3 { largestLogitDifference = max(largestLogitDifference, abs(Double(fake[row, c]) - reference.logits[c])) }
        }
        #expect(Double(agreeing) / Double(inputs.rows) >= 0.99, "agreement \(agreeing)/\(inputs.rows)")
        // A hidden code flipped by Float rounding moves a logit by about one activation step × weight.
        #expect(largestLogitDifference < 0.5, "largest logit difference \(largestLogitDifference)")
    }

    @Test func roundingShiftsChangeOnlyWhatTheyShould() {
        #expect(roundedAccumulator(13, shift: 0) == 13)
        #expect(roundedAccumulator(13, shift: 2) == 12 && roundedAccumulator(14, shift: 2) == 16)
        #expect(roundedAccumulator(-14, shift: 2) == -12 && roundedAccumulator(-15, shift: 2) == -16)
        #expect(roundedAccumulator(-2, shift: 2) == 0) // half rounds up: (−2 + 2) / 4 = 0
    }

    @Test func quantizationAwareTrainingKeepsLowBitAccuracy() throws {
        let (model, inputs, labels) = try trainedModel()
        let config = QuantizationConfiguration(method: .qat, inputBits: 3, weightBits: 2, activationBits: 2)
        let ptq = try PostTrainingQuantizer.quantize(model, calibrationInputs: inputs, configuration: config)
        var tuned = model
        var reports = [EpochReport]()
        let qat = try QuantizationAwareTrainer.train(
            model: &tuned, inputs: inputs, labels: labels, quantization: config,
            training: TrainingConfiguration(epochs: 10, batchSize: 16, optimizer: .adam, learningRate: 0.005, seed: 5)) { reports.append($0) }
        #expect(reports.count == 10)
        #expect(tuned != model)
        let ptqAccuracy = ptq.accuracy(inputs: inputs, labels: labels)
        let qatAccuracy = qat.accuracy(inputs: inputs, labels: labels)
        #expect(qatAccuracy >= 0.9, "QAT 3/2/2-bit accuracy \(qatAccuracy) (PTQ \(ptqAccuracy))")
        #expect(qatAccuracy >= ptqAccuracy - 0.02)
        #expect(qat.layers.allSatisfy { $0.weights.values.allSatisfy { (-1...1).contains($0) } })
    }

    /// Non-finite weights or calibration ranges used to reach `Quantizer.init`'s precondition;
    /// they are thrown errors now, for PTQ and for QAT (whose fine-tuning diverges here).
    @Test func nonFiniteModelsAreThrownErrorsNotTraps() throws {
        let (model, inputs, labels) = try trainedModel()
        let config = QuantizationConfiguration(method: .ptq, inputBits: 4, weightBits: 4, activationBits: 4)
        var broken = model
        broken.layers[1].weights.values[0] = .nan
        let nanError = try #require(throws: QuantizationError.self) {
            try PostTrainingQuantizer.quantize(broken, calibrationInputs: inputs, configuration: config)
        }
        #expect(nanError.description.contains("layer 1"))

        // Finite but huge weights overflow Float in the calibration forward pass.
        var huge = model
        huge.layers[0].weights.values = huge.layers[0].weights.values.map { $0 * 3e37 }
        huge.layers[1].weights.values = huge.layers[1].weights.values.map { $0 * 3e37 }
        let overflowError = try #require(throws: QuantizationError.self) {
            try PostTrainingQuantizer.quantize(huge, calibrationInputs: inputs, configuration: config)
        }
        #expect(overflowError.description.contains("activations range"), "\(overflowError)")

        var tuned = try trainedModel(activation: .identity).0
        #expect(throws: TrainingDivergedError.self) {
            try QuantizationAwareTrainer.train(
                model: &tuned, inputs: inputs, labels: labels, quantization: config,
                training: TrainingConfiguration(epochs: 20, batchSize: 4, optimizer: .sgd, learningRate: .greatestFiniteMagnitude, seed: 5))
        }
    }
}
