import FileInput
import Foundation
import NeuralNet
import Quantization

/// A circuit file or decoded circuit cannot be used; the message names the file and the part.
public struct CircuitFileError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

// The JSON form of an op: {"op": "dense" | "conv2d" | "round" | "table", "layer", "low", "high",
// and the op's own fields (conv2d: "convolution" and its kernel in "weights")}. A discriminated object rather than Swift's synthesized enum coding, so the
// file reads as the contract does and other tools can write it.
extension CircuitOp: Codable {
    private enum CodingKeys: String, CodingKey {
        case op, layer, low, high, weights, convolution, shift, addend, inputLow, tables
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(OpKind.self, forKey: .op)
        let operation: CircuitOperation
        switch kind {
        case .dense: operation = .dense(weights: try c.decode(IntegerMatrix.self, forKey: .weights))
        case .conv2d:
            operation = .conv2d(convolution: try c.decode(Convolution.self, forKey: .convolution),
                                kernel: try c.decode(IntegerMatrix.self, forKey: .weights))
        case .round: operation = .round(shift: try c.decode(Int.self, forKey: .shift), addend: try c.decode(Int64.self, forKey: .addend))
        case .table:
            operation = .table(inputLow: try c.decode([Int64].self, forKey: .inputLow), tables: try c.decode([[Int64]].self, forKey: .tables))
        }
        self.init(operation, layer: try c.decode(Int.self, forKey: .layer),
                  low: try c.decode([Int64].self, forKey: .low), high: try c.decode([Int64].self, forKey: .high))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .op)
        try c.encode(layer, forKey: .layer)
        try c.encode(low, forKey: .low)
        try c.encode(high, forKey: .high)
        switch operation {
        case .dense(let weights): try c.encode(weights, forKey: .weights)
        case .conv2d(let convolution, let kernel):
            try c.encode(convolution, forKey: .convolution)
            try c.encode(kernel, forKey: .weights)
        case .round(let shift, let addend):
            try c.encode(shift, forKey: .shift)
            try c.encode(addend, forKey: .addend)
        case .table(let inputLow, let tables):
            try c.encode(inputLow, forKey: .inputLow)
            try c.encode(tables, forKey: .tables)
        }
    }
}

extension IntegerCircuit: Codable {
    private enum CodingKeys: String, CodingKey {
        case formatVersion, inputCount, inputBits, inputLow, inputHigh, ops, outputDecoding, maxTLUBits
    }

    /// Reads the version first, so a file of another version gets a message about versions
    /// rather than about a missing key.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .formatVersion)
        // Version 3 only added the conv2d op, so every version 2 file is a valid version 3 file.
        guard Self.readableFormatVersions.contains(version) else {
            let hint = version == 1
                ? " (version 1 held fixed dense + table layers; versions 2 and 3 are sequences of ops). Regenerate it with `lockstep export`"
                : ""
            throw CircuitFileError(description: "formatVersion is \(version); this build reads versions \(Self.readableFormatVersions.map(String.init).joined(separator: " and "))\(hint)")
        }
        self.init(inputCount: try c.decode(Int.self, forKey: .inputCount), inputBits: try c.decode(Int.self, forKey: .inputBits),
                  inputLow: try c.decode(Int64.self, forKey: .inputLow), inputHigh: try c.decode(Int64.self, forKey: .inputHigh),
                  ops: try c.decode([CircuitOp].self, forKey: .ops),
                  outputDecoding: try c.decode(OutputDecoding.self, forKey: .outputDecoding),
                  maxTLUBits: try c.decode(Int.self, forKey: .maxTLUBits))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(inputCount, forKey: .inputCount)
        try c.encode(inputBits, forKey: .inputBits)
        try c.encode(inputLow, forKey: .inputLow)
        try c.encode(inputHigh, forKey: .inputHigh)
        try c.encode(ops, forKey: .ops)
        try c.encode(outputDecoding, forKey: .outputDecoding)
        try c.encode(maxTLUBits, forKey: .maxTLUBits)
    }
}

