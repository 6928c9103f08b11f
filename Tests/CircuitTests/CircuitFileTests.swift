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

    private func editLayer(_ index: Int, _ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var layers = object["layers"] as! [[String: Any]]
        change(&layers[index])
        object["layers"] = layers
    }

    @Test func tamperedCircuitsAreRefused() throws {
        try expectRejected({ $0["formatVersion"] = 99 }, mentioning: "formatVersion is 99")
        try expectRejected({ o in
            self.editLayer(0, &o) { layer in
                var high = layer["accumulatorHigh"] as! [Int64]
                high[2] -= 1
                layer["accumulatorHigh"] = high
            }
        }, mentioning: "layer 0 neuron 2 bounds")
        try expectRejected({ o in
            self.editLayer(1, &o) { layer in
                var tables = layer["tables"] as! [[Int64]]
                tables[0].removeLast()
                layer["tables"] = tables
            }
        }, mentioning: "layer 1 neuron 0 table has")
        try expectRejected({ o in
            self.editLayer(1, &o) { layer in
                var high = layer["inputHigh"] as! [Int64]
                high[3] = -1
                layer["inputHigh"] = high
            }
        }, mentioning: "layer 1 input 3 range")
        let url = temporaryURL()
        try Data("{\"layers\": []".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: CircuitFileError.self) { try IntegerCircuit.load(from: url) }
    }

    @Test func batchRunEqualsSingleRuns() throws {
        let circuit = try compiled()
        var generator = SeededGenerator(seed: 22)
        let inputs = (0..<40).map { _ in (0..<circuit.inputCount).map { _ in Int64(generator.next() % 32) } }
        #expect(ClearExecutor.runBatch(circuit, inputs: inputs) == inputs.map { ClearExecutor.run(circuit, input: $0) })
    }

    @Test func messageBitsCoverTheRoundedValue() throws {
        let circuit = try compiled()
        for layer in circuit.layers {
            let half: Int64 = layer.roundingShift > 0 ? 1 << (layer.roundingShift - 1) : 0
            let largest = zip(layer.accumulatorLow, layer.accumulatorHigh).map { $1 - $0 + half }.max()!
            #expect(largest < 1 << layer.statistics.messageBits && largest >= 1 << (layer.statistics.messageBits - 1))
        }
    }
}
