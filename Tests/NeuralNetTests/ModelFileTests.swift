import Foundation
import Testing
@testable import NeuralNet

@Suite struct ModelFileTests {
    private func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-\(UUID().uuidString)-\(name)")
    }

    @Test func saveLoadRoundTripIsExact() throws {
        var model = Network(sizes: [7, 5, 4, 3], activation: .tanh, seed: 8)
        model.layers[1].bias = [0.1, -1e-7, 3.25, 1e5]
        let url = temporaryURL("model.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try Network.load(from: url)
        #expect(loaded == model)
        #expect(loaded.predict([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) == model.predict([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]))
    }

    @Test func corruptOrWrongFilesThrowNamingTheFile() throws {
        let model = Network(sizes: [3, 2], seed: 1)
        let url = temporaryURL("weights.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let good = try Data(contentsOf: url)

        func expectFailure(_ data: Data, mentioning fragment: String) throws {
            try data.write(to: url)
            do {
                _ = try Network.load(from: url)
                Issue.record("loading should have failed (\(fragment))")
            } catch let error as ModelFileError {
                #expect(error.description.contains(url.path))
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
        try expectFailure(good.prefix(good.count / 2), mentioning: "not a valid")
        try expectFailure(Data("{}".utf8), mentioning: "not a valid")
        let text = String(decoding: good, as: UTF8.self)
        try expectFailure(Data(text.replacingOccurrences(of: "\"formatVersion\":2", with: "\"formatVersion\":7").utf8),
                          mentioning: "formatVersion 7")
        try expectFailure(Data(text.replacingOccurrences(of: "lockstep.mlp", with: "other").utf8), mentioning: "format \"other\"")
        try expectFailure(Data(text.replacingOccurrences(of: "\"rows\":2", with: "\"rows\":3").utf8), mentioning: "declares 3×3")

        let missing = temporaryURL("absent.json")
        #expect(throws: ModelFileError.self) { try Network.load(from: missing) }
    }

    @Test func divergedModelIsNotSaved() {
        var model = Network(sizes: [3, 2], seed: 1)
        model.layers[0].bias[0] = .nan
        let url = temporaryURL("nan.json")
        #expect(throws: ModelFileError.self) { try model.save(to: url) }
    }

    /// Sizes and values come from the file: a `rows` near 2^62 must not overflow rows × columns,
    /// and weights near Float's maximum must not reach the forward pass and calibration.
    @Test func absurdSizesAndValuesAreRefusedNamingTheValue() throws {
        let model = Network(sizes: [3, 2], seed: 1)
        let url = temporaryURL("absurd.json")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        for (edit, fragments) in [
            (text.replacingOccurrences(of: "\"rows\":2", with: "\"rows\":4611686018427387904"),
             ["layer 0 declares 4611686018427387904×3", "allowed: 1...1048576"]),
            (text.replacingOccurrences(of: "\"bias\":[", with: "\"bias\":[3e38,"),
             ["layer 0 bias 0 is 3e+38", "magnitude ≤ 1048576"]),
        ] {
            try Data(edit.utf8).write(to: url)
            let error = try #require(throws: ModelFileError.self) { try Network.load(from: url) }
            for fragment in fragments { #expect(error.description.contains(fragment), "\(error)") }
        }
        var huge = model
        huge.layers[0].weights.values[4] = 3e38
        try huge.save(to: url)
        let error = try #require(throws: ModelFileError.self) { try Network.load(from: url) }
        #expect(error.description.contains("layer 0 weight 4 is 3e+38"), "\(error)")
    }
}
