import Foundation
import Circuit
import NeuralNet
import Reporting
import Testing

@testable import Experiments

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func irisConfig(_ name: String, extra: String = "", quantization: String = "{method: ptq, bits: 6}") throws
    -> ExperimentConfig
{
    let yaml = """
        name: \(name)
        seed: 3
        dataset: {name: iris, test_fraction: 0.3}
        model: {hidden: [8], activation: relu}
        training: {epochs: 30, batch_size: 16, learning_rate: 0.02}
        quantization: \(quantization)
        \(extra)
        """
    return try #require(try ConfigLoader.load(yaml: yaml, file: "\(name).yaml").first)
}

func temporaryResults() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-results-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func runner(_ results: URL, force: Bool = false) -> ExperimentRunner {
    ExperimentRunner(
        options: RunOptions(
            dataDirectory: repositoryRoot.appendingPathComponent("data").path, resultsDirectory: results, force: force))
}

func csv(_ url: URL) throws -> CSVDocument {
    try CSVDocument(parsing: String(contentsOf: url, encoding: .utf8), source: url.path)
}

@Suite struct RunnerTests {
    @Test func writesTheFullResultsLayoutWithFHEColumnsNotRun() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-ptq6")
        let outcome = try runner(results).run(config)
        #expect(outcome.status == .ran)
        let files = outcome.files
        for url in files.resultFiles + [files.floatModel] {
            #expect(FileManager.default.fileExists(atPath: url.path), "\(url.lastPathComponent)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: files.directory.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no temporary files left behind")

        let summary = try csv(files.summaryCSV)
        #expect(summary.header == SummaryRecord.columns && summary.rows.count == 1)
        for column in ["fhe_samples", "fhe_accuracy", "quantized_accuracy_on_fhe_samples", "fhe_mismatches",
                       "fhe_latency_ms_median", "keygen_s"] {
            #expect(summary.column(column) == ["not run"], "\(column)")
        }
        #expect(outcome.summary.testSamples == 45)
        #expect(outcome.summary.floatAccuracy > 0.8, "iris is easy; 30 epochs reach well above chance")
        #expect(outcome.summary.quantizedAccuracy > 0.7, "6-bit PTQ keeps iris far above chance (1/3)")

        let samples = try csv(files.samplesCSV)
        #expect(samples.rows.count == 45)
        let quantizedCorrect = zip(samples.column("label")!, samples.column("quantized_pred")!).filter { $0 == $1 }.count
        #expect(Double(quantizedCorrect) / 45 == outcome.summary.quantizedAccuracy, "samples.csv and summary agree")
        #expect(samples.column("fhe_pred")!.allSatisfy { $0 == "not run" })

        let layers = try csv(files.layersCSV)
        #expect(layers.rows.count == 2)
        #expect(layers.column("bound_respected") == ["true", "true"])
        #expect(layers.column("tlu_bits")?.last == "none (decrypted)")

        let manifest = try JSONManifest.read(ExperimentManifest.self, from: files.manifest)
        #expect(manifest.configFingerprint == config.fingerprint)
        #expect(manifest.config == config)
        #expect(manifest.model.source == "trained" && manifest.model.layerSizes == [4, 8, 3])
        #expect(manifest.fhe.status == "not run")
        #expect(manifest.seeds.datasetSplit == 3 && manifest.seeds.trainingShuffle == 3)
        #expect(manifest.environment.logicalCores >= 1)
        #expect(manifest.results.floatAccuracy == outcome.summary.floatAccuracy)
    }

    @Test func finishedExperimentsAreSkippedAndForceReusesTheSavedModel() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-skip")
        let first = try runner(results).run(config)
        let samplesBefore = try Data(contentsOf: first.files.samplesCSV)

        let second = try runner(results).run(config)
        #expect(second.status == .skipped)
        #expect(second.summary.values.map(\.text) == first.summary.values.map(\.text))

        let forced = try runner(results, force: true).run(config)
        #expect(forced.status == .ran)
        let manifest = try JSONManifest.read(ExperimentManifest.self, from: forced.files.manifest)
        #expect(manifest.model.source.hasPrefix("reused "))
        #expect(manifest.timings.trainSeconds == first.summary.trainSeconds, "training time carried from the trained run")
        #expect(try Data(contentsOf: forced.files.samplesCSV) == samplesBefore, "same model, same predictions")

