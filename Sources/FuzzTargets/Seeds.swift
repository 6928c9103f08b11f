import Circuit
import Datasets
import Foundation
import NeuralNet
import Quantization
import TFHE

extension FuzzTarget {
    /// Well-formed starting inputs, so the fuzzer begins inside each format instead of
    /// guessing its magic numbers. `repository` is the package root: configs and dataset
    /// excerpts are taken from the committed files; models, circuits and TFHE objects are made
    /// here with fixed seeds (public fixtures, no secret is ever derived from them).
    public func seeds(repository: URL) throws -> [String: Data] {
        switch self {
        case .config:
            // Configs that compose with another file (`base:`) are left out: the harness offers
            // only its own `base.yaml`, which the last seed uses. So are those that import a
            // model beside them (`model.onnx`), which the scratch folder does not hold.
            var seeds: [String: Data] = [:]
            for folder in ["configs/ci", "configs", "configs/experiments"] {
                let url = repository.appendingPathComponent(folder, isDirectory: true)
                for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where name.hasSuffix(".yaml") {
                    let text = try Data(contentsOf: url.appendingPathComponent(name))
                    let yaml = String(decoding: text, as: UTF8.self)
                    guard !yaml.contains("\nbase:"), !text.starts(with: Data("base:".utf8)), !yaml.contains("onnx:") else { continue }
                    seeds["\(folder.replacingOccurrences(of: "/", with: "-"))-\(name)"] = text
                }
            }
            seeds["sweep-on-base.yaml"] = Data("""
                base: base.yaml
                name: fuzz-sweep
                quantization: {weight_bits: [2, 3], max_tlu_bits: 5, accumulator_bits_budget: 8}
                fhe: {mode: both, p_error: [2^-40, 2^-10], simulated_samples: 20}

                """.utf8)
            return seeds
        case .model:
            return ["mlp-4-3-2.json": try Self.fileBytes { try Self.seedModel.save(to: $0) },
                    "cnn-1x4x4.json": try Self.fileBytes { try Self.seedConvolutionalModel().save(to: $0) }]
        case .onnx:
            // The importer's fixtures that import: onnx.helper graphs of every supported op and
            // a CNN from PyTorch's torch.export-based exporter.
            let fixtures = repository.appendingPathComponent("Tests/ModelImportTests/Fixtures", isDirectory: true)
            var seeds: [String: Data] = [:]
            for name in ["mlp_gemm", "mlp_matmul", "mlp_tanh", "cnn", "cnn_strided", "cnn_torch"] {
                seeds["\(name).onnx"] = try Data(contentsOf: fixtures.appendingPathComponent("\(name).onnx"))
            }
            return seeds
        case .circuit:
            let circuit = try Self.seedCircuit()
            let convolutional = try CircuitCompiler.lower(
                PostTrainingQuantizer.quantize(try Self.seedConvolutionalModel(), calibrationInputs: Matrix([[Float]](repeating: (0..<16).map { Float($0) / 15 }, count: 2)),
                                               configuration: QuantizationConfiguration(method: .ptq, inputBits: 2, weightBits: 2, activationBits: 2,
                                                                                        outputWeightBits: 2)),
                options: CircuitOptions(maxTLUBits: 4))
            return ["circuit-4-3-2.json": try Self.fileBytes { try circuit.save(to: $0) },
                    "circuit-cnn-1x4x4.json": try Self.fileBytes { try convolutional.save(to: $0) }]
        case .sklearn:
            var seeds: [String: Data] = [:]
            for (selector, file) in [(0, "iris.csv"), (1, "breast_cancer.csv"), (2, "wine_data.csv")] {
                let text = try String(contentsOf: repository.appendingPathComponent("data/sklearn/\(file)"), encoding: .utf8)
                // The header's sample count is rewritten to match the excerpt.
                var lines = text.split(separator: "\n").prefix(13).map(String.init)
                var header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                header[0] = String(lines.count - 1)
                lines[0] = header.joined(separator: ",")
                seeds["\(file)-excerpt"] = Data([UInt8(selector)]) + Data((lines.joined(separator: "\n") + "\n").utf8)
            }
            let digits = (0..<20).map { row in ((0..<64).map { String(($0 * 7 + row) % 17) } + [String(row % 10)]).joined(separator: ",") }
            seeds["digits-excerpt"] = Data([3]) + Data((digits.joined(separator: "\n") + "\n").utf8)
            return seeds
        case .mnist:
            // 4 images of 3×3 pixels and their labels; images are split 3 : 1 between train and test.
            let images = Self.bigEndian([2051, 4, 3, 3]) + Data((0..<36).map { UInt8($0 * 7 % 256) })
            let labels = Self.bigEndian([2049, 4]) + Data([3, 1, 4, 1])
            return ["idx-4x3x3": Data([UInt8(images.count >> 8), UInt8(images.count & 0xFF)]) + images + labels]
        case .gzip:
            return ["text.gz": Gzip.compress(Data("0,1,2,3\n4,5,6,7\n".utf8)),
                    "two-members.gz": Gzip.compress(Data("first ".utf8)) + Gzip.compress(Data("second".utf8))]
        case .csv:
            return ["summary.csv": Data("experiment,accuracy,latency_ms\r\nquickstart,0.95,\"1,234.5\"\r\niris,0.9556,12\r\n".utf8)]
        case .tfhe:
            let (client, server) = ClientKey.generate(parameters: Self.fuzzParameters, seed: .fixed(0xF022))
            let ciphertext = client.encrypt(1, encoding: Encoding(precision: 2))
            let deployment = try Self.fuzzDeployment()
            let inputs = try DeploymentClient(key: deployment.keys.client, source: Self.seedCircuit(), keyFile: "seed.key")
                .encrypt(samples: [[Int64](repeating: 1, count: 4)], sampleIDs: [0])
            return ["client-key": Data(client.serialized()), "server-key": Data(server.serialized()),
                    "ciphertext": Data(ciphertext.serialized(parameters: Self.fuzzParameters)),
                    "client-key-file": Data(deployment.keys.client.serialized()),
                    "server-key-file": Data(deployment.keys.server.serialized()),
                    "ciphertext-file": Data(inputs.serialized())]
        }
    }

