import Circuit
import Foundation
import NeuralNet
import NoiseAnalysis
import Quantization
import TFHE
import Verification

/// The encrypted stage of an experiment (DESIGN §2): choose parameters for the circuit,
/// generate keys, run a seeded subset of the test split through the encrypted executor
/// and the differential checker, and summarise accuracy, latency, mismatches and noise.
public struct EncryptedEvaluation: Sendable {
    public struct LayerResult: Sendable {
        public let layer: Int
        /// What the plan does with this layer: PBS counts by kind, rounding groups, precision
        /// and predicted p_error.
        public let plan: FHEPlan.Layer
        /// Rounded values v >> e that differ from the clear model's.
        public let roundingMismatches: Int
        /// Bits the table PBS reads (m − e), or the output layer's decrypted bits.
        public var precisionBits: Int { plan.tablePrecision ?? plan.messageBits }
        /// What the predicted σ is: the PBS output noise (hidden layers) or the weighted sum of
        /// PBS outputs with the layer's largest weight 2-norm, a bound (output layer).
        public let predictedFrom: String
        /// Predicted σ (torus) of the layer's output ciphertexts, averaged over keys (the
        /// planner's prediction, behind the p_error).
        public let predictedOutputSigma: Double
        /// The same for this run's keys: the key-dependent rounding terms of the blind rotation
        /// use the keys' Hamming weights (NoiseAnalysis.KeyConditionedNoise). A fresh key's
        /// weights move the PBS-output variance by a few per cent, as much as the χ² interval
        /// of a run, so the verdict and the histogram compare with this one. The output
        /// layer's bound keeps the key-averaged value.
        public let keyPredictedOutputSigma: Double
        /// The output ciphertexts' noise (torus) against this key's predicted variance: χ²
        /// interval, mean interval, normality (99 %). nil below 2 ciphertexts.
        public let noise: NoiseCheck?
        /// Mismatched values of this layer against the predicted p_error (Clopper–Pearson, 99 %).
        public let flips: FailureRateCheck
        /// nil without ciphertexts.
        public let histogram: NoiseHistogram?
        /// Largest |phase − expected| seen, in units of Δ/2 (1 = a decryption error).
        public let maxNoiseInHalfDeltas: Double
        /// Every output ciphertext of the layer (flips and the largest noise count them all).
        public let ciphertexts: Int
        /// Outputs of neurons whose table is constant, left out of `noise` and `histogram`: the
        /// table is held above its lowest value (`FHEPlan.OpEncoding`), so its test polynomial
        /// is 0, blind rotation adds nothing and the output is a noiseless trivial encryption,
        /// which the PBS-output prediction does not describe.
        public let zeroTableCiphertexts: Int

        public var mismatches: Int { flips.observedFailures }
        /// Measured σ (torus) of the output ciphertexts' noise, with a 99 % χ² interval.
        public var measuredOutputSigma: Double { noise.map { $0.measuredVariance.squareRoot() } ?? .nan }
        public var measuredSigmaLow: Double { noise.map { $0.varianceInterval.lower.squareRoot() } ?? .nan }
        public var measuredSigmaHigh: Double { noise.map { $0.varianceInterval.upper.squareRoot() } ?? .nan }
    }

    /// One op of the plan's circuit: what it costs and risks (the plan's figures) and the wrong
    /// values this run found.
    public struct OpResult: Sendable {
        public let figures: FHEPlan.OpFigures
        public let mismatches: Int
    }

    public let plan: FHEPlan
    public let keySeedDescription: String
    /// Indices into the test split, ascending.
    public let sampleIndices: [Int]
    public let fhePredictions: [Int]
    public let clearPredictions: [Int]
    public let latenciesSeconds: [Double]
    public let encryptSeconds: [Double]
    public let evaluateSeconds: [Double]
    public let decryptSeconds: [Double]
    public let keygenSeconds: Double
    public let threads: Int
    public let serverKeyBytes: Int
    public let layers: [LayerResult]
    /// Per op of `plan.circuit`.
    public let ops: [OpResult]
    /// Every divergence, in sample order; `first` is the one DESIGN §6 asks to report.
    public let divergences: [Divergence]
    public let mismatchedSamples: Int

