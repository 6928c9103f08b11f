import Circuit
import Datasets
import Experiments
import Foundation
import ModelImport
import NeuralNet
import Quantization
import Reporting
import TFHE

/// One input path a user's file reaches, driven by arbitrary bytes. Each harness feeds the
/// bytes through the same public entry point the CLI uses and, when they load, one step
/// further (a loaded model is quantized and lowered, a loaded circuit evaluated and planned),
/// because a file that loads is the one that reaches the arithmetic. A thrown error is the
/// expected answer to bad bytes; a trap, a hang or unbounded memory is a finding.
///
/// Run under libFuzzer by `lockstep-fuzz` (see `Tests/FuzzCorpus/README.md`); the committed
/// corpora are replayed by the unit tests on every CI run.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// An experiment config (YAML), as `lockstep run CONFIG` reads it.
    case config
    /// A float model file (`model.load`), loaded, quantized (PTQ) and lowered to a circuit.
    case model
    /// An ONNX model (`model.onnx`), imported, quantized (PTQ) and lowered to a circuit.
    case onnx
    /// A circuit file (`lockstep export`), loaded, evaluated in clear and planned.
    case circuit
    /// An sklearn CSV dataset; the first byte picks iris / breast cancer / wine (headed
    /// text) or digits (headerless, gzip-compressed by the harness so the mutations reach
    /// the CSV parser), loaded through `DatasetLoader` with a checksum list that matches.
    case sklearn
    /// MNIST-style IDX files: the bytes are split into an image file and a label file
    /// (gzip-compressed by the harness) and loaded as both the training and the test split.
    case mnist
    /// Raw gzip, as every compressed dataset file is read.
    case gzip
    /// CSV text as `lockstep report` reads result tables.
    case csv
    /// Serialized TFHE objects (client key, server key, LWE ciphertext) and the deployment
    /// files of `lockstep keygen/encrypt/evaluate` (client and server key files, ciphertext
    /// files of one fixed circuit and key pair): the kind byte of the header picks the decoder. The harness rewrites the checksum trailer first, so the
    /// mutations reach the fields instead of stopping at the checksum.
    case tfhe

    /// Runs one input. Errors are swallowed: they are the correct outcome for bad bytes.
    public func run(_ bytes: Data) {
        do { try runThrowing(bytes) } catch {}
    }

    /// `run` with the error, for the tests that check a seed is accepted.
    func runThrowing(_ bytes: Data) throws {
        switch self {
        case .config: try Self.config(bytes)
        case .model: try Self.model(bytes)
        case .onnx: try Self.lowered(ONNXModel.load(data: bytes, path: "fuzz-model.onnx").network)
        case .circuit: try Self.circuit(bytes)
        case .sklearn: try Self.sklearn(bytes)
        case .mnist: try Self.mnist(bytes)
        case .gzip: _ = try Gzip.decompress(bytes, path: "fuzz.gz")
        case .csv: try Self.csv(bytes)
        case .tfhe: try Self.tfhe(bytes)
        }
    }

    // MARK: Harnesses

    private static func config(_ bytes: Data) throws {
        guard let text = String(data: bytes, encoding: .utf8) else { return }
        // `base: base.yaml` composes with a fixed config beside the input, so the merge of
        // two configs is fuzzed as well.
        try withScratchFolder { folder in
            try Data(baseConfig.utf8).write(to: folder.appendingPathComponent("base.yaml"))
            _ = try ConfigLoader.load(yaml: text, file: folder.appendingPathComponent("fuzz.yaml").path)
        }
    }

    static let baseConfig = """
        name: fuzz-base
        seed: 7
        dataset: {name: iris, test_fraction: 0.3}
        model: {hidden: [8], activation: relu}
        training: {epochs: 2, batch_size: 16, optimizer: adam, learning_rate: 0.01}
        quantization: {method: ptq, input_bits: 3, weight_bits: 3, activation_bits: 3, max_tlu_bits: 5}
        fhe: {samples: 2, p_error: 2^-40, parameters: auto}

        """

    private static func model(_ bytes: Data) throws {
        try lowered(Network.load(data: bytes, path: "fuzz-model.json"))
    }

    /// A model that loaded, quantized and lowered, and its circuit evaluated once.
    private static func lowered(_ model: Network) throws {
        // The width is capped so one input cannot spend the fuzzer's time on a huge forward pass.
        guard model.inputCount <= 4096, model.layers.allSatisfy({ $0.outputCount <= 4096 }) else { return }
        let calibration = Matrix((0..<4).map { row in (0..<model.inputCount).map { Float(($0 + row) % 3) / 2 } })
        let quantized = try PostTrainingQuantizer.quantize(
            model, calibrationInputs: calibration,
            configuration: QuantizationConfiguration(method: .ptq, inputBits: 3, weightBits: 3, activationBits: 3))
        let circuit = try CircuitCompiler.lower(quantized, options: CircuitOptions(maxTLUBits: 6))
        _ = ClearEvaluator(circuit).run(quantized.quantizeInput([Float](repeating: 1, count: model.inputCount)))
    }

    private static func circuit(_ bytes: Data) throws {
        let circuit = try IntegerCircuit.load(data: bytes, path: "fuzz-circuit.json")
        guard circuit.inputCount <= 4096 else { return }
        let evaluator = ClearEvaluator(circuit)
        for code in [circuit.inputLow, circuit.inputHigh] {
            _ = try evaluator.evaluate([Int64](repeating: code, count: circuit.inputCount))
        }
        guard let set = ParameterCatalog.named("concrete-p40-b4") else { preconditionFailure("concrete-p40-b4 is a catalogue set") }
        _ = try FHEPlanner.plan(circuit, log2PErrorTarget: -40, parameters: .named(set))
    }

    private static func sklearn(_ bytes: Data) throws {
        guard let selector = bytes.first else { return }
        let content = bytes.dropFirst()
        let choices: [(DatasetName, String, Bool)] = [
            (.iris, "sklearn/iris.csv", false), (.breastCancer, "sklearn/breast_cancer.csv", false),
            (.wine, "sklearn/wine_data.csv", false), (.digits, "sklearn/digits.csv.gz", true),
        ]
        let (name, path, compressed) = choices[Int(selector) % choices.count]
        try withDataFolder(files: [path: compressed ? Gzip.compress(Data(content)) : Data(content)]) { folder in
            _ = try DatasetLoader(dataDirectory: folder).load(name)
        }
    }

    private static func mnist(_ bytes: Data) throws {
        // The first two bytes say where the image file ends and the label file begins.
        guard bytes.count >= 2 else { return }
        let body = Data(bytes.dropFirst(2))
        let cut = min(Int(bytes[bytes.startIndex]) << 8 | Int(bytes[bytes.startIndex + 1]), body.count)
        let images = Gzip.compress(body.prefix(cut))
        let labels = Gzip.compress(body.dropFirst(cut))
        var files: [String: Data] = [:]
        for split in ["train", "t10k"] {
            files["mnist/\(split)-images-idx3-ubyte.gz"] = images
            files["mnist/\(split)-labels-idx1-ubyte.gz"] = labels
        }
        try withDataFolder(files: files) { folder in _ = try DatasetLoader(dataDirectory: folder).load(.mnist) }
    }

    private static func csv(_ bytes: Data) throws {
        guard let text = String(data: bytes, encoding: .utf8) else { return }
        let document = try CSVDocument(parsing: text, source: "fuzz.csv")
        for name in document.header { _ = document.column(name) }
    }

    private static func tfhe(_ bytes: Data) throws {
        var object = [UInt8](bytes)
        let headerSize = 11
        guard object.count >= headerSize + BinaryFormat.trailerSize else { return }
        let end = object.count - BinaryFormat.trailerSize
        let sum = object.withUnsafeBytes { BinaryFormat.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        for index in 0..<8 { object[end + index] = UInt8(truncatingIfNeeded: sum >> UInt64(8 * index)) }
        switch object[8] {
        case 1: _ = try ClientKey(serialized: object, trustedInsecureSets: [fuzzParameters])
        case 2: _ = try ServerKey(serialized: object, trustedInsecureSets: [fuzzParameters])
        case 4: _ = try ClientKeyFile(bytes: object, file: "fuzz.key", trustedInsecureSets: [fuzzParameters])
        case 5: _ = try ServerKeyFile(bytes: object, file: "fuzz.key", trustedInsecureSets: [fuzzParameters])
        case 6:
            let deployment = try fuzzDeployment()
            _ = try CiphertextFile(bytes: object, file: "fuzz.ct", matching: deployment.keys.client.binding,
                                   keyFile: "fuzz.key", plan: deployment.plan)
        default: _ = try LWECiphertext(serialized: object, parameters: fuzzParameters)
        }
    }

    // MARK: Fixtures

    /// A tiny, INSECURE set (n = 4, N = 16) whose keys fit in a fuzzer input, trusted by the
    /// TFHE harness so that well-formed keys get past the security check to the key fields.
    public static let fuzzParameters = ParameterSet(
        name: "insecure-fuzz-n4-N16", precision: 2,
        lweDimension: LWEDimension(4), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(16),
        lweNoise: StandardDeviation(0x1p-20), glweNoise: StandardDeviation(0x1p-30),
        pbsBaseLog: DecompositionBaseLog(12), pbsLevels: DecompositionLevelCount(2),
        ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(2),
        isInsecureTestSet: true)

    /// The deployment the ciphertext-file inputs must belong to: the seed circuit planned on
    /// the fuzz set, with keys from a fixed seed (public fixtures).
    static func fuzzDeployment() throws -> (plan: FHEPlan, keys: (client: ClientKeyFile, server: ServerKeyFile)) {
        try deploymentFixture.get()
    }

    private static let deploymentFixture = Result { () throws -> (plan: FHEPlan, keys: (client: ClientKeyFile, server: ServerKeyFile)) in
        let circuit = try seedCircuit()
        let plan = FHEPlanner.makePlan(circuit, parameters: fuzzParameters, selection: .named, target: -40)
        return (plan, try DeploymentKeys.generate(plan: plan, source: circuit, seed: .fixed(0xF023)))
    }

    /// A new empty folder for one input, removed afterwards (the unit tests run harnesses in
    /// parallel, so inputs never share files).
    private static func withScratchFolder(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-fuzz-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }

    /// A data folder holding `files` (path relative to the folder → content) and a
    /// `SHA256SUMS` that matches them, so the loader's checksum check passes and its parsers
    /// see the bytes.
    private static func withDataFolder(files: [String: Data], _ body: (URL) throws -> Void) throws {
        try withScratchFolder { folder in
            var sums = ""
            for (path, content) in files.sorted(by: { $0.key < $1.key }) {
                let url = folder.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: url)
                sums += "\(sha256Hex(content))  \(path)\n"
            }
            try Data(sums.utf8).write(to: folder.appendingPathComponent("SHA256SUMS"))
            try body(folder)
        }
    }
}