        // An experiment asking for FHE samples is finished only once its FHE stage ran. Checked on
        // the manifest alone (no encryption here): the clear run's manifest, relabelled as the
        // FHE-requesting config, counts as finished only when its FHE status is not `not run`.
        var wantsFHE = config
        wantsFHE.fhe.samples = 5
        func relabelManifest(fheStatus: String) throws {
            var json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: forced.files.manifest)) as? [String: Any])
            json["configFingerprint"] = wantsFHE.fingerprint
            var fhe = try #require(json["fhe"] as? [String: Any])
            fhe["status"] = fheStatus
            json["fhe"] = fhe
            try JSONSerialization.data(withJSONObject: json).write(to: forced.files.manifest)
        }
        try relabelManifest(fheStatus: "not run")
        #expect(runner(results).existingResults(for: wantsFHE) == nil, "FHE requested but not run: unfinished")
        try relabelManifest(fheStatus: "ran")
        #expect(runner(results).existingResults(for: wantsFHE) != nil)
        #expect(runner(results).existingResults(for: config) == nil, "the manifest now belongs to the other config")

        var changed = config
        changed.quantization.weightBits = 4
        #expect(try runner(results).run(changed).status == .ran, "a changed config is not skipped")
    }

    /// A batch killed halfway (the manifest is written last, so an experiment killed mid-run has
    /// none) restarts without redoing finished experiments.
    /// A real 128-bit encrypted run (about 10 s in a debug build): an 8-neuron iris network with
    /// 3-bit tables on 2 samples.
    @Test func encryptedRunWritesNoiseFilesAndCleanRerunsRemoveThem() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig(
            "iris-fhe", extra: "fhe: {samples: 2, threads: 2}",
            quantization: "{method: ptq, bits: 2, accumulator_bits_budget: 3, rounding: disabled}")
        let files = try runner(results).run(config).files
        let noise = try csv(files.noiseCSV)
        #expect(noise.header == LayerNoiseRecord.columns)
        let layers = try csv(files.layersCSV)
        #expect(noise.rows.count == layers.rows.count)
        // noise.csv and layers.csv come from the same measurement.
        #expect(noise.column("sigma_measured") == layers.column("fhe_sigma_measured"))
        #expect(noise.column("ciphertexts") == layers.column("fhe_ciphertexts"))
        #expect(noise.column("flips_observed") == layers.column("fhe_mismatches"))
        #expect(noise.column("ciphertexts") == ["16", "6"], "2 samples × 8 hidden neurons, 2 × 3 outputs")
        // Each verdict is the one its own row's numbers imply (this key's σ inside the χ²
        // interval), unless the prediction sits within the printed rounding of an end.
        for row in noise.rows.indices {
            let value = { (column: String) in Double(noise.column(column)![row])! }
            let (predicted, low, high) = (value("sigma_predicted_this_key"), value("sigma_ci99_low"), value("sigma_ci99_high"))
            guard abs(predicted / low - 1) > 1e-3, abs(predicted / high - 1) > 1e-3 else { continue }
            #expect(noise.column("verdict")![row] == (low < predicted && predicted < high ? "agrees" : "disagrees"), "layer \(row)")
        }
        // The hidden layer's prediction for this run's keys differs from the key average only
        // through the keys' Hamming weights (a few per cent); the output layer's bound is shared.
        let averaged = noise.column("sigma_predicted")!.map { Double($0)! }
        let thisKey = noise.column("sigma_predicted_this_key")!.map { Double($0)! }
        #expect(abs(thisKey[0] / averaged[0] - 1) < 0.1, "hidden layer: \(thisKey[0]) vs \(averaged[0])")
        #expect(thisKey[1] == averaged[1])
        for row in noise.rows.indices {
            let value = { (column: String) in Double(noise.column(column)![row])! }
            let rate = value("flips_expected") / value("ciphertexts")
            let (low, high) = (value("flip_rate_cp99_low"), value("flip_rate_cp99_high"))
            guard abs(rate - low) > 1e-3 * max(rate, low), abs(rate - high) > 1e-3 * max(rate, high) else { continue }
            #expect(noise.column("flip_verdict")![row] == (low <= rate && rate <= high ? "agrees" : "disagrees"), "layer \(row)")
        }

        let histogram = try csv(files.noiseHistogramCSV)
        #expect(histogram.header == NoiseHistogramRecord.columns)
        let layerOfBin = histogram.column("layer_index")!
        let observed = histogram.column("observed")!.map { Int($0)! }
        // Every measured ciphertext is in a bin, except outputs of all-zero tables (noiseless).
        for row in noise.rows.indices {
            let layer = noise.column("layer_index")![row]
            let total = zip(layerOfBin, observed).filter { $0.0 == layer }.map(\.1).reduce(0, +)
            #expect(total == Int(noise.column("ciphertexts")![row])! - Int(noise.column("zero_table_ciphertexts")![row])!,
                    "layer \(layer)")
        }
        #expect(noise.column("zero_table_ciphertexts")!.last == "0", "the output layer has no tables")

        let manifest = try JSONManifest.read(ExperimentManifest.self, from: files.manifest)
        #expect(manifest.environment.libraries["fftw"]?.contains("3.") == true)
        #expect(manifest.environment.libraries["gsl"]?.contains(".") == true)

        var clearOnly = config
        clearOnly.fhe.samples = 0
        _ = try runner(results, force: true).run(clearOnly)
        #expect(!FileManager.default.fileExists(atPath: files.noiseCSV.path))
        #expect(!FileManager.default.fileExists(atPath: files.noiseHistogramCSV.path))
    }

    /// The manifest's commit is the one the run started from: a commit made during a long run
    /// is not the code that ran (a 200-sample run once recorded the commit made while it ran).
    /// The environment is captured before the first stage and recorded as captured.
    @Test func theEnvironmentIsCapturedWhenTheRunStarts() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let events = EventLog()
        let startCommit = "0000000000000000000000000000000000000001"
        let options = RunOptions(
            dataDirectory: repositoryRoot.appendingPathComponent("data").path, resultsDirectory: results,
            captureEnvironment: {
                events.append("environment")
                var environment = RunEnvironment.capture()
                environment.gitCommit = startCommit
                return environment
            })
        let outcome = try ExperimentRunner(options: options, progress: events).run(try irisConfig("iris-environment"))
        let log = events.entries
        let captured = try #require(log.firstIndex(of: "environment"))
        #expect(log.filter { $0 == "environment" }.count == 1, "\(log)")
        #expect(log.firstIndex(of: "stage: writing results").map { captured < $0 } == true, "\(log)")
        #expect(captured < (log.firstIndex { $0.hasPrefix("stage:") } ?? log.count), "before the first stage: \(log)")
        let manifest = try JSONManifest.read(ExperimentManifest.self, from: outcome.files.manifest)
        #expect(manifest.environment.gitCommit == startCommit)
    }

    @Test func manifestPathsAreRelativeInsideTheCurrentDirectory() {
        let base = URL(fileURLWithPath: "/work/checkout", isDirectory: true)
        #expect(pathRelative(URL(fileURLWithPath: "/work/checkout/data"), to: base) == "data")
        #expect(pathRelative(URL(fileURLWithPath: "/work/checkout/results/../data/"), to: base) == "data")
        #expect(pathRelative(URL(fileURLWithPath: "/work/checkout"), to: base) == ".")
        #expect(pathRelative(URL(fileURLWithPath: "/work/checkout-other/data"), to: base) == "/work/checkout-other/data")
        #expect(pathRelative(URL(fileURLWithPath: "/srv/data"), to: base) == "/srv/data")
    }

    @Test func interruptedBatchRestartsWhereItStopped() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let batch = try ConfigLoader.load(
            yaml: """
                name: iris-batch
                dataset: {name: iris}
                model: {hidden: [6]}
                training: {epochs: 10, learning_rate: 0.02}
                quantization: {bits: [4, 5, 6]}
                """, file: "batch.yaml")
        #expect(batch.map(\.name) == ["iris-batch-b4", "iris-batch-b5", "iris-batch-b6"])
        _ = try runner(results).run(batch[0])
        let killed = try runner(results).run(batch[1])
        try FileManager.default.removeItem(at: killed.files.manifest)

        let restarted = try batch.map { try runner(results).run($0).status }
        #expect(restarted == [.skipped, .ran, .ran])
        let third = try JSONManifest.read(ExperimentManifest.self, from: ExperimentFiles(resultsDirectory: results, experiment: "iris-batch-b6").manifest)
        #expect(third.model.source.hasPrefix("reused "), "the sweep trains its float model once")
    }

    @Test func loadingASavedModelAndItsErrors() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let trained = try runner(results).run(try irisConfig("iris-source"))

        let loadYAML = "model: {load: \(trained.files.floatModel.path)}"
        let yaml = """
            name: iris-loaded
            seed: 3
            dataset: {name: iris, test_fraction: 0.3}
            \(loadYAML)
            quantization: {method: ptq, bits: 6}
            """
        let loaded = try runner(results).run(try ConfigLoader.load(yaml: yaml, file: "l.yaml")[0])
        #expect(loaded.summary.floatAccuracy == trained.summary.floatAccuracy)
        #expect(loaded.summary.quantizedAccuracy == trained.summary.quantizedAccuracy)
        #expect(loaded.summary.trainSeconds == nil)

        // The config loader reads the file and checks it against the dataset.
        let missingError = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(
                yaml: yaml.replacingOccurrences(of: trained.files.floatModel.path, with: "/nonexistent/model.json"), file: "m.yaml")
        }
        #expect(missingError.keyPath == "model.load" && missingError.message.contains("/nonexistent/model.json"), "\(missingError)")
        let shapeError = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: yaml.replacingOccurrences(of: "name: iris,", with: "name: wine,"), file: "w.yaml")
        }
        #expect(shapeError.message.contains("has 4 inputs and 3 outputs, but wine has 13 features and 3 classes"), "\(shapeError)")

        // A file that goes away between loading the config and running it: the runner names it.
        let copy = results.appendingPathComponent("copy.json")
        try FileManager.default.copyItem(at: trained.files.floatModel, to: copy)
        let vanishing = try ConfigLoader.load(
            yaml: yaml.replacingOccurrences(of: trained.files.floatModel.path, with: copy.path)
                .replacingOccurrences(of: "iris-loaded", with: "iris-vanished"), file: "v.yaml")[0]
        try FileManager.default.removeItem(at: copy)
        let vanishedError = try #require(throws: ExperimentError.self) { try runner(results).run(vanishing) }
        #expect(vanishedError.description.contains("iris-vanished") && vanishedError.description.contains(copy.path), "\(vanishedError)")
    }
}

