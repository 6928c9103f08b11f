import ArgumentParser
import Experiments
import Foundation
import TFHE

struct SimulateCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-check",
        abstract: "Is the noise simulator faithful? Encrypted vs simulated error rates per op at a high p_error.",
        discussion: """
            Prepares the experiment as `lockstep run` does, plans 128-bit parameters for the given \
            per-PBS p_error (deliberately high, e.g. 2^-6, so failures happen), runs a seeded subset \
            of the test split encrypted with fresh keys and a larger one through the simulator \
            (same plan, noise drawn from the predicted distributions), and compares per op the rate \
            of wrong values (99 % Clopper–Pearson intervals must overlap) and the two accuracies \
            (two-proportion test, rejected below p = 0.01). Exit status 1 when a comparison fails.

            Example:
              lockstep simulate-check configs/experiments/encrypted-digits-rounding.yaml --p-error 2^-6
            """)

    @OptionGroup var choice: ExperimentChoice

    @Option(name: .customLong("p-error"), help: "Target failure probability per PBS for the plan (\(ProbabilityText.allowed)).")
    var pError = "2^-6"

    @Option(name: .customLong("fhe-samples"), help: "Encrypted samples.")
    var fheSamples = 50

    @Option(name: .customLong("sim-samples"), help: "Simulated samples (the whole test split at most).")
    var simSamples = 2000

    @Option(help: "Seed of the sample subsets (the simulated subset uses the next seed).")
    var seed: UInt64 = 1

    @Option(name: .customLong("noise-seed"), help: "Seed of the simulator's noise.")
    var noiseSeed: UInt64 = 1

    @Option(help: "PBS worker threads for the encrypted run (0 = all cores).", transform: workerThreads)
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("params"), help: "Parameter set name, or auto (default: the config's fhe.parameters).", transform: parameterChoice)
    var parameters: ParameterChoice?

    @OptionGroup var keys: KeySeedOption

    @OptionGroup var folders: ExperimentFolders

    func validate() throws {
        _ = try log2PError(pError)
        // The same ranges as the config keys fhe.samples and fhe.threads (workspaces are per thread).
        guard (1...1_000_000).contains(fheSamples) else { throw ValidationError("--fhe-samples must be in 1...1000000, got \(fheSamples).") }
        guard (1...10_000_000).contains(simSamples) else { throw ValidationError("--sim-samples must be in 1...10000000, got \(simSamples).") }
    }

    func run() async throws {
        let chosen = try choice.load()
        let progress = ConsoleProgress(prefix: chosen.name, interactive: isatty(STDERR_FILENO) == 1)
        let runner = ExperimentRunner(
            options: folders.runOptions(),
            progress: progress)
        let prepared = try runner.prepare(chosen)
        let check = try SimulationCheck.run(
            prepared: prepared, log2PErrorTarget: try log2PError(pError),
            parameters: parameters ?? chosen.fhe.parameters, encryptedSamples: fheSamples, simulatedSamples: simSamples,
            subsetSeed: seed, simulationSeed: noiseSeed,
            threads: threads, keySeed: keys.keySeed, progress: progress)
        let plan = check.plan
        printLine("\(chosen.name): plan for p_error \(pError) per PBS: \(plan.keysDescription), \(plan.pbsCount) PBS per sample "
            + "(\(plan.tablePBSCount) table, \(plan.roundingPBSCount) rounding); keys: \(check.keySeedDescription)")
        printLine("encrypted \(check.encryptedSamples) samples (median \(String(format: "%.1f", 1000 * check.encryptedLatencySecondsMedian)) ms), "
            + "simulated \(check.simulatedSamples) (\(String(format: "%.0f", check.simulatedSamplesPerSecond)) samples/s)")
        printLine("own = errors an op makes itself (its input was right); all = with errors propagated from earlier ops")
        printLine("op  kind   layer  predicted   encrypted own (off by 1)  99% CI            all       simulated own (off by 1)  99% CI            all       verdict")
        for op in check.ops {
            func side(_ c: SimulationCheck.Counts) -> String {
                "\(c.ownWrong)/\(c.ownValues) (\(c.ownOffByOne))".padding(toLength: 24, withPad: " ", startingAt: 0)
                    + " [\(String(format: "%.4f", c.ownWrongInterval.lower)), \(String(format: "%.4f", c.ownWrongInterval.upper))]"
                    + "  " + "\(c.wrong)".padding(toLength: 8, withPad: " ", startingAt: 0)
            }
            let predicted = op.predictedLog2PError < -200 ? "< 2^-200" : String(format: "2^%.1f", op.predictedLog2PError)
            printLine("\(op.op)".padding(toLength: 4, withPad: " ", startingAt: 0) + op.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                + "\(op.layer)".padding(toLength: 7, withPad: " ", startingAt: 0) + predicted.padding(toLength: 12, withPad: " ", startingAt: 0)
                + side(op.encrypted) + "  " + side(op.simulated) + "  " + (op.agrees ? "agrees" : "DISAGREES"))
        }
        printLine(String(format: "accuracy: encrypted %.4f, simulated %.4f, two-proportion p = %.3f (%@)",
                         check.encryptedAccuracy, check.simulatedAccuracy, check.accuracyPValue,
                         (check.accuracyAgrees ? "agrees" : "DISAGREES") as NSString))
        printLine(check.passed ? "simulator agrees with encryption on every op" : "simulator DISAGREES with encryption")
        if !check.passed { throw ExitCode(1) }
    }
}
