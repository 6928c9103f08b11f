import Foundation
import Testing
@testable import NeuralNet

private func randomValues(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in generator.nextGaussian() }
}

private func randomBatch(rows: Int, columns: Int, _ generator: inout SeededGenerator) -> Matrix {
    Matrix(rows: rows, columns: columns, values: randomValues(rows * columns, &generator))
}

/// The convolution written out from its definition, independent of `forEachTap` and im2col:
/// output (o, oy, ox) = bias[o] + Σ_c,ky,kx w[o, c, ky, kx] · input(c, oy·s − p + ky, ox·s − p + kx),
/// reading 0 outside the input.
private func directConvolution(_ input: [Float], _ layer: NetworkLayer) -> [Double] {
    let conv = layer.convolution!, out = conv.output, image = conv.input
    var result = [Double](repeating: 0, count: out.count)
    for o in 0..<out.channels {
        for oy in 0..<out.height {
            for ox in 0..<out.width {
                var sum = Double(layer.bias[o])
                for c in 0..<image.channels {
                    for ky in 0..<conv.kernelHeight {
                        for kx in 0..<conv.kernelWidth {
                            let iy = oy * conv.stride - conv.padding + ky, ix = ox * conv.stride - conv.padding + kx
                            guard iy >= 0, iy < image.height, ix >= 0, ix < image.width else { continue }
                            let w = layer.weights[o, (c * conv.kernelHeight + ky) * conv.kernelWidth + kx]
                            sum += Double(w) * Double(input[(c * image.height + iy) * image.width + ix])
                        }
                    }
                }
                result[(o * out.height + oy) * out.width + ox] = sum
            }
        }
    }
    return result
}

