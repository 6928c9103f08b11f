import Foundation
import Testing
@testable import Circuit
import NeuralNet
import Quantization
import TFHE

/// The deployment files (client key, server key, ciphertexts) on small INSECURE sets, trusted
/// explicitly as the serialization tests do: a file's own insecure label is never trusted.
@Suite struct DeploymentFileTests {
    /// A circuit with rounding whose plan uses two bootstrapping keys: rounding on a one-level
    /// key, tables on a quiet two-level one (the case a server key bundle exists for).
    struct Deployment: Sendable {
        let circuit: IntegerCircuit
        let plan: FHEPlan
        let client: ClientKeyFile
        let server: ServerKeyFile
        var trusted: [ParameterSet] { plan.bootstrapParameterSets }
    }

    /// A coarse one-level key: cheap, but its PBS outputs are too noisy for the second layer,
    /// so the planner puts the first layer's tables on the two-level key.
    static let base = insecureCircuitTestSet().withPBSDecomposition(baseLog: 24, levels: 1)
    static let quiet = base.withPBSDecomposition(baseLog: 12, levels: 2)

    static func makeCircuit(seed: UInt64) throws -> IntegerCircuit {
        let model = try randomQuantizedModel(seed: seed, sizes: [6, 5, 4, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        return try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 3))
    }

