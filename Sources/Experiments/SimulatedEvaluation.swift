import Circuit
import Foundation
import Quantization
import Reporting

/// The simulated side of an experiment (`fhe.mode: simulate | both`): the plan's circuit
/// through `SimulatedEvaluator` on the first `count` test samples (or all), every op compared
/// with the clear integer model. Figures from it are the simulator's, never the encrypted
/// executor's: they go to `simulation.csv` and the manifest's `simulation` entry only.
public struct SimulatedEvaluation: Sendable {
    public let plan: FHEPlan
    /// The noise seed (`fhe.seed`): sample k draws from stream k of it.
    public let seed: UInt64
    public let samples: Int
    /// Samples whose simulated prediction is the label, and whose clear quantized one is.
    public let correct: Int
    public let quantizedCorrect: Int
    /// Samples where some op's value differs from the clear model, and the values that differ.
    public let mismatchedSamples: Int
    public let wrongValues: Int
    /// Samples whose predicted class differs from the clear model's.
    public let changedPredictions: Int
    public let seconds: Double

    public var accuracy: Double { Double(correct) / Double(max(1, samples)) }
    public var quantizedAccuracy: Double { Double(quantizedCorrect) / Double(max(1, samples)) }
    public var samplesPerSecond: Double { Double(samples) / max(seconds, 1e-9) }

    public static func run(
        plan: FHEPlan, quantized: QuantizedModel, features: [[Float]], labels: [Int], count: Int?, seed: UInt64,
        progress: any RunProgress = SilentProgress()
    ) -> SimulatedEvaluation {
        let total = min(count ?? features.count, features.count)
        let simulator = SimulatedEvaluator(plan: plan, seed: seed)
        let clear = ClearEvaluator(plan.circuit)
        let clock = ContinuousClock()
        let start = clock.now
        var correct = 0, quantizedCorrect = 0, mismatched = 0, wrong = 0, changed = 0
        let chunkSize = 1000
        for chunkStart in stride(from: 0, to: total, by: chunkSize) {
            let range = chunkStart..<min(chunkStart + chunkSize, total)
            let inputs = range.map { quantized.quantizeInput(features[$0]) }
            let simulated = simulator.runBatch(inputs, firstSample: UInt64(chunkStart))
            let expected = clear.runBatch(inputs)
            for (offset, k) in range.enumerated() {
                let (noisy, exact) = (simulated[offset], expected[offset])
                let differing = zip(noisy.values, exact.values).reduce(0) { total, op in
                    total + zip(op.0, op.1).filter { $0 != $1 }.count
                }
                wrong += differing
                if differing > 0 { mismatched += 1 }
                let prediction = plan.circuit.decode(noisy.outputs).predictedClass
                let clearPrediction = plan.circuit.decode(exact.outputs).predictedClass
                if prediction != clearPrediction { changed += 1 }
                if prediction == labels[k] { correct += 1 }
                if clearPrediction == labels[k] { quantizedCorrect += 1 }
            }
            progress.samplesDone(range.upperBound, of: total, phase: "simulated")
        }
        return SimulatedEvaluation(
            plan: plan, seed: seed, samples: total, correct: correct, quantizedCorrect: quantizedCorrect,
            mismatchedSamples: mismatched, wrongValues: wrong, changedPredictions: changed,
            seconds: (clock.now - start).inSeconds)
    }

    /// The row of `simulation.csv`.
    public func record(experiment: String) -> SimulationRecord {
        SimulationRecord(
            experiment: experiment, parameters: plan.keysDescription, log2PErrorTarget: plan.log2PErrorTarget,
            log2PredictedGlobalPError: plan.log2GlobalPError, pbsPerSample: plan.pbsCount, samples: samples,
            accuracy: accuracy, quantizedAccuracy: quantizedAccuracy, changedPredictions: changedPredictions,
            mismatchedSamples: mismatchedSamples, wrongValues: wrongValues, seed: seed, samplesPerSecond: samplesPerSecond)
    }
}
