import GSLStatistics
import Circuit
import Datasets
import FileInput
import Foundation
import ModelImport
import NeuralNet
import Quantization
import Reporting

/// Settings of a batch that are not part of any experiment's meaning.
public struct RunOptions: Sendable {
    /// `--data`: overrides the default data search (a config's `data:` key wins over it).
    public var dataDirectory: String?
    public var resultsDirectory: URL
    /// Rerun experiments whose results already match their config.
    public var force: Bool
    /// Reuse a float model saved by an earlier run with the same dataset/model/training sections.
    public var reuseTrainedModels: Bool
    /// What a run records as its environment (commit, tree, toolchain, machine), asked once
    /// when the run starts; tests watch when.
    public var captureEnvironment: @Sendable () -> RunEnvironment

    public init(dataDirectory: String? = nil, resultsDirectory: URL, force: Bool = false, reuseTrainedModels: Bool = true,
                captureEnvironment: @escaping @Sendable () -> RunEnvironment = { RunEnvironment.capture() }) {
        self.dataDirectory = dataDirectory
        self.resultsDirectory = resultsDirectory
        self.force = force
        self.reuseTrainedModels = reuseTrainedModels
        self.captureEnvironment = captureEnvironment
    }
}

/// What happened to one experiment of a batch.
public struct ExperimentOutcome: Sendable {
    public enum Status: Sendable, Equatable {
        case ran
        /// Results with the same config fingerprint were already there.
        case skipped
    }

    public var status: Status
    public var summary: SummaryRecord
    public var files: ExperimentFiles
}

/// An experiment failed; the message names the experiment and the cause.
public struct ExperimentError: Error, CustomStringConvertible {
    public let experiment: String
    public let message: String
    public var description: String { "Experiment \(experiment): \(message)" }
}

/// Runs one experiment end to end (DESIGN §2, clear side): dataset split → float model
/// (trained, loaded or reused) → PTQ or QAT → integer circuit → float and clear quantized
/// evaluation on the full test split → `results/<experiment>/`.
public struct ExperimentRunner: Sendable {
    public let options: RunOptions
    public let progress: any RunProgress

    public init(options: RunOptions, progress: any RunProgress = SilentProgress()) {
        self.options = options
        self.progress = progress
    }

    /// Fingerprint of what determines the float model: a saved model with the same one is
    /// reusable. `dataFiles` (path → sha256) ties it to the data it was trained on.
    public static func floatModelFingerprint(_ config: ExperimentConfig, dataFiles: [String: String]) -> String {
        struct FloatModelKey: Encodable {
            var schemaVersion: Int
            var dataset: ExperimentConfig.DatasetSection
            var dataFiles: [String: String]
            var model: ExperimentConfig.ModelSection
            var training: ExperimentConfig.TrainingSection
        }
        let key = FloatModelKey(
            schemaVersion: ExperimentConfig.schemaVersion, dataset: config.dataset, dataFiles: dataFiles,
            model: config.model.fingerprintIdentity,
            training: config.training)
        // Encoding plain Codable structs cannot fail.
        return sha256Hex(try! JSONManifest.encode(key))
    }

    /// What a run reads besides its config: a run on other data, or on another file behind the
    /// same `model.load` or `model.onnx` path, is not the same experiment.
    public struct Inputs: Codable, Sendable, Equatable {
        /// Data files by path relative to their folder → sha256 (as their checksum list states it).
        public var dataFiles: [String: String]
        /// sha256 of the `model.load` or `model.onnx` file's content; nil when the model is trained.
        public var loadedModelSHA256: String?

        public var fingerprint: String { sha256Hex(try! JSONManifest.encode(self)) }
    }

