import Circuit
import Foundation
import NeuralNet
import Quantization
import Reporting
import TFHE
import Testing
@testable import Experiments

/// The deployment commands from files, as `lockstep keygen/encrypt/evaluate/decrypt` run
/// them, on a small circuit and an INSECURE test set (trusted explicitly; never in a real run).
@Suite struct DeploymentCommandTests {
    static let insecureSet = ParameterSet(
        name: "insecure-deployment-test", precision: 6,
        lweDimension: LWEDimension(64), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(2048),
        lweNoise: StandardDeviation(0x1p-25), glweNoise: StandardDeviation(0x1p-45),
        pbsBaseLog: DecompositionBaseLog(8), pbsLevels: DecompositionLevelCount(3),
        ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(4), isInsecureTestSet: true)

    struct Files {
        let directory: URL
        let plan: FHEPlan
        var circuit: URL { directory.appendingPathComponent("circuit.json") }
        var clientKey: URL { directory.appendingPathComponent("client.key") }
        var serverKey: URL { directory.appendingPathComponent("server.key") }
        var codes: URL { directory.appendingPathComponent("codes.csv") }
        var inputs: URL { directory.appendingPathComponent("inputs.ct") }
        var outputs: URL { directory.appendingPathComponent("outputs.ct") }
        var results: URL { directory.appendingPathComponent("results.csv") }
    }

