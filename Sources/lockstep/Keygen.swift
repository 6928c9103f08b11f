import ArgumentParser
import Experiments
import Foundation
import TFHE

struct Keygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan a circuit file for TFHE and write its client key and server key files.",
        discussion: """
            The circuit is the JSON file of `lockstep export`. Parameters are chosen as an experiment \
            chooses them from fhe.p_error and fhe.parameters, and must be 128-bit secure. The server key \
            file holds every bootstrapping key the plan uses (one per parameter set) and the shared \
            keyswitching key; the client key file holds the secret key: keep it on the client. Both \
            record the circuit's fingerprint, the parameter sets and their fingerprints.
            """)

    @Argument(help: "Circuit file (JSON, from `lockstep export`).")
    var circuit: String

    @Option(name: .customLong("out-client"), help: "Client key file to write (secret).")
    var outClient: String

    @Option(name: .customLong("out-server"), help: "Server key file to write.")
    var outServer: String

    @Option(name: .customLong("p-error"), help: "Per-PBS failure target, as fhe.p_error: \(ProbabilityText.allowed).")
    var pError = "2^-40"

    @Option(name: .customLong("params"), help: "Parameter set, as fhe.parameters: auto, or a set `lockstep params` lists.",
            transform: parameterChoice)
    var parameters = ParameterChoice.automatic

    @OptionGroup var keys: KeySeedOption

    func validate() throws { _ = try log2PError(pError) }

    func run() async throws {
        let progress = ConsoleProgress(prefix: "keygen", interactive: isatty(STDERR_FILENO) == 1)
        let summary = try DeploymentClientCommands.keygen(
            circuit: URL(fileURLWithPath: circuit), log2PErrorTarget: try log2PError(pError), parameters: parameters,
            keySeed: keys.keySeed, clientKey: URL(fileURLWithPath: outClient), serverKey: URL(fileURLWithPath: outServer), progress: progress)
        progress.clear()
        let plan = summary.plan
        printLine("plan: \(plan.keysDescription) (\(plan.selection)), p_error 2^\(String(format: "%.1f", plan.log2PErrorTarget)) per PBS, \(plan.pbsCount) PBS/sample")
        printLine("circuit fingerprint \(summary.circuitFingerprint), key pair \(summary.keyPairFingerprint.short)…")
        printLine("keys: \(summary.seedProvenance), generated in \(String(format: "%.2f", summary.keygenSeconds)) s")
        printLine("wrote \(outClient) (client key, secret, \(summary.clientKeyBytes) bytes) and \(outServer) (server key, \(summary.serverKeyBytes) bytes)")
    }
}