    private static let seedModel = Network(sizes: [4, 3, 2], seed: 7)

    /// conv 2×3×3 p1 relu → avgpool 2 → dense 2 on 1×4×4 inputs: every field of a
    /// convolutional layer (geometry, pooling) appears in the model and circuit seeds.
    private static func seedConvolutionalModel() throws -> Network {
        var generator = SeededGenerator(seed: 7)
        let convolution = try Convolution(input: ImageShape(channels: 1, height: 4, width: 4), outputChannels: 2,
                                          kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let pooling = try Pooling(input: convolution.output, window: 2)
        var dense = NetworkLayer(inputCount: pooling.output.count, outputCount: 2, activation: .identity, generator: &generator)
        dense.inputPooling = pooling
        return Network(layers: [NetworkLayer(convolution: convolution, activation: .relu, generator: &generator), dense])
    }

    /// The seed model lowered at 2-bit inputs: the circuit of the circuit seed and of the
    /// deployment the TFHE harness's ciphertext files belong to.
    static func seedCircuit() throws -> IntegerCircuit {
        let quantized = try PostTrainingQuantizer.quantize(
            seedModel, calibrationInputs: Matrix([[0, 0.5, 1, 0.25], [1, 0, 0.5, 0.75]]),
            configuration: QuantizationConfiguration(method: .ptq, inputBits: 2, weightBits: 3, activationBits: 3))
        return try CircuitCompiler.lower(quantized, options: CircuitOptions(maxTLUBits: 4))
    }

    private static func bigEndian(_ words: [UInt32]) -> Data {
        Data(words.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> UInt32(8 * $0)) } })
    }

    /// The bytes a `save(to:)` writes, through a scratch file.
    private static func fileBytes(_ save: (URL) throws -> Void) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-seed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try save(url)
        return try Data(contentsOf: url)
    }
}
