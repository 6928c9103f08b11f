import Foundation
import Testing
@testable import NeuralNet

@Suite struct TrainingTests {
    /// Central finite differences in Double-accumulated Float arithmetic: with step 1e-2 the
    /// truncation error is ~1e-4 and Float rounding in the loss is ~1e-6/1e-2; 2 % relative
    /// tolerance (plus a small absolute floor) separates a right gradient from a wrong one.
    @Test(arguments: [Activation.relu, .sigmoid, .tanh, .identity])
    func gradientsMatchFiniteDifferences(activation: Activation) {
        var model = Network(sizes: [5, 4, 3], activation: activation, seed: 11)
        // Non-zero biases keep ReLU away from its kink at exactly 0 for these inputs.
        model.layers[0].bias = [0.1, -0.2, 0.3, 0.05]
        var generator = SeededGenerator(seed: 5)
        var inputs = Matrix(rows: 6, columns: 5)
        for k in inputs.values.indices { inputs.values[k] = generator.nextGaussian() }
        let labels = [0, 1, 2, 1, 0, 2]
        let analytic = Trainer.gradients(model: model, inputs: inputs, labels: labels, transform: nil)

        func loss(_ m: Network) -> Double {
            Double(SoftmaxCrossEntropy.lossAndGradient(logits: m.forward(inputs), labels: labels).loss)
        }
        let h: Float = 1e-2
        var checked = 0
        for layer in 0..<2 {
            for k in model.layers[layer].weights.values.indices {
                var plus = model, minus = model
                plus.layers[layer].weights.values[k] += h
                minus.layers[layer].weights.values[k] -= h
                let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
                let exact = Double(analytic.weightGradients[layer].values[k])
                #expect(abs(numeric - exact) <= 0.02 * abs(exact) + 2e-4,
                        "layer \(layer) weight \(k): numeric \(numeric), analytic \(exact)")
                checked += 1
            }
            for k in model.layers[layer].bias.indices {
                var plus = model, minus = model
                plus.layers[layer].bias[k] += h
                minus.layers[layer].bias[k] -= h
                let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
                let exact = Double(analytic.biasGradients[layer][k])
                #expect(abs(numeric - exact) <= 0.02 * abs(exact) + 2e-4,
                        "layer \(layer) bias \(k): numeric \(numeric), analytic \(exact)")
            }
        }
        #expect(checked == 5 * 4 + 4 * 3)
    }

    /// Two interleaved spirals-free toy problem: 3 Gaussian blobs in 2-D.
    private func blobs(count: Int, seed: UInt64) -> (Matrix, [Int]) {
        var generator = SeededGenerator(seed: seed)
        let centres: [(Float, Float)] = [(0.2, 0.2), (0.8, 0.3), (0.5, 0.8)]
        var inputs = Matrix(rows: count, columns: 2)
        var labels = [Int]()
        for row in 0..<count {
            let label = row % 3
            inputs[row, 0] = centres[label].0 + 0.08 * generator.nextGaussian()
            inputs[row, 1] = centres[label].1 + 0.08 * generator.nextGaussian()
            labels.append(label)
        }
        return (inputs, labels)
    }

    @Test(arguments: [Optimizer.sgd, .momentum(coefficient: 0.9), .adam])
    func trainingReducesLossAndLearnsToyProblem(optimizer: Optimizer) throws {
        let (inputs, labels) = blobs(count: 300, seed: 1)
        var model = Network(sizes: [2, 16, 3], activation: .relu, seed: 2)
        let rate: Float = optimizer == .adam ? 0.01 : 0.1
        let config = TrainingConfiguration(epochs: 30, batchSize: 16, optimizer: optimizer, learningRate: rate, seed: 3)
        var seen = [EpochReport]()
        let reports = try Trainer.train(model: &model, inputs: inputs, labels: labels, config: config) { seen.append($0) }
        #expect(seen == reports && reports.count == 30)
        #expect(reports.last!.loss < 0.5 * reports.first!.loss, "loss \(reports.first!.loss) → \(reports.last!.loss)")
        let (testInputs, testLabels) = blobs(count: 300, seed: 99)
        #expect(model.accuracy(inputs: testInputs, labels: testLabels) > 0.95)
    }

    @Test func trainingIsReproducibleFromSeeds() throws {
        let (inputs, labels) = blobs(count: 90, seed: 4)
        let config = TrainingConfiguration(epochs: 3, batchSize: 8, optimizer: .adam, learningRate: 0.01, seed: 9)
        var a = Network(sizes: [2, 8, 3], seed: 1), b = Network(sizes: [2, 8, 3], seed: 1)
        try Trainer.train(model: &a, inputs: inputs, labels: labels, config: config)
        try Trainer.train(model: &b, inputs: inputs, labels: labels, config: config)
        #expect(a == b)
        var c = Network(sizes: [2, 8, 3], seed: 1)
        try Trainer.train(model: &c, inputs: inputs, labels: labels,
                      config: TrainingConfiguration(epochs: 3, batchSize: 8, optimizer: .adam, learningRate: 0.01, seed: 10))
        #expect(a != c)
    }

    /// SGD at a huge learning rate with identity activations blows the weights up within a few
    /// steps. Training stops at that step (a training transform must never see NaN) and throws,
    /// naming where; the model holds the diverged weights, never handed back as trained.
    @Test func divergenceStopsTrainingAndIsReported() throws {
        let (inputs, labels) = blobs(count: 90, seed: 4)
        let config = TrainingConfiguration(epochs: 50, batchSize: 8, optimizer: .sgd, learningRate: 1e4, seed: 9)
        var refused = Network(sizes: [2, 8, 3], activation: .identity, seed: 1)
        var epochsReported = 0
        let error = try #require(throws: TrainingDivergedError.self) {
            try Trainer.train(model: &refused, inputs: inputs, labels: labels, config: config) { _ in epochsReported += 1 }
        }
        #expect(error.epoch == epochsReported + 1 && error.epoch < 50 && error.batch >= 1)
        #expect(error.description.contains("diverged"))
        #expect(refused.firstNonFiniteLayer != nil)

        var healthy = Network(sizes: [2, 8, 3], seed: 1)
        let converging = TrainingConfiguration(epochs: 3, batchSize: 8, optimizer: .adam, learningRate: 0.01, seed: 9)
        #expect(try Trainer.train(model: &healthy, inputs: inputs, labels: labels, config: converging).count == 3)
        #expect(healthy.firstNonFiniteLayer == nil)
    }

    @Test func argmaxPrefersLowestIndexOnTies() {
        #expect(argmax([1, 3, 3, 2] as [Float]) == 1)
        #expect(argmax([5] as [Int64]) == 0)
    }
}