    public var samples: Int { sampleIndices.count }

    /// Samples whose encrypted prediction is the clear integer model's.
    public var samePredictions: Int { zip(fhePredictions, clearPredictions).filter { $0 == $1 }.count }

    /// A seeded choice of `count` test indices (all of them when count ≥ the split).
    public static func subset(count: Int, of total: Int, seed: UInt64) -> [Int] {
        guard count < total else { return Array(0..<total) }
        var generator = SeededGenerator(seed: seed)
        var indices = Array(0..<total)
        for i in 0..<count {   // partial Fisher–Yates
            let j = i + Int(generator.next() % UInt64(total - i))
            indices.swapAt(i, j)
        }
        return indices[0..<count].sorted()
    }

    /// The plan an experiment runs encrypted (`fhe.p_error`, `fhe.parameters`), refused
    /// unless its set is 128-bit secure; `lockstep keygen` plans a circuit file the same way.
    public static func plan(_ circuit: IntegerCircuit, log2PErrorTarget: Double, parameters choice: ParameterChoice,
                            options: FHEPlanOptions = FHEPlanOptions()) throws -> FHEPlan {
        let plan = try FHEPlanner.plan(circuit, log2PErrorTarget: log2PErrorTarget, parameters: choice, options: options)
        for pair in plan.keyPairs { try SecurityCheck.enforce(pair) }
        return plan
    }

    /// nil: the operating system's entropy (the default); a fixed seed is recorded as such.
    public static func keySeed(_ seed: UInt64?) -> RandomSeed { seed.map { .fixed($0) } ?? .operatingSystem }

