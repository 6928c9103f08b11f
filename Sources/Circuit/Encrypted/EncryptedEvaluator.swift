import Foundation
import TFHE

/// One encrypted evaluation, with the ciphertexts of every op (for noise measurements) and
/// the time each side took.
public struct EncryptedRun: Sendable {
    /// Every op's decrypted values.
    public let trace: CircuitTrace
    /// ciphertexts[i]: op i's ciphertexts as the server produced them.
    public let ciphertexts: [[LWECiphertext]]
    public let encryptSeconds: Double
    public let evaluateSeconds: Double
    /// Decrypting the outputs, as a client would (decrypting the other ops for the check is
    /// not counted).
    public let decryptSeconds: Double
    public var latencySeconds: Double { encryptSeconds + evaluateSeconds + decryptSeconds }
}

/// The encrypted side as a `CircuitEvaluator` (DESIGN §3): the client encrypts the input, the
/// server-side `EncryptedExecutor` (server key only) runs `plan.circuit` op by op, and the
/// client decrypts every op's ciphertexts. A test harness object: it holds the client key to
/// decrypt what a deployed client never sees.
public final class EncryptedEvaluator: CircuitEvaluator, @unchecked Sendable {
    public let client: EncryptedCircuitClient
    public let executor: EncryptedExecutor
    public var circuit: IntegerCircuit { client.circuit }
    public var plan: FHEPlan { client.plan }

    /// `client` and `executor` must be built from the same plan and key pair.
    public init(client: EncryptedCircuitClient, executor: EncryptedExecutor) {
        precondition(client.plan == executor.plan, "Client and executor were built for different plans.")
        self.client = client
        self.executor = executor
    }

    public func evaluate(_ input: [Int64]) throws -> CircuitTrace { try run(input).trace }

    /// Encrypts, evaluates and decrypts every op, timing the client's and the server's parts.
    public func run(_ input: [Int64]) throws -> EncryptedRun {
        try ClearEvaluator.checkInput(input, of: circuit)
        let clock = ContinuousClock()
        let start = clock.now
        let inputs = client.encrypt(input)
        let encrypted = clock.now
        let ciphertexts = executor.run(inputs)
        let evaluated = clock.now
        let last = circuit.ops.count - 1
        let outputs = client.decrypt(op: last, ciphertexts[last])
        let decrypted = clock.now
        var values = ciphertexts.indices.dropLast().map { client.decrypt(op: $0, ciphertexts[$0]) }
        values.append(outputs)
        return EncryptedRun(
            trace: CircuitTrace(input: input, values: values), ciphertexts: ciphertexts,
            encryptSeconds: (encrypted - start).inSeconds, evaluateSeconds: (evaluated - encrypted).inSeconds,
            decryptSeconds: (decrypted - evaluated).inSeconds)
    }
}
