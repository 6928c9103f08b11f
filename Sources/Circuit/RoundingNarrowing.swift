import Foundation
import Quantization

extension IntegerCircuit {
    /// The same function with each layer's round(t, c) → table narrowed to round(e, c) → table′,
    /// `extractedBits[l]` = e ∈ 0…t for stage l (ignored for stages without rounding): the table
    /// absorbs the other t − e bits, entry r of table′ being T[floor(r / 2^(t−e)) − lo_T]
    /// (floor(floor((v + c) / 2^e) / 2^(t−e)) = floor((v + c) / 2^t)). e = t keeps the op, e = 0
    /// removes it and the table reads the accumulator itself.
    ///
    /// Why a circuit and not a flag on the executor: the encrypted side removes only e bits by
    /// digit extraction (the FHE planner picks e), so the integer program it runs is this one;
    /// as a circuit of its own, the clear evaluator runs it too and the checker compares every
    /// op the encrypted side computes. Every table op's values, and the outputs, equal the
    /// original circuit's for every input.
    public func narrowingRounding(extractedBits: [Int]) -> IntegerCircuit {
        let stages = self.stages
        precondition(extractedBits.count == stages.count, "One extracted width per stage: \(stages.count), got \(extractedBits.count)")
        var narrowed = [CircuitOp]()
        narrowed.reserveCapacity(ops.count)
        for (stage, e) in zip(stages, extractedBits) {
            let dense = ops[stage.linear]
            narrowed.append(dense)
            guard let tableIndex = stage.table else { continue }
            let table = ops[tableIndex]
            guard let roundIndex = stage.round, e < stage.shift else {
                if let roundIndex = stage.round { narrowed.append(ops[roundIndex]) }
                narrowed.append(table)
                continue
            }
            precondition(e >= 0, "Extracted bits must be in 0...\(stage.shift), got \(e)")
            let read = narrowedTables(of: stage, extracting: e)
            if e > 0 {
                narrowed.append(CircuitOp(.round(shift: e, addend: stage.addend), layer: ops[roundIndex].layer,
                                          low: read.inputLow, high: read.inputHigh))
            }
            narrowed.append(CircuitOp(.table(inputLow: read.inputLow, tables: read.tables), layer: table.layer, low: table.low, high: table.high))
        }
        return IntegerCircuit(inputCount: inputCount, inputBits: inputBits, inputLow: inputLow, inputHigh: inputHigh,
                              ops: narrowed, outputDecoding: outputDecoding, maxTLUBits: max(maxTLUBits, narrowedTLUBits(narrowed)))
    }

    /// Stage `stage`'s tables narrowed to read floor((acc + c) / 2^e) (the accumulator itself for
    /// e = 0): the values they read, per neuron [inputLow, inputHigh], and table′ over them.
    /// The stage must have a round op and a table, and e ≤ t.
    func narrowedTables(of stage: CircuitStage, extracting e: Int) -> (inputLow: [Int64], inputHigh: [Int64], tables: [[Int64]]) {
        guard let tableIndex = stage.table, case .table(let tableLow, let tables) = ops[tableIndex].operation else {
            preconditionFailure("narrowedTables needs a stage with a table")
        }
        let dense = ops[stage.linear]
        let t = stage.shift, c = stage.addend
        let readLow = e == 0 ? dense.low : dense.low.map { ($0 + c) >> e }
        let readHigh = e == 0 ? dense.high : dense.high.map { ($0 + c) >> e }
        let widened = readLow.indices.map { j in
            (readLow[j]...readHigh[j]).map { r in
                // For e = 0, r is the accumulator and the whole rounding happens here.
                let rounded = e == 0 ? (r + c) >> t : r >> (t - e)
                return tables[j][Int(rounded - tableLow[j])]
            }
        }
        return (readLow, readHigh, widened)
    }

    private func narrowedTLUBits(_ ops: [CircuitOp]) -> Int { ops.compactMap(\.tableBits).max() ?? 0 }
}
