import Circuit
import FileInput
import Foundation
import Reporting
import TFHE

/// The client's commands from files: `lockstep keygen`, `encrypt` and `decrypt`. They hold
/// the client key; the server's command is `DeploymentServerCommand`.
public enum DeploymentClientCommands {
    public struct KeygenSummary: Sendable {
        public let plan: FHEPlan
        public let circuitFingerprint: Fingerprint
        public let keyPairFingerprint: Fingerprint
        public let seedProvenance: String
        public let keygenSeconds: Double
        public let clientKeyBytes: Int
        public let serverKeyBytes: Int
    }

    /// Plans the circuit as an experiment does (`EncryptedEvaluation.plan`: `fhe.p_error`,
    /// `fhe.parameters`), generates its keys and writes the two key files.
    public static func keygen(circuit circuitURL: URL, log2PErrorTarget: Double, parameters choice: ParameterChoice, keySeed: UInt64?,
                              clientKey clientURL: URL, serverKey serverURL: URL,
                              progress: any RunProgress = SilentProgress()) throws -> KeygenSummary {
        let circuit = try DeploymentFileIO.loadCircuit(circuitURL)
        progress.stage("choosing TFHE parameters")
        // The same plan as a run's, second key pair included: the key files hold both pairs.
        let plan = try EncryptedEvaluation.plan(circuit, log2PErrorTarget: log2PErrorTarget, parameters: choice)
        return try writeKeys(plan: plan, circuit: circuit, seed: EncryptedEvaluation.keySeed(keySeed),
                             clientKey: clientURL, serverKey: serverURL, progress: progress)
    }

    /// The part of `keygen` after planning (tests plan with their insecure sets).
    public static func writeKeys(plan: FHEPlan, circuit: IntegerCircuit, seed: RandomSeed, clientKey clientURL: URL, serverKey serverURL: URL,
                                 progress: any RunProgress = SilentProgress()) throws -> KeygenSummary {
        guard clientURL.standardizedFileURL != serverURL.standardizedFileURL else {
            throw DeploymentFileError(file: clientURL.path, .wrongContent("given as both the client and the server key file; the secret key must go to a file of its own"))
        }
        progress.stage("generating keys (\(plan.keysDescription))")
        let clock = ContinuousClock()
        let start = clock.now
        let (client, server) = try DeploymentKeys.generate(plan: plan, source: circuit, seed: seed)
        let seconds = (clock.now - start).inSeconds
        let clientBytes = client.serialized(), serverBytes = server.serialized()
        try DeploymentFileIO.write(serverBytes, to: serverURL)
        try DeploymentFileIO.writeSecret(clientBytes, to: clientURL)
        return KeygenSummary(plan: plan, circuitFingerprint: client.binding.circuit, keyPairFingerprint: client.binding.keyPair,
                             seedProvenance: client.clientKey.seedProvenance, keygenSeconds: seconds,
                             clientKeyBytes: clientBytes.count, serverKeyBytes: serverBytes.count)
    }

    public struct EncryptSummary: Sendable {
        public let samples: Int
        public let encryptSeconds: Double
        public let outputBytes: Int
    }

    /// Encrypts every row of a codes CSV (`code_0` … `code_{n−1}`, and optionally `sample`;
    /// other columns are ignored), as `lockstep export --codes` writes it.
    public static func encrypt(circuit circuitURL: URL, clientKey keyURL: URL, codes codesURL: URL, out: URL,
                               trustedInsecureSets: [ParameterSet] = []) throws -> EncryptSummary {
        let client = try loadClient(circuit: circuitURL, key: keyURL, trustedInsecureSets: trustedInsecureSets)
        let (ids, codes) = try readCodes(codesURL, inputCount: client.plan.circuit.inputCount)
        let clock = ContinuousClock()
        let start = clock.now
        let file: CiphertextFile
        do {
            file = try client.encrypt(samples: codes, sampleIDs: ids)
        } catch let error as CircuitInputError {
            throw DeploymentCSVError(description: "\(codesURL.path): \(error.description)")
        }
        let seconds = (clock.now - start).inSeconds
        let bytes = file.serialized()
        try DeploymentFileIO.write(bytes, to: out)
        return EncryptSummary(samples: ids.count, encryptSeconds: seconds, outputBytes: bytes.count)
    }

    public struct DecryptSummary: Sendable {
        public let samples: [DecryptedSample]
        public let heldOps: [Int]
        public let decryptSeconds: Double
    }

