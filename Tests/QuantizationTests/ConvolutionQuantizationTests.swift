import Testing
@testable import NeuralNet
@testable import Quantization

/// 1×6×6 images of three classes (a horizontal bar, a vertical bar, a diagonal) at random
/// positions, with noise; features in [0, 1].
func barImages(count: Int, seed: UInt64) -> (Matrix, [Int]) {
    var generator = SeededGenerator(seed: seed)
    var inputs = Matrix(rows: count, columns: 36)
    var labels = [Int]()
    for row in 0..<count {
        let label = row % 3, offset = Int(generator.next() % 4) + 1
        for y in 0..<6 {
            for x in 0..<6 {
                let on = label == 0 ? y == offset : label == 1 ? x == offset : x == y
                inputs[row, y * 6 + x] = min(1, max(0, (on ? 0.9 : 0.1) + 0.1 * generator.nextGaussian()))
            }
        }
        labels.append(label)
    }
    return (inputs, labels)
}

/// conv 4×3×3 p1 relu → avgpool 2 → conv 4×2×2 relu → dense 3, trained on `barImages`.
func trainedBarCNN() throws -> (Network, Matrix, [Int]) {
    let (inputs, labels) = barImages(count: 300, seed: 1)
    var generator = SeededGenerator(seed: 2)
    let first = try Convolution(input: ImageShape(channels: 1, height: 6, width: 6), outputChannels: 4,
                                kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
    let pooling = try Pooling(input: first.output, window: 2)
    let second = try Convolution(input: pooling.output, outputChannels: 4, kernelHeight: 2, kernelWidth: 2)
    var model = Network(layers: [
        NetworkLayer(convolution: first, activation: .relu, generator: &generator),
        NetworkLayer(convolution: second, activation: .relu, inputPooling: pooling, generator: &generator),
        NetworkLayer(inputCount: second.output.count, outputCount: 3, activation: .identity, generator: &generator),
    ])
    try Trainer.train(model: &model, inputs: inputs, labels: labels,
                      config: TrainingConfiguration(epochs: 15, batchSize: 16, optimizer: .adam, learningRate: 0.01, seed: 3))
    return (model, inputs, labels)
}

@Suite struct ConvolutionQuantizationTests {
    /// PTQ of a CNN with pooling: the integer reference (pooling folded into the next layer's
    /// map) computes the fake-quantized float function, and 8 bits keep the float predictions.
    @Test func integerReferenceOfACNNMatchesFakeQuantization() throws {
        let (model, inputs, labels) = try trainedBarCNN()
        #expect(model.accuracy(inputs: inputs, labels: labels) > 0.9)
        for (bits, minimumAgreement) in [(8, 0.97), (4, 0.0)] {
            let quantized = try PostTrainingQuantizer.quantize(model, calibrationInputs: inputs, configuration: QuantizationConfiguration(
                method: .ptq, inputBits: bits, weightBits: bits, activationBits: bits, perChannel: true))
            #expect(quantized.layers.map { $0.convolution != nil } == [true, true, false])
            // The pooled layer reads the first layer's 4×6×6 codes through a 4×4 kernel at stride 2.
            #expect(quantized.layers[1].convolution?.kernelHeight == 4 && quantized.layers[1].convolution?.stride == 2)
            #expect(quantized.layers[1].inputCount == 144 && quantized.layers[0].outputCount == 144)
            let fake = quantized.fakeQuantizedFloatForward(inputs)
            var agreeing = 0, agreeingWithFloat = 0
            let floatPredictions = model.predict(inputs)
            for row in 0..<inputs.rows {
                let reference = quantized.forward(inputs.row(row))
                if argmax(fake.row(row)) == reference.predictedClass { agreeing += 1 }
                if floatPredictions[row] == reference.predictedClass { agreeingWithFloat += 1 }
            }
            #expect(Double(agreeing) / Double(inputs.rows) >= 0.99, "\(bits) bits: fake/integer agreement \(agreeing)/\(inputs.rows)")
            #expect(Double(agreeingWithFloat) / Double(inputs.rows) >= minimumAgreement, "\(bits) bits: float agreement \(agreeingWithFloat)")
        }
    }

    /// QAT of a CNN with rounding-aware training and an accumulator budget: runs (per-output
    /// rounding of conv pre-activations), keeps the accuracy, and respects the budget on every
    /// hidden output value (the folded pooled layer included).
    @Test func quantizationAwareTrainingOfACNN() throws {
        let (model, inputs, labels) = try trainedBarCNN()
        let config = QuantizationConfiguration(method: .qat, inputBits: 3, weightBits: 3, activationBits: 3, perChannel: true,
                                               accumulatorBitsBudget: 8, roundedTableBits: 5)
        var tuned = model
        let qat = try QuantizationAwareTrainer.train(
            model: &tuned, inputs: inputs, labels: labels, quantization: config,
            training: TrainingConfiguration(epochs: 5, batchSize: 16, optimizer: .adam, learningRate: 0.003, seed: 5))
        #expect(tuned != model)
        let accuracy = qat.accuracy(inputs: inputs, labels: labels)
        #expect(accuracy >= 0.9, "QAT 3-bit CNN accuracy \(accuracy)")
        for layer in qat.layers.dropLast() {
            let span = layer.inputQuantizer.maxCode - layer.inputQuantizer.minCode
            for j in 0..<layer.outputCount { #expect(layer.linear.l1Norm(row: j) * span <= 255) }
        }
    }

    /// A model file can pair a large pooling window with a small layer; folding it would
    /// repeat every weight k² times, so the size is an error before anything is allocated.
    @Test func foldingAHugePoolingIsAnError() throws {
        let pooling = try Pooling(input: ImageShape(channels: 1, height: 1024, width: 1024), window: 1024)
        var generator = SeededGenerator(seed: 1)
        var layer = NetworkLayer(inputCount: 1, outputCount: 100, activation: .relu, generator: &generator)
        layer.inputPooling = pooling
        let quantizer = Quantizer(bitWidth: 4, signed: false, symmetric: false, minimum: 0, maximum: 1)
        let error = try #require(throws: QuantizationError.self) {
            try Calibration.quantizeLinear(layer, weights: layer.weights, inputQuantizer: quantizer,
                                           configuration: QuantizationConfiguration(method: .ptq, inputBits: 4, weightBits: 4, activationBits: 4),
                                           isOutputLayer: false)
        }
        #expect(error.description.contains("folds a 1024×1024 input pooling into 100×1 weights") &&
                error.description.contains("allowed: at most \(Network.maximumFoldedWeights)"), "\(error)")
    }

}
