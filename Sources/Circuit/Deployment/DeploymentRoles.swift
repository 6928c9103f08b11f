import Foundation
import TFHE

/// Key generation of a deployment: the runner's plan, its keys, and the two key files.
public enum DeploymentKeys {
    /// Keys for `plan`, made for the circuit `source` (the circuit file's, before the plan's
    /// narrowing). Throws when the plan could not be rebuilt by the later commands.
    public static func generate(plan: FHEPlan, source: IntegerCircuit, seed: RandomSeed) throws -> (client: ClientKeyFile, server: ServerKeyFile) {
        try DeploymentBinding.requireRebuildable(plan, source: source)
        let keys = plan.generateKeys(seed: seed)
        let binding = try DeploymentBinding(plan: plan, source: source, keyPair: keys.serverKeys.keyPairFingerprint)
        return (ClientKeyFile(binding: binding, clientKeys: keys.clientKeys), ServerKeyFile(binding: binding, serverKeys: keys.serverKeys))
    }
}

/// The client side of a deployment: encrypts input codes and decrypts the server's results
/// with the client key. The server side (`DeploymentServer`) never sees this type.
public struct DeploymentClient: Sendable {
    public let key: ClientKeyFile
    public let plan: FHEPlan
    let client: EncryptedCircuitClient

    /// `source`: the circuit file's circuit; `keyFile` names the key in errors.
    public init(key: ClientKeyFile, source: IntegerCircuit, keyFile: String) throws {
        self.key = key
        plan = try key.binding.plan(for: source, file: keyFile)
        client = EncryptedCircuitClient(plan: plan, clientKeys: key.clientKeys)
    }

    /// One encrypted input vector per sample; every code must lie in the circuit's input range.
    public func encrypt(samples codes: [[Int64]], sampleIDs: [Int]) throws -> CiphertextFile {
        precondition(codes.count == sampleIDs.count, "\(codes.count) samples, \(sampleIDs.count) ids")
        guard codes.count <= CiphertextFile.maximumSamples else {
            throw CircuitInputError(description: "\(codes.count) samples; a ciphertext file holds at most \(CiphertextFile.maximumSamples)")
        }
        if let id = sampleIDs.first(where: { !(0...Int(Int32.max)).contains($0) }) {
            throw CircuitInputError(description: "sample id \(id) is outside 0...\(Int32.max)")
        }
        for (row, input) in zip(sampleIDs, codes) {
            do {
                try ClearEvaluator.checkInput(input, of: plan.circuit)
            } catch let error as CircuitInputError {
                throw CircuitInputError(description: "sample \(row): \(error.description)")
            }
        }
        return CiphertextFile(binding: key.binding, role: .inputs, blocks: [.inputs], sampleIDs: sampleIDs,
                              ciphertexts: codes.map { [client.encrypt($0)] })
    }

    /// Per sample: every op the file holds, decrypted to the integers the clear evaluator
    /// computes for that op of `plan.circuit`, and the prediction (argmax of the decoded
    /// outputs) when the file holds the last op.
    public func decrypt(_ file: CiphertextFile) -> [DecryptedSample] {
        let last = plan.circuit.ops.count - 1
        return zip(file.sampleIDs, file.ciphertexts).map { id, blocks in
            var values = [Int: [Int64]]()
            for (block, ciphertexts) in zip(file.blocks, blocks) {
                if case .op(let i) = block { values[i] = client.decrypt(op: i, ciphertexts) }
            }
            return DecryptedSample(sampleID: id, opValues: values,
                                   prediction: values[last].map { plan.circuit.decode($0).predictedClass })
        }
    }
}

public struct DecryptedSample: Sendable, Equatable {
    public let sampleID: Int
    /// Op index of the plan's circuit → its values.
    public let opValues: [Int: [Int64]]
    public let prediction: Int?
}

/// The server side of a deployment: holds the server keys and the plan, never a client key.
public final class DeploymentServer: Sendable {
    public let key: ServerKeyFile
    public let plan: FHEPlan
    let executor: EncryptedExecutor

    public init(key: ServerKeyFile, source: IntegerCircuit, keyFile: String, threads: Int) throws {
        self.key = key
        plan = try key.binding.plan(for: source, file: keyFile)
        executor = EncryptedExecutor(plan: plan, serverKeys: key.serverKeys, threads: threads)
    }

    /// Runs every sample of `inputs` (already checked against this key: `CiphertextFile(bytes:
    /// file:matching:keyFile:plan:)`); keeps every op's ciphertexts with `allOps`, else the
    /// outputs (the last op) only. `progress` is told after each sample.
    public func evaluate(_ inputs: CiphertextFile, allOps: Bool, progress: (Int) -> Void = { _ in }) throws -> CiphertextFile {
        guard inputs.role == .inputs, inputs.blocks == [.inputs] else {
            throw CircuitInputError(description: "evaluate reads encrypted inputs; the file holds \(inputs.role)")
        }
        let last = plan.circuit.ops.count - 1
        let kept = allOps ? Array(0...last) : [last]
        var results = [[[LWECiphertext]]]()
        results.reserveCapacity(inputs.ciphertexts.count)
        for (done, sample) in inputs.ciphertexts.enumerated() {
            let all = executor.run(sample[0])
            results.append(kept.map { all[$0] })
            progress(done + 1)
        }
        return CiphertextFile(binding: key.binding, role: .outputs, blocks: kept.map { .op($0) },
                              sampleIDs: inputs.sampleIDs, ciphertexts: results)
    }
}
