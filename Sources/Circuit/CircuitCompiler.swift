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
    /// Hidden tables for a `maxTLUBits` PBS whose padding bit holds values (FHE plans'
    /// `usesPaddingBit`): up to `AccumulatorRounding.paddingBitMaxEntries` entries, each
    /// neuron's index held to `AccumulatorRounding.paddingBitWindow`, so every table passes the
    /// planner's pair test. The integer program changes (activations reaching past the window
    /// saturate early); QAT with the same setting trains for it.
    public var tablesUsePaddingBit: Bool

    public init(maxTLUBits: Int = 7, rounding: RoundingPolicy = .automatic, tablesUsePaddingBit: Bool = false) {
        self.maxTLUBits = maxTLUBits
        self.rounding = rounding
        self.tablesUsePaddingBit = tablesUsePaddingBit
    }
}

/// Lowering failed; the message names the layer and the numbers involved.
public struct CircuitLoweringError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

public enum CircuitCompiler {
    /// Lowers a quantized model to the integer circuit of DESIGN §3: per layer a linear op
    /// (dense, or conv2d with any input pooling already folded in by quantization), and
    /// for hidden layers round(t, 2^(t−1)) when the accumulators need more than `maxTLUBits`,
    /// then the table that applies bias, scales, activation and requantization.
    public static func lower(_ model: QuantizedModel, options: CircuitOptions = CircuitOptions()) throws -> IntegerCircuit {
        let widest = options.tablesUsePaddingBit ? 15 : 16
        guard (1...widest).contains(options.maxTLUBits) else {
            throw CircuitLoweringError(description: "max_tlu_bits is \(options.maxTLUBits); allowed values are 1...\(widest)"
                + (options.tablesUsePaddingBit ? " with tables_use_padding_bit" : ""))
        }
        let inputQuantizer = model.inputQuantizer
        var inputLow = [Int64](repeating: inputQuantizer.minCode, count: model.inputCount)
        var inputHigh = [Int64](repeating: inputQuantizer.maxCode, count: model.inputCount)
        var ops = [CircuitOp]()
        for (index, layer) in model.layers.enumerated() {
            let (low, high) = layer.linear.soundBounds(inputLow: inputLow, inputHigh: inputHigh)
            let operation: CircuitOperation = layer.convolution.map { .conv2d(convolution: $0, kernel: layer.weights) }
                ?? .dense(weights: layer.weights)
            ops.append(CircuitOp(operation, layer: index, low: low, high: high))
            guard index < model.layers.count - 1 else { break }
            // The shift is chosen with the training side's table size (aligned low bounds), so
            // QAT sees the rounding the circuit does; the tables built here are never larger.
            let levels = 1 << model.layers[index + 1].inputQuantizer.bitWidth
            let shift = try roundingShift(low: low, high: high, layer: index, options: options, activationLevels: levels)
            let bounds = zip(low, high).map { AccumulatorRounding.indexBounds(low: $0, high: $1, shift: shift) }
            let indexLow = bounds.map(\.low), indexHigh = bounds.map(\.high)
            let windows = options.tablesUsePaddingBit
                ? AccumulatorRounding.paddingBitWindows(low: low, high: high, shift: shift, tableBits: options.maxTLUBits)
                : zip(indexLow, indexHigh).map { $0...$1 }
            if shift > 0 {
                ops.append(CircuitOp(.round(shift: shift, addend: Int64(1) << (shift - 1)), layer: index, low: indexLow, high: indexHigh))
            }
            // Entry k of neuron j's table is the output code of the (rounded) accumulator
            // (indexLow_j + k)·2^t, the index held to its window when the padding bit holds values.
            let tables = (0..<layer.outputCount).map { j in
                let window = windows[j]
                return (indexLow[j]...indexHigh[j]).map {
                    layer.outputCode(neuron: j, accumulator: min(max($0, window.lowerBound), window.upperBound) << shift)
                }
            }
            inputLow = tables.map { $0.min()! }
            inputHigh = tables.map { $0.max()! }
            ops.append(CircuitOp(.table(inputLow: indexLow, tables: tables), layer: index, low: inputLow, high: inputHigh))
        }
        let last = model.layers[model.layers.count - 1]
        let channels = (0..<last.outputCount).map { last.channel(ofOutput: $0) }
        let decoding = OutputDecoding(
            scales: channels.map { last.weightQuantizers[$0].scale * last.inputQuantizer.scale },
            zeroPointCorrections: last.weightRowSums.map { last.inputQuantizer.zeroPoint * $0 },
            biases: channels.map { last.bias[$0] }, activation: last.activation)
        let circuit = IntegerCircuit(inputCount: model.inputCount, inputBits: inputQuantizer.bitWidth,
                                     inputLow: inputQuantizer.minCode, inputHigh: inputQuantizer.maxCode,
                                     ops: ops, outputDecoding: decoding,
                                     maxTLUBits: options.maxTLUBits + (options.tablesUsePaddingBit ? 1 : 0))
        // The same checks as a loaded file: bounds re-derived, ±2^52 limits, the layer shape.
        do {
            try circuit.validate()
        } catch let error as CircuitFileError {
            throw CircuitLoweringError(description: "the lowered circuit is invalid: \(error.description)")
        }
        return circuit
    }

    static func roundingShift(low: [Int64], high: [Int64], layer: Int, options: CircuitOptions, activationLevels: Int) throws -> Int {
        let shift = AccumulatorRounding.shift(low: low, high: high, tableBits: options.maxTLUBits,
                                              paddingBitActivationLevels: options.tablesUsePaddingBit ? activationLevels : nil)
        guard shift > 0, options.rounding == .disabled else { return shift }
        let exactSize = zip(low, high).map { AccumulatorRounding.tableSize(low: $0, high: $1, shift: 0) }.max() ?? 1
        throw CircuitLoweringError(description: "layer \(layer) needs \(AccumulatorRounding.bits(forCount: Int64(exactSize)))-bit tables but max_tlu_bits is \(options.maxTLUBits) and rounding is disabled; enable rounding, lower the bit widths or set an accumulator budget")
    }
}
