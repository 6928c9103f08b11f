import Circuit
import Foundation
import GSLStatistics
import NoiseAnalysis
import TFHE
import Verification

/// Is the simulator faithful? (issue 12) At a deliberately high p_error per PBS, the same plan
/// runs encrypted (fresh keys) on a seeded subset of the test split and simulated on a larger
/// one; per op, the rates of wrong values (and of values off by exactly one) get 99 %
/// Clopper–Pearson intervals, and the two accuracies a two-proportion test. The check passes
/// when every op's two intervals overlap and the accuracy test does not reject at 1 %.
public struct SimulationCheck: Sendable {
    /// One op's wrong values on both sides.
    public struct OpComparison: Sendable {
        public let op: Int
        public let kind: OpKind
        public let layer: Int
        public let predictedLog2PError: Double
        public let encrypted: Counts
        public let simulated: Counts
        /// The two 99 % intervals of the rate of own errors overlap.
        public var agrees: Bool {
            encrypted.ownWrongInterval.lower <= simulated.ownWrongInterval.upper
                && simulated.ownWrongInterval.lower <= encrypted.ownWrongInterval.upper
        }
    }

    /// Wrong values of one op. An error upstream propagates (a wrong table value moves every
    /// accumulator that reads it), so the verdict counts the errors an op makes itself: its
    /// values in samples whose input to the op (the previous op's values) was right.
    public struct Counts: Sendable {
        /// Values checked (samples × the op's values), and how many of them were wrong.
        public let values: Int
        public let wrong: Int
        /// Values in samples where the op's input was right, and the wrong ones among them.
        public let ownValues: Int
        public let ownWrong: Int
        /// Own errors that are off by exactly one (a neighbouring box, one rounding step).
        public let ownOffByOne: Int
        /// 99 % Clopper–Pearson interval of ownWrong / ownValues.
        public let ownWrongInterval: ConfidenceInterval
    }

    public let plan: FHEPlan
    public let keySeedDescription: String
    public let encryptedSamples: Int
    public let simulatedSamples: Int
    public let ops: [OpComparison]
    public let encryptedAccuracy: Double
    public let simulatedAccuracy: Double
    /// Two-sided p-value of the two-proportion z-test of the accuracies.
    public let accuracyPValue: Double
    public let encryptedLatencySecondsMedian: Double
    public let simulatedSamplesPerSecond: Double

    /// The two accuracies differ significantly below this p-value.
    public static let accuracySignificance = 0.01

    /// The two-proportion test does not reject equal accuracies.
    public var accuracyAgrees: Bool { accuracyPValue >= Self.accuracySignificance }

    public var passed: Bool { ops.allSatisfy(\.agrees) && accuracyAgrees }

