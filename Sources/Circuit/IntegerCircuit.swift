// How to use (module Circuit, clear side)
//
//   let circuit = try CircuitCompiler.lower(quantizedModel, options: CircuitOptions(maxTLUBits: 7))
//   let trace = ClearEvaluator(circuit).evaluate(quantizedModel.quantizeInput(features))
//   trace.values[i]                   // op i's integer values, for the differential checker
//   circuit.decode(trace).predictedClass  // argmax of the decoded logits (lowest index wins ties)
//   circuit.ops[i].kind               // .dense, .conv2d, .round or .table; circuit.ops[i].layer its model layer
//   try circuit.save(to: url)         // the whole program (weights, bounds, tables) as JSON
//
// The contract (DESIGN §3). A circuit is a sequence of integer ops; op i reads the values of
// op i − 1 (op 0 reads the input codes) and produces a vector of values, each with sound
// bounds [low, high] derived from the weights and the input ranges only, never from data:
//   dense(W)          acc_j = Σ_i W[j,i]·x_i                      (clear signed Int64 weights)
//   conv2d(G, K)      acc_(o,y,x) = Σ_(c,ky,kx) K[o,(c,ky,kx)]·x_(c, y·s+ky−p, x·s+kx−p)
//                                                                 (taps on the zero padding left out)
//   round(t, c)       r_j   = floor((v_j + c) / 2^t)              (exact; the lowering uses c = 2^(t−1),
//                                                                  round half up)
//   table(lo, T)      y_j   = T_j[v_j − lo_j]                     (per neuron)
// dense and conv2d are the linear ops; both read as `LinearRows` (one sparse row per output),
// which is all the executors, bounds and noise planner use. Tensors are flat and channel-major,
// so a flatten is the identity and has no op. An average pooling is folded into the linear op
// that reads it (its weights repeat over each block, the 1/k² goes into the table), so there is
// no pooling op either: one linear op per layer keeps every PBS input a weighted sum of
// independent PBS outputs, which the noise planner relies on.
// The last op is a linear op without a table: its accumulators are the circuit's outputs, which
// the client decodes to logits with `OutputDecoding` and takes the argmax of in clear. A model
// layer lowers to linear [→ round] → table (hidden) or linear (output); `op.layer` remembers which.

import Foundation
import NeuralNet
import Quantization

/// What an op computes. Values are flat vectors; each case says how element j is produced.
public enum CircuitOperation: Sendable, Equatable {
    /// acc_j = Σ_i W[j,i]·x_i, W `outputs × inputs`.
    case dense(weights: IntegerMatrix)
    /// Output (o, y, x) = kernel o · its receptive field; `kernel` is `outputChannels × kernelSize`.
    case conv2d(convolution: Convolution, kernel: IntegerMatrix)
    /// r_j = floor((v_j + addend) / 2^shift), exact for every integer (an arithmetic shift).
    case round(shift: Int, addend: Int64)
    /// y_j = tables[j][v_j − inputLow[j]]; every value the input can take has an entry.
    case table(inputLow: [Int64], tables: [[Int64]])
}

public enum OpKind: String, Codable, Sendable, CaseIterable {
    case dense, conv2d, round, table

    /// dense and conv2d: a clear-weighted sum of the previous op's values, no PBS.
    public var isLinear: Bool { self == .dense || self == .conv2d }
}

/// One op of an `IntegerCircuit` with the sound bounds of every value it produces.
public struct CircuitOp: Sendable, Equatable {
    public let operation: CircuitOperation
    /// The model layer this op was lowered from (reports group ops by layer).
    public let layer: Int
    /// Sound bounds per output value: no input in the circuit's input range can leave them.
    public let low: [Int64]
    public let high: [Int64]

    /// A linear op's sparse rows; nil for round and table ops, and for a decoded linear op
    /// whose weights do not fit its geometry or bounds (`validate` reports it).
    public let linear: LinearRows?

    public init(_ operation: CircuitOperation, layer: Int, low: [Int64], high: [Int64]) {
        self.operation = operation
        self.layer = layer
        self.low = low
        self.high = high
        switch operation {
        case .dense(let weights):
            linear = weights.rows == low.count ? LinearRows(dense: weights) : nil
        case .conv2d(let convolution, let kernel):
            // Checked before the rows are built: a file's geometry could claim any output size,
            // and a small file any number of taps per output (`validate` names both).
            linear = convolution.output.count == low.count && Self.termCount(convolution) <= Self.maximumLinearTerms
                ? LinearRows(convolution: convolution, kernel: kernel) : nil
        case .round, .table:
            linear = nil
        }
    }

    /// The most terms a conv2d op may have (outputs × kernel size, 2^26): the rows are built in
    /// memory, and a circuit file's size bounds the kernel and the bounds, not their product.
    public static let maximumLinearTerms = 1 << 26

