import Circuit
import Foundation
import NeuralNet
import Quantization

/// Where a run's float model came from. The manifest's `model.source` is its description, and
/// reading it back (`init?(manifestText:)`) is how a later run decides whether to reuse it.
public enum ModelSource: Sendable, Equatable, CustomStringConvertible {
    case trained
    /// `model.load`: a model file written by an earlier run.
    case loaded(path: String)
    /// `model.onnx`: a float model trained elsewhere.
    case imported(path: String)
    /// A float model an earlier run of the results folder trained with the same settings.
    case reused(path: String)

    public var description: String {
        switch self {
        case .trained: "trained"
        case .loaded(let path): "loaded from \(path)"
        case .imported(let path): "imported from \(path)"
        case .reused(let path): "reused \(path)"
        }
    }

    /// The source a manifest recorded; nil for text this version does not write.
    init?(manifestText text: String) {
        if text == "trained" { self = .trained; return }
        for (prefix, make) in [("loaded from ", Self.loaded), ("imported from ", Self.imported), ("reused ", Self.reused)]
        where text.hasPrefix(prefix) {
            self = make(String(text.dropFirst(prefix.count)))
            return
        }
        return nil
    }

    /// Trained by Lockstep from the config's own sections (here or in the run it was reused
    /// from): only such a model may stand in for training in another run.
    var wasTrainedByLockstep: Bool {
        switch self {
        case .trained, .reused: true
        case .loaded, .imported: false
        }
    }
}

/// The clear side of a run on the whole test split.
struct ClearEvaluation {
    var floatPredictions: [Int]
    var quantizedPredictions: [Int]
    /// Per neuron, the accumulator range the test split reached.
    var observed: NeuronAccumulatorRanges
    var floatSeconds: Double
    var quantizedSeconds: Double
}

/// The FHE side of a run: the plan (or why there is none), the encrypted subset, the simulator.
struct FHEStage {
    var encrypted: EncryptedEvaluation?
    /// Also for clear-only runs: planning needs no keys, and the rounding PBS count depends on
    /// the chosen set.
    var planning: Result<FHEPlan, any Error>
    var simulated: SimulatedEvaluation?

    var plan: FHEPlan? { try? planning.get() }
}

extension ExperimentRunner {
    /// Float and clear quantized predictions on the whole test split (chunks on all cores; the
    /// progress line moves between chunks).
    func evaluateClear(_ prepared: PreparedExperiment) -> ClearEvaluation {
        let (split, model, quantized, circuit) = (prepared.split, prepared.model, prepared.quantized, prepared.circuit)
        progress.stage("evaluating float")
        var clock = ContinuousClock.now
        let floatPredictions = model.predict(Matrix(split.test.features))
        let floatSeconds = seconds(since: clock)

        progress.stage("evaluating quantized circuit")
        clock = ContinuousClock.now
        var observed = NeuronAccumulatorRanges(circuit: circuit)
        var quantizedPredictions: [Int] = []
        quantizedPredictions.reserveCapacity(split.test.count)
        let chunkSize = 1000
        let clearEvaluator = ClearEvaluator(circuit)
        for chunkStart in stride(from: 0, to: split.test.count, by: chunkSize) {
            let chunk = split.test.features[chunkStart..<min(chunkStart + chunkSize, split.test.count)]
            for trace in clearEvaluator.runBatch(chunk.map { quantized.quantizeInput($0) }) {
                observed.record(trace)
                quantizedPredictions.append(circuit.decode(trace.outputs).predictedClass)
            }
            progress.samplesDone(quantizedPredictions.count, of: split.test.count, phase: "quantized")
        }
        return ClearEvaluation(
            floatPredictions: floatPredictions, quantizedPredictions: quantizedPredictions, observed: observed,
            floatSeconds: floatSeconds, quantizedSeconds: seconds(since: clock))
    }

    /// The encrypted model on a seeded subset (checked op by op against the clear one), the
    /// plan, and the simulator on the test split (its own file; never mixed with the encrypted
    /// figures).
    func runFHEStage(_ prepared: PreparedExperiment) throws -> FHEStage {
        let config = prepared.config
        let split = prepared.split
        let encrypted: EncryptedEvaluation? = config.fhe.runsEncrypted
            ? try EncryptedEvaluation.run(
                circuit: prepared.circuit, quantized: prepared.quantized, testFeatures: split.test.features,
                count: config.fhe.samples, subsetSeed: config.fhe.seed, log2PErrorTarget: log2(config.fhe.pError),
                parameters: config.fhe.parameters, threads: config.fhe.threads, progress: progress)
            : nil
        let planning = encrypted.map { Result<FHEPlan, any Error>.success($0.plan) }
            ?? Result {
                try FHEPlanner.plan(prepared.circuit, log2PErrorTarget: log2(config.fhe.pError), parameters: config.fhe.parameters)
            }
        var simulated: SimulatedEvaluation?
        if config.fhe.runsSimulated {
            let plan: FHEPlan
            do { plan = try planning.get() } catch {
                throw ExperimentError(experiment: config.name, message: "fhe.mode \(config.fhe.mode?.rawValue ?? "") needs an FHE plan: \(error)")
            }
            progress.stage("simulated inference (\(plan.keysDescription), p_error 2^\(String(format: "%.1f", plan.log2PErrorTarget)) per PBS)")
            simulated = SimulatedEvaluation.run(
                plan: plan, quantized: prepared.quantized, features: split.test.features, labels: split.test.labels,
                count: config.fhe.simulatedSamples, seed: config.fhe.seed, progress: progress)
        }
        return FHEStage(encrypted: encrypted, planning: planning, simulated: simulated)
    }
}