    public func inputs(for config: ExperimentConfig) throws -> Inputs {
        let dataDirectory = try DatasetLoader.locateDataDirectory(explicit: config.dataDirectory ?? options.dataDirectory)
        let dataFiles = try DatasetLoader(dataDirectory: dataDirectory).fileDigests(of: config.dataset.name)
        var loaded: String? = nil
        if let path = config.model.load ?? config.model.onnx {
            let (key, maximumBytes) = config.model.load != nil
                ? ("model.load", Network.maximumFileBytes) : ("model.onnx", ONNXModel.maximumFileBytes)
            do {
                loaded = sha256Hex(try BoundedFile.read(URL(fileURLWithPath: path), maximumBytes: maximumBytes))
            } catch {
                throw ExperimentError(experiment: config.name, message: "\(key): \(path) \(error.reason)")
            }
        }
        return Inputs(dataFiles: dataFiles, loadedModelSHA256: loaded)
    }

    /// The finished results of `config` if they exist and match its fingerprint and its inputs'
    /// (data and loaded model). An experiment that asks for FHE samples is finished only once
    /// its FHE stage ran.
    public func existingResults(for config: ExperimentConfig) -> SummaryRecord? {
        let files = ExperimentFiles(resultsDirectory: options.resultsDirectory, experiment: config.name)
        guard files.resultFiles.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }),
            let manifest = try? JSONManifest.read(ManifestIdentity.self, from: files.manifest),
            manifest.configFingerprint == config.fingerprint,
            let inputs = try? inputs(for: config), manifest.inputsFingerprint == inputs.fingerprint,
            !config.fhe.runsEncrypted || manifest.fhe.status != ReportValue.notRunText,
            !config.fhe.runsSimulated || FileManager.default.fileExists(atPath: files.simulationCSV.path),
            let text = try? String(contentsOf: files.summaryCSV, encoding: .utf8),
            let document = try? CSVDocument(parsing: text, source: files.summaryCSV.path),
            document.header == SummaryRecord.columns, document.rows.count == 1
        else { return nil }
        return try? SummaryRecord(csvRow: document.rows[0])
    }

    public func run(_ config: ExperimentConfig, configFile: String? = nil) throws -> ExperimentOutcome {
        let files = ExperimentFiles(resultsDirectory: options.resultsDirectory, experiment: config.name)
        let bookkeeping = RunBookkeeping(resultsDirectory: options.resultsDirectory)
        // Held until this function returns: a second run of the same experiment fails here
        // instead of mixing its files with this one's.
        let lock: FileLock
        do {
            lock = try FileLock(url: bookkeeping.lock(for: config.name))
        } catch is FileLock.Busy {
            throw ExperimentError(
                experiment: config.name,
                message: "another lockstep run is writing \(files.directory.path) (it holds \(bookkeeping.lock(for: config.name).path)); wait for it to finish or stop it, then run again")
        }
        defer { lock.release() }
        Self.recoverInterruptedSwap(files: files, bookkeeping: bookkeeping, experiment: config.name)
        if !options.force, let summary = existingResults(for: config) {
            return ExperimentOutcome(status: .skipped, summary: summary, files: files)
        }
        do {
            return try execute(config, configFile: configFile, files: files)
        } catch let error as ExperimentError {
            throw error
        } catch {
            throw ExperimentError(experiment: config.name, message: "\(error)")
        }
    }

    func seconds(since start: ContinuousClock.Instant) -> Double { (ContinuousClock.now - start).inSeconds }

    /// Everything up to the integer circuit: split, float model (trained, loaded or reused),
    /// quantized model and circuit. Writes nothing.
    public func prepare(_ config: ExperimentConfig) throws -> PreparedExperiment {
        let files = ExperimentFiles(resultsDirectory: options.resultsDirectory, experiment: config.name)
        let inputs = try inputs(for: config)
        let floatFingerprint = Self.floatModelFingerprint(config, dataFiles: inputs.dataFiles)
        let reusable =
            options.reuseTrainedModels && !config.model.isImported
            ? findReusableModel(fingerprint: floatFingerprint, preferring: files) : nil

        progress.stage("loading \(config.dataset.name.rawValue)")
        var clock = ContinuousClock.now
        let dataDirectory = try DatasetLoader.locateDataDirectory(explicit: config.dataDirectory ?? options.dataDirectory)
        let split = try DatasetLoader(dataDirectory: dataDirectory)
            .load(config.dataset.name, testFraction: config.dataset.testFraction, seed: config.dataset.seed)
        var timings = PreparedExperiment.Timings(loadDataSeconds: seconds(since: clock))
        let trainInputs = Matrix(split.train.features)

        // Float model.
        var model: Network
        let modelSource: ModelSource
        var finalEpochTrainAccuracy: Double? = nil
        if let loadPath = config.model.load {
            model = try Network.load(from: URL(fileURLWithPath: loadPath))
            modelSource = .loaded(path: loadPath)
        } else if let onnxPath = config.model.onnx {
            model = try ONNXModel.load(from: URL(fileURLWithPath: onnxPath)).network
            modelSource = .imported(path: onnxPath)
        } else if let reusable {
            progress.stage("reusing the float model of \(reusable.model.deletingLastPathComponent().lastPathComponent)")
            model = try Network.load(from: reusable.model)
            modelSource = .reused(path: pathRelative(reusable.model))
            // The training cost is the one measured when the model was trained.
            timings.trainSeconds = reusable.manifest.timings.trainSeconds
            timings.trainSecondsPerEpoch = reusable.manifest.timings.trainSecondsPerEpoch
            finalEpochTrainAccuracy = reusable.manifest.results.finalEpochTrainAccuracy
        } else {
            progress.stage("training")
            model = try Self.initialModel(config, featureCount: split.featureCount, classCount: split.classCount)
            clock = ContinuousClock.now
            let reports: [EpochReport]
            do {
                reports = try Trainer.train(
                    model: &model, inputs: trainInputs, labels: split.train.labels,
                    config: try trainingConfiguration(config.training, epochs: config.training.epochs,
                                                      learningRate: config.training.learningRate)
                ) { report in
                    progress.epochFinished(report, totalEpochs: config.training.epochs, phase: "training")
                }
            } catch let divergence as TrainingDivergedError {
                throw Self.divergenceError(divergence, config: config, phase: "training", learningRateKey: "training.learning_rate",
                                           learningRate: config.training.learningRate)
            }
            let trainSeconds = seconds(since: clock)
            timings.trainSeconds = trainSeconds
            timings.trainSecondsPerEpoch = trainSeconds / Double(max(1, reports.count))
            finalEpochTrainAccuracy = reports.last?.accuracy
            modelSource = .trained
        }
        guard model.inputCount == split.featureCount, model.outputCount == split.classCount else {
            throw ExperimentError(
                experiment: config.name,
                message: "the model has \(model.inputCount) inputs and \(model.outputCount) outputs but \(config.dataset.name.rawValue) has \(split.featureCount) features and \(split.classCount) classes")
        }
        // The config loader checks these for `model.hidden`; a loaded model's depth is known only now.
        let hiddenLayers = model.layers.count - 1
        if let reason = config.quantization.impossibleBudget(hiddenLayers: hiddenLayers) {
            throw ExperimentError(experiment: config.name, message: "quantization.accumulator_bits_budget \(reason)")
        }
        if config.fhe.runsEncrypted || config.fhe.runsSimulated, hiddenLayers == 0 {
            throw ExperimentError(
                experiment: config.name,
                message: config.fhe.runsSimulated
                    ? "fhe.mode is \(config.fhe.mode?.rawValue ?? "") but the model has no hidden layer, so no PBS to simulate; allowed: fhe.mode encrypt with fhe.samples 0, or a model with a hidden layer"
                    : "fhe.samples is \(config.fhe.samples) but the model has no hidden layer, so no table lookup to run encrypted; allowed: fhe.samples 0, or a model with a hidden layer")
        }

        // Quantization and lowering.
        progress.stage("quantizing (\(config.quantization.method.rawValue))")
        clock = ContinuousClock.now
        let quantized: QuantizedModel
        switch config.quantization.method {
        case .ptq:
            quantized = try PostTrainingQuantizer.quantize(
                model, calibrationInputs: trainInputs, configuration: config.quantization.quantizationConfiguration)
        case .qat:
            var fineTuned = model
            do {
                quantized = try QuantizationAwareTrainer.train(
                    model: &fineTuned, inputs: trainInputs, labels: split.train.labels,
                    quantization: config.quantization.quantizationConfiguration,
                    training: try trainingConfiguration(config.training, epochs: config.quantization.qatEpochs,
                                                        learningRate: config.quantization.qatLearningRate)
                ) { report in
                    progress.epochFinished(report, totalEpochs: config.quantization.qatEpochs, phase: "QAT")
                }
            } catch let divergence as TrainingDivergedError {
                throw Self.divergenceError(divergence, config: config, phase: "QAT fine-tuning",
                                           learningRateKey: "quantization.qat_learning_rate",
                                           learningRate: config.quantization.qatLearningRate)
            }
        }
        timings.quantizeSeconds = seconds(since: clock)
        clock = ContinuousClock.now
        let circuit = try CircuitCompiler.lower(
            quantized, options: config.quantization.circuitOptions)
        timings.lowerSeconds = seconds(since: clock)
        return PreparedExperiment(
            config: config, dataDirectory: dataDirectory, split: split, model: model, modelSource: modelSource,
            floatModelFingerprint: floatFingerprint, inputs: inputs, finalEpochTrainAccuracy: finalEpochTrainAccuracy,
            quantized: quantized, circuit: circuit, timings: timings)
    }

    private func execute(_ config: ExperimentConfig, configFile: String?, files: ExperimentFiles) throws
        -> ExperimentOutcome
    {
        let startedAt = Date()
        // The commit and tree the run starts from: a commit made while a long run goes on is
        // not the code that ran.
        let environment = options.captureEnvironment()
        let runStart = ContinuousClock.now
        let prepared = try prepare(config)
        // Everything is written to a staging folder and swapped in once complete: until then the
        // previous finished result stays whole, whatever interrupts this run.
        let finalFiles = files
        let bookkeeping = RunBookkeeping(resultsDirectory: options.resultsDirectory)
        let files = bookkeeping.staging(for: config.name)
        try? FileManager.default.removeItem(at: files.directory)
        try FileManager.default.createDirectory(at: files.directory, withIntermediateDirectories: true)
        try prepared.model.save(to: files.floatModel)

        let clear = evaluateClear(prepared)
        let fhe = try runFHEStage(prepared)
        let records = ExperimentRecords(prepared: prepared, clear: clear, fhe: fhe)
        progress.stage("writing results")
        try ResultsWriter(files: files).write(
            records, prepared: prepared, clear: clear, fhe: fhe, configFile: configFile, environment: environment,
            startedAt: startedAt, totalSeconds: seconds(since: runStart))
        try Self.swapIn(staging: files.directory, final: finalFiles.directory, replaced: bookkeeping.replaced(for: config.name))
        return ExperimentOutcome(status: .ran, summary: records.summary, files: finalFiles)
    }

    /// Puts a finished staging folder where the results go: the previous folder moves aside,
    /// the new one takes its place, the previous one is deleted. An interruption between the two
    /// renames is repaired by `recoverInterruptedSwap` at the next run.
    static func swapIn(staging: URL, final: URL, replaced: URL) throws {
        let manager = FileManager.default
        try? manager.removeItem(at: replaced)
        try manager.createDirectory(at: replaced.deletingLastPathComponent(), withIntermediateDirectories: true)
        let hadPrevious = manager.fileExists(atPath: final.path)
        if hadPrevious { try manager.moveItem(at: final, to: replaced) }
        do {
            try manager.moveItem(at: staging, to: final)
        } catch {
            if hadPrevious { try? manager.moveItem(at: replaced, to: final) }
            throw error
        }
        try? manager.removeItem(at: replaced)
    }

    /// Under the experiment's lock: finishes a swap cut between its renames (a complete staging
    /// folder wins, else the previous result comes back), then drops staging leftovers and the
    /// temporary files of killed writes.
    static func recoverInterruptedSwap(files: ExperimentFiles, bookkeeping: RunBookkeeping, experiment: String) {
        let manager = FileManager.default
        let staging = bookkeeping.staging(for: experiment)
        let replaced = bookkeeping.replaced(for: experiment)
        if !manager.fileExists(atPath: files.directory.path) {
            if manager.fileExists(atPath: staging.manifest.path) {
                try? manager.moveItem(at: staging.directory, to: files.directory)
            } else if manager.fileExists(atPath: replaced.path) {
                try? manager.moveItem(at: replaced, to: files.directory)
            }
        }
        try? manager.removeItem(at: staging.directory)
        try? manager.removeItem(at: replaced)
        AtomicFile.removeLeftovers(in: files.directory)
    }

    /// The seeded, untrained network of `config.model.architecture` (hidden widths or a layer
    /// list: one path, so `hidden` gives the weights `Network(sizes:activation:seed:)` always
    /// gave) for the loaded split's sizes. The config loader built the same geometry from the
    /// dataset's declared sizes; a mismatch with the loaded files is reported here.
    static func initialModel(_ config: ExperimentConfig, featureCount: Int, classCount: Int) throws -> Network {
        let dataset = config.dataset.name
        let input = TensorShape(dataset, featureCount: featureCount)
        guard input.count == featureCount else {
            throw ExperimentError(
                experiment: config.name,
                message: "\(dataset.rawValue) images are \(input) = \(input.count) values but the loaded data has \(featureCount) features per sample")
        }
        do {
            let blueprints = try config.model.architecture.blueprint(
                input: input, classCount: classCount, dataset: dataset.rawValue)
            return LayerBlueprint.network(blueprints, seed: config.model.seed)
        } catch {
            throw ExperimentError(
                experiment: config.name, message: "model.layers\(error.item.map { "[\($0)]" } ?? ""): \(error.message)")
        }
    }

    /// Names the keys that decide whether training converges, with their values.
    static func divergenceError(
        _ divergence: TrainingDivergedError, config: ExperimentConfig, phase: String, learningRateKey: String,
        learningRate: Double
    ) -> ExperimentError {
        ExperimentError(
            experiment: config.name,
            message: "\(phase) diverged: after epoch \(divergence.epoch), minibatch \(divergence.batch), layer \(divergence.layer) has non-finite weights or biases (\(learningRateKey) \(learningRate), training.optimizer \(config.training.optimizer.rawValue), model \(config.model.architecture.summary)); allowed: a smaller \(learningRateKey), or training.optimizer adam")
    }

    private func trainingConfiguration(_ section: ExperimentConfig.TrainingSection, epochs: Int, learningRate: Double)
        throws -> TrainingConfiguration
    {
        let optimizer: Optimizer
        switch section.optimizer {
        case .sgd: optimizer = .sgd
        case .momentum: optimizer = .momentum(coefficient: Float(section.momentum))
        case .adam: optimizer = .adam
        }
        let configuration = TrainingConfiguration(
            epochs: epochs, batchSize: section.batchSize, optimizer: optimizer, learningRate: Float(learningRate),
            seed: section.seed, learningRateDecay: Float(section.learningRateDecay))
        try configuration.validate()
        return configuration
    }

    /// A `model.json` saved by an earlier run whose float model had `fingerprint`: this
    /// experiment's own folder first, then any other experiment of the results folder (a bit
    /// sweep trains its float model once).
    private func findReusableModel(fingerprint: String, preferring own: ExperimentFiles)
        -> (model: URL, manifest: ManifestIdentity)?
    {
        let others = (try? FileManager.default.contentsOfDirectory(atPath: options.resultsDirectory.path)) ?? []
        let candidates = [own] + others.filter { !$0.hasPrefix(".") }.sorted()
            .map { ExperimentFiles(resultsDirectory: options.resultsDirectory, experiment: $0) }
        for files in candidates where FileManager.default.fileExists(atPath: files.floatModel.path) {
            if let manifest = try? JSONManifest.read(ManifestIdentity.self, from: files.manifest),
                manifest.floatModelFingerprint == fingerprint,
                ModelSource(manifestText: manifest.model.source)?.wasTrainedByLockstep == true
            {
                return (files.floatModel, manifest)
            }
        }
        return nil
    }

}