    /// outputs × kernel size, saturating (the geometry's extents are each at most 4096).
    static func termCount(_ convolution: Convolution) -> Int {
        let (terms, overflow) = convolution.output.count.multipliedReportingOverflow(by: convolution.kernelSize)
        return overflow ? .max : terms
    }

    public var kind: OpKind {
        switch operation {
        case .dense: .dense
        case .conv2d: .conv2d
        case .round: .round
        case .table: .table
        }
    }

    /// The number of values the op produces.
    public var count: Int { low.count }

    /// ceil(log2(max_j(high_j − low_j + 1))): the width of the widest sound range.
    public var boundBits: Int { HeldValues.bits(low: low, high: high) }

    /// A table op's precision: ceil(log2(largest table)); nil for other ops.
    public var tableBits: Int? {
        guard case .table(_, let tables) = operation else { return nil }
        return AccumulatorRounding.bits(forCount: Int64(tables.map(\.count).max() ?? 1))
    }

    /// Table lookups per evaluation in clear terms: one per value of a table op.
    public var tableLookups: Int { kind == .table ? count : 0 }

    /// The value an op produces for element j from its input vector x (the clear semantics;
    /// `ClearEvaluator` runs it, the bounds guarantee the table index is in range).
    @inline(__always)
    func value(_ j: Int, input x: UnsafeBufferPointer<Int64>) -> Int64 {
        switch operation {
        case .dense, .conv2d:
            guard let linear else { preconditionFailure("A linear op of a validated circuit has rows") }
            var sum: Int64 = 0
            linear.forEachTerm(row: j) { i, w in sum += w * x[i] }
            return sum
        case .round(let shift, let addend):
            return (x[j] + addend) >> shift
        case .table(let inputLow, let tables):
            return tables[j][Int(x[j] - inputLow[j])]
        }
    }
}

/// Clear decoding of the last op's accumulators into logits:
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

public struct IntegerCircuit: Sendable, Equatable {
    /// 3: a sequence of ops (dense, conv2d, round, table). Version 2 lacked conv2d and is read
    /// as is; version 1 files (fixed dense + table layers) are refused with a message saying
    /// how to regenerate them.
    public static let currentFormatVersion = 3
    public static let readableFormatVersions = [2, 3]
    public let formatVersion: Int
    public let inputCount: Int
    /// Bits of the unsigned input codes; every input lies in `inputLow...inputHigh`.
    public let inputBits: Int
    public let inputLow: Int64
    public let inputHigh: Int64
    public let ops: [CircuitOp]
    public let outputDecoding: OutputDecoding
    /// The configured cap on table-lookup precision the lowering had to respect.
    public let maxTLUBits: Int

    /// Builds a circuit without checking it; `validate()` checks every invariant and the
    /// soundness of every bound (`CircuitCompiler.lower` and `load` run it).
    public init(inputCount: Int, inputBits: Int, inputLow: Int64, inputHigh: Int64, ops: [CircuitOp],
                outputDecoding: OutputDecoding, maxTLUBits: Int) {
        formatVersion = Self.currentFormatVersion
        self.inputCount = inputCount
        self.inputBits = inputBits
        self.inputLow = inputLow
        self.inputHigh = inputHigh
        self.ops = ops
        self.outputDecoding = outputDecoding
        self.maxTLUBits = maxTLUBits
    }

    /// The sound bounds of op i's input values (the circuit input for op 0).
    public func inputBounds(ofOp i: Int) -> (low: [Int64], high: [Int64]) {
        i == 0 ? ([Int64](repeating: inputLow, count: inputCount), [Int64](repeating: inputHigh, count: inputCount))
            : (ops[i - 1].low, ops[i - 1].high)
    }

    /// The number of values op i reads.
    public func inputCount(ofOp i: Int) -> Int { i == 0 ? inputCount : ops[i - 1].count }

    /// The largest table precision of any op (0 without tables).
    public var tluPrecision: Int { ops.compactMap(\.tableBits).max() ?? 0 }
    /// The table lookups per sample (rounding PBSs depend on the parameter set: `FHEPlan`).
    public var pbsCount: Int { ops.reduce(0) { $0 + $1.tableLookups } }
    public var outputCount: Int { ops.last?.count ?? 0 }
    /// The model layers, one `CircuitStage` each, in order.
    public var stages: [CircuitStage] { CircuitStage.stages(of: self) }
    /// Each layer's rounding shift; for a lowered circuit, as `QuantizedModel.forward(codes:accumulatorShifts:)`
    /// takes them (an FHE plan's narrowed circuit holds the extracted bits instead).
    public var roundingShifts: [Int] { stages.map(\.shift) }
    /// Per-layer figures for reports.
    public var layerStatistics: [LayerStatistics] { stages.map { LayerStatistics(stage: $0, circuit: self) } }

    /// Logits and the predicted class of a trace's outputs.
    public func decode(_ outputs: [Int64]) -> (logits: [Double], predictedClass: Int) {
        let logits = outputDecoding.logits(outputs)
        return (logits, argmax(logits))
    }
}

