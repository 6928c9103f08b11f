import Datasets
import Foundation
import NeuralNet
import Testing

@testable import ModelImport

/// Fixtures/ is written by make_fixtures.py (onnx.helper graphs, reference outputs from onnx's
/// ReferenceEvaluator) and make_digits_model.py (PyTorch models and their outputs).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
let repositoryRoot = fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct Expectations: Decodable {
    struct Good: Decodable {
        let inputs: [[Float]]
        let outputs: [[Float]]
        /// The graph ends in a Softmax, which the importer drops.
        let softmax: Bool
    }
    struct Bad: Decodable {
        let kind: String
        let node: String?
        let op: String?
    }
    let good: [String: Good]
    let bad: [String: Bad]

    static let file: Expectations = {
        // The fixture is committed next to this file; a missing one is a broken checkout.
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        return try! JSONDecoder().decode(Expectations.self, from: data)
    }()
}

struct TorchRecord: Decodable {
    struct Samples: Decodable {
        let inputs: [[Float]]
        let outputs: [[Float]]
    }
    let test_count: Int
    let test_accuracy: Double
    let first_test_logits: [[Float]]
    let cnn_torch: Samples

    static func load() throws -> TorchRecord {
        try JSONDecoder().decode(TorchRecord.self, from: Data(contentsOf: fixtures.appendingPathComponent("torch.json")))
    }
}

func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name + ".onnx") }

func softmax(_ logits: [Float]) -> [Float] {
    let top = logits.max() ?? 0
    let exps = logits.map { exp($0 - top) }
    let sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
}

/// Float32 sums of at most a few dozen O(1) terms, in another order than the reference's:
/// differences stay near 1e-6; 1e-4 leaves room without hiding a wrong weight or index.
func expectClose(_ actual: [Float], _ expected: [Float], _ what: String) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)")
    for (index, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= 1e-4 * max(1, abs(e))) {
        Issue.record("\(what): value \(index) is \(a), expected \(e)")
        return
    }
}

@Suite struct ONNXImportTests {
    static let goodFixtures = ["mlp_gemm", "mlp_matmul", "mlp_tanh", "cnn", "cnn_strided"]

    @Test(arguments: goodFixtures)
    func theForwardPassMatchesONNXsReferenceEvaluator(_ name: String) throws {
        let expected = try #require(Expectations.file.good[name])
        let network = try ONNXModel.load(from: fixture(name)).network
        for (sample, (input, output)) in zip(expected.inputs, expected.outputs).enumerated() {
            let logits = network.forward(input)
            expectClose(expected.softmax ? softmax(logits) : logits, output, "\(name) sample \(sample)")
        }
    }

    @Test func eachOpMapsOntoLockstepsLayers() throws {
        let gemm = try ONNXModel.load(from: fixture("mlp_gemm"))
        #expect(gemm.input == .vector(6))
        #expect(gemm.network.layerSizes == [6, 5, 3])
        #expect(gemm.network.layers.map(\.activation) == [.relu, .identity])

        let matMul = try ONNXModel.load(from: fixture("mlp_matmul")).network
        #expect(matMul.layerSizes == [6, 4, 3] && matMul.layers.map(\.activation) == [.sigmoid, .identity])

        let tanh = try ONNXModel.load(from: fixture("mlp_tanh")).network
        #expect(tanh.layerSizes == [6, 4, 3] && tanh.layers.map(\.activation) == [.tanh, .identity])

        // Conv + Relu is one layer; the AveragePool after it belongs to the Gemm that reads it.
        let cnn = try ONNXModel.load(from: fixture("cnn"))
        #expect(cnn.input == .image(ImageShape(channels: 1, height: 6, width: 6)))
        let conv = try #require(cnn.network.layers.first?.convolution)
        #expect(conv.stride == 1 && conv.padding == 1 && conv.outputChannels == 2 && conv.kernelHeight == 3)
        #expect(cnn.network.layers.map(\.activation) == [.relu, .identity])
        #expect(cnn.network.layers[1].inputPooling?.window == 2 && cnn.network.layers[1].convolution == nil)

        // Conv + Add + Tanh, then AveragePool + Conv + Sigmoid, then Constant + Reshape + Gemm.
        let strided = try ONNXModel.load(from: fixture("cnn_strided")).network
        #expect(strided.layers.map(\.activation) == [.tanh, .sigmoid, .identity])
        #expect(strided.layers[0].convolution?.stride == 2 && strided.layers[0].convolution?.padding == 1)
        #expect(strided.layers[1].inputPooling?.window == 2 && strided.layers[1].convolution?.kernelHeight == 2)
        #expect(strided.layerSizes == [128, 48, 4, 3])
    }

    @Test(arguments: ["bad_softmax_middle", "bad_maxpool", "bad_groups", "bad_residual", "bad_pool_divide",
                      "bad_double_weights", "bad_shape", "bad_truncated"])
    func aGraphLockstepCannotRunIsANamedError(_ name: String) throws {
        let expected = try #require(Expectations.file.bad[name])
        let url = fixture(name)
        let error = try #require(throws: ONNXImportError.self) { try ONNXModel.load(from: url) }
        #expect(error.kind == ONNXImportError.Kind(rawValue: expected.kind), "\(error)")
        #expect(error.node == expected.node && error.op == expected.op, "\(error)")
        #expect(error.path == url.path)
        #expect(error.description.contains("allowed") || error.kind == .malformed, "\(error)")
        if let node = expected.node, let op = expected.op {
            #expect(error.description.hasPrefix("ONNX file \(url.path): node '\(node)' (\(op)): "), "\(error)")
        }
    }

