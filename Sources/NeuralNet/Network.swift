// How to use (module NeuralNet)
//
//   let train = Matrix(trainRows)                     // [[Float]] → samples × features, values in [0, 1]
//   var model = Network(sizes: [64, 32, 10], activation: .relu, seed: 7)
//   let config = TrainingConfiguration(epochs: 40, batchSize: 32, optimizer: .adam, learningRate: 0.005, seed: 7)
//   try Trainer.train(model: &model, inputs: train, labels: trainLabels, config: config) { report in
//       print(report.epoch, report.loss, report.accuracy)
//   }
//   model.accuracy(inputs: test, labels: testLabels)  // fraction in [0, 1]
//   model.predict(features)                           // class index; model.forward(features) → logits
//   try model.save(to: url); let again = try Network.load(from: url)
//
//   // A CNN: layers built from geometries (Convolution, Pooling); pooling belongs to the layer
//   // that reads it, and a dense layer after a convolution reads its channel-major output as is.
//   let conv = try Convolution(input: ImageShape(channels: 1, height: 28, width: 28), outputChannels: 8,
//                              kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1)
//   var g = SeededGenerator(seed: 7)
//   let cnn = Network(layers: [NetworkLayer(convolution: conv, activation: .relu, generator: &g),
//                              NetworkLayer(inputCount: conv.output.count, outputCount: 10, activation: .identity, generator: &g)])
//
// Everything random (initialisation, shuffling) comes from explicit seeds (SeededGenerator,
// xoshiro256**), so a run is reproducible. Matrix products run on all cores for large shapes.

import Foundation

/// A feed-forward network: a sequence of layers (fully connected or convolutional) whose last layer produces logits
/// (its activation is normally `.identity`; softmax lives in the loss and in `probabilities`).
public struct Network: Sendable, Codable, Equatable {
    public var layers: [NetworkLayer]

    public var inputCount: Int { layers[0].inputCount }
    public var outputCount: Int { layers[layers.count - 1].outputCount }
    /// Sizes including input and output, e.g. `[64, 32, 10]`.
    public var layerSizes: [Int] { [inputCount] + layers.map(\.outputCount) }

    public init(layers: [NetworkLayer]) {
        precondition(!layers.isEmpty, "A network needs at least one layer")
        for (index, layer) in layers.enumerated() {
            if let problem = layer.shapeProblem { preconditionFailure("Layer \(index) is inconsistent: \(problem)") }
        }
        for index in 1..<layers.count {
            precondition(layers[index].inputCount == layers[index - 1].outputCount,
                         "Layer \(index) reads \(layers[index].inputCount) values, layer \(index - 1) produces \(layers[index - 1].outputCount)")
        }
        self.layers = layers
    }

    /// `sizes = [inputs, hidden..., classes]`; hidden layers use `activation`, the output layer
    /// is `.identity` (logits). Initialisation is reproducible from `seed`.
    public init(sizes: [Int], activation: Activation = .relu, seed: UInt64) {
        precondition(sizes.count >= 2, "Network sizes need at least [inputs, outputs], got \(sizes)")
        var generator = SeededGenerator(seed: seed)
        var layers = [NetworkLayer]()
        for index in 0..<(sizes.count - 1) {
            let isOutput = index == sizes.count - 2
            layers.append(NetworkLayer(inputCount: sizes[index], outputCount: sizes[index + 1],
                                activation: isOutput ? .identity : activation, generator: &generator))
        }
        self.init(layers: layers)
    }

    /// Logits for a batch (one sample per row).
    public func forward(_ inputs: Matrix) -> Matrix {
        var activations = inputs
        for layer in layers { activations = layer.forward(activations) }
        return activations
    }

    public func forward(_ features: [Float]) -> [Float] {
        forward(Matrix(rows: 1, columns: features.count, values: features)).values
    }

    /// Predicted class (argmax of the logits; the lowest index wins a tie) per row.
    public func predict(_ inputs: Matrix) -> [Int] {
        let logits = forward(inputs)
        return (0..<logits.rows).map { argmax(logits.row($0)) }
    }

    public func predict(_ features: [Float]) -> Int { argmax(forward(features)) }

    /// Fraction of rows whose prediction equals the label, evaluated in chunks to bound memory.
    public func accuracy(inputs: Matrix, labels: [Int]) -> Double {
        precondition(inputs.rows == labels.count, "\(inputs.rows) samples but \(labels.count) labels")
        guard !labels.isEmpty else { return 0 }
        var correct = 0
        let chunk = 1024
        for start in stride(from: 0, to: inputs.rows, by: chunk) {
            let range = start..<min(start + chunk, inputs.rows)
            let predictions = predict(inputs.gatherRows(range))
            for (offset, prediction) in predictions.enumerated() where prediction == labels[start + offset] {
                correct += 1
            }
        }
        return Double(correct) / Double(labels.count)
    }
}

/// Index of the largest value; the lowest index wins a tie (the same rule everywhere in
/// Lockstep, so float, quantized and encrypted argmaxes are comparable).
public func argmax<C: Collection>(_ values: C) -> Int where C.Element: Comparable, C.Index == Int {
    precondition(!values.isEmpty, "argmax of an empty collection")
    var best = values.startIndex
    for index in values.indices where values[index] > values[best] { best = index }
    return best - values.startIndex
}