@Suite struct RunnerInputTrapTests {
    /// A valid config whose training diverges used to trap in `Quantizer.init`; now the
    /// experiment fails with the keys that decide convergence, and writes nothing.
    @Test func divergedTrainingIsAnExperimentErrorNamingTheKeys() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let yaml = """
            name: iris-diverges
            dataset: {name: iris}
            model: {hidden: [8], activation: identity}
            training: {epochs: 30, optimizer: sgd, learning_rate: 10}
            """
        let config = try ConfigLoader.load(yaml: yaml, file: "diverges.yaml")[0]
        let error = try #require(throws: ExperimentError.self) { try runner(results).run(config) }
        #expect(error.description.contains("iris-diverges"))
        #expect(error.description.contains("training diverged"), "\(error)")
        #expect(error.description.contains("training.learning_rate 10.0"))
        #expect(error.description.contains("training.optimizer sgd"))
        #expect(!FileManager.default.fileExists(atPath: ExperimentFiles(resultsDirectory: results, experiment: config.name).manifest.path))
    }
}

@Suite struct ShardingAndExportTests {
    @Test func shardsPartitionTheBatchDeterministically() {
        let batch = Array(0..<14)
        let shards = (1...3).map { shardSlice(batch, index: $0, count: 3) }
        #expect(shards[1] == [1, 4, 7, 10, 13])
        #expect(shards.flatMap { $0 }.sorted() == batch, "every experiment in exactly one shard")
        #expect(shardSlice(batch, index: 1, count: 1) == batch)
    }

