import ArgumentParser
import Experiments
import Foundation
import Reporting

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an experiment's compiled integer circuit as JSON, so others can re-check it.",
        discussion: """
            The file holds the circuit's ops (dense, conv2d, round, table) with their integer weights, tables, \
            sound bounds and rounding, and the output decoding (Circuit's file format 3; \
            `IntegerCircuit.load` re-validates it). The float model \
            is reused from results/ when an earlier run saved one with the same settings, else trained.
            """)

    @OptionGroup var choice: ExperimentChoice

    @Option(help: "Output file.")
    var out: String

    @OptionGroup var folders: ExperimentFolders

    @Option(help: "Also write the quantized input codes of test samples as CSV (for `lockstep encrypt`).")
    var codes: String?

    @Option(help: "Test samples in --codes, chosen with fhe.seed as the encrypted stage chooses them (default: the config's fhe.samples).")
    var samples: Int?

    func validate() throws {
        if let samples, !(1...1_000_000).contains(samples) { throw ValidationError("--samples must be in 1...1000000, got \(samples).") }
        if samples != nil && codes == nil { throw ValidationError("--samples chooses the rows of --codes; give --codes FILE too.") }
    }

    func run() async throws {
        let chosen = try choice.load()
        let runner = ExperimentRunner(
            options: folders.runOptions(),
            progress: ConsoleProgress(prefix: chosen.name, interactive: isatty(STDERR_FILENO) == 1))
        let prepared = try runner.prepare(chosen)
        let url = URL(fileURLWithPath: out)
        try prepared.circuit.save(to: url)
        let circuit = prepared.circuit
        printLine("\(chosen.name): \(circuit.stages.count) layers in \(circuit.ops.count) ops (\(circuit.ops.map(\.kind.rawValue).joined(separator: " → "))), max TLU \(circuit.tluPrecision) bits, \(circuit.pbsCount) PBS/sample (float model \(prepared.modelSource))")
        printLine("wrote \(url.path)")
        if let codes {
            let count = samples ?? max(1, chosen.fhe.samples)
            let table = InputCodes.table(prepared, samples: count)
            try AtomicFile.write(table.csv(), to: URL(fileURLWithPath: codes))
            printLine("wrote \(codes) (\(table.rows.count) of \(prepared.split.test.count) test samples, seed \(chosen.fhe.seed))")
        }
    }
}
