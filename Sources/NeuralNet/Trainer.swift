import Foundation

/// The parameter update rule.
public enum Optimizer: Sendable, Codable, Equatable {
    /// Plain minibatch stochastic gradient descent.
    case sgd
    /// SGD with heavy-ball momentum `coefficient` (typically 0.9).
    case momentum(coefficient: Float)
    /// Adam (Kingma & Ba) with β1 = 0.9, β2 = 0.999, ε = 1e-8 and bias correction.
    case adam
}

public struct TrainingConfiguration: Sendable, Codable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: Optimizer
    public var learningRate: Float
    /// Seeds the per-epoch shuffling (initialisation has its own seed, in `Network(sizes:seed:)`).
    public var seed: UInt64
    /// The learning rate is multiplied by this factor after every epoch (1 = constant).
    public var learningRateDecay: Float

    public init(epochs: Int, batchSize: Int, optimizer: Optimizer, learningRate: Float, seed: UInt64,
                learningRateDecay: Float = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.seed = seed
        self.learningRateDecay = learningRateDecay
    }

    /// Throws a sentence naming the offending field (config key spelling) and what is allowed.
    public func validate() throws {
        if epochs < 0 { throw TrainingConfigurationError(description: "epochs is \(epochs); it must be ≥ 0") }
        if batchSize < 1 { throw TrainingConfigurationError(description: "batch_size is \(batchSize); it must be ≥ 1") }
        if !(learningRate > 0 && learningRate.isFinite) {
            throw TrainingConfigurationError(description: "learning_rate is \(learningRate); it must be finite and > 0")
        }
        if !(learningRateDecay > 0 && learningRateDecay <= 1) {
            throw TrainingConfigurationError(description: "learning_rate_decay is \(learningRateDecay); it must be in (0, 1]")
        }
        if case .momentum(let coefficient) = optimizer, !(coefficient >= 0 && coefficient < 1) {
            throw TrainingConfigurationError(description: "momentum is \(coefficient); it must be in [0, 1)")
        }
    }
}

public struct TrainingConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// Training left a weight or bias non-finite (learning rate too large for the optimizer and
/// activation, typically). Training stops at that step: later steps would only spread NaN,
/// and a training transform (fake quantization) must never see them.
public struct TrainingDivergedError: Error, CustomStringConvertible, Equatable {
    public let epoch: Int
    public let batch: Int
    /// The first layer holding a non-finite weight or bias.
    public let layer: Int
    public var description: String {
        "training diverged: after epoch \(epoch), minibatch \(batch), layer \(layer) has non-finite weights or biases"
    }
}

extension Network {
    /// The first layer with a NaN or infinite weight or bias; nil when every parameter is finite.
    public var firstNonFiniteLayer: Int? {
        layers.firstIndex { !$0.weights.values.allSatisfy(\.isFinite) || !$0.bias.allSatisfy(\.isFinite) }
    }
}

/// What `progress` receives after each epoch. `loss` and `accuracy` are the means over the
/// epoch's minibatches (training data, measured during the epoch, with the transform applied).
public struct EpochReport: Sendable, Equatable {
    public let epoch: Int
    public let loss: Float
    public let accuracy: Double
    public let seconds: Double
}

/// Hooks that change the forward pass during training without NeuralNet knowing why.
/// Quantization-aware training implements them with fake quantization; the backward pass
/// treats them as the identity (straight-through estimator): gradients computed with the
/// transformed weights update the float weights.
public protocol TrainingTransform: Sendable {
    /// The weights layer `layer` uses in this step's forward and backward pass, and the
    /// rounding of its pre-activations, if any.
    func forwardLayer(layer: Int, weights: Matrix) -> TransformedLayer
    /// Applied in place to the output (after the activation) of every layer except the last.
    func transformActivations(layer: Int, _ activations: inout Matrix)
}

public struct TransformedLayer: Sendable {
    public var weights: Matrix
    public var preActivationRounding: PreActivationRounding?

    public init(weights: Matrix, preActivationRounding: PreActivationRounding? = nil) {
        self.weights = weights
        self.preActivationRounding = preActivationRounding
    }
}

/// Fake rounding of pre-activations onto an integer grid, as an integer circuit rounds its
/// accumulators: with u = z − bias, per output value j the integer a = u/scale_j + offset_j is
/// rounded half up to a multiple of 2^shift, and u becomes scale_j·(round(a) − offset_j).
/// `scales` and `offsets` have one value per output value of the layer (`outputCount`, the
/// columns of z): a convolution's accumulators differ per position (padding drops taps, so the
/// zero-point correction does), not only per channel. The bias is the layer's, per channel.
public struct PreActivationRounding: Sendable {
    public let scales: [Double]
    public let offsets: [Double]
    public let shift: Int
    /// Per output value, the table indices floor((a + 2^(t−1)) / 2^t) the circuit distinguishes;
    /// the rounded index is held to its window (nil: no window).
    public let indexWindows: [ClosedRange<Double>]?