    /// `log2PErrorTarget` is the per-PBS target the plan is made for (e.g. −6). The encrypted
    /// subset is `EncryptedEvaluation.subset(count: encryptedSamples, seed: subsetSeed)`; the
    /// simulated one the same choice with the next seed; noise seed `simulationSeed`.
    public static func run(
        prepared: PreparedExperiment, log2PErrorTarget: Double, parameters choice: ParameterChoice, encryptedSamples: Int,
        simulatedSamples: Int, subsetSeed: UInt64, simulationSeed: UInt64, threads: Int, keySeed: UInt64? = nil,
        progress: any RunProgress = SilentProgress()
    ) throws -> SimulationCheck {
        let quantized = prepared.quantized
        let test = prepared.split.test
        progress.stage("choosing TFHE parameters at p_error 2^\(String(format: "%.1f", log2PErrorTarget))")
        let plan = try EncryptedEvaluation.plan(prepared.circuit, log2PErrorTarget: log2PErrorTarget, parameters: choice)
        progress.stage("generating keys (\(plan.keysDescription))")
        let seed: RandomSeed = keySeed.map { .fixed($0) } ?? .operatingSystem
        let keys = plan.generateKeys(seed: seed)
        let encrypted = EncryptedEvaluator(
            client: EncryptedCircuitClient(plan: plan, clientKeys: keys.clientKeys),
            executor: EncryptedExecutor(plan: plan, serverKeys: keys.serverKeys, threads: max(1, threads)))
        let clear = ClearEvaluator(plan.circuit)

        let encryptedIndices = EncryptedEvaluation.subset(count: encryptedSamples, of: test.count, seed: subsetSeed)
        var encryptedTraces = [CircuitTrace]()
        var latencies = [Double]()
        progress.stage("encrypted inference")
        for (done, index) in encryptedIndices.enumerated() {
            let run = try encrypted.run(quantized.quantizeInput(test.features[index]))
            encryptedTraces.append(run.trace)
            latencies.append(run.latencySeconds)
            progress.samplesDone(done + 1, of: encryptedIndices.count, phase: "encrypted")
        }
        progress.stage("simulated inference")
        let simulatedIndices = EncryptedEvaluation.subset(count: simulatedSamples, of: test.count, seed: subsetSeed &+ 1)
        let simulator = SimulatedEvaluator(plan: plan, seed: simulationSeed)
        let start = ContinuousClock.now
        let simulatedTraces = simulator.runBatch(simulatedIndices.map { quantized.quantizeInput(test.features[$0]) }, firstSample: 0)
        let simulationSeconds = (ContinuousClock.now - start).inSeconds

        // The clear traces of both sides, once (every op's count reads them).
        let encryptedReference = clear.runBatch(encryptedTraces.map(\.input))
        let simulatedReference = clear.runBatch(simulatedTraces.map(\.input))
        func counts(_ traces: [CircuitTrace], _ references: [CircuitTrace], op i: Int) throws -> Counts {
            let perSample = plan.circuit.ops[i].count
            var wrong = 0, ownValues = 0, ownWrong = 0, ownOffByOne = 0
            for (trace, reference) in zip(traces, references) {
                let inputRight = i == 0 || reference.values[i - 1] == trace.values[i - 1]
                if inputRight { ownValues += perSample }
                for (expected, got) in zip(reference.values[i], trace.values[i]) where expected != got {
                    wrong += 1
                    guard inputRight else { continue }
                    ownWrong += 1
                    if abs(expected - got) == 1 { ownOffByOne += 1 }
                }
            }
            return Counts(values: traces.count * perSample, wrong: wrong, ownValues: ownValues, ownWrong: ownWrong,
                          ownOffByOne: ownOffByOne,
                          ownWrongInterval: try clopperPearsonInterval(failures: ownWrong, trials: max(1, ownValues), confidenceLevel: 0.99))
        }
        let ops = try plan.circuit.ops.indices.map { i in
            let op = plan.circuit.ops[i]
            return OpComparison(op: i, kind: op.kind, layer: op.layer, predictedLog2PError: plan.opEncodings[i].log2PError,
                                encrypted: try counts(encryptedTraces, encryptedReference, op: i),
                                simulated: try counts(simulatedTraces, simulatedReference, op: i))
        }
        func accuracy(_ traces: [CircuitTrace], _ indices: [Int]) -> (correct: Int, total: Int) {
            (zip(traces, indices).filter { plan.circuit.decode($0.outputs).predictedClass == test.labels[$1] }.count, indices.count)
        }
        let (a, n) = accuracy(encryptedTraces, encryptedIndices)
        let (b, m) = accuracy(simulatedTraces, simulatedIndices)
        return SimulationCheck(
            plan: plan, keySeedDescription: seed.provenance, encryptedSamples: n, simulatedSamples: m, ops: ops,
            encryptedAccuracy: Double(a) / Double(n), simulatedAccuracy: Double(b) / Double(m),
            accuracyPValue: try twoProportionPValue(a, n, b, m),
            encryptedLatencySecondsMedian: SampleQuantile.median(latencies) ?? .nan,
            simulatedSamplesPerSecond: Double(m) / max(simulationSeconds, 1e-9))
    }

    /// Two-sided p-value of H0: equal proportions a/n and b/m (pooled z-test); 1 when both are
    /// 0 or both 1 (no variance, nothing to reject).
    static func twoProportionPValue(_ a: Int, _ n: Int, _ b: Int, _ m: Int) throws -> Double {
        let pooled = Double(a + b) / Double(n + m)
        let variance = pooled * (1 - pooled) * (1 / Double(n) + 1 / Double(m))
        guard variance > 0 else { return 1 }
        let z = abs(Double(a) / Double(n) - Double(b) / Double(m)) / variance.squareRoot()
        return min(1, 2 * (try StandardNormal.survival(z)))
    }
}
