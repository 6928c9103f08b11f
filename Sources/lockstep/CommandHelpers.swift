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

/// A parameter-set name of the catalog given with `flag`; a usage error naming the flag and
/// listing the known names otherwise. Every command's set flag goes through here.
enum ParameterLookup {
    static func named(_ name: String, flag: String = "--params") throws -> ParameterSet {
        guard let parameters = ParameterCatalog.named(name) else {
            let known = ParameterCatalog.all.map(\.name).joined(separator: ", ")
            throw ValidationError("\(flag) \(name): no such parameter set. Known sets: \(known), or one of them with another PBS decomposition as <set>-pbs<baseLog>x<levels> (e.g. concrete-p40-b4-pbs14x2).")
        }
        return parameters
    }
}