    public init(scales: [Double], offsets: [Double], shift: Int, indexWindows: [ClosedRange<Double>]? = nil) {
        precondition(scales.count == offsets.count, "\(scales.count) scales, \(offsets.count) offsets")
        precondition(indexWindows.map { $0.count == scales.count } ?? true, "One index window per output value")
        self.scales = scales
        self.offsets = offsets
        self.shift = shift
        self.indexWindows = indexWindows
    }

    func apply(_ z: inout Matrix, layer: NetworkLayer) {
        precondition(z.columns == scales.count, "Rounding for \(scales.count) output values, layer has \(z.columns)")
        let step = Double(1 << shift)
        let bias = layer.bias
        for row in 0..<z.rows {
            for j in 0..<z.columns {
                let k = row * z.columns + j
                let b = bias[layer.channel(ofOutput: j)]
                let integer = (Double(z.values[k] - b)) / scales[j] + offsets[j]
                var index = (integer / step + 0.5).rounded(.down)
                if let window = indexWindows?[j] { index = min(max(index, window.lowerBound), window.upperBound) }
                let rounded = step * index
                z.values[k] = Float(scales[j] * (rounded - offsets[j])) + b
            }
        }
    }
}

public enum Trainer {
    /// Minibatch training of `model` in place with softmax cross-entropy. Inputs are one sample
    /// per row, already normalised by the caller; labels are class indices. `config` must
    /// pass `validate()` (an invalid one is a programmer error here).
    /// Returns one report per epoch (the same values `progress` received). Throws
    /// `TrainingDivergedError` at the first step that leaves a weight or bias non-finite (the
    /// model then holds the diverged weights): a diverged model is never returned as trained.
    @discardableResult
    public static func train(
        model: inout Network,
        inputs: Matrix,
        labels: [Int],
        config: TrainingConfiguration,
        transform: (any TrainingTransform)? = nil,
        progress: (EpochReport) -> Void = { _ in }
    ) throws -> [EpochReport] {
        precondition(inputs.rows == labels.count, "Training got \(inputs.rows) samples and \(labels.count) labels")
        precondition(inputs.columns == model.inputCount,
                     "Model expects \(model.inputCount) features, inputs have \(inputs.columns)")
        do { try config.validate() } catch { preconditionFailure("Invalid training configuration (validate() it first): \(error)") }
        guard inputs.rows > 0, config.epochs > 0 else { return [] }
        var generator = SeededGenerator(seed: config.seed)
        var optimizerState = OptimizerState(model: model, optimizer: config.optimizer)
        var order = Array(0..<inputs.rows)
        var learningRate = config.learningRate
        var reports = [EpochReport]()

        for epoch in 1...config.epochs {
            let start = Date()
            order.shuffle(using: &generator)
            var lossSum: Double = 0
            var correct = 0
            var batches = 0
            for batchStart in stride(from: 0, to: order.count, by: config.batchSize) {
                let indices = order[batchStart..<min(batchStart + config.batchSize, order.count)]
                let batchInputs = inputs.gatherRows(indices)
                let batchLabels = indices.map { labels[$0] }
                let step = gradients(model: model, inputs: batchInputs, labels: batchLabels, transform: transform)
                optimizerState.apply(step.weightGradients, step.biasGradients, to: &model, learningRate: learningRate)
                if let layer = model.firstNonFiniteLayer {
                    throw TrainingDivergedError(epoch: epoch, batch: batches + 1, layer: layer)
                }
                lossSum += Double(step.loss)
                correct += step.correct
                batches += 1
            }
            let report = EpochReport(epoch: epoch, loss: Float(lossSum / Double(batches)),
                                     accuracy: Double(correct) / Double(order.count),
                                     seconds: Date().timeIntervalSince(start))
            reports.append(report)
            progress(report)
            learningRate *= config.learningRateDecay
        }
        return reports
    }

    struct Step {
        var loss: Float
        var correct: Int
        var weightGradients: [Matrix]
        var biasGradients: [[Float]]
        /// d loss / d inputs, when asked for (training never needs it).
        var inputGradient: Matrix?
    }