    /// Every prefix of every good fixture, and seeded byte mutations of each: an error or a
    /// network, never a trap. The forward pass of what imports runs too.
    @Test func truncatedAndCorruptedBytesGiveAnErrorNotACrash() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state >> 1)
        }
        var imported = 0, refused = 0
        func attempt(_ bytes: Data) {
            do {
                let model = try ONNXModel.load(data: bytes, path: "mutated.onnx")
                _ = model.network.forward([Float](repeating: 0.5, count: model.network.inputCount))
                imported += 1
            } catch is ONNXImportError {
                refused += 1
            } catch {
                Issue.record("not an ONNXImportError: \(error)")
            }
        }
        for name in Self.goodFixtures + ["cnn_torch"] {
            let data = try Data(contentsOf: fixture(name))
            for length in 0..<data.count { attempt(data.prefix(length)) }
            for _ in 0..<300 {
                var bytes = data
                for _ in 0...(next() % 4) { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
                attempt(bytes)
            }
        }
        #expect(refused > 0 && imported > 0, "imported \(imported), refused \(refused)")
    }

    /// Header fields declare sizes the data does not back: each is checked before anything is
    /// allocated or multiplied.
    @Test func declaredSizesAreCheckedBeforeUse() throws {
        func gemmModel(weightDims: [Int64], inputDims: [Int64] = [6]) -> Onnx_ModelProto {
            var weights = Onnx_TensorProto()
            weights.name = "w"
            weights.dataType = Onnx_TensorProto.floatType
            weights.dims = weightDims
            var node = Onnx_NodeProto()
            node.name = "/fc/Gemm"
            node.opType = "Gemm"
            node.input = ["input", "w"]
            node.output = ["output"]
            var input = Onnx_ValueInfoProto()
            input.name = "input"
            input.type.tensorType.elemType = Onnx_TensorProto.floatType
            input.type.tensorType.shape.dim = ([-1] + inputDims).map { size in
                var dim = Onnx_TensorShapeProto.Dimension()
                if size >= 0 { dim.dimValue = size } else { dim.dimParam = "batch" }
                return dim
            }
            var output = Onnx_ValueInfoProto()
            output.name = "output"
            var model = Onnx_ModelProto()
            model.graph.node = [node]
            model.graph.initializer = [weights]
            model.graph.input = [input]
            model.graph.output = [output]
            return model
        }
        func kind(_ model: Onnx_ModelProto) throws -> ONNXImportError.Kind? {
            do {
                _ = try ONNXModel.load(data: try model.serializedData(), path: "sizes.onnx")
                return nil
            } catch let error as ONNXImportError {
                return error.kind
            }
        }
        #expect(try kind(gemmModel(weightDims: [1 << 21, 6])) == .sizeLimit)
        #expect(try kind(gemmModel(weightDims: [1 << 20, 1 << 20, 1 << 20])) == .sizeLimit)
        #expect(try kind(gemmModel(weightDims: [-3, 6])) == .sizeLimit)
        #expect(try kind(gemmModel(weightDims: [Int64.max, 6])) == .sizeLimit)
        // Within the limits but with no values stored.
        #expect(try kind(gemmModel(weightDims: [1 << 20, 6])) == .malformed)
        #expect(try kind(gemmModel(weightDims: [3, 6], inputDims: [Int64.max])) == .shapeMismatch)
        #expect(try kind(gemmModel(weightDims: [3, 6], inputDims: [4097, 2, 2])) == .sizeLimit)
    }

    /// The digits MLP trained in PyTorch on Lockstep's own split (make_digits_model.py): the
    /// imported network classifies the test split Lockstep loads as PyTorch did.
    @Test func theDigitsModelFromPyTorchKeepsItsAccuracy() throws {
        let record = try TorchRecord.load()
        let network = try ONNXModel.load(from: repositoryRoot.appendingPathComponent("configs/experiments/onnx-digits.onnx")).network
        let split = try DatasetLoader(dataDirectory: repositoryRoot.appendingPathComponent("data"))
            .load(.digits, testFraction: 0.2, seed: 7)
        #expect(split.test.labels.count == record.test_count)
        for (sample, logits) in record.first_test_logits.enumerated() {
            expectClose(network.forward(split.test.features[sample]), logits, "digits test sample \(sample)")
        }
        let accuracy = network.accuracy(inputs: Matrix(split.test.features), labels: split.test.labels)
        // Float sums in another order may flip a near tie; one sample is 1/359.
        #expect(abs(accuracy - record.test_accuracy) <= 1.0 / Double(record.test_count) + 1e-9,
                "Lockstep float accuracy \(accuracy), PyTorch \(record.test_accuracy)")
    }

    /// The torch.export-based exporter (PyTorch's default since 2.9) writes Reshape with
    /// allowzero=1 and opset 20.
    @Test func aCNNFromPyTorchsDefaultExporterMatchesPyTorch() throws {
        let record = try TorchRecord.load()
        let imported = try ONNXModel.load(from: fixture("cnn_torch"))
        #expect(imported.input == .image(ImageShape(channels: 1, height: 8, width: 8)))
        for (sample, (input, output)) in zip(record.cnn_torch.inputs, record.cnn_torch.outputs).enumerated() {
            expectClose(imported.network.forward(input), output, "cnn_torch sample \(sample)")
        }
    }

    @Test(arguments: [fixture("no-such-model"), fixtures, URL(fileURLWithPath: "/dev/zero")])
    func aMissingFileOrANonFileIsUnreadable(_ url: URL) {
        let error = #expect(throws: ONNXImportError.self) { try ONNXModel.load(from: url) }
        #expect(error?.kind == .unreadable, "\(String(describing: error))")
    }
}
