import Foundation
import NeuralNet

/// Range estimation and the weight quantization step shared by PTQ, QAT and its final model.
enum Calibration {
    /// The range of all values in `matrices` (min/max or symmetric percentiles).
    static func range(of values: [Float], method: ActivationCalibration) -> (Double, Double) {
        precondition(!values.isEmpty, "Calibration needs at least one value")
        switch method {
        case .minMax:
            var low = values[0], high = values[0]
            for v in values {
                low = min(low, v)
                high = max(high, v)
            }
            return (Double(low), Double(high))
        case .percentile(let p):
            let sorted = values.sorted()
            func at(_ q: Double) -> Double {
                let position = Int((q / 100 * Double(sorted.count - 1)).rounded())
                return Double(sorted[min(sorted.count - 1, max(0, position))])
            }
            return (at(100 - p), at(p))
        }
    }

    /// At most this many rows feed a calibration (percentiles sort every value).
    static let maximumCalibrationRows = 10_000

    static func calibrationRows(_ inputs: Matrix) -> Matrix {
        guard inputs.rows > maximumCalibrationRows else { return inputs }
        // An even stride keeps the sample deterministic and spread over the whole set.
        let step = Double(inputs.rows) / Double(maximumCalibrationRows)
        return inputs.gatherRows((0..<maximumCalibrationRows).map { Int(Double($0) * step) })
    }

    static func inputQuantizer(_ inputs: Matrix, configuration: QuantizationConfiguration) throws -> Quantizer {
        guard inputs.rows > 0 else { throw QuantizationError(description: "calibration needs at least one sample, got none") }
        let (low, high) = range(of: inputs.values, method: .minMax)
        try requireFinite(low, high, what: "the input features")
        return Quantizer(bitWidth: configuration.inputBits, signed: false, symmetric: false, minimum: low, maximum: high)
    }

    /// A quantizer needs a finite range; a NaN compares false, so it is caught here too.
    static func requireFinite(_ low: Double, _ high: Double, what: String) throws {
        guard low.isFinite, high.isFinite else {
            throw QuantizationError(
                description: "\(what) range over [\(low), \(high)] on the calibration data; a quantizer needs a finite range (are the float model's weights diverged or too large?)")
        }
    }

    /// Float weights must be finite to be quantized (a diverged training or a corrupt file).
    static func requireFiniteParameters(_ model: Network) throws {
        if let layer = model.firstNonFiniteLayer {
            throw QuantizationError(description: "layer \(layer) of the float model has non-finite weights or biases; nothing meaningful can be quantized")
        }
    }

    /// One unsigned quantizer per hidden layer, from the float model's activations on `inputs`
    /// (whose inputs are fake-quantized first, as the integer model sees them).
    static func activationQuantizers(model: Network, inputs: Matrix, inputQuantizer: Quantizer,
                                     configuration: QuantizationConfiguration) throws -> [Quantizer] {
        try requireFiniteParameters(model)
        var current = calibrationRows(inputs).map { inputQuantizer.fakeQuantize($0) }
        var quantizers = [Quantizer]()
        for (index, layer) in model.layers.dropLast().enumerated() {
            current = layer.forward(current)
            let (low, high) = range(of: current.values, method: configuration.activationCalibration)
            try requireFinite(low, high, what: "layer \(index)'s activations")
            quantizers.append(Quantizer(bitWidth: configuration.activationBits, signed: false,
                                        symmetric: layer.activation == .relu, minimum: low, maximum: high))
        }
        return quantizers
    }

