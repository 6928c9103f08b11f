import ArgumentParser
import Experiments

// Parsing shared by several commands, one definition each.

/// The one experiment of `config` a single-experiment command works on: the config's only
/// experiment, or the sweep member named `experiment`.
func chooseExperiment(config: String, experiment: String?) throws -> ExperimentConfig {
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

/// `--p-error` in the project's one p_error grammar (`ProbabilityText`), as log2; a usage error
/// naming the flag otherwise.
func log2PError(_ text: String) throws -> Double {
    guard let log2 = ProbabilityText.log2(text) else {
        throw ValidationError("--p-error \(text): allowed: \(ProbabilityText.allowed).")
    }
    return log2
}
