import Foundation
import NeuralNet
import Testing

@testable import Experiments

/// `model: {load: path}`: resolved against the config file like `base:` and `model.onnx`, read
/// and checked against the dataset when the config loads.
@Suite struct ModelLoadConfigTests {
    /// `configs/x.yaml` and an iris-shaped (4 → 5 → 3) model file at `models/model.json`.
    private func directory(yaml: String, sizes: [Int] = [4, 5, 3]) throws -> URL {
        let root = try configDirectory(["configs/x.yaml": yaml])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("models"), withIntermediateDirectories: true)
        try Network(sizes: sizes, seed: 3).save(to: root.appendingPathComponent("models/model.json"))
        return root
    }

    private func yaml(_ load: String, dataset: String = "iris") -> String {
        "name: loaded\ndataset: {name: \(dataset)}\nmodel: {load: \(load)}\n"
    }

    @Test func thePathIsRelativeToTheConfigFileNotTheWorkingDirectory() throws {
        let root = try directory(yaml: yaml("../models/model.json"))
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try #require(try ConfigLoader.load(path: root.appendingPathComponent("configs/x.yaml").path).first)
        let load = try #require(config.model.load)
        #expect(URL(fileURLWithPath: load).standardizedFileURL.path
                == root.appendingPathComponent("models/model.json").standardizedFileURL.path)
        #expect(config.model.isImported)
    }

    @Test(arguments: [
        ("../models/missing.json", "iris", "'../models/missing.json' does not exist (resolved to "),
        ("../models/model.json", "digits", "has 4 inputs and 3 outputs, but digits has 64 features and 10 classes"),
        ("x.yaml", "iris", "x.yaml: "),
        ("/dev/zero", "iris", "Model file /dev/zero: is not a regular file"),
    ])
    func aModelFileThatCannotServeIsAConfigError(_ load: String, _ dataset: String, _ message: String) throws {
        let root = try directory(yaml: yaml(load, dataset: dataset))
        defer { try? FileManager.default.removeItem(at: root) }
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: root.appendingPathComponent("configs/x.yaml").path)
        }
        #expect(error.keyPath == "model.load" && error.line == 3, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    /// The manifest records a model's source as text; a later run reads it back to decide reuse.
    @Test func modelSourcesReadBackFromTheirManifestText() {
        let sources: [ModelSource] = [.trained, .loaded(path: "a b/m.json"), .imported(path: "x.onnx"), .reused(path: "results/x/model.json")]
        for source in sources {
            #expect(ModelSource(manifestText: source.description) == source)
        }
        #expect(ModelSource(manifestText: "downloaded") == nil)
        #expect(sources.map(\.wasTrainedByLockstep) == [true, false, false, true])
    }

    /// Issue 13: where a loaded model lies is not what it is. Two checkouts (or one run from two
    /// folders) name the same file by different paths, absolute outside the working directory;
    /// the config fingerprint must not tell them apart, and the file's content must.
    @Test func theFingerprintFollowsTheModelsContentNotItsPath() throws {
        let first = try directory(yaml: yaml("../models/model.json"))
        let second = try directory(yaml: yaml("../models/model.json"))
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        func config(_ root: URL) throws -> ExperimentConfig {
            try #require(try ConfigLoader.load(path: root.appendingPathComponent("configs/x.yaml").path).first)
        }
        let (a, b) = (try config(first), try config(second))
        #expect(a.model.load != b.model.load, "the temporary folders differ, so the paths do")
        #expect(a.fingerprint == b.fingerprint)
        #expect(ExperimentRunner.floatModelFingerprint(a, dataFiles: [:]) == ExperimentRunner.floatModelFingerprint(b, dataFiles: [:]))

        let runner = ExperimentRunner(options: RunOptions(resultsDirectory: first.appendingPathComponent("results")))
        #expect(try runner.inputs(for: a) == runner.inputs(for: b))
        try Network(sizes: [4, 5, 3], seed: 4).save(to: second.appendingPathComponent("models/model.json"))
        #expect(try runner.inputs(for: a).fingerprint != runner.inputs(for: b).fingerprint, "other weights, same path shape")
    }
}

