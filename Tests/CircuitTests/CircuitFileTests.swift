import Foundation
import Testing
@testable import Circuit
@testable import NeuralNet
@testable import Quantization

@Suite struct CircuitFileTests {
    private func compiled() throws -> IntegerCircuit {
        let model = try randomQuantizedModel(seed: 21, sizes: [12, 8, 6, 4], activation: .relu, bits: (5, 4, 3), perChannel: true)
        return try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 6))
    }

    private func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-circuit-\(UUID().uuidString).json")
    }

    @Test func compiledCircuitsValidateAndSurviveAFile() throws {
        for testCase in CircuitTests.randomCases {
            let model = try randomQuantizedModel(seed: testCase.seed, sizes: testCase.sizes, activation: testCase.activation,
                                                 bits: testCase.bits, perChannel: testCase.perChannel, symmetricWeights: testCase.symmetric)
            try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: testCase.maxTLUBits)).validate()
        }
        let circuit = try compiled()
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try circuit.save(to: url)
        #expect(try IntegerCircuit.load(from: url) == circuit)
    }

    /// Edits the JSON of a valid circuit and expects `load` to refuse it with `fragment`.
    private func expectRejected(_ edit: (inout [String: Any]) -> Void, mentioning fragment: String) throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(try compiled())) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        do {
            _ = try IntegerCircuit.load(from: url)
            Issue.record("a circuit edited to trigger \"\(fragment)\" was accepted")
        } catch let error as CircuitFileError {
            #expect(error.description.contains(url.path))
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    private func editOp(_ index: Int, _ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var ops = object["ops"] as! [[String: Any]]
        change(&ops[index])
        object["ops"] = ops
    }

    @Test func tamperedCircuitsAreRefused() throws {
        // compiled(): two rounded hidden layers and the output layer (12→8→6→4, 6-bit tables).
        let kinds = try compiled().ops.map(\.kind)
        #expect(kinds == [.dense, .round, .table, .dense, .round, .table, .dense], "\(kinds)")
        try expectRejected({ $0["formatVersion"] = 99 }, mentioning: "formatVersion is 99")
        try expectRejected({ o in
            self.editOp(0, &o) { op in
                var high = op["high"] as! [Int64]
                high[2] -= 1
                op["high"] = high
            }
        }, mentioning: "op 0 (dense, layer 0) value 2 bounds")
        try expectRejected({ o in
            self.editOp(5, &o) { op in
                var tables = op["tables"] as! [[Int64]]
                tables[0].removeLast()
                op["tables"] = tables
            }
        }, mentioning: "op 5 (table, layer 1) table 0 covers")
        try expectRejected({ o in
            self.editOp(1, &o) { op in op["shift"] = 0 }
        }, mentioning: "op 1 (round, layer 0) shift 0 outside")
        try expectRejected({ o in
            var ops = o["ops"] as! [[String: Any]]
            ops.removeLast()
            o["ops"] = ops
        }, mentioning: "the last op is a table op")
        try expectRejected({ o in
            self.editOp(3, &o) { op in
                var weights = op["weights"] as! [String: Any]
                weights["rows"] = Int64(1) << 62
                op["weights"] = weights
            }
        }, mentioning: "op 3 (dense, layer 1) declares")
        try expectRejected({ o in self.editOp(1, &o) { op in op["layer"] = 5 } },
                           mentioning: "op 1 (round) says layer 5 but is in layer 0")
        try expectRejected({ o in
            self.editOp(2, &o) { op in
                var tables = op["tables"] as! [[Int64]]
                tables[0][0] = Int64(1) << 60
                op["tables"] = tables
            }
        }, mentioning: "op 2 (table, layer 0) table 0 has an entry beyond ±2^52")
        // Values at Int64's ends: an overflowing subtraction or abs(Int64.min) was a trap.
        try expectRejected({ o in
            self.editOp(2, &o) { op in
                var low = op["inputLow"] as! [Int64]
                low[0] = Int64.min
                op["inputLow"] = low
            }
        }, mentioning: "op 2 (table, layer 0) table 0 covers")
        try expectRejected({ o in
            o["inputLow"] = Int64(0)
            o["inputHigh"] = Int64(1)
            self.editOp(0, &o) { op in
                var weights = op["weights"] as! [String: Any]
                var values = weights["values"] as! [Int64]
                values[0] = Int64.min
                weights["values"] = values
                op["weights"] = weights
            }
        }, mentioning: "op 0 (dense, layer 0) accumulators can exceed ±2^52")
        try expectRejected({ $0["inputCount"] = Int64(1) << 40 }, mentioning: "inputCount is 1099511627776")
        try expectRejected({ $0["inputBits"] = 0 }, mentioning: "inputBits is 0")
        let url = temporaryURL()
        try Data("{\"ops\": []".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: CircuitFileError.self) { try IntegerCircuit.load(from: url) }
    }

    /// A version 1 file (fixed dense + table layers) gets a message about the version and how
    /// to regenerate it, not a decoding error about missing keys.
    @Test func versionOneFilesAreRefusedWithAClearMessage() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"formatVersion": 1, "inputCount": 2, "inputBits": 4, "inputLow": 0, "inputHigh": 15, "layers": [], "maxTLUBits": 7}"#.utf8)
            .write(to: url)
        do {
            _ = try IntegerCircuit.load(from: url)
            Issue.record("a version 1 circuit file was accepted")
        } catch let error as CircuitFileError {
            #expect(error.description == "Circuit file \(url.path): formatVersion is 1; this build reads versions 2 and 3 (version 1 held fixed dense + table layers; versions 2 and 3 are sequences of ops). Regenerate it with `lockstep export`")
        }
    }

    /// Sound bounds alone do not make a circuit the planner and executors can run: a hidden
    /// layer must end in a table, and only the last layer may be a lone dense op.
    @Test func aHiddenLayerWithoutATableIsRefused() throws {
        func dense(_ layer: Int, high: Int64) -> CircuitOp {
            CircuitOp(.dense(weights: IntegerMatrix(rows: 1, columns: 1, values: [1])), layer: layer, low: [0], high: [high])
        }
        let circuit = IntegerCircuit(
            inputCount: 1, inputBits: 4, inputLow: 0, inputHigh: 15,
            ops: [dense(0, high: 15), CircuitOp(.round(shift: 1, addend: 1), layer: 0, low: [0], high: [8]), dense(1, high: 8)],
            outputDecoding: OutputDecoding(scales: [1], zeroPointCorrections: [0], biases: [0], activation: .identity),
            maxTLUBits: 4)
        #expect(throws: CircuitFileError(description: "layer 0 (ops [0, 1]) is not linear [round] table, or the final linear op alone")) {
            try circuit.validate()
        }
    }

    @Test func batchRunEqualsSingleRuns() throws {
        let circuit = try compiled()
        var generator = SeededGenerator(seed: 22)
        let inputs = (0..<40).map { _ in (0..<circuit.inputCount).map { _ in Int64(generator.next() % 32) } }
        let evaluator = ClearEvaluator(circuit)
        #expect(evaluator.runBatch(inputs) == inputs.map { try! evaluator.evaluate($0) })
    }

    @Test func inputsOutsideTheRangeAreErrors() throws {
        let evaluator = ClearEvaluator(try compiled())
        #expect(throws: CircuitInputError(description: "input 3 is 32, outside the circuit's input range 0...31")) {
            try evaluator.evaluate([0, 0, 0, 32] + [Int64](repeating: 0, count: 8))
        }
        #expect(throws: CircuitInputError(description: "the circuit reads 12 inputs, got 2")) { try evaluator.evaluate([0, 0]) }
    }

    @Test func messageBitsCoverTheRoundedValue() throws {
        let circuit = try compiled()
        for (stage, statistics) in zip(circuit.stages, circuit.layerStatistics) {
            let dense = circuit.ops[stage.linear]
            let offsets = HeldValues.linearOffsets(dense, roundingBits: stage.shift, addend: stage.addend)
            let largest = zip(dense.high, offsets).map { $0 - $1 }.max()!
            #expect(offsets.allSatisfy { ($0 + stage.addend) % (1 << stage.shift) == 0 })
            #expect(zip(dense.low, offsets).allSatisfy { $0 >= $1 })
            #expect(largest < 1 << statistics.messageBits && largest >= 1 << (statistics.messageBits - 1))
        }
    }
}