/// The part of a manifest that identifies a finished run and its float model. Decoding only
/// this keeps reuse and skipping working across additions to the rest of the manifest.
struct ManifestIdentity: Decodable {
    struct Model: Decodable { var source: String }
    struct Timings: Decodable {
        var trainSeconds: Double?
        var trainSecondsPerEpoch: Double?
    }
    struct Results: Decodable { var finalEpochTrainAccuracy: Double? }
    struct FHE: Decodable { var status: String }

    var configFingerprint: String
    var floatModelFingerprint: String
    /// Absent in manifests written before inputs were fingerprinted: those never match.
    var inputsFingerprint: String?
    var model: Model
    var timings: Timings
    var results: Results
    var fhe: FHE
}

/// An experiment up to its integer circuit (see `ExperimentRunner.prepare`).
public struct PreparedExperiment: Sendable {
    public struct Timings: Sendable {
        public var loadDataSeconds: Double
        /// nil when the model was loaded; carried over from the training run when reused.
        public var trainSeconds: Double? = nil
        public var trainSecondsPerEpoch: Double? = nil
        public var quantizeSeconds: Double = 0
        public var lowerSeconds: Double = 0
    }

    public var config: ExperimentConfig
    public var dataDirectory: URL
    public var split: DatasetSplit
    public var model: Network
    public var modelSource: ModelSource
    public var floatModelFingerprint: String
    public var inputs: ExperimentRunner.Inputs
    public var finalEpochTrainAccuracy: Double?
    public var quantized: QuantizedModel
    public var circuit: IntegerCircuit
    public var timings: Timings
}

