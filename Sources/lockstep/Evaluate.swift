import ArgumentParser
import Experiments
import Foundation
import TFHE

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Server: run encrypted inputs through the circuit with the server key only.",
        discussion: """
            Reads the circuit, a server key file and a ciphertext file of encrypted inputs; writes the \
            encrypted outputs. It never reads a client key: a client key file given as --key is refused \
            from its header.
            """)

    @Argument(help: "Circuit file (JSON) the keys were generated for.")
    var circuit: String

    @Option(help: "Server key file.")
    var key: String

    @Option(help: "Ciphertext file of encrypted inputs.")
    var inputs: String

    @Option(help: "Ciphertext file to write.")
    var out: String

    @Option(help: "PBS worker threads (0 = all cores, the default).", transform: workerThreads)
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .customLong("all-ops"), help: "Keep every op's ciphertexts (for an op-by-op check), not only the outputs.")
    var allOps = false

    func run() async throws {
        let progress = ConsoleProgress(prefix: "evaluate", interactive: isatty(STDERR_FILENO) == 1)
        let summary = try DeploymentServerCommand.evaluate(
            circuit: URL(fileURLWithPath: circuit), serverKey: URL(fileURLWithPath: key), inputs: URL(fileURLWithPath: inputs),
            out: URL(fileURLWithPath: out), threads: threads, allOps: allOps, progress: progress)
        progress.clear()
        printLine("evaluated \(summary.samples) samples on \(summary.plan.keysDescription) with \(summary.threads) threads in \(String(format: "%.2f", summary.evaluateSeconds)) s (\(String(format: "%.3f", summary.evaluateSeconds / Double(max(1, summary.samples)))) s/sample; loading \(String(format: "%.2f", summary.loadSeconds)) s)")
        printLine("wrote \(out) (\(summary.heldOps) op(s) per sample, \(summary.outputBytes) bytes)")
    }
}
