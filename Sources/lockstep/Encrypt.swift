import ArgumentParser
import Experiments
import Foundation

struct Encrypt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Client: encrypt rows of quantized input codes with the client key.",
        discussion: """
            The codes file has one row per sample with columns code_0 … code_{n-1} (and optionally \
            `sample`, carried through to the results); `lockstep export --codes` writes one.
            """)

    @Argument(help: "Circuit file (JSON) the keys were generated for.")
    var circuit: String

    @Option(help: "Client key file.")
    var key: String

    @Option(help: "Codes CSV.")
    var inputs: String

    @Option(help: "Ciphertext file to write.")
    var out: String

    func run() async throws {
        let summary = try DeploymentClientCommands.encrypt(
            circuit: URL(fileURLWithPath: circuit), clientKey: URL(fileURLWithPath: key),
            codes: URL(fileURLWithPath: inputs), out: URL(fileURLWithPath: out))
        printLine("encrypted \(summary.samples) samples in \(String(format: "%.2f", summary.encryptSeconds)) s; wrote \(out) (\(summary.outputBytes) bytes)")
    }
}