/// Per-neuron smallest and largest accumulator seen, compared with each neuron's sound bound.
struct NeuronAccumulatorRanges {
    private let linearOps: [Int]
    private var low: [[Int64]]
    private var high: [[Int64]]

    init(circuit: IntegerCircuit) {
        linearOps = circuit.stages.map(\.linear)
        low = linearOps.map { [Int64](repeating: .max, count: circuit.ops[$0].count) }
        high = linearOps.map { [Int64](repeating: .min, count: circuit.ops[$0].count) }
    }

    mutating func record(_ trace: CircuitTrace) {
        for (l, op) in linearOps.enumerated() {
            for (j, accumulator) in trace.values[op].enumerated() {
                low[l][j] = min(low[l][j], accumulator)
                high[l][j] = max(high[l][j], accumulator)
            }
        }
    }

    func record(for stage: CircuitStage, statistics: LayerStatistics, in circuit: IntegerCircuit) -> LayerRecord {
        let l = stage.layer
        let dense = circuit.ops[stage.linear]
        let widestSeen = zip(low[l], high[l]).map { $1 >= $0 ? $1 - $0 + 1 : 1 }.max() ?? 1
        let respected = dense.low.indices.allSatisfy { low[l][$0] >= dense.low[$0] && high[l][$0] <= dense.high[$0] }
        return LayerRecord(
            layerIndex: l, inputs: statistics.inputCount, neurons: statistics.neuronCount,
            inputBits: statistics.inputBits, accumulatorBoundLow: dense.low.min() ?? 0,
            accumulatorBoundHigh: dense.high.max() ?? 0, accumulatorBoundBits: statistics.accumulatorBits,
            roundingShift: statistics.roundingShift, messageBits: statistics.messageBits, tluBits: statistics.tluPrecision,
            maxWeightL2Norm: statistics.maxWeightNorm, pbsCount: statistics.pbsCount,
            seenAccumulatorLow: low[l].min() ?? 0, seenAccumulatorHigh: high[l].max() ?? 0,
            seenAccumulatorBits: Self.bits(forCount: widestSeen), boundRespected: respected)
    }

    /// ceil(log2(count)), at least 1 — the same convention as the circuit's bound bits.
    static func bits(forCount count: Int64) -> Int {
        var bits = 1
        while (Int64(1) << bits) < count { bits += 1 }
        return bits
    }
}