@Suite struct TrainingConfigurationTests {
    @Test func invalidValuesNameTheKey() {
        let cases: [(TrainingConfiguration, String)] = [
            (TrainingConfiguration(epochs: -1, batchSize: 8, optimizer: .adam, learningRate: 0.1, seed: 1), "epochs is -1"),
            (TrainingConfiguration(epochs: 1, batchSize: 0, optimizer: .adam, learningRate: 0.1, seed: 1), "batch_size is 0"),
            (TrainingConfiguration(epochs: 1, batchSize: 8, optimizer: .sgd, learningRate: 0, seed: 1), "learning_rate is 0"),
            (TrainingConfiguration(epochs: 1, batchSize: 8, optimizer: .sgd, learningRate: .nan, seed: 1), "learning_rate is nan"),
            (TrainingConfiguration(epochs: 1, batchSize: 8, optimizer: .momentum(coefficient: 1.5), learningRate: 0.1, seed: 1), "momentum is 1.5"),
            (TrainingConfiguration(epochs: 1, batchSize: 8, optimizer: .adam, learningRate: 0.1, seed: 1, learningRateDecay: 2), "learning_rate_decay is 2"),
        ]
        for (config, fragment) in cases {
            do {
                try config.validate()
                Issue.record("\(fragment) was accepted")
            } catch let error as TrainingConfigurationError {
                #expect(error.description.hasPrefix(fragment), "\(error)")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(throws: Never.self) { try TrainingConfiguration(epochs: 0, batchSize: 1, optimizer: .adam, learningRate: 1e-3, seed: 0).validate() }
    }
}