    /// Forward and backward pass of one minibatch (internal so tests can check the gradients).
    static func gradients(model: Network, inputs: Matrix, labels: [Int], transform: (any TrainingTransform)?,
                          inputGradient wantsInputGradient: Bool = false) -> Step {
        let layerCount = model.layers.count
        var patches = [Matrix]()
        var preActivations = [Matrix]()
        var outputs = [Matrix]()
        var usedWeights = [Matrix]()
        var current = inputs
        for (index, layer) in model.layers.enumerated() {
            let transformed = transform?.forwardLayer(layer: index, weights: layer.weights)
            let weights = transformed?.weights ?? layer.weights
            var (layerPatches, z) = layer.linearPass(current, weights: weights)
            transformed?.preActivationRounding?.apply(&z, layer: layer)
            let activation = layer.activation
            var a = z.map { activation.apply($0) }
            patches.append(layerPatches)
            preActivations.append(z)
            outputs.append(a)
            usedWeights.append(weights)
            if index < layerCount - 1, let transform { transform.transformActivations(layer: index, &a) }
            current = a
        }
        let (loss, lossGradient) = SoftmaxCrossEntropy.lossAndGradient(logits: current, labels: labels)
        var correct = 0
        for row in 0..<current.rows where argmax(current.row(row)) == labels[row] { correct += 1 }

        var weightGradients = [Matrix](repeating: Matrix(rows: 0, columns: 0), count: layerCount)
        var biasGradients = [[Float]](repeating: [], count: layerCount)
        var outputGradient = lossGradient
        for index in stride(from: layerCount - 1, through: 0, by: -1) {
            let layer = model.layers[index]
            var delta = outputGradient
            let z = preActivations[index], a = outputs[index]
            if layer.activation != .identity {
                for k in delta.values.indices {
                    delta.values[k] *= layer.activation.derivative(preActivation: z.values[k], output: a.values[k])
                }
            }
            // One row per (sample, position), one column per channel: the rows of the patches.
            let rowDelta = layer.positionMajor(delta)
            weightGradients[index] = rowDelta.transposedMultiplied(by: patches[index])
            // Column sums over (sample, position) rows: a channel's bias moves all its positions.
            biasGradients[index] = rowDelta.columnSums()
            if index > 0 || wantsInputGradient {
                outputGradient = layer.inputGradient(fromPatchGradient: rowDelta.multiplied(by: usedWeights[index]))
            }
        }
        return Step(loss: loss, correct: correct, weightGradients: weightGradients, biasGradients: biasGradients,
                    inputGradient: wantsInputGradient ? outputGradient : nil)
    }
}

/// Per-parameter optimizer memory (momentum velocity or Adam moments), shaped like the model.
struct OptimizerState {
    let optimizer: Optimizer
    var firstMoments: [[Float]]
    var secondMoments: [[Float]]
    var step = 0

    init(model: Network, optimizer: Optimizer) {
        self.optimizer = optimizer
        // Parameter group 2l is layer l's weights, 2l+1 its bias.
        let sizes = model.layers.flatMap { [$0.weights.values.count, $0.bias.count] }
        let needsFirst = optimizer != .sgd
        firstMoments = needsFirst ? sizes.map { [Float](repeating: 0, count: $0) } : []
        secondMoments = optimizer == .adam ? sizes.map { [Float](repeating: 0, count: $0) } : []
    }

    mutating func apply(_ weightGradients: [Matrix], _ biasGradients: [[Float]], to model: inout Network, learningRate: Float) {
        step += 1
        for index in model.layers.indices {
            update(&model.layers[index].weights.values, gradient: weightGradients[index].values, group: 2 * index, learningRate: learningRate)
            update(&model.layers[index].bias, gradient: biasGradients[index], group: 2 * index + 1, learningRate: learningRate)
        }
    }

    private mutating func update(_ parameters: inout [Float], gradient: [Float], group: Int, learningRate: Float) {
        precondition(parameters.count == gradient.count, "Gradient has \(gradient.count) values, parameters \(parameters.count)")
        let count = parameters.count
        switch optimizer {
        case .sgd:
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    for k in 0..<count { p[k] -= learningRate * g[k] }
                }
            }
        case .momentum(let coefficient):
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    firstMoments[group].withUnsafeMutableBufferPointer { v in
                        for k in 0..<count {
                            v[k] = coefficient * v[k] + g[k]
                            p[k] -= learningRate * v[k]
                        }
                    }
                }
            }
        case .adam:
            let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
            let correction1 = 1 - pow(beta1, Float(step))
            let correction2 = 1 - pow(beta2, Float(step))
            let stepSize = learningRate * correction2.squareRoot() / correction1
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    firstMoments[group].withUnsafeMutableBufferPointer { m in
                        secondMoments[group].withUnsafeMutableBufferPointer { v in
                            for k in 0..<count {
                                m[k] = beta1 * m[k] + (1 - beta1) * g[k]
                                v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k]
                                p[k] -= stepSize * m[k] / (v[k].squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
        }
    }
}