    /// Runs the encrypted model on `count` seeded test samples. `keySeed` nil = keys from the
    /// operating system's entropy (the default); a fixed seed is recorded as such.
    public static func run(
        circuit: IntegerCircuit, quantized: QuantizedModel, testFeatures: [[Float]], count: Int,
        subsetSeed: UInt64, log2PErrorTarget: Double, parameters choice: ParameterChoice, threads requestedThreads: Int,
        keySeed: UInt64? = nil, progress: any RunProgress = SilentProgress()
    ) throws -> EncryptedEvaluation {
        progress.stage("choosing TFHE parameters")
        let plan = try Self.plan(circuit, log2PErrorTarget: log2PErrorTarget, parameters: choice)
        let threads = requestedThreads > 0 ? requestedThreads : ProcessInfo.processInfo.activeProcessorCount

        progress.stage("generating keys (\(plan.keysDescription))")
        let clock = ContinuousClock()
        let keygenStart = clock.now
        let seed = Self.keySeed(keySeed)
        let keys = plan.generateKeys(seed: seed)
        let keygenSeconds = (clock.now - keygenStart).inSeconds

        let evaluator = EncryptedEvaluator(
            client: EncryptedCircuitClient(plan: plan, clientKeys: keys.clientKeys),
            executor: EncryptedExecutor(plan: plan, serverKeys: keys.serverKeys, threads: threads))
        let indices = subset(count: count, of: testFeatures.count, seed: subsetSeed)
        var checks = [SampleCheck]()
        checks.reserveCapacity(indices.count)
        progress.stage("encrypted inference")
        for (done, index) in indices.enumerated() {
            checks.append(try DifferentialChecker.check(evaluator, sample: index, codes: quantized.quantizeInput(testFeatures[index])))
            progress.samplesDone(done + 1, of: indices.count, phase: "encrypted")
        }

        let circuit = plan.circuit
        let noiseModel = NoiseModel(parameters: plan.parameters)
        // Per key pair: a table's outputs follow the weights of its own pair's keys.
        let keyWeights = keys.clientKeys.map { KeyWeights(clientKey: $0) }
        let mismatchesPerOp = circuit.ops.indices.map { i in checks.reduce(0) { $0 + $1.mismatchesPerOp[i] } }
        let layers = try zip(circuit.stages, plan.layers).map { stage, planLayer -> LayerResult in
            // The layer's output: its table op (PBS outputs at the next layer's Δ), or the
            // output layer's accumulators at their own Δ.
            let outputOp = stage.table ?? stage.linear
            let margins = checks.flatMap { $0.noiseInHalfDeltas[outputOp] }
            var zeroTables = Set<Int>()
            if case .table(_, let tables) = circuit.ops[outputOp].operation {
                // Held minus the table's lowest value: a constant table is the zero polynomial.
                zeroTables = Set(tables.indices.filter { j in tables[j].allSatisfy { $0 == tables[j][0] } })
            }
            let measured = checks.flatMap { check in
                check.noiseInHalfDeltas[outputOp].enumerated().filter { !zeroTables.contains($0.offset) }.map(\.element)
            }
            let halfDelta = exp2(-Double(plan.opEncodings[outputOp].encoding.precision + 2))   // Δ/2 on the torus
            // A table's outputs carry the noise of the bootstrapping key its layer uses.
            let tableSet = planLayer.tableParameters ?? plan.parameters
            let predicted = planLayer.isOutputLayer ? planLayer.accumulatorVariance : NoiseModel(parameters: tableSet).pbsOutput
            let keyPredicted = planLayer.isOutputLayer
                ? planLayer.accumulatorVariance
                : KeyConditionedNoise(parameters: tableSet, weights: keyWeights[plan.keyPairs.firstIndex { $0.sharesKeys(with: tableSet) } ?? 0])
                    .pbsOutput(fft: noiseModel.fft)
            let torusNoise = measured.map { $0 * halfDelta }
            let predictedSigma = predicted.value.squareRoot()
            let keyPredictedSigma = keyPredicted.value.squareRoot()
            let noise = torusNoise.count >= 2
                ? try NoiseCheck(step: "layer \(stage.layer) output", samples: torusNoise, predictedVariance: keyPredicted.value)
                : nil
            let flips = try FailureRateCheck(
                observedFailures: mismatchesPerOp[outputOp], trials: max(1, margins.count),
                predictedRate: exp2(planLayer.log2PError))
            return LayerResult(
                layer: stage.layer, plan: planLayer,
                roundingMismatches: stage.round.map { mismatchesPerOp[$0] } ?? 0,
                predictedFrom: planLayer.isOutputLayer
                    ? "weighted sum with the largest weight 2-norm (bound)"
                    : zeroTables.isEmpty ? "PBS output" : "PBS output (constant tables left out)",
                predictedOutputSigma: predictedSigma, keyPredictedOutputSigma: keyPredictedSigma, noise: noise, flips: flips,
                histogram: torusNoise.isEmpty ? nil : try NoiseHistogram(samples: torusNoise, predictedSigma: keyPredictedSigma),
                maxNoiseInHalfDeltas: margins.map(abs).max() ?? 0, ciphertexts: margins.count,
                zeroTableCiphertexts: margins.count - measured.count)
        }
        let ops = plan.opFigures.map { OpResult(figures: $0, mismatches: mismatchesPerOp[$0.op]) }
        return EncryptedEvaluation(
            plan: plan, keySeedDescription: seed.provenance, sampleIndices: indices,
            fhePredictions: checks.map(\.fhePrediction), clearPredictions: checks.map(\.clearPrediction),
            latenciesSeconds: checks.map(\.latencySeconds), encryptSeconds: checks.map(\.encryptSeconds),
            evaluateSeconds: checks.map(\.evaluateSeconds), decryptSeconds: checks.map(\.decryptSeconds),
            keygenSeconds: keygenSeconds, threads: threads,
            serverKeyBytes: plan.serverKeyBytes,
            layers: layers, ops: ops, divergences: checks.flatMap(\.divergences),
            mismatchedSamples: checks.filter { !$0.passed }.count)
    }
}