    /// Integer weights (zero points folded) and one quantizer per neuron. With a budget, every
    /// hidden neuron satisfies `Σ|W|·inputCodeSpan ≤ 2^budget − 1`, i.e. its sound accumulator
    /// range fits the budget: symmetric per-channel weights get the codes and scale of
    /// `BudgetFit` (least squared error under the L1 limit); otherwise the smallest-magnitude
    /// integer weights are zeroed at the shared scale. The output layer has no table and is
    /// never pruned; it uses `outputWeightBits` when set.
    static func quantizeWeights(_ weights: Matrix, configuration: QuantizationConfiguration,
                                inputCodeSpan: Int64, isOutputLayer: Bool) -> (IntegerMatrix, [Quantizer]) {
        let rows = weights.rows, columns = weights.columns
        let bitWidth = isOutputLayer ? configuration.outputWeightBits ?? configuration.weightBits : configuration.weightBits
        func quantizer(for values: ArraySlice<Float>) -> Quantizer {
            var low: Float = 0, high: Float = 0
            for v in values {
                low = min(low, v)
                high = max(high, v)
            }
            return Quantizer(bitWidth: bitWidth, signed: true, symmetric: configuration.symmetricWeights,
                             minimum: Double(low), maximum: Double(high))
        }
        let quantizers: [Quantizer]
        if configuration.perChannel {
            quantizers = (0..<rows).map { quantizer(for: weights.values[($0 * columns)..<(($0 + 1) * columns)]) }
        } else {
            quantizers = Array(repeating: quantizer(for: weights.values[...]), count: rows)
        }
        var integers = [Int64](repeating: 0, count: rows * columns)
        for j in 0..<rows {
            let q = quantizers[j]
            for i in 0..<columns { integers[j * columns + i] = q.quantize(weights.values[j * columns + i]) - q.zeroPoint }
        }
        if let budget = configuration.accumulatorBitsBudget, !isOutputLayer {
            let limit = ((Int64(1) << budget) - 1) / max(inputCodeSpan, 1)
            if configuration.perChannel && configuration.symmetricWeights {
                // Neurons fit independently; QAT refits every step, so use every core.
                let fits = ConcurrentSlots<BudgetFit.Result>(count: rows)
                DispatchQueue.concurrentPerform(iterations: rows) { j in
                    let base = j * columns
                    fits.set(j, BudgetFit.fit(weights.values[base..<(base + columns)], maxCode: quantizers[j].maxCode, l1Limit: limit))
                }
                var fitted = quantizers
                for (j, fit) in fits.values.enumerated() {
                    let base = j * columns
                    for i in 0..<columns { integers[base + i] = fit.codes[i] }
                    fitted[j] = Quantizer(bitWidth: bitWidth, signed: true, symmetric: true,
                                          scale: fit.scale, zeroPoint: 0)
                }
                return (IntegerMatrix(rows: rows, columns: columns, values: integers), fitted)
            }
            for j in 0..<rows {
                let base = j * columns
                var l1 = (0..<columns).reduce(Int64(0)) { $0 + abs(integers[base + $1]) }
                guard l1 > limit else { continue }
                let order = (0..<columns).sorted { abs(integers[base + $0]) < abs(integers[base + $1]) }
                for i in order where l1 > limit {
                    l1 -= abs(integers[base + i])
                    integers[base + i] = 0
                }
            }
        }
        return (IntegerMatrix(rows: rows, columns: columns, values: integers), quantizers)
    }

    /// One float layer's integer form. `codes`/`quantizers` are the layer's own weights
    /// quantized per output channel; `weights`/`convolution`/`scaledQuantizers` are the map the
    /// integer model applies, with any input pooling folded in: a pooled value is the mean of a
    /// k × k block, so each weight repeats over its block and the scale takes the 1/k².
    struct QuantizedLinear {
        var codes: IntegerMatrix
        var quantizers: [Quantizer]
        var weights: IntegerMatrix
        var convolution: Convolution?
        var scaledQuantizers: [Quantizer]
        var rows: LinearRows
    }

