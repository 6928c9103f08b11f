import ArgumentParser
import Experiments
import Foundation
import NeuralNet
import Reporting

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train or load, quantize, compile and evaluate experiments; write results/<experiment>/.",
        discussion: """
            Each CONFIG is a YAML file (see configs/quickstart.yaml); a config with sweep lists expands into \
            several experiments. Experiments whose results already match their config are skipped unless \
            --force is given. One failing experiment is reported and the others still run; the exit status \
            is non-zero if any failed.
            """)

    @Argument(help: "Experiment config files (YAML).")
    var configs: [String]

    @OptionGroup var folders: ExperimentFolders

    @Flag(help: "Rerun experiments even when their results match the config.")
    var force = false

    @Option(help: ArgumentHelp(
        "Run only shard I of N (1-based): experiment k of the expanded batch belongs to shard (k mod N) + 1.",
        valueName: "I/N"))
    var shard: Shard?

    @Flag(help: "Train the float model even when an earlier run saved one with the same dataset/model/training settings.")
    var retrain = false

    func validate() throws {
        if configs.isEmpty { throw ValidationError("Give at least one config file, e.g. `lockstep run configs/quickstart.yaml`.") }
    }

    func run() async throws {
        var planned: [(config: ExperimentConfig, file: String)] = []
        var configErrors: [String] = []
        for file in configs {
            do {
                planned += try ConfigLoader.load(path: file).map { ($0, file) }
            } catch {
                configErrors.append("\(error)")
            }
        }
        var firstFile: [String: String] = [:]
        for (config, file) in planned {
            if let other = firstFile[config.name] {
                configErrors.append("\(file): experiment name '\(config.name)' is also produced by \(other); results would overwrite each other")
            }
            firstFile[config.name] = firstFile[config.name] ?? file
        }
        guard configErrors.isEmpty else {
            configErrors.forEach { printError("error: \($0)") }
            throw ExitCode(2)
        }
        if let shard {
            let total = planned.count
            planned = shardSlice(planned, index: shard.index, count: shard.count)
            printLine("shard \(shard.index)/\(shard.count): \(planned.count) of \(total) experiments")
        }
        if RunEnvironment.buildConfiguration == "debug" {
            printError("warning: this is a DEBUG build; timings are not meaningful and training is slow. Use `swift build -c release`.")
        }

        let interactive = isatty(STDERR_FILENO) == 1
        var (ran, skipped, failed, collapsed) = (0, 0, 0, 0)
        for (index, (config, file)) in planned.enumerated() {
            let label = "[\(index + 1)/\(planned.count)] \(config.name)"
            printLine("\(label) (\(file))")
            let progress = ConsoleProgress(prefix: label, interactive: interactive)
            let runner = ExperimentRunner(options: folders.runOptions(force: force, reuseTrainedModels: !retrain), progress: progress)
            do {
                let outcome = try runner.run(config, configFile: file)
                progress.clear()
                switch outcome.status {
                case .ran: ran += 1
                case .skipped: skipped += 1
                }
                printLine(Self.summaryLine(outcome))
                if outcome.summary.collapsed {
                    collapsed += 1
                    printError("  error: \(config.name): the quantized model collapsed: \(outcome.summary.collapseReasons.joined(separator: "; "))")
                }
            } catch {
                progress.clear()
                failed += 1
                printError("  FAILED: \(error)")
            }
        }
        printLine("\(ran) ran, \(skipped) skipped (already done), \(failed) failed, \(collapsed) collapsed (meaningless quantized models, see the error lines); results in \(folders.resultsURL.path)")
        if failed > 0 { throw ExitCode(1) }
    }

    static func summaryLine(_ outcome: ExperimentOutcome) -> String {
        let s = outcome.summary
        let status = outcome.status == .skipped ? "skipped, results match config" : "done"
        var line = "  \(status): float \(ReportValue.fraction(s.floatAccuracy).text)"
        line += ", quantized \(ReportValue.fraction(s.quantizedAccuracy).text)"
        line += " (\(s.quantizationMethod) \(s.inputBits)/\(s.weightBits)/\(s.activationBits) bits"
        line += ", agreement \(ReportValue.fraction(s.floatQuantizedAgreement).text))"
        line += ", max TLU \(s.maxTLUBits) bits, \(s.pbsPerSample) PBS/sample, \(s.testSamples) test samples"
        if let perEpoch = s.trainSecondsPerEpoch {
            line += ", train \(ReportValue.decimal(perEpoch, decimals: 2).text) s/epoch"
        }
        line += "\n  → \(outcome.files.directory.path)/"
        return line
    }
}

/// `--shard I/N`: a deterministic slice of a batch, so N machines (e.g. a Slurm job array) can
/// share one; every shard writes into the same results layout and `lockstep report` merges them.
struct Shard: ExpressibleByArgument, Equatable {
    let index: Int
    let count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
            (1...count).contains(index)
        else { return nil }
        self.index = index
        self.count = count
    }
}

/// A failure while a command runs (not a usage mistake): printed without the usage text.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Unbuffered stdout, so lines stay in order with stderr lines when both go to one CI log.
func printLine(_ message: String) {
    FileHandle.standardOutput.write(Data((message + "\n").utf8))
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// On a terminal: one live status line (stage, epoch or samples done, rate, ETA) on stderr.
/// Otherwise (CI logs, batch jobs): one plain line per stage, and for phases that run longer
/// than a minute (an encrypted MNIST subset takes hours) a samples-done line at most once a
/// minute, so a log shows progress without flooding.
final class ConsoleProgress: RunProgress, @unchecked Sendable {
    private let prefix: String
    private let interactive: Bool
    private let lock = NSLock()
    private var phaseStart = Date()
    private var currentPhase = ""
    private var lastLogged = Date()
    /// Seconds between samples-done lines in a log.
    static let logInterval: TimeInterval = 60

    init(prefix: String, interactive: Bool) {
        self.prefix = prefix
        self.interactive = interactive
    }

    func stage(_ description: String) {
        lock.withLock {
            phaseStart = Date()
            lastLogged = phaseStart
            currentPhase = description
        }
        if interactive {
            draw("\(description)…")
        } else {
            printLine("  \(description)")
        }
    }

    func epochFinished(_ report: EpochReport, totalEpochs: Int, phase: String) {
        guard interactive else { return }
        let elapsed = lock.withLock { Date().timeIntervalSince(phaseStart) }
        let eta = elapsed / Double(report.epoch) * Double(totalEpochs - report.epoch)
        draw(String(format: "%@ epoch %d/%d, loss %.4f, train acc %.4f, %.2f s/epoch, ETA %.0f s",
                    phase, report.epoch, totalEpochs, Double(report.loss), report.accuracy,
                    elapsed / Double(report.epoch), eta))
    }

    func samplesDone(_ done: Int, of total: Int, phase: String) {
        let now = Date()
        let (elapsed, due) = lock.withLock { () -> (TimeInterval, Bool) in
            let due = now.timeIntervalSince(lastLogged) >= Self.logInterval
            if due { lastLogged = now }
            return (now.timeIntervalSince(phaseStart), due)
        }
        let rate = Double(done) / max(elapsed, 1e-9)
        let status = String(format: "%@ %d/%d samples, %.2f samples/s, ETA %.0f s", phase, done, total, rate,
                            Double(total - done) / max(rate, 1e-9))
        if interactive {
            draw(status)
        } else if due && done < total {
            printLine("  \(status)")
        }
    }

    func clear() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func draw(_ text: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[K  \(text)".utf8))
    }
}