/// A small conv → (pool, conv) → (pool, dense) network: both strides, padding, pooling before a
/// convolution and before a fully connected layer, and an input that is not square.
private func tinyCNN(activation: Activation, seed: UInt64) throws -> Network {
    var generator = SeededGenerator(seed: seed)
    let first = try Convolution(input: ImageShape(channels: 2, height: 6, width: 4), outputChannels: 3,
                                kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
    let pool = try Pooling(input: first.output, window: 2)
    let second = try Convolution(input: pool.output, outputChannels: 4, kernelHeight: 2, kernelWidth: 2, stride: 2, padding: 1)
    let lastPool = try Pooling(input: second.output, window: 2)
    var layers = [
        NetworkLayer(convolution: first, activation: activation, generator: &generator),
        NetworkLayer(convolution: second, activation: activation, inputPooling: pool, generator: &generator),
    ]
    var dense = NetworkLayer(inputCount: lastPool.output.count, outputCount: 3, activation: .identity, generator: &generator)
    dense.inputPooling = lastPool
    layers.append(dense)
    // Non-zero biases keep ReLU pre-activations away from the kink at 0.
    for index in layers.indices { layers[index].bias = randomValues(layers[index].bias.count, &generator).map { 0.3 * $0 } }
    return Network(layers: layers)
}

@Suite struct ConvolutionTests {
    /// (input channels, height, width, output channels, kernel height, kernel width, stride, padding)
    @Test(arguments: [
        (1, 5, 5, 2, 3, 3, 1, 0),
        (3, 7, 5, 4, 3, 2, 2, 1),
        (2, 6, 9, 3, 1, 1, 1, 0),
        (2, 8, 8, 5, 5, 5, 3, 2),
        (1, 4, 6, 2, 4, 6, 1, 0),
        (2, 3, 5, 3, 2, 3, 2, 2),
    ])
    func convolutionMatchesDirectLoops(geometry: (Int, Int, Int, Int, Int, Int, Int, Int)) throws {
        let (channels, height, width, outputChannels, kh, kw, stride, padding) = geometry
        let conv = try Convolution(input: ImageShape(channels: channels, height: height, width: width),
                                   outputChannels: outputChannels, kernelHeight: kh, kernelWidth: kw,
                                   stride: stride, padding: padding)
        var generator = SeededGenerator(seed: UInt64(channels * 1000 + height * 100 + kw * 10 + padding))
        var layer = NetworkLayer(convolution: conv, activation: .relu, generator: &generator)
        layer.bias = randomValues(outputChannels, &generator)
        let batch = randomBatch(rows: 3, columns: conv.input.count, &generator)
        let z = layer.preActivations(batch)
        #expect(z.rows == 3 && z.columns == conv.output.count && layer.outputCount == conv.output.count)
        for row in 0..<3 {
            let expected = directConvolution(batch.row(row), layer)
            let worst = zip(z.row(row), expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-4, "sample \(row): largest difference \(worst)")
        }
        let relu = layer.forward(batch)
        #expect(relu.values == z.values.map { max($0, 0) })
    }

    @Test func poolingAveragesBlocks() throws {
        let shape = ImageShape(channels: 2, height: 4, width: 6)
        let pooling = try Pooling(input: shape, window: 2)
        var identity = Matrix(rows: pooling.output.count, columns: pooling.output.count)
        for k in 0..<identity.rows { identity[k, k] = 1 }
        let layer = NetworkLayer(weights: identity, bias: [Float](repeating: 0, count: identity.rows),
                                 activation: .identity, inputPooling: pooling)
        #expect(layer.inputCount == 48 && layer.outputCount == 12)
        var generator = SeededGenerator(seed: 4)
        let batch = randomBatch(rows: 2, columns: 48, &generator)
        let pooled = layer.forward(batch)
        for row in 0..<2 {
            for c in 0..<2 {
                for py in 0..<2 {
                    for px in 0..<3 {
                        var sum: Float = 0
                        for a in 0..<2 { for b in 0..<2 { sum += batch[row, shape.index(channel: c, y: 2 * py + a, x: 2 * px + b)] } }
                        #expect(abs(pooled[row, (c * 2 + py) * 3 + px] - sum / 4) < 1e-6)
                    }
                }
            }
        }
    }

    /// Weights, biases and inputs of a conv + pool + dense network against central finite
    /// differences (see `TrainingTests.gradientsMatchFiniteDifferences` for the tolerance).
    @Test(arguments: [Activation.relu, .tanh])
    func gradientsMatchFiniteDifferences(activation: Activation) throws {
        let model = try tinyCNN(activation: activation, seed: 21)
        var generator = SeededGenerator(seed: 8)
        let inputs = randomBatch(rows: 4, columns: model.inputCount, &generator)
        let labels = [0, 2, 1, 2]
        let analytic = Trainer.gradients(model: model, inputs: inputs, labels: labels, transform: nil, inputGradient: true)
        func loss(_ m: Network, _ x: Matrix) -> Double {
            Double(SoftmaxCrossEntropy.lossAndGradient(logits: m.forward(x), labels: labels).loss)
        }
        let h: Float = 1e-2
        func expectClose(_ numeric: Double, _ exact: Float, _ what: String) {
            #expect(abs(numeric - Double(exact)) <= 0.02 * abs(Double(exact)) + 2e-4, "\(what): numeric \(numeric), analytic \(exact)")
        }
        var checked = 0
        for layer in model.layers.indices {
            #expect(analytic.weightGradients[layer].rows == model.layers[layer].weights.rows)
            #expect(analytic.weightGradients[layer].columns == model.layers[layer].weights.columns)
            for k in model.layers[layer].weights.values.indices {
                var plus = model, minus = model
                plus.layers[layer].weights.values[k] += h
                minus.layers[layer].weights.values[k] -= h
                expectClose((loss(plus, inputs) - loss(minus, inputs)) / Double(2 * h),
                            analytic.weightGradients[layer].values[k], "layer \(layer) weight \(k)")
                checked += 1
            }
            for k in model.layers[layer].bias.indices {
                var plus = model, minus = model
                plus.layers[layer].bias[k] += h
                minus.layers[layer].bias[k] -= h
                expectClose((loss(plus, inputs) - loss(minus, inputs)) / Double(2 * h),
                            analytic.biasGradients[layer][k], "layer \(layer) bias \(k)")
                checked += 1
            }
        }
        let inputGradient = try #require(analytic.inputGradient)
        #expect(inputGradient.rows == inputs.rows && inputGradient.columns == inputs.columns)
        for k in inputs.values.indices {
            var plus = inputs, minus = inputs
            plus.values[k] += h
            minus.values[k] -= h
            expectClose((loss(model, plus) - loss(model, minus)) / Double(2 * h), inputGradient.values[k], "input \(k)")
        }
        // 3·2·9 + 3, 4·3·4 + 4, 3·4 + 3 parameters.
        #expect(checked == 57 + 52 + 15)
    }

    /// Three classes of 1×6×6 images: a horizontal bar, a vertical bar, a diagonal, at random
    /// places, with noise. A conv → pool + dense network learns them in a few epochs.
    @Test func tinyCNNTrainingLowersTheLoss() throws {
        func images(count: Int, seed: UInt64) -> (Matrix, [Int]) {
            var generator = SeededGenerator(seed: seed)
            var inputs = Matrix(rows: count, columns: 36)
            var labels = [Int]()
            for row in 0..<count {
                let label = row % 3, at = Int(generator.next() % 6)
                for k in 0..<36 { inputs.values[row * 36 + k] = 0.1 * generator.nextUnitFloat() }
                for t in 0..<6 {
                    let (y, x) = label == 0 ? (at, t) : label == 1 ? (t, at) : (t, t)
                    inputs[row, y * 6 + x] = 1
                }
                labels.append(label)
            }
            return (inputs, labels)
        }
        var generator = SeededGenerator(seed: 3)
        let conv = try Convolution(input: ImageShape(channels: 1, height: 6, width: 6), outputChannels: 4,
                                   kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let pool = try Pooling(input: conv.output, window: 2)
        var dense = NetworkLayer(inputCount: pool.output.count, outputCount: 3, activation: .identity, generator: &generator)
        dense.inputPooling = pool
        var model = Network(layers: [NetworkLayer(convolution: conv, activation: .relu, generator: &generator), dense])
        let (inputs, labels) = images(count: 150, seed: 1)
        let config = TrainingConfiguration(epochs: 12, batchSize: 16, optimizer: .adam, learningRate: 0.02, seed: 5)
        let reports = try Trainer.train(model: &model, inputs: inputs, labels: labels, config: config)
        let first = try #require(reports.first).loss, last = try #require(reports.last).loss
        #expect(last < 0.3 * first, "loss \(first) → \(last)")
        let (testInputs, testLabels) = images(count: 90, seed: 2)
        #expect(model.accuracy(inputs: testInputs, labels: testLabels) > 0.9)
    }
}

@Suite struct ConvolutionModelFileTests {
    private func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-\(UUID().uuidString)-\(name)")
    }

    @Test func convolutionalModelRoundTripsExactly() throws {
        let model = try tinyCNN(activation: .relu, seed: 2)
        let url = temporaryURL("cnn.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("\"formatVersion\":2") && text.contains("\"convolution\"") && text.contains("\"inputPooling\""))
        let loaded = try Network.load(from: url)
        #expect(loaded == model)
        var generator = SeededGenerator(seed: 1)
        let batch = randomBatch(rows: 2, columns: model.inputCount, &generator)
        #expect(loaded.forward(batch) == model.forward(batch))
    }

    @Test func versionOneFilesStillLoad() throws {
        let text = #"{"format":"lockstep.mlp","formatVersion":1,"layers":[{"activation":"relu","bias":[0.5,-1],"weights":{"columns":2,"rows":2,"values":[1,2,3,4]}},{"activation":"identity","bias":[0],"weights":{"columns":2,"rows":1,"values":[1,1]}}]}"#
        let model = try Network.load(data: Data(text.utf8), path: "v1.json")
        #expect(model.layers.count == 2 && model.layers.allSatisfy { $0.convolution == nil && $0.inputPooling == nil })
        #expect(model.forward([1, 1]) == [3.5 + 6])
        let withConvolution = text.replacingOccurrences(
            of: #""bias":[0.5,-1],"#,
            with: #""bias":[0.5,-1],"inputPooling":{"input":{"channels":1,"height":2,"width":4},"window":2},"#)
        let error = try #require(throws: ModelFileError.self) { try Network.load(data: Data(withConvolution.utf8), path: "v1.json") }
        #expect(error.description.contains("layer 0 has a convolution or pooling, which formatVersion 1 files cannot hold"), "\(error)")
    }

    /// Geometry comes from the file: every inconsistency is a ModelFileError naming the layer and
    /// what is allowed, never a trap in `Network.init` or an absurd allocation.
    @Test(arguments: [
        // A 3×2 kernel no longer matches the 3×18 weights.
        ("\"kernelWidth\":3", "\"kernelWidth\":2", ["layer 0 is inconsistent", "need 3×12"]),
        // 3×6×4 cannot be tiled by 4×4 blocks.
        ("\"window\":2", "\"window\":4", ["layer 1 inputPooling: pooling window 4 does not divide the 3×6×4 input"]),
        ("\"stride\":1", "\"stride\":-1", ["layer 0 convolution: convolution stride is -1; allowed: 1...4096"]),
        ("\"outputChannels\":3", "\"outputChannels\":1000000000", ["layer 0 convolution: convolution output channels is 1000000000; allowed: 1...4096"]),
        ("{\"channels\":2,\"height\":6,\"width\":4}", "{\"channels\":4096,\"height\":4096,\"width\":4}",
         ["layer 0 convolution input is 4096×4096×4 = 67108864 values; allowed: at most 1048576"]),
        ("{\"channels\":2,\"height\":6,\"width\":4}", "{\"channels\":2,\"height\":6,\"width\":-4}",
         ["layer 0 convolution: convolution input width is -4; allowed: 1...4096"]),
        // Layer 1 now reads a 3×6×6 tensor; layer 0 still produces 3×6×4.
        ("{\"channels\":3,\"height\":6,\"width\":4},\"window\"", "{\"channels\":3,\"height\":6,\"width\":6},\"window\"",
         ["layer 1 is inconsistent: pooling produces 3×3×3"]),
    ])
    func corruptGeometryIsRefusedNamingTheProblem(edit: (String, String, [String])) throws {
        let model = try tinyCNN(activation: .relu, seed: 2)
        let url = temporaryURL("cnn.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        let (original, replacement, fragments) = edit
        #expect(text.contains(original), "the edit must apply to the saved file")
        try Data(text.replacingOccurrences(of: original, with: replacement).utf8).write(to: url)
        let error = try #require(throws: ModelFileError.self) { try Network.load(from: url) }
        #expect(error.description.contains(url.path))
        for fragment in fragments { #expect(error.description.contains(fragment), "\(error)") }
    }

    @Test func layersMustChain() throws {
        var generator = SeededGenerator(seed: 1)
        let conv = try Convolution(input: ImageShape(channels: 1, height: 4, width: 4), outputChannels: 2,
                                   kernelHeight: 3, kernelWidth: 3)
        let model = Network(layers: [NetworkLayer(convolution: conv, activation: .relu, generator: &generator),
                                     NetworkLayer(inputCount: 8, outputCount: 2, activation: .identity, generator: &generator)])
        let url = temporaryURL("chain.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        // Padding 1 makes the first layer produce 2×4×4 = 32 values.
        try Data(text.replacingOccurrences(of: "\"padding\":0", with: "\"padding\":1").utf8).write(to: url)
        let error = try #require(throws: ModelFileError.self) { try Network.load(from: url) }
        #expect(error.description.contains("layer 1 reads 8 values but layer 0 produces 32"), "\(error)")
    }
}
