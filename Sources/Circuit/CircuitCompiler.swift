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
            let (low, high) = accumulatorBounds(layer.weights, inputLow: inputLow, inputHigh: inputHigh)
            let exactBits = bits(forCount: zip(low, high).map { $1 - $0 + 1 }.max() ?? 1)
            var shift = 0
            var alignedLow = low
            var tables: [[Int64]]? = nil
            var tluPrecision: Int? = nil
            if !isOutput {
                shift = try roundingShift(low: low, high: high, layer: index, options: options)
                alignedLow = low.map { alignDown($0, shift: shift) }
                let sizes = zip(alignedLow, high).map { tableSize(low: $0, high: $1, shift: shift) }
                tables = (0..<layer.outputCount).map { j in
                    (0..<sizes[j]).map { k in
                        layer.outputCode(neuron: j, accumulator: Int64(k) << shift + alignedLow[j])
                    }
                }
                tluPrecision = bits(forCount: Int64(sizes.max() ?? 1))
            }
            let norms = (0..<layer.outputCount).map { j in
                layer.weights.row(j).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            }
            let statistics = LayerStatistics(
                inputCount: layer.inputCount, neuronCount: layer.outputCount,
                inputBits: layer.inputQuantizer.bitWidth,
                accumulatorBits: exactBits, roundingShift: shift,
                messageBits: bits(forCount: zip(alignedLow, high).map { $1 - $0 + (shift > 0 ? Int64(1) << (shift - 1) : 0) + 1 }.max() ?? 1),
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

    /// lo_j = Σ_i min(W·inLow_i, W·inHigh_i), hi_j = Σ_i max(…): the extremes over the input box.
    static func accumulatorBounds(_ weights: IntegerMatrix, inputLow: [Int64], inputHigh: [Int64]) -> ([Int64], [Int64]) {
        precondition(inputLow.count == weights.columns && inputHigh.count == weights.columns,
                     "Bounds for \(inputLow.count) inputs, weights have \(weights.columns) columns")
        var low = [Int64](repeating: 0, count: weights.rows)
        var high = [Int64](repeating: 0, count: weights.rows)
        for j in 0..<weights.rows {
            for i in 0..<weights.columns {
                let w = weights[j, i]
                let a = w * inputLow[i], b = w * inputHigh[i]
                low[j] += min(a, b)
                high[j] += max(a, b)
            }
        }
        return (low, high)
    }

    @inline(__always)
    static func alignDown(_ value: Int64, shift: Int) -> Int64 { (value >> shift) << shift }

    static func tableSize(low alignedLow: Int64, high: Int64, shift: Int) -> Int {
        let span = high - alignedLow
        let lastIndex = shift == 0 ? span : (span + (Int64(1) << (shift - 1))) >> shift
        return Int(lastIndex) + 1
    }

    static func roundingShift(low: [Int64], high: [Int64], layer: Int, options: CircuitOptions) throws -> Int {
        let limit = 1 << options.maxTLUBits
        func largestTable(_ shift: Int) -> Int {
            zip(low, high).map { tableSize(low: alignDown($0, shift: shift), high: $1, shift: shift) }.max() ?? 1
        }
        if largestTable(0) <= limit { return 0 }
        guard options.rounding == .automatic else {
            throw CircuitLoweringError(description: "layer \(layer) needs \(bits(forCount: Int64(largestTable(0))))-bit tables but max_tlu_bits is \(options.maxTLUBits) and rounding is disabled; enable rounding, lower the bit widths or set an accumulator budget")
        }
        var shift = 1
        while largestTable(shift) > limit { shift += 1 }
        return shift
    }

    /// ceil(log2(count)), at least 1: the bits needed to index `count` values.
    static func bits(forCount count: Int64) -> Int {
        precondition(count >= 1, "A range holds at least one value, got \(count)")
        var bits = 1
        while (Int64(1) << bits) < count { bits += 1 }
        return bits
    }
}
