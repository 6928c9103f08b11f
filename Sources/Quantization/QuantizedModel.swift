// How to use (module Quantization)
//
//   let config = QuantizationConfiguration(method: .ptq, inputBits: 6, weightBits: 6, activationBits: 6)
//   let quantized = try PostTrainingQuantizer.quantize(floatModel, calibrationInputs: trainInputs,
//                                                      configuration: config)
//   // or, for low bit widths, fine-tune a copy of the float model with fake quantization:
//   var model = floatModel
//   let quantized = try QuantizationAwareTrainer.train(model: &model, inputs: trainInputs, labels: trainLabels,
//                                                      quantization: config, training: fineTuning)
//   quantized.accuracy(inputs: testInputs, labels: testLabels)      // exact integer reference
//   quantized.quantizeInput(features)                                // [Int64] codes for the circuit
//
// Small exact tables for FHE: few input bits and a per-neuron L1 budget on the hidden layers
// (the output layer has no table, so it may keep wider weights):
//   QuantizationConfiguration(method: .qat, inputBits: 2, weightBits: 3, activationBits: 4,
//                             accumulatorBitsBudget: 5, outputWeightBits: 6)
//   // every hidden table fits 5 bits with CircuitOptions(maxTLUBits: 5, rounding: .disabled)
//
// Inputs are features normalised to [0, 1] by the caller (one sample per row). A
// `QuantizedModel` holds integer weights, per-layer quantizers and float biases; the Circuit
// module lowers it to per-neuron tables. `forward` is the reference the circuit must match
// bit for bit; `fakeQuantizedFloatForward` is the Float32 fake-quantized pass used in training.

import Foundation
import NeuralNet

/// One layer after quantization: fully connected or a convolution, any input pooling of the
/// float layer already folded into the linear map (see `Convolution.readingBefore`).
///
/// With input codes q (quantizer `inputQuantizer`: x̂ = s_in·(q − z_in)) and weight codes
/// W (x̂-weights ŵ = s_c·W for output channel c, zero points already folded into W), output
/// value j of channel c = `channel(ofOutput: j)` has the pre-activation
///   Σ_i ŵ_ji·x̂_i + b_c = s_c·s_in·(acc_j − z_in·Σ_i W_ji) + b_c,   acc_j = Σ_i W_ji·q_i,
/// the sums over row j of `linear` (a convolution's padding taps are absent from the row:
/// they read a real zero, which the float layer adds as 0, so the correction uses the row's
/// own sum). `preActivation(neuron:accumulator:)` is the only place that formula is evaluated.
public struct QuantizedLayer: Codable, Sendable, Equatable {
    /// Encoding of this layer's inputs (unsigned codes).
    public let inputQuantizer: Quantizer
    /// Integer weights, zero points folded in (W = code − zeroPoint): `outputs × inputs` when
    /// fully connected, `outputChannels × kernelSize` for a convolution.
    public let weights: IntegerMatrix
    /// The geometry `weights` are applied with; nil when fully connected.
    public let convolution: Convolution?
    /// One quantizer per output channel (identical when quantized per tensor).
    public let weightQuantizers: [Quantizer]
    /// One bias per output channel.
    public let bias: [Double]
    public let activation: Activation
    /// Encoding of this layer's outputs; nil for the last layer, whose accumulators are the
    /// circuit's outputs and are turned into logits in clear.
    public let outputQuantizer: Quantizer?
    /// The integer map, one sparse row per output value.
    public let linear: LinearRows
    /// Σ_i W_ji per output value: multiplies the input zero point in the folded correction.
    public let weightRowSums: [Int64]

    public var inputCount: Int { linear.inputCount }
    public var outputCount: Int { linear.outputCount }
    public var outputChannels: Int { weights.rows }
    /// The channel (neuron, kernel) of output value j.
    @inline(__always)
    public func channel(ofOutput j: Int) -> Int { j / (convolution?.output.positions ?? 1) }

    public init(inputQuantizer: Quantizer, weights: IntegerMatrix, convolution: Convolution? = nil,
                weightQuantizers: [Quantizer], bias: [Double], activation: Activation, outputQuantizer: Quantizer?) {
        precondition(weightQuantizers.count == weights.rows,
                     "\(weightQuantizers.count) weight quantizers for \(weights.rows) output channels")
        precondition(bias.count == weights.rows, "\(bias.count) biases for \(weights.rows) output channels")
        precondition(!inputQuantizer.isSigned, "Layer inputs are unsigned codes, got \(inputQuantizer)")
        let rows: LinearRows?
        if let convolution { rows = LinearRows(convolution: convolution, kernel: weights) } else { rows = LinearRows(dense: weights) }
        guard let rows else { preconditionFailure("Weights \(weights.rows)×\(weights.columns) do not fit \(String(describing: convolution))") }
        self.inputQuantizer = inputQuantizer
        self.weights = weights
        self.convolution = convolution
        self.weightQuantizers = weightQuantizers
        self.bias = bias
        self.activation = activation
        self.outputQuantizer = outputQuantizer
        linear = rows
        weightRowSums = rows.rowSums
    }