    static func deploy(_ circuit: IntegerCircuit, keySeed: UInt8) throws -> Deployment {
        let plan = FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40, tableCandidates: [base, quiet])
        let (client, server) = try DeploymentKeys.generate(plan: plan, source: circuit, seed: .fixed(Array(repeating: keySeed, count: 32)))
        return Deployment(circuit: circuit, plan: plan, client: client, server: server)
    }

    static let circuit = try! makeCircuit(seed: 41)
    static let deployment = try! deploy(circuit, keySeed: 5)

    /// Runs `body` and returns the `DeploymentFileError` it throws (recording an issue if none).
    static func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> DeploymentFileError? {
        do {
            try body()
            Issue.record("the file was accepted", sourceLocation: sourceLocation)
        } catch let error as DeploymentFileError {
            return error
        } catch {
            Issue.record("expected a DeploymentFileError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// keygen → files → encrypt → files → evaluate (server key file only) → files → decrypt
    /// equals the clear executor on every op, and the prediction.
    @Test func roundTripThroughFilesEqualsTheClearExecutorOpByOp() throws {
        let d = Self.deployment
        #expect(d.plan.bootstrapParameterSets == [Self.base, Self.quiet], "the bundle must hold two bootstrapping keys")
        #expect(d.circuit.roundingShifts.contains { $0 > 0 })
        #expect(d.plan.layers.allSatisfy { $0.log2PError <= -40 }, "\(d.plan.layers.map(\.log2PError))")

        let clientBytes = d.client.serialized(), serverBytes = d.server.serialized()
        let clientKey = try ClientKeyFile(bytes: clientBytes, file: "client.key", trustedInsecureSets: d.trusted)
        #expect(clientKey.binding == d.client.binding)
        #expect(clientKey.clientKey.seedProvenance == "seeded (not for production secrets)")
        let client = try DeploymentClient(key: clientKey, source: d.circuit, keyFile: "client.key")
        #expect(client.plan == d.plan)
        // Printing a client key file or client (logs, debuggers) shows no key material.
        for printed in ["\(clientKey)", String(reflecting: clientKey), "\(client)", String(reflecting: client)] {
            #expect(printed.contains("<secret>") && !printed.contains("coefficients"), "\(printed.prefix(300))")
        }

        var generator = SeededGenerator(seed: 9)
        let codes = (0..<5).map { sampleCodes(d.circuit, sample: $0, generator: &generator) }
        let ids = [10, 11, 12, 13, 14]
        let inputBytes = try client.encrypt(samples: codes, sampleIDs: ids).serialized()

        // The server side: its own objects, built from bytes, with no client key anywhere.
        let serverKey = try ServerKeyFile(bytes: serverBytes, file: "server.key", trustedInsecureSets: d.trusted)
        #expect(serverKey.serverKeys.map(\.parameters) == [Self.base, Self.quiet])
        #expect(serverKey.serverKeys.keyPairFingerprint == d.server.serverKeys.keyPairFingerprint, "the same key tables")
        let server = try DeploymentServer(key: serverKey, source: d.circuit, keyFile: "server.key", threads: 2)
        let inputs = try CiphertextFile(bytes: inputBytes, file: "inputs.ct", matching: serverKey.binding, keyFile: "server.key", plan: server.plan)
        #expect(inputs.sampleIDs == ids)
        let outputBytes = try server.evaluate(inputs, allOps: true).serialized()

        let outputs = try CiphertextFile(bytes: outputBytes, file: "outputs.ct", matching: clientKey.binding, keyFile: "client.key", plan: client.plan)
        #expect(outputs.role == .outputs && outputs.blocks == d.plan.circuit.ops.indices.map { .op($0) })
        let decrypted = client.decrypt(outputs)
        let clear = ClearEvaluator(d.plan.circuit)
        for (position, sample) in decrypted.enumerated() {
            let trace = try clear.evaluate(codes[position])
            #expect(sample.sampleID == ids[position])
            for op in d.plan.circuit.ops.indices {
                #expect(sample.opValues[op] == trace.values[op], "sample \(position), op \(op)")
            }
            #expect(sample.prediction == d.plan.circuit.decode(trace.outputs).predictedClass)
            // The plan's narrowed circuit computes the file circuit's outputs.
            #expect(trace.outputs == (try ClearEvaluator(d.circuit).evaluate(codes[position])).outputs)
        }

        // Outputs only: one block, the last op, and the same prediction.
        let outputsOnly = try server.evaluate(inputs, allOps: false)
        #expect(outputsOnly.blocks == [.op(d.plan.circuit.ops.count - 1)])
        #expect(client.decrypt(outputsOnly).map(\.prediction) == decrypted.map(\.prediction))
    }

    /// A plan whose last hidden layer looks its tables up under a second key pair deploys
    /// too: the client key file holds both pairs' keys, the server key file the cross
    /// keyswitching key, and an outputs file the second pair's wider ciphertexts.
    @Test func twoKeyPairsRoundTripThroughFiles() throws {
        let circuit = try TwoKeyPairTests.circuit(sizes: [16, 20, 10])
        // Rounding at N = 256, whose 4-bit tables would miss 2^-40, so the planner, offered both
        // sets as the real one is, puts the tables on the N = 2048 pair.
        let sets = [insecureCircuitTestSet(name: "insecure-rounding-N256", polynomialSize: 256), TwoKeyPairTests.tables]
        let plan = FHEPlanner.makePlan(circuit, parameters: sets[0], selection: .named, target: -40, tableCandidates: sets)
        try #require(plan.keyPairs == sets, "\(plan.keysDescription)")
        let (clientFile, serverFile) = try DeploymentKeys.generate(plan: plan, source: circuit, seed: .fixed(Array(repeating: 3, count: 32)))
        let clientKey = try ClientKeyFile(bytes: clientFile.serialized(), file: "client.key", trustedInsecureSets: sets)
        #expect(clientKey.clientKeys.map(\.parameters) == sets)
        let serverKey = try ServerKeyFile(bytes: serverFile.serialized(), file: "server.key", trustedInsecureSets: sets)
        #expect(serverKey.serverKeys.map(\.readsAnotherKeyPair) == [false, true])
        #expect(serverKey.serverKeys.keyPairFingerprint == serverFile.serverKeys.keyPairFingerprint)
        let client = try DeploymentClient(key: clientKey, source: circuit, keyFile: "client.key")
        let server = try DeploymentServer(key: serverKey, source: circuit, keyFile: "server.key", threads: 2)

        var generator = SeededGenerator(seed: 4)
        let codes = (0..<3).map { sampleCodes(circuit, sample: $0, generator: &generator) }
        let inputBytes = try client.encrypt(samples: codes, sampleIDs: [0, 1, 2]).serialized()
        let inputs = try CiphertextFile(bytes: inputBytes, file: "inputs.ct", matching: serverKey.binding, keyFile: "server.key", plan: server.plan)
        let outputBytes = try server.evaluate(inputs, allOps: true).serialized()
        let outputs = try CiphertextFile(bytes: outputBytes, file: "outputs.ct", matching: clientKey.binding, keyFile: "client.key", plan: client.plan)
        let last = plan.circuit.ops.count - 1
        #expect(outputs.ciphertexts[0][0][0].dimension == sets[0].bigLWEDimension)
        #expect(outputs.ciphertexts[0][last][0].dimension == sets[1].bigLWEDimension)
        let clear = ClearEvaluator(plan.circuit)
        for (position, sample) in client.decrypt(outputs).enumerated() {
            let trace = try clear.evaluate(codes[position])
            for op in plan.circuit.ops.indices {
                #expect(sample.opValues[op] == trace.values[op], "sample \(position), op \(op)")
            }
        }
        // Cut inside the second pair's block: sized from the plan, so a named truncation.
        let cut = Self.refusal {
            _ = try CiphertextFile(bytes: Array(outputBytes.dropLast(64)), file: "outputs.ct", matching: clientKey.binding,
                                   keyFile: "client.key", plan: client.plan)
        }
        #expect(cut?.description.contains("truncated") == true, "\(cut?.description ?? "")")
        // A client key file cut after the first pair's key is refused, not half-loaded.
        let clientBytes = clientFile.serialized()
        let half = Self.refusal {
            _ = try ClientKeyFile(bytes: Array(clientBytes.prefix(clientBytes.count - 8 * sets[1].bigLWEDimension.rawValue)),
                                  file: "client.key", trustedInsecureSets: sets)
        }
        #expect(half?.description.contains("truncated") == true, "\(half?.description ?? "")")
    }

    /// The server reads no client key: refused from the 11-byte header alone, and by the full
    /// loader, whichever kind of client key it is.
    @Test func theServerRefusesAClientKey() throws {
        let d = Self.deployment
        let clientBytes = d.client.serialized()
        for bytes in [clientBytes, d.client.clientKey.serialized()] {
            let header = Array(bytes.prefix(ServerKeyFile.headerSize))
            let early = Self.refusal { try ServerKeyFile.checkHeader(header, file: "client.key") }
            #expect(early?.problem == .secretKeyRefused)
            #expect(early?.description.contains("client.key") == true && early?.description.contains("client key") == true)
            let full = Self.refusal { _ = try ServerKeyFile(bytes: bytes, file: "client.key", trustedInsecureSets: d.trusted) }
            #expect(full?.problem == .secretKeyRefused)
        }
    }

    /// Every truncation of a ciphertext file, and a spread of truncations of the key files, is
    /// a named error (never a crash); so is a flipped bit anywhere in the ciphertext file.
    @Test func truncatedAndCorruptedFilesAreRefusedByName() throws {
        let d = Self.deployment
        let client = try DeploymentClient(key: d.client, source: d.circuit, keyFile: "client.key")
        var generator = SeededGenerator(seed: 1)
        let bytes = try client.encrypt(samples: [sampleCodes(d.circuit, sample: 2, generator: &generator)], sampleIDs: [0]).serialized()
        for length in stride(from: 0, to: bytes.count, by: 37) + [bytes.count - 1] {
            let error = Self.refusal {
                _ = try CiphertextFile(bytes: Array(bytes[0..<length]), file: "inputs.ct", matching: d.client.binding, keyFile: "client.key", plan: client.plan)
            }
            #expect(error?.file == "inputs.ct")
            #expect(error?.description.contains("truncated") == true, "\(error?.description ?? "")")
        }
        let serverBytes = d.server.serialized(), clientBytes = d.client.serialized()
        for fraction in [0.0, 0.001, 0.3, 0.999] {
            let cut = Int(Double(serverBytes.count) * fraction)
            let error = Self.refusal { _ = try ServerKeyFile(bytes: Array(serverBytes[0..<cut]), file: "server.key", trustedInsecureSets: d.trusted) }
            #expect(error?.description.contains("server.key") == true && error?.description.contains("truncated") == true, "\(error?.description ?? "")")
            let clientCut = Int(Double(clientBytes.count) * fraction)
            let clientError = Self.refusal { _ = try ClientKeyFile(bytes: Array(clientBytes[0..<clientCut]), file: "client.key", trustedInsecureSets: d.trusted) }
            #expect(clientError?.description.contains("truncated") == true, "\(clientError?.description ?? "")")
        }
        for position in stride(from: 11, to: bytes.count, by: 41) {
            var corrupted = bytes
            corrupted[position] ^= 0x10
            let error = Self.refusal {
                _ = try CiphertextFile(bytes: corrupted, file: "inputs.ct", matching: d.client.binding, keyFile: "client.key", plan: client.plan)
            }
            #expect(error?.description.contains("checksum") == true, "byte \(position): \(error?.description ?? "")")
        }
        var corruptedKey = serverBytes
        corruptedKey[serverBytes.count / 2] ^= 0x01
        let keyError = Self.refusal { _ = try ServerKeyFile(bytes: corruptedKey, file: "server.key", trustedInsecureSets: d.trusted) }
        #expect(keyError?.description.contains("checksum") == true)
    }

    /// A well-formed file of another kind, another circuit, another key pair or other
    /// parameter sets is refused with what it is and what was expected.
    @Test func wrongKindAndMismatchedFilesAreRefusedByName() throws {
        let d = Self.deployment
        let client = try DeploymentClient(key: d.client, source: d.circuit, keyFile: "client.key")
        var generator = SeededGenerator(seed: 2)
        let codes = [sampleCodes(d.circuit, sample: 3, generator: &generator)]
        let inputBytes = try client.encrypt(samples: codes, sampleIDs: [0]).serialized()

        let kind = Self.refusal { _ = try ClientKeyFile(bytes: inputBytes, file: "inputs.ct", trustedInsecureSets: d.trusted) }
        #expect(kind?.problem == .wrongKind(found: .ciphertextFile, expected: .clientKeyFile))
        #expect(kind?.description == "inputs.ct: is a ciphertext file, expected a client key file.")
        let keyAsInputs = Self.refusal {
            _ = try CiphertextFile(bytes: d.server.serialized(), file: "server.key", matching: d.client.binding, keyFile: "client.key", plan: client.plan)
        }
        #expect(keyAsInputs?.problem == .wrongKind(found: .serverKeyFile, expected: .ciphertextFile))
        let text = Self.refusal { _ = try ServerKeyFile(bytes: Array("sample,code_0,code_1\n1,2,3\n2,3,4\n".utf8), file: "codes.csv") }
        #expect(text?.description.contains("not a Lockstep file") == true)

        // Another circuit: the key's plan cannot be made for it.
        let other = try Self.makeCircuit(seed: 42)
        let circuitError = Self.refusal { _ = try DeploymentClient(key: d.client, source: other, keyFile: "client.key") }
        guard case .otherCircuit = circuitError?.problem else { Issue.record("\(String(describing: circuitError))"); return }
        #expect(circuitError?.description.contains("another circuit") == true)
        let serverError = Self.refusal { _ = try DeploymentServer(key: d.server, source: other, keyFile: "server.key", threads: 1) }
        #expect(serverError?.description.contains("server.key: made for another circuit") == true)

        // Another key pair of the same circuit and sets: the server would compute noise.
        let second = try Self.deploy(d.circuit, keySeed: 6)
        let pairError = Self.refusal {
            _ = try CiphertextFile(bytes: inputBytes, file: "inputs.ct", matching: second.server.binding, keyFile: "server2.key", plan: d.plan)
        }
        guard case .otherKeyPair = pairError?.problem else { Issue.record("\(String(describing: pairError))"); return }
        #expect(pairError?.description.contains("server2.key") == true)

        // Other parameter sets (one key, tables on the base set).
        let single = FHEPlanner.makePlan(d.circuit, parameters: Self.base, selection: .named, target: -40)
        let (singleClient, _) = try DeploymentKeys.generate(plan: single, source: d.circuit, seed: .fixed(Array(repeating: 8, count: 32)))
        let setsError = Self.refusal {
            _ = try CiphertextFile(bytes: inputBytes, file: "inputs.ct", matching: singleClient.binding, keyFile: "single.key", plan: single)
        }
        guard case .otherParameters = setsError?.problem else { Issue.record("\(String(describing: setsError))"); return }
        #expect(setsError?.description.contains(Self.quiet.name) == true)

        // Encrypted inputs are not outputs.
        let inputs = try CiphertextFile(bytes: inputBytes, file: "inputs.ct", matching: d.client.binding, keyFile: "client.key", plan: d.plan)
        #expect(inputs.role == .inputs)
    }

    /// A key for a set under the 128-bit curve loads only when the caller trusts that set.
    @Test func insecureSetsAreRefusedUnlessTrusted() {
        let d = Self.deployment
        let error = Self.refusal { _ = try ServerKeyFile(bytes: d.server.serialized(), file: "server.key") }
        guard case .insecureParameters = error?.problem else { Issue.record("\(String(describing: error))"); return }
        #expect(error?.description.contains(Self.base.name) == true)
    }

    /// keygen refuses a plan that the other commands could not rebuild (here: every rounding
    /// bit extracted, an option the files do not record), before generating keys.
    @Test func aPlanThatCannotBeRebuiltIsRefusedAtKeygen() {
        let plan = FHEPlanner.makePlan(Self.circuit, parameters: Self.base, selection: .named, target: -40,
                                       tableCandidates: [Self.base, Self.quiet], options: FHEPlanOptions(extraction: .all))
        #expect(throws: CircuitFileError.self) {
            try DeploymentKeys.generate(plan: plan, source: Self.circuit, seed: .fixed(Array(repeating: 1, count: 32)))
        }
    }

    /// The circuit fingerprint ignores the file's spacing, not its content.
    @Test func circuitFingerprintIsCanonical() throws {
        let circuit = Self.circuit
        let data = try circuit.canonicalJSON()
        let spaced = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        let reread = try JSONDecoder().decode(IntegerCircuit.self, from: spaced)
        #expect(try reread.fingerprint() == circuit.fingerprint())
        #expect(try Self.makeCircuit(seed: 42).fingerprint() != circuit.fingerprint())
    }
}