    @Test func preparedCircuitSurvivesTheExportFileRoundTrip() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let prepared = try runner(results).prepare(try irisConfig("iris-export"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: results.path).isEmpty, "prepare writes nothing")
        let url = results.appendingPathComponent("circuit.json")
        try prepared.circuit.save(to: url)
        #expect(try IntegerCircuit.load(from: url) == prepared.circuit)
    }
}

@Suite struct RunEnvironmentTests {
    @Test func regeneratedResultsDoNotMakeTheTreeDirty() {
        #expect(!RunEnvironment.hasSourceChanges(" D results/quickstart/summary.csv\n M results/tables/accuracy.csv"))
        #expect(RunEnvironment.hasSourceChanges(" D results/quickstart/summary.csv\n M Sources/Experiments/ExperimentRunner.swift"))
        #expect(!RunEnvironment.hasSourceChanges(""))
        // Through git itself, in this checkout: whatever its state, the call must not treat the
        // first line's leading status space as part of the path.
        if let porcelain = RunEnvironment.runTool(["git", "status", "--porcelain", "-uno"], in: repositoryRoot, trimming: false),
            let first = porcelain.split(separator: "\n").first
        {
            #expect(first.count > 3 && first.dropFirst(2).first == " ", "status columns kept: '\(first)'")
        }
    }