    private enum CodingKeys: String, CodingKey {
        case inputQuantizer, weights, convolution, weightQuantizers, bias, activation, outputQuantizer
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let weights = try c.decode(IntegerMatrix.self, forKey: .weights)
        let convolution = try c.decodeIfPresent(Convolution.self, forKey: .convolution)
        let quantizers = try c.decode([Quantizer].self, forKey: .weightQuantizers)
        let bias = try c.decode([Double].self, forKey: .bias)
        let fits = convolution.map { LinearRows(convolution: $0, kernel: weights) != nil } ?? (LinearRows(dense: weights) != nil)
        guard fits, quantizers.count == weights.rows, bias.count == weights.rows else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "weights, quantizers, biases and geometry of a quantized layer do not fit together"))
        }
        self.init(inputQuantizer: try c.decode(Quantizer.self, forKey: .inputQuantizer),
                  weights: weights, convolution: convolution, weightQuantizers: quantizers, bias: bias,
                  activation: try c.decode(Activation.self, forKey: .activation),
                  outputQuantizer: try c.decodeIfPresent(Quantizer.self, forKey: .outputQuantizer))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputQuantizer, forKey: .inputQuantizer)
        try c.encode(weights, forKey: .weights)
        try c.encodeIfPresent(convolution, forKey: .convolution)
        try c.encode(weightQuantizers, forKey: .weightQuantizers)
        try c.encode(bias, forKey: .bias)
        try c.encode(activation, forKey: .activation)
        try c.encodeIfPresent(outputQuantizer, forKey: .outputQuantizer)
    }

    /// Pre-activation of output value `neuron` for an integer accumulator Σ_i W_ji·q_i (or its
    /// rounded approximation). Tables and the reference forward both call this, so they agree.
    @inline(__always)
    public func preActivation(neuron: Int, accumulator: Int64) -> Double {
        let centred = accumulator - inputQuantizer.zeroPoint * weightRowSums[neuron]
        let c = channel(ofOutput: neuron)
        return weightQuantizers[c].scale * inputQuantizer.scale * Double(centred) + bias[c]
    }

    /// The output code of a hidden neuron: activation, then requantization.
    @inline(__always)
    public func outputCode(neuron: Int, accumulator: Int64) -> Int64 {
        guard let outputQuantizer else {
            preconditionFailure("The last layer has no output quantizer; use logit(neuron:accumulator:)")
        }
        return outputQuantizer.quantize(activation.apply(preActivation(neuron: neuron, accumulator: accumulator)))
    }

    /// The last layer's logit (activation applied, no requantization).
    @inline(__always)
    public func logit(neuron: Int, accumulator: Int64) -> Double {
        activation.apply(preActivation(neuron: neuron, accumulator: accumulator))
    }

    /// The float layer with dequantized weights ŵ = s_c·W (same shape as `weights`, same
    /// geometry), whose forward pass is the fake-quantized one.
    public func dequantizedLayer() -> NetworkLayer {
        var matrix = Matrix(rows: weights.rows, columns: weights.columns)
        for j in 0..<weights.rows {
            let scale = weightQuantizers[j].scale
            for i in 0..<weights.columns { matrix[j, i] = Float(scale * Double(weights[j, i])) }
        }
        return NetworkLayer(weights: matrix, bias: bias.map { Float($0) }, activation: activation, convolution: convolution)
    }
}

/// The integer values of one reference forward pass.
public struct QuantizedForwardResult: Sendable, Equatable {
    /// `accumulators[l][j]` = Σ_i W_ji·q_i of layer l (before any rounding).
    public var accumulators: [[Int64]]
    /// `activationCodes[l]` = output codes of hidden layer l (count = layers − 1).
    public var activationCodes: [[Int64]]
    public var logits: [Double]
    public var predictedClass: Int
}

public struct QuantizedModel: Codable, Sendable, Equatable {
    public let layers: [QuantizedLayer]
    public let configuration: QuantizationConfiguration

    public init(layers: [QuantizedLayer], configuration: QuantizationConfiguration) {
        precondition(!layers.isEmpty, "A quantized model needs at least one layer")
        for index in layers.indices {
            let isLast = index == layers.count - 1
            precondition(isLast == (layers[index].outputQuantizer == nil),
                         "Exactly the last layer has no output quantizer (layer \(index) of \(layers.count))")
            if index > 0 {
                precondition(layers[index].inputCount == layers[index - 1].outputCount,
                             "Layer \(index) expects \(layers[index].inputCount) inputs, layer \(index - 1) has \(layers[index - 1].outputCount) outputs")
                precondition(layers[index].inputQuantizer == layers[index - 1].outputQuantizer,
                             "Layer \(index)'s input quantizer must be layer \(index - 1)'s output quantizer")
            }
        }
        self.layers = layers
        self.configuration = configuration
    }

    public var inputQuantizer: Quantizer { layers[0].inputQuantizer }
    public var inputCount: Int { layers[0].inputCount }
    public var outputCount: Int { layers[layers.count - 1].outputCount }