extension IntegerCircuit {
    /// Writes the circuit as JSON (sorted keys), atomically.
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw CircuitFileError(description: "Circuit file \(url.path): could not be written (\(error.localizedDescription))")
        }
    }

    /// Reads a circuit JSON file and checks it with `validate()`, so a loaded circuit is as
    /// trustworthy as a freshly compiled one (bounds re-derived, table sizes checked).
    /// Largest circuit file read: tables are bounded by `maxTLUBits` ≤ 16 per neuron, and the
    /// compiled MNIST circuits are a few MB.
    public static let maximumFileBytes = 1 << 30

    public static func load(from url: URL) throws -> IntegerCircuit {
        let data: Data
        do {
            data = try BoundedFile.read(url, maximumBytes: maximumFileBytes)
        } catch {
            throw CircuitFileError(description: "Circuit file \(url.path): \(error.reason)")
        }
        return try load(data: data, path: url.path)
    }

    /// The checks of `load(from:)` on bytes already read; `path` names them in errors.
    public static func load(data: Data, path: String) throws -> IntegerCircuit {
        let circuit: IntegerCircuit
        do {
            circuit = try JSONDecoder().decode(IntegerCircuit.self, from: data)
        } catch let error as CircuitFileError {
            throw CircuitFileError(description: "Circuit file \(path): \(error.description)")
        } catch {
            throw CircuitFileError(description: "Circuit file \(path): not a valid circuit JSON file (\(error))")
        }
        do {
            try circuit.validate()
        } catch let error as CircuitFileError {
            throw CircuitFileError(description: "Circuit file \(path): \(error.description)")
        }
        return circuit
    }

    /// Checks every structural invariant and the soundness of every bound: each op's bounds are
    /// re-derived from its input's bounds and must be contained in the stored ones; every value
    /// a table can be asked for has an entry; the last op is a dense op (decrypted, no table).
    /// Arithmetic that a hostile file could overflow is checked, so a bad file is an error.
    public func validate() throws {
        func fail(_ message: String) throws -> Never { throw CircuitFileError(description: message) }
        guard !ops.isEmpty else { try fail("the circuit has no ops") }
        // The bounds of op 0's inputs are built per input before its weights are compared with
        // them; a cap far above any image keeps a hostile count from allocating without end.
        guard (1...(1 << 24)).contains(inputCount) else {
            try fail("inputCount is \(inputCount); allowed: 1...\(1 << 24)")
        }
        guard (1...32).contains(inputBits) else { try fail("inputBits is \(inputBits); allowed: 1...32") }
        guard inputLow <= inputHigh else { try fail("input range \(inputLow)...\(inputHigh) is empty") }
        guard (1...16).contains(maxTLUBits) else { try fail("maxTLUBits is \(maxTLUBits); allowed values are 1...16") }
        // Values stay far from Int64's ends so sums of bounded products cannot overflow.
        let limit: Int64 = 1 << 52
        func checkRange(_ low: Int64, _ high: Int64, _ what: @autoclosure () -> String) throws {
            guard low <= high else { try fail("\(what()) has the empty range \(low)...\(high)") }
            guard low > -limit, high < limit else { try fail("\(what()) range \(low)...\(high) exceeds ±2^52") }
        }
        try checkRange(inputLow, inputHigh, "the input")
        guard inputHigh - inputLow < Int64(1) << inputBits else {
            try fail("input range \(inputLow)...\(inputHigh) does not fit inputBits \(inputBits)")
        }
        for (i, op) in ops.enumerated() {
            let name = "op \(i) (\(op.kind.rawValue), layer \(op.layer))"
            let input = inputBounds(ofOp: i)
            let inputs = input.low.count
            guard op.low.count == op.high.count, op.low.count > 0 else {
                try fail("\(name) has \(op.low.count) low and \(op.high.count) high bounds")
            }
            for j in op.low.indices { try checkRange(op.low[j], op.high[j], "\(name) value \(j)") }
            let derived: (low: [Int64], high: [Int64])
            switch op.operation {
            case .dense(let w):
                let (size, overflow) = w.rows.multipliedReportingOverflow(by: w.columns)
                guard w.rows > 0, w.columns > 0, !overflow, w.values.count == size else {
                    try fail("\(name) declares \(w.rows)×\(w.columns) weights but holds \(w.values.count) values")
                }
                guard w.columns == inputs else { try fail("\(name) has \(w.columns) inputs, the previous op produces \(inputs)") }
                guard w.rows == op.count else { try fail("\(name) has \(w.rows) weight rows but \(op.count) bounds") }
                derived = try linearBounds(op, name: name, input: input)
            case .conv2d(let convolution, let kernel):
                guard convolution.input.count == inputs else {
                    try fail("\(name) reads a \(convolution.input) input (\(convolution.input.count) values), the previous op produces \(inputs)")
                }
                guard convolution.output.count == op.count else {
                    try fail("\(name) produces a \(convolution.output) output (\(convolution.output.count) values) but has \(op.count) bounds")
                }
                guard CircuitOp.termCount(convolution) <= CircuitOp.maximumLinearTerms else {
                    try fail("\(name) has \(convolution.output.count) outputs × \(convolution.kernelSize) kernel values; allowed: at most \(CircuitOp.maximumLinearTerms) terms")
                }
                guard kernel.rows == convolution.outputChannels, kernel.columns == convolution.kernelSize,
                      kernel.values.count == kernel.rows * kernel.columns else {
                    try fail("\(name) kernel declares \(kernel.rows)×\(kernel.columns) with \(kernel.values.count) values; the convolution needs \(convolution.outputChannels)×\(convolution.kernelSize)")
                }
                derived = try linearBounds(op, name: name, input: input)
            case .round(let shift, let addend):
                guard (1...40).contains(shift) else { try fail("\(name) shift \(shift) outside 1...40") }
                // A narrowed round (`narrowingRounding`) keeps the half of the original, wider shift.
                guard (0..<limit).contains(addend) else { try fail("\(name) addend \(addend) outside 0..<2^52") }
                guard op.count == inputs else { try fail("\(name) produces \(op.count) values from \(inputs)") }
                derived = (input.low.map { ($0 + addend) >> shift }, input.high.map { ($0 + addend) >> shift })
            case .table(let inputLow, let tables):
                guard op.count == inputs, inputLow.count == inputs, tables.count == inputs else {
                    try fail("\(name) has \(tables.count) tables and \(inputLow.count) input offsets for \(inputs) values")
                }
                for j in 0..<inputs {
                    // Every entry, reachable or not, feeds the encrypted side's lookup tables.
                    guard tables[j].allSatisfy({ $0 > -limit && $0 < limit }) else {
                        try fail("\(name) table \(j) has an entry beyond ±2^52")
                    }
                    let first = inputLow[j]
                    guard first > -limit, first <= input.low[j], input.high[j] - first < Int64(tables[j].count) else {
                        try fail("\(name) table \(j) covers \(first)..<\(first)+\(tables[j].count), its input reaches \(input.low[j])...\(input.high[j])")
                    }
                    guard tables[j].count <= 1 << maxTLUBits else {
                        try fail("\(name) table \(j) has \(tables[j].count) entries, more than maxTLUBits \(maxTLUBits) allows")
                    }
                }
                // Only the entries the input can reach matter.
                derived = (low: (0..<inputs).map { j in
                    tables[j][Int(input.low[j] - inputLow[j])...Int(input.high[j] - inputLow[j])].min()!
                }, high: (0..<inputs).map { j in
                    tables[j][Int(input.low[j] - inputLow[j])...Int(input.high[j] - inputLow[j])].max()!
                })
            }
            for j in op.low.indices where op.low[j] > derived.low[j] || op.high[j] < derived.high[j] {
                try fail("\(name) value \(j) bounds \(op.low[j])...\(op.high[j]) are not sound; its inputs reach \(derived.low[j])...\(derived.high[j])")
            }
        }
        guard ops.last!.kind.isLinear else {
            try fail("the last op is a \(ops.last!.kind.rawValue) op; the circuit's outputs must be a linear op's accumulators (decrypted without a table)")
        }
        // The shape every user of `stages` relies on: layer l is linear [round] table, the last
        // layer a lone linear op, and every op names its layer's position.
        for (position, stage) in stages.enumerated() {
            let members = [stage.linear] + [stage.round, stage.table].compactMap { $0 }
            guard ops[stage.linear].kind.isLinear else {
                try fail("op \(stage.linear) (\(ops[stage.linear].kind.rawValue)) starts a layer; allowed: layers of a linear op (dense or conv2d), optional round, then table, and a final linear op")
            }
            guard stage.isOutput == (position == stages.count - 1), !(stage.isOutput && stage.round != nil) else {
                try fail("layer \(position) (ops \(members)) is not linear [round] table, or the final linear op alone")
            }
            if let i = members.first(where: { ops[$0].layer != position }) {
                try fail("op \(i) (\(ops[i].kind.rawValue)) says layer \(ops[i].layer) but is in layer \(position)")
            }
        }
        let d = outputDecoding
        let outputs = outputCount
        guard d.scales.count == outputs, d.zeroPointCorrections.count == outputs, d.biases.count == outputs else {
            try fail("output decoding has \(d.scales.count) scales, \(d.zeroPointCorrections.count) corrections and \(d.biases.count) biases for \(outputs) outputs")
        }
    }

    /// `LinearRows.soundBounds` of a linear op with every product and sum checked, so a file's
    /// weights cannot overflow; a failure names the op.
    private func linearBounds(_ op: CircuitOp, name: String, input: (low: [Int64], high: [Int64])) throws -> (low: [Int64], high: [Int64]) {
        let limit: Int64 = 1 << 52
        guard let rows = op.linear else { throw CircuitFileError(description: "\(name) weights do not fit its geometry") }
        var low = [Int64](repeating: 0, count: rows.outputCount), high = low
        for j in 0..<rows.outputCount {
            for k in rows.terms(row: j) {
                let w = rows.weights[k], i = rows.columns[k]
                let (a, o1) = w.multipliedReportingOverflow(by: input.low[i])
                let (b, o2) = w.multipliedReportingOverflow(by: input.high[i])
                // Compared, not abs(): Int64.min times 1 does not overflow, and abs of it traps.
                guard !o1, !o2, a > -limit, a < limit, b > -limit, b < limit else {
                    throw CircuitFileError(description: "\(name) accumulators can exceed ±2^52 (weights times input ranges)")
                }
                low[j] += min(a, b)
                high[j] += max(a, b)
                guard low[j] > -limit, high[j] < limit else {
                    throw CircuitFileError(description: "\(name) accumulators can exceed ±2^52 (weights times input ranges)")
                }
            }
        }
        return (low, high)
    }
}