    @Test func environmentIsCaptured() {
        let environment = RunEnvironment.capture(directory: repositoryRoot)
        // A checkout without git (e.g. a release tarball) records no commit; with git, the full hash.
        #expect(environment.gitCommit.map { $0.count == 40 && $0.allSatisfy(\.isHexDigit) } ?? true)
        #expect(environment.logicalCores >= 1)
        #expect(environment.buildConfiguration == "debug")
    }
}

/// `fhe.mode: simulate`: the simulator's figures in their own file, rerun detection, and noise
/// that shows where the target allows it.
@Suite struct SimulatedModeTests {
    @Test func simulateWritesItsOwnFileAndIsExactAtTheDefaultTarget() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-sim", extra: "fhe: {mode: simulate}",
                                    quantization: "{method: ptq, bits: 3, max_tlu_bits: 3}")
        #expect(config.fhe.runsSimulated && !config.fhe.runsEncrypted)
        let outcome = try runner(results).run(config)
        let simulation = try csv(outcome.files.directory.appendingPathComponent("simulation.csv"))
        #expect(simulation.header == SimulationRecord.columns && simulation.rows.count == 1)
        let row = Dictionary(uniqueKeysWithValues: zip(simulation.header, simulation.rows[0]))
        #expect(row["executor"] == "simulated")
        #expect(row["samples"] == String(outcome.summary.testSamples), "all test samples by default")
        // At 2^-40 per PBS a wrong value among 45 samples is far less likely than 1 in 10^9.
        #expect(row["sim_mismatched_samples"] == "0" && row["sim_changed_predictions"] == "0")
        #expect(row["sim_accuracy"] == row["quantized_accuracy_on_sim_samples"])
        #expect(abs(Double(row["quantized_accuracy_on_sim_samples"]!)! - outcome.summary.quantizedAccuracy) < 1e-6)
        #expect(outcome.summary.fheSamples == nil, "the encrypted columns stay not run")
        let manifest = try JSONManifest.read(ExperimentManifest.self, from: outcome.files.manifest)
        #expect(manifest.simulation?.samples == outcome.summary.testSamples && manifest.fhe.reason == "fhe.mode is simulate")
        #expect(try String(contentsOf: outcome.files.summaryMarkdown, encoding: .utf8).contains("simulated (no keys"))
        #expect(try runner(results).run(config).status == .skipped)

        // The report's trade-off table and figures carry the simulated figures, by executor.
        try ResultsReport.write(resultsDirectory: results)
        let tables = results.appendingPathComponent(ResultsReport.tablesFolderName)
        let tradeOff = try csv(tables.appendingPathComponent("p-error.csv"))
        #expect(tradeOff.rows.count == 1 && tradeOff.rows[0][0] == "iris-sim")
        #expect(tradeOff.column("sim_accuracy")?[0] == row["sim_accuracy"] && tradeOff.column("fhe_latency_ms_median")?[0] == "not run")
        let chart = try String(contentsOf: tables.appendingPathComponent("accuracy-vs-p-error.svg"), encoding: .utf8)
        #expect(chart.contains("iris-sim") && chart.hasPrefix("<svg"))
        #expect(FileManager.default.fileExists(atPath: tables.appendingPathComponent("latency-vs-p-error.svg").path))

        // Without simulation.csv the experiment is not finished.
        try FileManager.default.removeItem(at: outcome.files.directory.appendingPathComponent("simulation.csv"))
        #expect(runner(results).existingResults(for: config) == nil)
    }

    @Test func aLooseTargetShowsWrongValues() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-sim-loose", extra: "fhe: {mode: simulate, p_error: 0.25, simulated_samples: 40}",
                                    quantization: "{method: ptq, bits: 3, max_tlu_bits: 3}")
        let outcome = try runner(results).run(config)
        let simulation = try csv(outcome.files.directory.appendingPathComponent("simulation.csv"))
        let row = Dictionary(uniqueKeysWithValues: zip(simulation.header, simulation.rows[0]))
        #expect(row["samples"] == "40")
        #expect(Int(row["sim_mismatched_samples"]!)! > 0, "\(row)")
        #expect(Int(row["sim_wrong_values"]!)! >= Int(row["sim_mismatched_samples"]!)!)
    }

    @Test func badModeSettingsAreRefusedAtLoad() throws {
        let mode = try #require(throws: ConfigError.self) { try irisConfig("m", extra: "fhe: {mode: simulated}") }
        #expect(mode.description.contains("fhe.mode") && mode.description.contains("encrypt, simulate, both"), "\(mode)")
        let count = try #require(throws: ConfigError.self) { try irisConfig("c", extra: "fhe: {mode: both, simulated_samples: 0}") }
        #expect(count.description.contains("fhe.simulated_samples") && count.description.contains("all"), "\(count)")
        #expect(try irisConfig("a", extra: "fhe: {mode: both, samples: 2, simulated_samples: all}").fhe.simulatedSamples == nil)
        let bothWithout = try #require(throws: ConfigError.self) { try irisConfig("b", extra: "fhe: {mode: both}") }
        #expect(bothWithout.description.contains("fhe.mode") && bothWithout.description.contains("fhe.samples is 0"))
        let flat = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: "name: flat\ndataset: {name: iris}\nmodel: {hidden: []}\nfhe: {mode: simulate}", file: "flat.yaml")
        }
        #expect(flat.description.contains("flat.yaml:4") && flat.description.contains("fhe.mode"), "\(flat)")
        let ignored = try #require(throws: ConfigError.self) { try irisConfig("i", extra: "fhe: {mode: simulate, samples: 5}") }
        #expect(ignored.description.contains("fhe.samples") && ignored.description.contains("fhe.mode both"), "\(ignored)")
        // Configs without the keys keep their fingerprints (nil fields are not encoded).
        #expect(try irisConfig("f").fingerprint == irisConfig("f", extra: "fhe: {}").fingerprint)
    }
}