    /// The circuit's input: unsigned `inputBits` codes of the normalised features.
    public func quantizeInput(_ features: [Float]) -> [Int64] {
        precondition(features.count == inputCount, "Model expects \(inputCount) features, got \(features.count)")
        let quantizer = inputQuantizer
        return features.map { quantizer.quantize($0) }
    }

    /// The reference forward pass in integers: exactly what the integer circuit computes.
    ///
    /// `accumulatorShifts[l] = t > 0` replaces hidden layer l's accumulator by its rounded
    /// approximation `floor((acc + 2^(t−1)) / 2^t) · 2^t` before the table, as the circuit
    /// does when it rounds; nil or 0 means exact accumulators. This is the fake-quantized
    /// float forward Σŵx̂ + b with the scales factored out of the sum (exact in real
    /// arithmetic), evaluated so that floating-point rounding is identical to the tables'.
    public func forward(codes input: [Int64], accumulatorShifts: [Int]? = nil) -> QuantizedForwardResult {
        precondition(input.count == inputCount, "Model expects \(inputCount) input codes, got \(input.count)")
        if let accumulatorShifts {
            precondition(accumulatorShifts.count == layers.count,
                         "\(accumulatorShifts.count) accumulator shifts for \(layers.count) layers")
        }
        var codes = input
        var accumulators = [[Int64]]()
        var activationCodes = [[Int64]]()
        var logits = [Double]()
        for (index, layer) in layers.enumerated() {
            let raw = layer.linear.apply(codes)
            accumulators.append(raw)
            if index == layers.count - 1 {
                logits = raw.indices.map { layer.logit(neuron: $0, accumulator: raw[$0]) }
            } else {
                let shift = accumulatorShifts?[index] ?? 0
                codes = raw.indices.map { j in
                    layer.outputCode(neuron: j, accumulator: roundedAccumulator(raw[j], shift: shift))
                }
                activationCodes.append(codes)
            }
        }
        return QuantizedForwardResult(accumulators: accumulators, activationCodes: activationCodes,
                                      logits: logits, predictedClass: argmax(logits))
    }

    public func forward(_ features: [Float], accumulatorShifts: [Int]? = nil) -> QuantizedForwardResult {
        forward(codes: quantizeInput(features), accumulatorShifts: accumulatorShifts)
    }

    public func predict(_ features: [Float], accumulatorShifts: [Int]? = nil) -> Int {
        forward(features, accumulatorShifts: accumulatorShifts).predictedClass
    }

    /// Accuracy of the integer reference over a dataset, samples evaluated on all cores.
    public func accuracy(inputs: Matrix, labels: [Int], accumulatorShifts: [Int]? = nil) -> Double {
        precondition(inputs.rows == labels.count, "\(inputs.rows) samples but \(labels.count) labels")
        let predictions = predictions(inputs: inputs, accumulatorShifts: accumulatorShifts)
        return Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
    }

    /// The integer reference's predicted class for every row.
    public func predictions(inputs: Matrix, accumulatorShifts: [Int]? = nil) -> [Int] {
        let box = PredictionBox(count: inputs.rows)
        let chunks = max(1, min(inputs.rows, ProcessInfo.processInfo.activeProcessorCount * 4))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (inputs.rows * chunk / chunks)..<(inputs.rows * (chunk + 1) / chunks)
            for row in range {
                box.set(row, predict(inputs.row(row), accumulatorShifts: accumulatorShifts))
            }
        }
        return box.values
    }

    /// The Float32 fake-quantized forward pass (logits, one row per sample): inputs, weights
    /// and hidden activations go through quantize∘dequantize, products and sums in Float.
    /// This is the pass QAT trains through. It agrees with `forward` except where Float
    /// rounding moves a value across a quantization boundary (rare; measured in the tests).
    public func fakeQuantizedFloatForward(_ inputs: Matrix) -> Matrix {
        precondition(inputs.columns == inputCount, "Model expects \(inputCount) features, inputs have \(inputs.columns)")
        let inputQ = inputQuantizer
        var current = inputs.map { inputQ.fakeQuantize($0) }
        for layer in layers {
            let z = layer.dequantizedLayer().preActivations(current)
            let activation = layer.activation
            if let output = layer.outputQuantizer {
                current = z.map { output.fakeQuantize(activation.apply($0)) }
            } else {
                current = z.map { activation.apply($0) }
            }
        }
        return current
    }
}

/// The rounding both executors use: `floor((acc + 2^(t−1)) / 2^t) · 2^t` (round half up),
/// identity for t = 0. The arithmetic shift is a floor division for negative values too.
@inline(__always)
public func roundedAccumulator(_ accumulator: Int64, shift: Int) -> Int64 {
    precondition(shift >= 0 && shift < 62, "Rounding shift must be in 0..<62, got \(shift)")
    guard shift > 0 else { return accumulator }
    return ((accumulator + (Int64(1) << (shift - 1))) >> shift) << shift
}

/// Results written by worker threads at distinct indices.
final class PredictionBox: @unchecked Sendable {
    private var storage: [Int]
    private let lock = NSLock()
    init(count: Int) { storage = [Int](repeating: -1, count: count) }
    func set(_ index: Int, _ value: Int) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return storage }
}