    /// Decrypts a file of evaluated outputs and writes one CSV row per sample: `sample`,
    /// `prediction` (argmax of the decoded outputs), then `op<i>_<kind>_<j>` for every value
    /// the file holds (ops of the plan's circuit, whose round and table ops may be narrowed).
    public static func decrypt(circuit circuitURL: URL, clientKey keyURL: URL, inputs inputsURL: URL, out: URL,
                               trustedInsecureSets: [ParameterSet] = []) throws -> DecryptSummary {
        let client = try loadClient(circuit: circuitURL, key: keyURL, trustedInsecureSets: trustedInsecureSets)
        let file = try CiphertextFile(bytes: try DeploymentFileIO.readBytes(inputsURL), file: inputsURL.path,
                                      matching: client.key.binding, keyFile: keyURL.path, plan: client.plan)
        guard file.role == .outputs else {
            throw DeploymentFileError(file: inputsURL.path, .wrongContent("holds \(file.role); decrypt reads the outputs of `lockstep evaluate`"))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let samples = client.decrypt(file)
        let seconds = (clock.now - start).inSeconds
        let ops = file.blocks.compactMap { if case .op(let i) = $0 { i } else { nil } }
        let circuit = client.plan.circuit
        var columns = ["sample", "prediction"]
        for i in ops { columns += (0..<circuit.ops[i].count).map { "op\(i)_\(circuit.ops[i].kind.rawValue)_\($0)" } }
        var table = ReportTable(columns: columns)
        for sample in samples {
            var row: [ReportValue] = [.integer(sample.sampleID), sample.prediction.reportValue]
            for i in ops { row += (sample.opValues[i] ?? []).map { .integer(Int($0)) } }
            table.append(row)
        }
        try AtomicFile.write(table.csv(), to: out)
        return DecryptSummary(samples: samples, heldOps: ops, decryptSeconds: seconds)
    }

    static func loadClient(circuit circuitURL: URL, key keyURL: URL, trustedInsecureSets: [ParameterSet]) throws -> DeploymentClient {
        let circuit = try DeploymentFileIO.loadCircuit(circuitURL)
        let key = try ClientKeyFile(bytes: try DeploymentFileIO.readBytes(keyURL), file: keyURL.path,
                                    trustedInsecureSets: trustedInsecureSets)
        return try DeploymentClient(key: key, source: circuit, keyFile: keyURL.path)
    }

    /// Sample ids (the `sample` column, else the row number from 0) and the codes of each row.
    static func readCodes(_ url: URL, inputCount: Int) throws -> (ids: [Int], codes: [[Int64]]) {
        let data: Data
        do {
            data = try BoundedFile.read(url)
        } catch {
            throw DeploymentCSVError(description: "\(url.path): \(error.reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DeploymentCSVError(description: "\(url.path): cannot be read as UTF-8 text")
        }
        let document = try CSVDocument(parsing: text, source: url.path)
        let expected = (0..<inputCount).map { "code_\($0)" }
        let present = document.header.filter { $0.hasPrefix("code_") }
        guard present == expected else {
            throw DeploymentCSVError(description: "\(url.path): the circuit reads \(inputCount) codes, so the header needs columns code_0 … code_\(inputCount - 1) in order; it has \(present.count) code_ columns (\(present.prefix(3).joined(separator: ", "))\(present.count > 3 ? ", …" : ""))")
        }
        guard !document.rows.isEmpty else { throw DeploymentCSVError(description: "\(url.path): no samples (only a header)") }
        let codeColumns = expected.map { document.header.firstIndex(of: $0)! }
        let sampleColumn = document.header.firstIndex(of: "sample")
        var ids = [Int](), codes = [[Int64]]()
        for (index, row) in document.rows.enumerated() {
            let line = index + 2
            if let sampleColumn {
                guard let id = Int(row[sampleColumn]), (0...Int(Int32.max)).contains(id) else {
                    throw DeploymentCSVError(description: "\(url.path), line \(line): sample '\(row[sampleColumn])' is not an integer in 0...\(Int32.max)")
                }
                ids.append(id)
            } else {
                ids.append(index)
            }
            codes.append(try codeColumns.map { column in
                guard let code = Int64(row[column].trimmingCharacters(in: .whitespaces)) else {
                    throw DeploymentCSVError(description: "\(url.path), line \(line): \(document.header[column]) is '\(row[column])', not an integer")
                }
                return code
            })
        }
        return (ids, codes)
    }
}