    /// A 4→5→3 circuit saved as a file, and its keys written by the keygen path.
    static func makeFiles() throws -> Files {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deployment-\(UUID().uuidString)")
        var calibration = Matrix(rows: 32, columns: 4)
        var generator = SeededGenerator(seed: 3)
        for k in calibration.values.indices { calibration.values[k] = generator.nextUnitFloat() }
        let model = try PostTrainingQuantizer.quantize(
            Network(sizes: [4, 5, 3], activation: .relu, seed: 21), calibrationInputs: calibration,
            configuration: QuantizationConfiguration(method: .ptq, inputBits: 2, weightBits: 2, activationBits: 3,
                                                     perChannel: true, symmetricWeights: true))
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 6))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plan = FHEPlanner.makePlan(circuit, parameters: insecureSet, selection: .named, target: -40)
        let files = Files(directory: directory, plan: plan)
        try circuit.save(to: files.circuit)
        _ = try DeploymentClientCommands.writeKeys(plan: plan, circuit: circuit, seed: .fixed(0xD0),
                                                   clientKey: files.clientKey, serverKey: files.serverKey)
        return files
    }

    static func codes(_ circuit: IntegerCircuit) -> [[Int64]] {
        [[Int64](repeating: circuit.inputLow, count: circuit.inputCount),
         [Int64](repeating: circuit.inputHigh, count: circuit.inputCount),
         (0..<circuit.inputCount).map { circuit.inputLow + Int64($0) % (circuit.inputHigh - circuit.inputLow + 1) }]
    }

    static func writeCodes(_ rows: [[Int64]], ids: [Int], to url: URL) throws {
        var table = ReportTable(columns: ["sample", "label"] + (0..<rows[0].count).map { "code_\($0)" })
        for (id, row) in zip(ids, rows) { table.append([.integer(id), .integer(0)] + row.map { .integer(Int($0)) }) }
        try AtomicFile.write(table.csv(), to: url)
    }

    @Test func keygenEncryptEvaluateDecryptThroughFilesEqualsTheClearExecutor() throws {
        let files = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let trusted = [Self.insecureSet]
        let mode = try FileManager.default.attributesOfItem(atPath: files.clientKey.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the client key is readable by its owner only")

        let circuit = try IntegerCircuit.load(from: files.circuit)
        let codes = Self.codes(circuit)
        try Self.writeCodes(codes, ids: [7, 8, 9], to: files.codes)
        let encrypted = try DeploymentClientCommands.encrypt(circuit: files.circuit, clientKey: files.clientKey, codes: files.codes,
                                                             out: files.inputs, trustedInsecureSets: trusted)
        #expect(encrypted.samples == 3)
        let evaluated = try DeploymentServerCommand.evaluate(circuit: files.circuit, serverKey: files.serverKey, inputs: files.inputs,
                                                             out: files.outputs, threads: 2, allOps: true, trustedInsecureSets: trusted)
        #expect(evaluated.samples == 3 && evaluated.heldOps == circuit.ops.count)
        let decrypted = try DeploymentClientCommands.decrypt(circuit: files.circuit, clientKey: files.clientKey, inputs: files.outputs,
                                                             out: files.results, trustedInsecureSets: trusted)

        // The results CSV, read back, holds the clear executor's every value.
        let results = try CSVDocument(parsing: try String(contentsOf: files.results, encoding: .utf8), source: "results.csv")
        #expect(results.column("sample") == ["7", "8", "9"])
        let clear = ClearEvaluator(files.plan.circuit)
        for (row, input) in codes.enumerated() {
            let trace = try clear.evaluate(input)
            #expect(results.column("prediction")?[row] == String(circuit.decode(trace.outputs).predictedClass))
            for (op, values) in trace.values.enumerated() {
                for (j, value) in values.enumerated() {
                    #expect(results.column("op\(op)_\(circuit.ops[op].kind.rawValue)_\(j)")?[row] == String(value))
                }
            }
            #expect(decrypted.samples[row].opValues[circuit.ops.count - 1] == trace.outputs)
        }
    }

    /// evaluate is given the client key: refused from its header, nothing written.
    @Test func evaluateRefusesAClientKeyFile() throws {
        let files = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let circuit = try IntegerCircuit.load(from: files.circuit)
        try Self.writeCodes(Self.codes(circuit), ids: [0, 1, 2], to: files.codes)
        _ = try DeploymentClientCommands.encrypt(circuit: files.circuit, clientKey: files.clientKey, codes: files.codes,
                                                 out: files.inputs, trustedInsecureSets: [Self.insecureSet])
        let error = try #require(throws: DeploymentFileError.self) {
            try DeploymentServerCommand.evaluate(circuit: files.circuit, serverKey: files.clientKey, inputs: files.inputs,
                                                 out: files.outputs, threads: 1, allOps: false, trustedInsecureSets: [Self.insecureSet])
        }
        #expect(error.problem == .secretKeyRefused)
        #expect(error.description.hasPrefix(files.clientKey.path))
        #expect(!FileManager.default.fileExists(atPath: files.outputs.path))
        // Nor as the inputs.
        let asInputs = try #require(throws: DeploymentFileError.self) {
            try DeploymentServerCommand.evaluate(circuit: files.circuit, serverKey: files.serverKey, inputs: files.clientKey,
                                                 out: files.outputs, threads: 1, allOps: false, trustedInsecureSets: [Self.insecureSet])
        }
        #expect(asInputs.problem == .secretKeyRefused && asInputs.file == files.clientKey.path)
        // Encrypted inputs given where the outputs belong: decrypt says what the file holds.
        let wrong = try #require(throws: DeploymentFileError.self) {
            try DeploymentClientCommands.decrypt(circuit: files.circuit, clientKey: files.clientKey, inputs: files.inputs,
                                                 out: files.results, trustedInsecureSets: [Self.insecureSet])
        }
        #expect(wrong.description.contains("encrypted inputs"))
        // A missing key file is named.
        let missing = try #require(throws: DeploymentFileError.self) {
            try DeploymentServerCommand.evaluate(circuit: files.circuit, serverKey: files.directory.appendingPathComponent("none.key"),
                                                 inputs: files.inputs, out: files.outputs, threads: 1, allOps: false)
        }
        #expect(missing.description.contains("none.key"))
    }

    /// Codes files: the header must name the circuit's inputs; each bad cell names its line.
    @Test func badCodesFilesAreNamedErrors() throws {
        let files = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let circuit = try IntegerCircuit.load(from: files.circuit)
        let cases: [(String, String)] = [
            ("sample,code_0,code_1\r\n0,1,1\r\n", "code_0 … code_3"),
            ("sample,code_0,code_1,code_2,code_3\r\n0,1,x,1,1\r\n", "line 2: code_1 is 'x'"),
            ("sample,code_0,code_1,code_2,code_3\r\n0,1,1,1,\(circuit.inputHigh + 1)\r\n", "outside the circuit's input range"),
            ("sample,code_0,code_1,code_2,code_3\r\n-1,1,1,1,1\r\n", "sample '-1'"),
            ("sample,code_0,code_1,code_2,code_3\r\n", "no samples"),
        ]
        for (text, expected) in cases {
            try AtomicFile.write(text, to: files.codes)
            let error = try #require(throws: DeploymentCSVError.self) {
                try DeploymentClientCommands.encrypt(circuit: files.circuit, clientKey: files.clientKey, codes: files.codes,
                                                     out: files.inputs, trustedInsecureSets: [Self.insecureSet])
            }
            #expect(error.description.contains(expected) && error.description.contains("codes.csv"), "\(error.description)")
        }
    }
}