/// The ops one model layer lowered to: a linear op (dense or conv2d), then (hidden layers) an
/// optional round op and a table op. The FHE planner decides per stage how to run its rounding.
public struct CircuitStage: Sendable, Equatable {
    public let layer: Int
    /// Op indices in the circuit.
    public let linear: Int
    public let round: Int?
    public let table: Int?
    /// The round op's shift t and addend c (0 and 0 without one).
    public let shift: Int
    public let addend: Int64

    public var isOutput: Bool { table == nil }

    /// Groups the ops of a valid circuit by layer: linear [round] [table].
    static func stages(of circuit: IntegerCircuit) -> [CircuitStage] {
        var stages = [CircuitStage]()
        var i = 0
        let ops = circuit.ops
        while i < ops.count {
            let linear = i
            i += 1
            var round: Int?, table: Int?
            var shift = 0, addend: Int64 = 0
            if i < ops.count, case .round(let t, let c) = ops[i].operation {
                round = i; shift = t; addend = c; i += 1
            }
            if i < ops.count, ops[i].kind == .table { table = i; i += 1 }
            stages.append(CircuitStage(layer: ops[linear].layer, linear: linear, round: round, table: table, shift: shift, addend: addend))
        }
        return stages
    }
}

/// Per-layer figures that decide FHE cost, reported in `layers.csv` and the manifest.
public struct LayerStatistics: Codable, Sendable, Equatable {
    /// The layer's linear op: dense or conv2d.
    public let kind: OpKind
    public let inputCount: Int
    public let neuronCount: Int
    /// Bits of the layer's inputs: the input quantizer's width for layer 0, the width of the
    /// widest sound input range (the previous tables' values) after it.
    public let inputBits: Int
    /// ceil(log2(max_j(hi_j − lo_j + 1))): the width of the widest sound accumulator range.
    public let accumulatorBits: Int
    /// Low bits removed by rounding before the table (0 = exact accumulators).
    public let roundingShift: Int
    /// Bits of the largest value held before rounding and table (or decrypted, for the output
    /// layer) when every rounding bit is removed exactly: ceil(log2(max_j(hi_j + c − base_j) + 1))
    /// with base_j = lo_j + c rounded down to a multiple of 2^t (c = 2^(t−1), 0 without rounding).
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

    init(stage: CircuitStage, circuit: IntegerCircuit) {
        let op = circuit.ops[stage.linear]
        guard let rows = op.linear else { preconditionFailure("A stage starts with a linear op") }
        let input = circuit.inputBounds(ofOp: stage.linear)
        kind = op.kind
        inputCount = rows.inputCount
        neuronCount = rows.outputCount
        inputBits = stage.linear == 0 ? circuit.inputBits : HeldValues.bits(low: input.low, high: input.high)
        accumulatorBits = op.boundBits
        roundingShift = stage.shift
        messageBits = HeldValues.linearBits(op, roundingBits: stage.shift, addend: stage.addend)
        tluPrecision = stage.table.flatMap { circuit.ops[$0].tableBits }
        maxWeightNorm = (0..<rows.outputCount).map { rows.squaredNorm(row: $0).squareRoot() }.max() ?? 0
        tablePBSCount = stage.isOutput ? 0 : rows.outputCount
        roundingPBSCount = stage.isOutput ? 0 : rows.outputCount * stage.shift
    }
}

/// How a value is held when it is encrypted: v − offset ∈ [0, 2^bits), a non-negative integer
/// the encoding's padding bit keeps clear of the torus wrap. A linear op that feeds a round(e, c)
/// holds acc + c − base with base = lo + c rounded down to a multiple of 2^e, so removing its e
/// low bits leaves exactly floor((acc + c) / 2^e) − base / 2^e (DESIGN §3, exact rounding).
public enum HeldValues {
    /// offset_j of a linear op followed by round(e, c) (pass e = 0 without one).
    public static func linearOffsets(_ op: CircuitOp, roundingBits e: Int, addend c: Int64) -> [Int64] {
        guard e > 0 else { return op.low }
        return op.low.map { AccumulatorRounding.alignDown($0 + c, shift: e) - c }
    }

    /// Bits of the largest held value of a linear op followed by round(e, c).
    public static func linearBits(_ op: CircuitOp, roundingBits e: Int, addend c: Int64) -> Int {
        let offsets = linearOffsets(op, roundingBits: e, addend: c)
        return AccumulatorRounding.bits(forCount: (zip(op.high, offsets).map { $0 - $1 }.max() ?? 0) + 1)
    }

    /// Bits of the largest held value of an op held at its low bounds (inputs, tables), i.e.
    /// ceil(log2(max_j(high_j − low_j + 1))), the width of the widest sound range.
    public static func bits(low: [Int64], high: [Int64]) -> Int {
        AccumulatorRounding.bits(forCount: (zip(high, low).map { $0 - $1 }.max() ?? 0) + 1)
    }
}
