import Foundation
import Quantization

/// A circuit file or decoded circuit cannot be used; the message names the file and the part.
public struct CircuitFileError: Error, CustomStringConvertible, Equatable {
    public let description: String
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
    public static func load(from url: URL) throws -> IntegerCircuit {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CircuitFileError(description: "Circuit file \(url.path): could not be read (\(error.localizedDescription))")
        }
        let circuit: IntegerCircuit
        do {
            circuit = try JSONDecoder().decode(IntegerCircuit.self, from: data)
        } catch {
            throw CircuitFileError(description: "Circuit file \(url.path): not a valid circuit JSON file (\(error))")
        }
        do {
            try circuit.validate()
        } catch let error as CircuitFileError {
            throw CircuitFileError(description: "Circuit file \(url.path): \(error.description)")
        }
        return circuit
    }

    /// Checks every structural invariant and the soundness of every bound: the accumulator
    /// bounds are re-derived from the weights and input ranges and must be contained in the
    /// stored ones; each table's values must lie in the next layer's input range.
    public func validate() throws {
        func fail(_ message: String) throws -> Never { throw CircuitFileError(description: message) }
        guard formatVersion == Self.currentFormatVersion else {
            try fail("formatVersion is \(formatVersion); this build reads version \(Self.currentFormatVersion)")
        }
        guard !layers.isEmpty else { try fail("the circuit has no layers") }
        guard inputLow <= inputHigh else { try fail("input range \(inputLow)...\(inputHigh) is empty") }
        var expectedInputs = inputCount
        var previousTables: [[Int64]]? = nil
        for (l, layer) in layers.enumerated() {
            let w = layer.weights
            guard w.values.count == w.rows * w.columns, w.rows > 0 else {
                try fail("layer \(l) declares \(w.rows)×\(w.columns) weights but holds \(w.values.count) values")
            }
            guard w.columns == expectedInputs else {
                try fail("layer \(l) has \(w.columns) inputs, the previous stage produces \(expectedInputs)")
            }
            guard layer.inputLow.count == w.columns, layer.inputHigh.count == w.columns,
                  layer.accumulatorLow.count == w.rows, layer.accumulatorHigh.count == w.rows else {
                try fail("layer \(l) has range vectors that do not match its \(w.rows)×\(w.columns) weights")
            }
            for i in 0..<w.columns {
                let covering: ClosedRange<Int64>
                if let previousTables {
                    covering = previousTables[i].min()!...previousTables[i].max()!
                } else {
                    covering = inputLow...inputHigh
                }
                guard layer.inputLow[i] <= covering.lowerBound, layer.inputHigh[i] >= covering.upperBound else {
                    try fail("layer \(l) input \(i) range \(layer.inputLow[i])...\(layer.inputHigh[i]) does not cover the values \(covering) that can reach it")
                }
            }
            guard (0..<62).contains(layer.roundingShift) else { try fail("layer \(l) rounding shift \(layer.roundingShift) outside 0..<62") }
            let (low, high) = AccumulatorRounding.soundBounds(w, inputLow: layer.inputLow, inputHigh: layer.inputHigh)
            for j in 0..<w.rows {
                guard layer.accumulatorLow[j] <= low[j], layer.accumulatorHigh[j] >= high[j] else {
                    try fail("layer \(l) neuron \(j) bounds \(layer.accumulatorLow[j])...\(layer.accumulatorHigh[j]) are not sound; the weights reach \(low[j])...\(high[j])")
                }
                guard layer.accumulatorLow[j] % (Int64(1) << layer.roundingShift) == 0 else {
                    try fail("layer \(l) neuron \(j) low bound \(layer.accumulatorLow[j]) is not a multiple of 2^\(layer.roundingShift)")
                }
            }
            let isLast = l == layers.count - 1
            if isLast {
                guard layer.tables == nil else { try fail("the output layer \(l) must not have tables") }
                guard layer.roundingShift == 0 else { try fail("the output layer \(l) must not round") }
            } else {
                guard let tables = layer.tables, tables.count == w.rows else {
                    try fail("hidden layer \(l) needs one table per neuron (\(w.rows))")
                }
                for j in 0..<w.rows {
                    let size = AccumulatorRounding.tableSize(low: layer.accumulatorLow[j], high: layer.accumulatorHigh[j], shift: layer.roundingShift)
                    guard tables[j].count == size else {
                        try fail("layer \(l) neuron \(j) table has \(tables[j].count) entries, its bounds need \(size)")
                    }
                    guard size <= 1 << maxTLUBits else {
                        try fail("layer \(l) neuron \(j) table has \(size) entries, more than max_tlu_bits \(maxTLUBits) allows")
                    }
                }
                previousTables = tables
            }
            expectedInputs = w.rows
        }
        let d = outputDecoding
        guard d.scales.count == expectedInputs, d.zeroPointCorrections.count == expectedInputs, d.biases.count == expectedInputs else {
            try fail("output decoding has \(d.scales.count) scales, \(d.zeroPointCorrections.count) corrections and \(d.biases.count) biases for \(expectedInputs) outputs")
        }
    }
}
