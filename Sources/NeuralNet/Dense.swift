/// A fully connected layer: `output = activation(input · weightsᵀ + bias)`.
/// `weights` is `outputCount × inputCount`; row j holds neuron j's incoming weights.
public struct Dense: Sendable, Codable, Equatable {
    public var weights: Matrix
    public var bias: [Float]
    public var activation: Activation

    public var inputCount: Int { weights.columns }
    public var outputCount: Int { weights.rows }

    public init(weights: Matrix, bias: [Float], activation: Activation) {
        precondition(bias.count == weights.rows,
                     "Dense bias has \(bias.count) values, weights have \(weights.rows) output rows")
        self.weights = weights
        self.bias = bias
        self.activation = activation
    }

    /// Seeded random initialisation: He-normal (σ = √(2/in)) for ReLU, Xavier/Glorot-normal
    /// (σ = √(2/(in+out))) otherwise; biases start at zero.
    public init(inputCount: Int, outputCount: Int, activation: Activation, generator: inout SeededGenerator) {
        precondition(inputCount > 0 && outputCount > 0,
                     "Dense layer needs positive sizes, got \(inputCount) → \(outputCount)")
        let standardDeviation: Float = activation == .relu
            ? (2 / Float(inputCount)).squareRoot()
            : (2 / Float(inputCount + outputCount)).squareRoot()
        var weights = Matrix(rows: outputCount, columns: inputCount)
        for index in weights.values.indices {
            weights.values[index] = generator.nextGaussian() * standardDeviation
        }
        self.init(weights: weights, bias: [Float](repeating: 0, count: outputCount), activation: activation)
    }

    /// Pre-activations `input · weightsᵀ + bias` for a batch (one sample per row).
    public func preActivations(_ input: Matrix, weights usedWeights: Matrix? = nil) -> Matrix {
        let w = usedWeights ?? weights
        precondition(input.columns == w.columns,
                     "Dense layer expects \(w.columns) input features, batch has \(input.columns)")
        var z = input.multipliedByTransposed(w)
        z.addToEachRow(bias)
        return z
    }

    public func forward(_ input: Matrix) -> Matrix {
        let act = activation
        return preActivations(input).map { act.apply($0) }
    }
}
