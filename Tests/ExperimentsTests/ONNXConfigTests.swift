import Foundation
import Testing

@testable import Experiments

/// `model: {onnx: path}`: resolved against the config file, imported and checked against the
/// dataset when the config loads; the runner imports instead of training.
@Suite struct ONNXConfigTests {
    static let models = repositoryRoot.appendingPathComponent("Tests/ModelImportTests/Fixtures")
    static let digitsModel = repositoryRoot.appendingPathComponent("configs/experiments/onnx-digits.onnx")

    /// A config directory with `model.onnx` copied from `source` into `models/`, next to the config's folder.
    private func directory(model source: URL, yaml: String) throws -> URL {
        let root = try configDirectory(["configs/x.yaml": yaml])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("models"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: root.appendingPathComponent("models/model.onnx"))
        return root
    }

    private func yaml(dataset: String, model: String, extra: String = "") -> String {
        "name: imported\ndataset: {name: \(dataset)}\nmodel: \(model)\n\(extra)"
    }

    @Test func theCommittedConfigImportsItsModel() throws {
        let configs = try ConfigLoader.load(path: repositoryRoot.appendingPathComponent("configs/experiments/onnx-digits.yaml").path)
        let config = try #require(configs.first)
        let onnx = try #require(config.model.onnx)
        #expect(URL(fileURLWithPath: onnx).standardizedFileURL.path == Self.digitsModel.standardizedFileURL.path)
        #expect(config.model.isImported && config.model.load == nil && config.fhe.samples == 20)
    }

    @Test func thePathIsRelativeToTheConfigFileAndAnImageModelFitsItsDataset() throws {
        let root = try directory(model: Self.models.appendingPathComponent("cnn_torch.onnx"),
                                 yaml: yaml(dataset: "digits", model: "{onnx: ../models/model.onnx}"))
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try #require(try ConfigLoader.load(path: root.appendingPathComponent("configs/x.yaml").path).first)
        #expect(config.model.onnx.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                == root.appendingPathComponent("models/model.onnx").standardizedFileURL.path)
    }

    @Test(arguments: [
        ("iris", "onnx-digits.onnx", "reads [batch, 64] and produces 10 outputs, but iris samples are 4 with 3 classes"),
        ("mnist", "cnn_torch.onnx", "reads [batch, 1, 8, 8] and produces 10 outputs, but mnist samples are 1×28×28"),
        ("breast_cancer", "cnn_torch.onnx", "allowed: a model reading [batch, 30] and producing 2 logits"),
        ("digits", "bad_maxpool.onnx", "node '/pool/MaxPool' (MaxPool): is not supported"),
        ("digits", "bad_truncated.onnx", "is not an ONNX model"),
    ])
    func aModelThatDoesNotFitIsAConfigError(_ dataset: String, _ file: String, _ message: String) throws {
        let source = file == "onnx-digits.onnx" ? Self.digitsModel : Self.models.appendingPathComponent(file)
        let root = try directory(model: source, yaml: yaml(dataset: dataset, model: "{onnx: ../models/model.onnx}"))
        defer { try? FileManager.default.removeItem(at: root) }
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: root.appendingPathComponent("configs/x.yaml").path)
        }
        #expect(error.keyPath == "model.onnx" && error.line == 3, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test(arguments: [
        ("{onnx: m.onnx, hidden: [8]}", "model.onnx: and model.hidden are both set"),
        ("{onnx: m.onnx, load: m.json}", "model.onnx: and model.load are both set"),
        ("{onnx: m.onnx, layers: [dense 10]}", "model.onnx: and model.layers are both set"),
        ("{onnx: missing.onnx}", "model.onnx: 'missing.onnx' does not exist"),
    ])
    func conflictingOrMissingModelsAreConfigErrors(_ model: String, _ message: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: yaml(dataset: "digits", model: model), file: "/tmp/x.yaml")
        }
        #expect(error.description.contains(message), "\(error)")
    }

    /// The imported model skips training, and its content is part of the run's inputs.
    @Test func theRunnerImportsInsteadOfTraining() throws {
        let text = yaml(dataset: "digits", model: "{onnx: \(Self.digitsModel.path)}",
                        extra: "quantization: {method: ptq, bits: 6}\nfhe: {samples: 0}\n")
        let config = try #require(try ConfigLoader.load(yaml: text, file: "x.yaml").first)
        let results = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-onnx-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: results) }
        let runner = ExperimentRunner(options: RunOptions(
            dataDirectory: repositoryRoot.appendingPathComponent("data").path, resultsDirectory: results))
        let prepared = try runner.prepare(config)
        #expect(prepared.modelSource == .imported(path: try #require(config.model.onnx)) && prepared.timings.trainSeconds == nil)
        #expect(prepared.model.layerSizes == [64, 64, 10])
        #expect(prepared.inputs.loadedModelSHA256 != nil)
        #expect(prepared.model.accuracy(inputs: .init(prepared.split.test.features), labels: prepared.split.test.labels) > 0.95)
    }
}
