import Foundation
import NeuralNet
import Quantization

public enum RoundingPolicy: String, Codable, Sendable, CaseIterable {
    /// Choose the smallest shift t per layer that makes every table fit `maxTLUBits`.
    case automatic
    /// Never round; lowering fails when a table needs more than `maxTLUBits`.
    case disabled
}

public struct CircuitOptions: Codable, Sendable, Equatable {
    /// Largest allowed table-lookup precision in bits (1...16; tables are materialised).
    public var maxTLUBits: Int
    public var rounding: RoundingPolicy

    public init(maxTLUBits: Int = 7, rounding: RoundingPolicy = .automatic) {
        self.maxTLUBits = maxTLUBits
        self.rounding = rounding
    }
}

/// Lowering failed; the message names the layer and the numbers involved.
public struct CircuitLoweringError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

public enum CircuitCompiler {
    /// Lowers a quantized model to the integer circuit of DESIGN §3.
    public static func lower(_ model: QuantizedModel, options: CircuitOptions = CircuitOptions()) throws -> IntegerCircuit {
        guard (1...16).contains(options.maxTLUBits) else {
            throw CircuitLoweringError(description: "max_tlu_bits is \(options.maxTLUBits); allowed values are 1...16")
        }
        let inputQuantizer = model.inputQuantizer
        var inputLow = [Int64](repeating: inputQuantizer.minCode, count: model.inputCount)
        var inputHigh = [Int64](repeating: inputQuantizer.maxCode, count: model.inputCount)
        var layers = [CircuitLayer]()
        for (index, layer) in model.layers.enumerated() {
            let isOutput = index == model.layers.count - 1
            let (low, high) = AccumulatorRounding.soundBounds(layer.weights, inputLow: inputLow, inputHigh: inputHigh)
            let exactBits = AccumulatorRounding.bits(forCount: zip(low, high).map { $1 - $0 + 1 }.max() ?? 1)
            var shift = 0
            var alignedLow = low
            var tables: [[Int64]]? = nil
            var tluPrecision: Int? = nil
            if !isOutput {
                shift = try roundingShift(low: low, high: high, layer: index, options: options)
                alignedLow = low.map { AccumulatorRounding.alignDown($0, shift: shift) }
                let sizes = zip(alignedLow, high).map { AccumulatorRounding.tableSize(low: $0, high: $1, shift: shift) }
                tables = (0..<layer.outputCount).map { j in
                    (0..<sizes[j]).map { k in
                        layer.outputCode(neuron: j, accumulator: Int64(k) << shift + alignedLow[j])
                    }
                }
                tluPrecision = AccumulatorRounding.bits(forCount: Int64(sizes.max() ?? 1))
            }
            let norms = (0..<layer.outputCount).map { j in
                layer.weights.row(j).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            }
            let statistics = LayerStatistics(
                inputCount: layer.inputCount, neuronCount: layer.outputCount,
                inputBits: layer.inputQuantizer.bitWidth,
                accumulatorBits: exactBits, roundingShift: shift,
                messageBits: AccumulatorRounding.bits(forCount: zip(alignedLow, high).map { $1 - $0 + (shift > 0 ? Int64(1) << (shift - 1) : 0) + 1 }.max() ?? 1),
                tluPrecision: tluPrecision,
                maxWeightNorm: norms.max() ?? 0,
                tablePBSCount: isOutput ? 0 : layer.outputCount,
                roundingPBSCount: isOutput ? 0 : layer.outputCount * shift)
            layers.append(CircuitLayer(index: index, weights: layer.weights, inputLow: inputLow, inputHigh: inputHigh,
                                       accumulatorLow: alignedLow, accumulatorHigh: high, roundingShift: shift,
                                       tables: tables, statistics: statistics))
            if let tables {
                // The next layer's inputs can only be values its tables contain: a sound and tighter range.
                inputLow = tables.map { $0.min()! }
                inputHigh = tables.map { $0.max()! }
            }
        }
        let last = model.layers[model.layers.count - 1]
        let decoding = OutputDecoding(
            scales: last.weightQuantizers.map { $0.scale * last.inputQuantizer.scale },
            zeroPointCorrections: last.weightRowSums.map { last.inputQuantizer.zeroPoint * $0 },
            biases: last.bias, activation: last.activation)
        return IntegerCircuit(inputCount: model.inputCount, inputBits: inputQuantizer.bitWidth,
                              inputLow: inputQuantizer.minCode, inputHigh: inputQuantizer.maxCode,
                              layers: layers, outputDecoding: decoding, maxTLUBits: options.maxTLUBits)
    }

    static func roundingShift(low: [Int64], high: [Int64], layer: Int, options: CircuitOptions) throws -> Int {
        let shift = AccumulatorRounding.shift(low: low, high: high, tableBits: options.maxTLUBits)
        guard shift > 0, options.rounding == .disabled else { return shift }
        let exactSize = zip(low, high).map { AccumulatorRounding.tableSize(low: $0, high: $1, shift: 0) }.max() ?? 1
        throw CircuitLoweringError(description: "layer \(layer) needs \(AccumulatorRounding.bits(forCount: Int64(exactSize)))-bit tables but max_tlu_bits is \(options.maxTLUBits) and rounding is disabled; enable rounding, lower the bit widths or set an accumulator budget")
    }
}