    static func quantizeLinear(_ layer: NetworkLayer, weights: Matrix, inputQuantizer: Quantizer,
                               configuration: QuantizationConfiguration, isOutputLayer: Bool) throws -> QuantizedLinear {
        let window = layer.inputPooling?.window ?? 1
        // Folding repeats every weight k² times; model files and configs keep that within
        // `Network.maximumFoldedWeights`, and a network built in code gets an error, not an
        // allocation without limit.
        if let problem = Network.sizeProblem(rows: layer.weights.rows, columns: layer.weights.columns,
                                             convolution: layer.convolution, inputPooling: layer.inputPooling) {
            throw QuantizationError(description: "the layer \(problem)")
        }
        // The pooled sum of k² codes spans k² times the code range: that is what the budget bounds.
        let span = (inputQuantizer.maxCode - inputQuantizer.minCode) * Int64(window * window)
        let (codes, quantizers) = quantizeWeights(weights, configuration: configuration, inputCodeSpan: span,
                                                  isOutputLayer: isOutputLayer)
        var expanded = codes, convolution = layer.convolution, scaled = quantizers
        if let pooling = layer.inputPooling {
            let k = pooling.window
            scaled = quantizers.map {
                Quantizer(bitWidth: $0.bitWidth, signed: $0.isSigned, symmetric: $0.isSymmetric,
                          scale: $0.scale / Double(k * k), zeroPoint: $0.zeroPoint)
            }
            if let original = layer.convolution {
                let folded: Convolution
                do { folded = try original.readingBefore(pooling) } catch let error as GeometryError {
                    throw QuantizationError(description: "folding the input pooling into the convolution: \(error.description)")
                }
                expanded = IntegerMatrix(rows: codes.rows, columns: folded.kernelSize,
                                         values: [Int64](repeating: 0, count: codes.rows * folded.kernelSize))
                for o in 0..<codes.rows {
                    for column in 0..<codes.columns {
                        for a in 0..<k { for b in 0..<k { expanded[o, original.expandedColumn(column, window: k, a: a, b: b)] = codes[o, column] } }
                    }
                }
                convolution = folded
            } else {
                expanded = IntegerMatrix(rows: codes.rows, columns: pooling.input.count,
                                         values: [Int64](repeating: 0, count: codes.rows * pooling.input.count))
                for j in 0..<codes.rows {
                    for i in 0..<codes.columns {
                        for a in 0..<k { for b in 0..<k { expanded[j, pooling.inputIndex(pooledIndex: i, a: a, b: b)] = codes[j, i] } }
                    }
                }
            }
        }
        let rows = convolution.map { LinearRows(convolution: $0, kernel: expanded) } ?? LinearRows(dense: expanded)
        guard let rows else {
            throw QuantizationError(description: "the layer's \(expanded.rows)×\(expanded.columns) weights do not fit its geometry")
        }
        return QuantizedLinear(codes: codes, quantizers: quantizers, weights: expanded, convolution: convolution,
                               scaledQuantizers: scaled, rows: rows)
    }

    /// Builds the quantized model from float weights and fixed input/activation quantizers.
    static func assemble(model: Network, inputQuantizer: Quantizer, activationQuantizers: [Quantizer],
                         configuration: QuantizationConfiguration) throws -> QuantizedModel {
        try requireFiniteParameters(model)
        precondition(activationQuantizers.count == model.layers.count - 1,
                     "\(activationQuantizers.count) activation quantizers for \(model.layers.count - 1) hidden layers")
        var layers = [QuantizedLayer]()
        var layerInput = inputQuantizer
        for (index, layer) in model.layers.enumerated() {
            let linear = try quantizeLinear(layer, weights: layer.weights, inputQuantizer: layerInput,
                                            configuration: configuration, isOutputLayer: index == model.layers.count - 1)
            let output: Quantizer? = index < activationQuantizers.count ? activationQuantizers[index] : nil
            layers.append(QuantizedLayer(inputQuantizer: layerInput, weights: linear.weights, convolution: linear.convolution,
                                         weightQuantizers: linear.scaledQuantizers,
                                         bias: layer.bias.map { Double($0) }, activation: layer.activation,
                                         outputQuantizer: output))
            if let output { layerInput = output }
        }
        return QuantizedModel(layers: layers, configuration: configuration)
    }
}

/// Post-training quantization with calibration on (training) data.
public enum PostTrainingQuantizer {
    /// Quantizes `model`: the input range and every hidden activation range come from
    /// `calibrationInputs` (at most 10,000 evenly spaced rows), weights from their own
    /// min/max (per output neuron when `perChannel`).
    public static func quantize(_ model: Network, calibrationInputs: Matrix,
                                configuration: QuantizationConfiguration) throws -> QuantizedModel {
        try configuration.validate()
        precondition(calibrationInputs.columns == model.inputCount,
                     "Model expects \(model.inputCount) features, calibration inputs have \(calibrationInputs.columns)")
        let inputQuantizer = try Calibration.inputQuantizer(calibrationInputs, configuration: configuration)
        let activations = try Calibration.activationQuantizers(model: model, inputs: calibrationInputs,
                                                               inputQuantizer: inputQuantizer, configuration: configuration)
        return try Calibration.assemble(model: model, inputQuantizer: inputQuantizer, activationQuantizers: activations,
                                    configuration: configuration)
    }
}
