import ArgumentParser
import Experiments
import Foundation

struct Decrypt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Client: decrypt evaluated outputs to predictions and op values (CSV).",
        discussion: """
            Writes one row per sample: sample, prediction (argmax of the decoded outputs), then \
            op<i>_<kind>_<j> for every value the file holds (all ops after `evaluate --all-ops`).
            """)

    @Argument(help: "Circuit file (JSON) the keys were generated for.")
    var circuit: String

    @Option(help: "Client key file.")
    var key: String

    @Option(help: "Ciphertext file from `lockstep evaluate`.")
    var inputs: String

    @Option(help: "Results CSV to write.")
    var out: String

    func run() async throws {
        let summary = try DeploymentClientCommands.decrypt(
            circuit: URL(fileURLWithPath: circuit), clientKey: URL(fileURLWithPath: key),
            inputs: URL(fileURLWithPath: inputs), out: URL(fileURLWithPath: out))
        printLine("decrypted \(summary.samples.count) samples (ops \(summary.heldOps.map(String.init).joined(separator: ", "))) in \(String(format: "%.3f", summary.decryptSeconds)) s; wrote \(out)")
    }
}
