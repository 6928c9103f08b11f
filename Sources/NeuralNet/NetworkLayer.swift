/// One layer of a `Network`: `output = activation(linear(pool(input)) + bias)`.
///
/// - `linear` is fully connected (`convolution == nil`: `weights` is `outputCount × inputCount`,
///   row j holds neuron j's incoming weights) or a convolution (`weights` is
///   `outputChannels × kernelSize`, see `Convolution`).
/// - `bias` has one value per output channel (per neuron when fully connected).
/// - `inputPooling`, when set, averages the input in non-overlapping windows first; a layer owns
///   the pooling of its input so that one layer is one linear map (see `Pooling`).
/// Tensors are flat, channel-major vectors, so a flatten between layers is the identity.
public struct NetworkLayer: Sendable, Codable, Equatable {
    public var weights: Matrix
    public var bias: [Float]
    public var activation: Activation
    public var convolution: Convolution?
    public var inputPooling: Pooling?

    /// Values the linear map reads (after pooling).
    public var linearInputCount: Int { convolution?.input.count ?? weights.columns }
    /// Values the layer reads (before pooling).
    public var inputCount: Int { inputPooling?.input.count ?? linearInputCount }
    public var outputCount: Int { convolution?.output.count ?? weights.rows }
    /// Output channels: neurons when fully connected, kernels when convolutional.
    public var outputChannels: Int { weights.rows }
    /// Output values per channel: 1 when fully connected, the output positions of a convolution.
    public var positionsPerChannel: Int { convolution?.output.positions ?? 1 }
    /// The channel (neuron, kernel) output value j belongs to.
    @inline(__always)
    public func channel(ofOutput j: Int) -> Int { j / positionsPerChannel }

    public init(weights: Matrix, bias: [Float], activation: Activation,
                convolution: Convolution? = nil, inputPooling: Pooling? = nil) {
        self.weights = weights
        self.bias = bias
        self.activation = activation
        self.convolution = convolution
        self.inputPooling = inputPooling
        if let problem = shapeProblem { preconditionFailure("Inconsistent layer: \(problem)") }
    }

    /// Why the weights, bias, convolution and pooling do not fit together; nil when they do.
    /// Model files and configs check this before building a layer.
    public var shapeProblem: String? {
        if bias.count != weights.rows {
            return "bias has \(bias.count) values for \(weights.rows) output channels"
        }
        if weights.values.count != weights.rows * weights.columns {
            return "weights declare \(weights.rows)×\(weights.columns) but hold \(weights.values.count) values"
        }
        if let convolution {
            if weights.rows != convolution.outputChannels || weights.columns != convolution.kernelSize {
                return "convolution weights are \(weights.rows)×\(weights.columns); \(convolution.outputChannels) kernels of \(convolution.input.channels)×\(convolution.kernelHeight)×\(convolution.kernelWidth) need \(convolution.outputChannels)×\(convolution.kernelSize)"
            }
        }
        if let inputPooling, inputPooling.output.count != linearInputCount {
            return "pooling produces \(inputPooling.output) = \(inputPooling.output.count) values, the linear map reads \(linearInputCount)"
        }
        if let inputPooling, let convolution, inputPooling.output != convolution.input {
            return "pooling produces \(inputPooling.output), the convolution reads \(convolution.input)"
        }
        return nil
    }

    /// A seeded convolution layer (He-normal for ReLU, Glorot-normal otherwise, over the fan-in
    /// `kernelSize` and fan-out `outputChannels · kh · kw`); biases start at zero.
    public init(convolution: Convolution, activation: Activation, inputPooling: Pooling? = nil,
                generator: inout SeededGenerator) {
        let fanIn = convolution.kernelSize, fanOut = convolution.outputChannels * convolution.kernelHeight * convolution.kernelWidth
        let standardDeviation: Float = activation == .relu
            ? (2 / Float(fanIn)).squareRoot()
            : (2 / Float(fanIn + fanOut)).squareRoot()
        var weights = Matrix(rows: convolution.outputChannels, columns: fanIn)
        for index in weights.values.indices {
            weights.values[index] = generator.nextGaussian() * standardDeviation
        }
        self.init(weights: weights, bias: [Float](repeating: 0, count: convolution.outputChannels),
                  activation: activation, convolution: convolution, inputPooling: inputPooling)
    }

    /// Seeded random initialisation: He-normal (σ = √(2/in)) for ReLU, Xavier/Glorot-normal
    /// (σ = √(2/(in+out))) otherwise; biases start at zero.
    public init(inputCount: Int, outputCount: Int, activation: Activation, generator: inout SeededGenerator) {
        precondition(inputCount > 0 && outputCount > 0,
                     "A fully connected layer needs positive sizes, got \(inputCount) → \(outputCount)")
        let standardDeviation: Float = activation == .relu
            ? (2 / Float(inputCount)).squareRoot()
            : (2 / Float(inputCount + outputCount)).squareRoot()
        var weights = Matrix(rows: outputCount, columns: inputCount)
        for index in weights.values.indices {
            weights.values[index] = generator.nextGaussian() * standardDeviation
        }
        self.init(weights: weights, bias: [Float](repeating: 0, count: outputCount), activation: activation)
    }
}
