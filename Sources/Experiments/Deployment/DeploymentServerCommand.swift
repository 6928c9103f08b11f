import Circuit
import Foundation
import TFHE

/// `lockstep evaluate`: the server's whole job, from files. It reads the circuit, a server key
/// file and encrypted inputs, and writes encrypted outputs. It has no way to read a client
/// key: each file's 11-byte header is checked first and a client key, given as the key or as
/// the inputs, is refused before its body is read (`ServerKeyFile.checkHeader`,
/// `CiphertextFile.checkHeader`).
public enum DeploymentServerCommand {
    public struct Summary: Sendable {
        public let plan: FHEPlan
        public let samples: Int
        public let heldOps: Int
        public let threads: Int
        public let loadSeconds: Double
        public let evaluateSeconds: Double
        public let outputBytes: Int
    }

    /// `trustedInsecureSets`: tests only.
    public static func evaluate(circuit circuitURL: URL, serverKey keyURL: URL, inputs inputsURL: URL, out: URL,
                                threads requestedThreads: Int, allOps: Bool, trustedInsecureSets: [ParameterSet] = [],
                                progress: any RunProgress = SilentProgress()) throws -> Summary {
        let clock = ContinuousClock()
        let start = clock.now
        let circuit = try DeploymentFileIO.loadCircuit(circuitURL)
        try ServerKeyFile.checkHeader(try DeploymentFileIO.readPrefix(keyURL, count: ServerKeyFile.headerSize), file: keyURL.path)
        progress.stage("loading the server key")
        let key = try ServerKeyFile(bytes: try DeploymentFileIO.readBytes(keyURL), file: keyURL.path,
                                    trustedInsecureSets: trustedInsecureSets)
        let threads = requestedThreads > 0 ? requestedThreads : ProcessInfo.processInfo.activeProcessorCount
        let server = try DeploymentServer(key: key, source: circuit, keyFile: keyURL.path, threads: threads)
        try CiphertextFile.checkHeader(try DeploymentFileIO.readPrefix(inputsURL, count: ServerKeyFile.headerSize), file: inputsURL.path)
        let inputs = try CiphertextFile(bytes: try DeploymentFileIO.readBytes(inputsURL), file: inputsURL.path,
                                        matching: key.binding, keyFile: keyURL.path, plan: server.plan)
        guard inputs.role == .inputs else {
            throw DeploymentFileError(file: inputsURL.path, .wrongContent("holds \(inputs.role); evaluate reads encrypted inputs (`lockstep encrypt`)"))
        }
        let loaded = clock.now
        progress.stage("evaluating \(inputs.sampleIDs.count) samples (\(server.plan.keysDescription), \(threads) threads)")
        let outputs = try server.evaluate(inputs, allOps: allOps) { done in
            progress.samplesDone(done, of: inputs.sampleIDs.count, phase: "encrypted")
        }
        let evaluated = clock.now
        let bytes = outputs.serialized()
        try DeploymentFileIO.write(bytes, to: out)
        return Summary(plan: server.plan, samples: inputs.sampleIDs.count, heldOps: outputs.blocks.count, threads: threads,
                       loadSeconds: (loaded - start).inSeconds, evaluateSeconds: (evaluated - loaded).inSeconds,
                       outputBytes: bytes.count)
    }
}
