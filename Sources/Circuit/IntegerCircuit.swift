// How to use (module Circuit, clear side)
//
//   let circuit = try CircuitCompiler.lower(quantizedModel, options: CircuitOptions(maxTLUBits: 7))
//   let trace = ClearExecutor.run(circuit, input: quantizedModel.quantizeInput(features))
//   trace.predictedClass              // argmax of the decoded logits (lowest index wins ties)
//   trace.layers[l].outputs           // every layer's integer vector, for the differential checker
//   circuit.layers[l].statistics      // input bits, accumulator bits, shift, TLU precision, PBS count
//   try JSONEncoder().encode(circuit) // the whole program (weights, bounds, tables) as JSON
//
// The contract (DESIGN §3), per layer l and neuron j, with x the layer's input codes:
//   acc_j   = Σ_i W[j,i]·x_i                                  (clear signed Int64 weights)
//   index_j = floor((acc_j − lo_j + 2^(t−1)) / 2^t)   (t = roundingShift; index_j = acc_j − lo_j if t = 0)
//   y_j     = T_j[index_j]                                    (hidden layers)
// lo_j is a multiple of 2^t, so index_j = floor((acc_j + 2^(t−1)) / 2^t) − lo_j / 2^t.
// The last layer has no table: its accumulators are the circuit's outputs, and the client
// decodes them to logits with `OutputDecoding` and takes the argmax in clear.
// Bounds [lo_j, hi_j] are sound: derived from the weights and the input ranges only.

import Foundation
import NeuralNet
import Quantization

/// Per-layer figures that decide FHE cost, reported in `layers.csv`.
public struct LayerStatistics: Codable, Sendable, Equatable {
    public let inputCount: Int
    public let neuronCount: Int
    /// Bits of this layer's unsigned input codes (the quantizer's bit width).
    public let inputBits: Int
    /// ceil(log2(max_j(hi_j − lo_j + 1))): the width of the widest sound accumulator range.
    public let accumulatorBits: Int
    /// Low bits removed by rounding before the table (0 = exact accumulators).
    public let roundingShift: Int
    /// Bits of the largest non-negative value held before the table (or, for the output
    /// layer, decrypted): ceil(log2(max_j(hi_j − lo_j + 2^(t−1)·[t > 0]) + 1)). The FHE side
    /// sizes the message space of this layer's accumulators with it.
    public let messageBits: Int
    /// ceil(log2(largest table size)); nil for the output layer, which has no table.
    public let tluPrecision: Int?
    /// max_j sqrt(Σ_i W[j,i]²): the noise growth of the weighted sum feeding each table.
    public let maxWeightNorm: Double
    /// One table lookup (KS→PBS) per neuron; 0 for the output layer.
    public let tablePBSCount: Int
    /// What Concrete's bit-by-bit exact rounding would cost (one PBS per removed bit,
    /// TFHE_FACTS §5): neurons × roundingShift, for comparison. What Lockstep performs depends
    /// on the parameter set and is the plan's (`FHEPlan.Layer.roundingPBSCount`).
    public let roundingPBSCount: Int
    /// The table lookups per sample: one per neuron with a table (rounding PBSs are the plan's).
    public var pbsCount: Int { tablePBSCount }
}

/// Clear decoding of the last layer's accumulators into logits:
/// `logit_j = activation(scales_j · Double(acc_j − zeroPointCorrections_j) + biases_j)`.
public struct OutputDecoding: Codable, Sendable, Equatable {
    public let scales: [Double]
    public let zeroPointCorrections: [Int64]
    public let biases: [Double]
    public let activation: Activation

    public func logits(_ accumulators: [Int64]) -> [Double] {
        precondition(accumulators.count == scales.count,
                     "Output decoding has \(scales.count) neurons, got \(accumulators.count) accumulators")
        return accumulators.indices.map { j in
            activation.apply(scales[j] * Double(accumulators[j] - zeroPointCorrections[j]) + biases[j])
        }
    }
}

public struct CircuitLayer: Codable, Sendable, Equatable {
    public let index: Int
    /// Clear signed weights, `neurons × inputs`.
    public let weights: IntegerMatrix
    /// Sound range of every input value of this layer.
    public let inputLow: [Int64]
    public let inputHigh: [Int64]
    /// Sound accumulator bounds per neuron; `accumulatorLow[j]` is a multiple of 2^roundingShift.
    public let accumulatorLow: [Int64]
    public let accumulatorHigh: [Int64]
    public let roundingShift: Int
    /// `tables[j][index]` for hidden layers (values are the next layer's input codes); nil for
    /// the output layer. `tables[j].count` = floor((hi_j − lo_j + 2^(t−1)) / 2^t) + 1.
    public let tables: [[Int64]]?
    public let statistics: LayerStatistics

    public var inputCount: Int { weights.columns }
    public var neuronCount: Int { weights.rows }
    public var isOutputLayer: Bool { tables == nil }

    /// The half of round-half-up, 2^(t−1) (0 without rounding): the clear constant every
    /// evaluator adds to acc − lo.
    public var roundingOffset: Int64 { roundingShift > 0 ? Int64(1) << (roundingShift - 1) : 0 }

    /// v = acc − lo + 2^(t−1) ∈ [0, 2^messageBits): the value the encrypted side holds before
    /// rounding; v >> t is the table index, v >> e what exact rounding of e bits leaves.
    @inline(__always)
    public func heldValue(neuron: Int, accumulator: Int64) -> Int64 {
        accumulator - accumulatorLow[neuron] + roundingOffset
    }

    /// The table index of an accumulator (the rounding step of the contract).
    @inline(__always)
    public func tableIndex(neuron: Int, accumulator: Int64) -> Int64 {
        heldValue(neuron: neuron, accumulator: accumulator) >> roundingShift
    }
}

public struct IntegerCircuit: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1
    public let formatVersion: Int
    public let inputCount: Int
    /// Bits of the unsigned input codes; every input lies in `inputLow...inputHigh`.
    public let inputBits: Int
    public let inputLow: Int64
    public let inputHigh: Int64
    public let layers: [CircuitLayer]
    public let outputDecoding: OutputDecoding
    /// The configured cap on table-lookup precision the lowering had to respect.
    public let maxTLUBits: Int

    public init(inputCount: Int, inputBits: Int, inputLow: Int64, inputHigh: Int64, layers: [CircuitLayer],
                outputDecoding: OutputDecoding, maxTLUBits: Int) {
        precondition(!layers.isEmpty, "A circuit needs at least one layer")
        precondition(layers.last!.isOutputLayer && layers.dropLast().allSatisfy { !$0.isOutputLayer },
                     "Exactly the last circuit layer has no tables")
        formatVersion = Self.currentFormatVersion
        self.inputCount = inputCount
        self.inputBits = inputBits
        self.inputLow = inputLow
        self.inputHigh = inputHigh
        self.layers = layers
        self.outputDecoding = outputDecoding
        self.maxTLUBits = maxTLUBits
    }

    /// The largest TLU precision of any layer (0 for a single-layer circuit: no tables).
    public var tluPrecision: Int { layers.compactMap(\.statistics.tluPrecision).max() ?? 0 }
    /// Each layer's rounding shift, as `QuantizedModel.forward(codes:accumulatorShifts:)` takes them.
    public var roundingShifts: [Int] { layers.map(\.roundingShift) }
    /// The table lookups per sample (see `LayerStatistics.pbsCount`).
    public var pbsCount: Int { layers.reduce(0) { $0 + $1.statistics.pbsCount } }
    public var outputCount: Int { layers.last!.neuronCount }
}