@Suite struct PErrorSweepTests {
    @Test func pErrorSweepsIntoNamedExperiments() throws {
        let configs = try ConfigLoader.load(
            yaml: "name: sweep\ndataset: {name: iris}\nmodel: {hidden: [8]}\nfhe: {mode: simulate, p_error: [2^-40, 2**-6, 0.125]}",
            file: "sweep.yaml")
        #expect(configs.map(\.name) == ["sweep-p2m40", "sweep-p2m6", "sweep-p0.125"])
        #expect(configs.map(\.fhe.pError) == [0x1p-40, 0x1p-6, 0.125])
    }
}

@Suite struct ReportRobustnessTests {
    /// A hand-edited simulation.csv (non-finite target, two rows) is a problem or left out of
    /// the figures, never a hang or a trap; a name with "-p" that is no sweep label is its own line.
    @Test func handEditedSimulationFilesAreRefusedOrSkipped() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        for name in ["iris-pc", "iris-pt"] {
            let config = try irisConfig(name, extra: "fhe: {mode: simulate}", quantization: "{method: ptq, bits: 3, max_tlu_bits: 3}")
            _ = try runner(results).run(config)
        }
        let tables = results.appendingPathComponent(ResultsReport.tablesFolderName)
        try ResultsReport.write(resultsDirectory: results)
        let chart = try String(contentsOf: tables.appendingPathComponent("accuracy-vs-p-error.svg"), encoding: .utf8)
        #expect(chart.contains(">iris-pc<") && chart.contains(">iris-pt<"), "two families, not one 'iris'")

        let file = results.appendingPathComponent("iris-pc/simulation.csv")
        var text = try String(contentsOf: file, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline)   // the CSV writer ends lines with CRLF
        var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[3] = "inf"
        text = lines[0] + "\n" + fields.joined(separator: ",") + "\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let (_, problems) = try ResultsReport.write(resultsDirectory: results)
        #expect(problems.isEmpty)
        #expect(!(try String(contentsOf: tables.appendingPathComponent("accuracy-vs-p-error.svg"), encoding: .utf8)).contains(">iris-pc<"))

        try (text + fields.joined(separator: ",") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let (_, twoRows) = try ResultsReport.write(resultsDirectory: results)
        #expect(twoRows.contains { $0.description.contains("simulation.csv") }, "\(twoRows)")
    }
}

/// Progress stages and other events in the order they happened.
final class EventLog: RunProgress, @unchecked Sendable {
    private let lock = NSLock()
    private var events = [String]()
    var entries: [String] { lock.withLock { events } }
    func append(_ event: String) { lock.withLock { events.append(event) } }
    func stage(_ description: String) { append("stage: \(description)") }
    func epochFinished(_ report: EpochReport, totalEpochs: Int, phase: String) {}
    func samplesDone(_ done: Int, of total: Int, phase: String) {}
}
