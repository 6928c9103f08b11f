import ArgumentParser
import Experiments
import Foundation
import TFHE

// Parsing shared by several commands, one definition each.

/// `--format` of the commands that print either a table or JSON lines.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// `--data` and `--results` of the commands that prepare experiments: where the datasets are,
/// and where results are written and saved float models are looked for.
struct ExperimentFolders: ParsableArguments {
    @Option(help: "Data folder holding SHA256SUMS, mnist/ and sklearn/ (default: ./data, or data/ beside Package.swift).")
    var data: String?

    @Option(help: "Results folder: `lockstep run` writes <results>/<experiment>/ there, and float models saved in it are reused.")
    var results = "results"

    var resultsURL: URL { URL(fileURLWithPath: results, isDirectory: true) }

    func runOptions(force: Bool = false, reuseTrainedModels: Bool = true) -> RunOptions {
        RunOptions(dataDirectory: data, resultsDirectory: resultsURL, force: force, reuseTrainedModels: reuseTrainedModels)
    }
}

/// A config file and, for a sweep, which of its experiments: the input of the commands that
/// work on one experiment.
struct ExperimentChoice: ParsableArguments {
    @Argument(help: "Experiment config file (YAML).")
    var config: String

    @Option(help: "Which experiment of a sweep config (default: the config's only experiment).")
    var experiment: String?

    /// The config's only experiment, or the sweep member named by `--experiment`.
    func load() throws -> ExperimentConfig {
        let experiments = try ConfigLoader.load(path: config)
        if let experiment {
            guard let match = experiments.first(where: { $0.name == experiment }) else {
                throw CommandError("\(config) has no experiment '\(experiment)'; it has: \(experiments.map(\.name).joined(separator: ", ")).")
            }
            return match
        }
        guard experiments.count == 1 else {
            throw CommandError("\(config) is a sweep of \(experiments.count) experiments; choose one with --experiment (\(experiments.map(\.name).joined(separator: ", "))).")
        }
        return experiments[0]
    }
}

/// `--key-seed` of the commands that generate keys for an encrypted run.
struct KeySeedOption: ParsableArguments {
    @Option(name: .customLong("key-seed"), help: "Derive the keys from this seed (reproducible, NOT for production secrets). Default: OS entropy.")
    var keySeed: UInt64?
}

/// `--p-error` in the project's one p_error grammar (`ProbabilityText`), as log2; a usage error
/// naming the flag otherwise.
func log2PError(_ text: String) throws -> Double {
    guard let log2 = ProbabilityText.log2(text) else {
        throw ValidationError("--p-error \(text): allowed: \(ProbabilityText.allowed).")
    }
    return log2
}

// One spelling and one grammar per flag across commands (issue 15): `--params` names
// parameter sets (with `auto` where a circuit is planned), `--threads` counts workers with
// 0 = all cores, `--fft` picks the FFT noise term. Each is parsed here, at parse time, into
// the typed value the command uses.

/// `--params` of commands that plan a circuit: `auto` or a catalogue set, as `fhe.parameters`.
func parameterChoice(_ text: String) throws -> ParameterChoice {
    guard let choice = ParameterChoice(text) else {
        throw ValidationError("--params \(text): unknown parameter set; allowed: \(ParameterChoice.allowed).")
    }
    return choice
}

/// `--params` of commands that measure sets: a catalogue set (no `auto`).
func parameterSet(_ text: String) throws -> ParameterSet {
    guard let set = ParameterCatalog.named(text) else {
        throw ValidationError("--params \(text): no such parameter set; allowed: \(ParameterCatalog.allowedNames).")
    }
    return set
}

/// `--threads`: 0 = all cores, else 1...1024 (the range of `fhe.threads`); resolved to a count.
func workerThreads(_ text: String) throws -> Int {
    guard let count = Int(text), (0...1024).contains(count) else {
        throw ValidationError("--threads \(text): allowed: 0 (all cores) to 1024.")
    }
    return count == 0 ? ProcessInfo.processInfo.activeProcessorCount : count
}

/// `--fft`: the FFT term of noise predictions: tfhe-rs (tfhe-rs's fit, the default),
/// concrete-cpu (concrete-cpu's fit), or a measured coefficient c with 0 < c ≤ 2^20 (measured
/// coefficients are O(1), TFHE_FACTS §3.6; 2^20 is far past any FFT).
func fftNoiseModel(_ text: String) throws -> FFTNoiseModel {
    switch text {
    case "tfhe-rs": return .tfheRsFit
    case "concrete-cpu": return .concreteCPUFit
    default:
        guard let coefficient = Double(text), coefficient > 0, coefficient <= 0x1p20 else {
            throw ValidationError("--fft \(text): allowed: tfhe-rs, concrete-cpu, or a measured coefficient c with 0 < c ≤ 1048576 (2^20).")
        }
        return .measured(coefficient: coefficient)
    }
}
