import SeededRandom
import Dispatch
import GSLStatistics
import TFHE

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the noise of every step of the KS→PBS pipeline with the client key, compares it
/// with the formulas of `NoiseModel`, and optionally runs a failure-rate experiment at raised
/// precision (DESIGN §5, issue 5).
///
/// Samples:
/// - `samples` fresh encryptions of random messages under the big key, each keyswitched and
///   modulus switched: rows `fresh`, `keyswitch`, `modulus switch` (the rounding error alone:
///   switched phase/2N − phase before the switch) and `before blind rotation` (switched phase
///   − m·N/2^(p−…), in units of the 2N grid, converted to torus units);
/// - `blindRotations` of those, each giving the PBS output (row `pbs output`, the constant
///   coefficient, i.e. the sample-extracted ciphertext), the whole accumulator noise polynomial
///   (N coefficients, for the FFT term), and a keyswitch + modulus switch of the PBS output
///   (row `before blind rotation (pbs inputs)`: ν = 1, the atomic pattern's real input);
/// - with `inflateBits` d: fresh encryptions at precision p + d run through the real PBS with
///   the identity table and decrypted; a failure is a decrypted value ≠ m. The same
///   ciphertexts are also classified by the pre-blind-rotation rule (switched phase outside
///   the message's box [m·w − w/2, m·w + w/2), w = N/2^(p+d)) and the two counts compared.
public enum NoiseExperiment {
    public struct Configuration: Sendable {
        public var parameters: ParameterSet
        public var samples: Int
        public var blindRotations: Int
        public var inflateBits: Int?
        /// Failure-rate trials are sized so this many failures are expected (≥ 100).
        public var expectedFailures: Double
        public var threads: Int
        public var confidenceLevel: Double
        /// Fixed seed for keys, encryptions and messages ("seeded (not for production
        /// secrets)"); nil draws from the operating system.
        public var seed: UInt64?
        /// The FFT term used for the PBS predictions.
        public var fft: FFTNoiseModel

        public init(parameters: ParameterSet, samples: Int = 10_000, blindRotations: Int = 200,
                    inflateBits: Int? = nil, expectedFailures: Double = 200, threads: Int = 1,
                    confidenceLevel: Double = 0.99, seed: UInt64? = nil, fft: FFTNoiseModel = .tfheRsFit) {
            self.parameters = parameters
            self.samples = samples
            self.blindRotations = blindRotations
            self.inflateBits = inflateBits
            self.expectedFailures = expectedFailures
            self.threads = threads
            self.confidenceLevel = confidenceLevel
            self.seed = seed
            self.fft = fft
        }
    }

    public struct Result: Sendable {
        // No key weights or key-conditioned predictions (only verdicts against them): a
        // report must not carry a value computed from the secret keys' bits.
        public var rows: [NoiseReportRow]
        public var fftEstimate: FFTTermEstimate?
        /// Failure-rate run: ciphertexts whose real PBS outcome differed from the
        /// pre-blind-rotation rule (0 when the rule is exact).
        public var predicateMismatches: Int?
        public var seedProvenance: String
        /// Wall-clock seconds per phase: keygen, cheap samples, blind rotations, failure run.
        public var seconds: [String: Double]
    }

    public static func run(_ configuration: Configuration, progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> Result {
        let parameters = configuration.parameters
        try validate(configuration)
        var seconds: [String: Double] = [:]
        let seed: RandomSeed = configuration.seed.map { RandomSeed.fixed($0) } ?? .operatingSystem
        let messageSeed = configuration.seed ?? UInt64.random(in: .min ... .max)

        progress("keygen \(parameters.name)")
        var clock = Stopwatch()
        let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: seed)
        seconds["keygen"] = clock.lap()
        // Used for the verdicts against this run's keys and inside the FFT-term estimate
        // (subtracting this key's rounding terms); the weights and the predictions made from
        // them are never reported.
        let weights = KeyWeights(clientKey: clientKey)
        let model = NoiseModel(parameters: parameters, fft: configuration.fft)
        let keyModel = KeyConditionedNoise(parameters: parameters, weights: weights)
        let level = configuration.confidenceLevel
        let p = parameters.precision
        let encoding = Encoding(precision: p)
        let size = parameters.polynomialSize.rawValue
        let twoN = 2 * size
        let gridToTorus = 1.0 / Double(twoN)
        // The centered switch subtracts half a grid step (TFHE_FACTS §3.4).
        let gridMean = parameters.modulusSwitch == .centered ? -0.5 * gridToTorus : 0
        let boxWidth = size >> p   // grid units per message

        // Cheap steps: fresh → KS → MS.
        let count = configuration.samples
        let fresh = SampleColumn(count), keyswitched = SampleColumn(count)
        let rounding = SampleColumn(count), beforeRotation = SampleColumn(count)
        progress("\(count) fresh encryptions → keyswitch → modulus switch")
        parallelChunks(count: count, threads: configuration.threads, seed: messageSeed) { range, generator in
            for i in range {
                let message = Int(generator.next() & UInt64(encoding.messageCount - 1))
                let plaintext = encoding.encode(message)
                let ciphertext = clientKey.encrypt(plaintext: plaintext)
                fresh[i] = signedTorusDistance(clientKey.phase(ciphertext), from: plaintext)
                let small = serverKey.keyswitch(ciphertext)
                let smallNoise = signedTorusDistance(clientKey.phase(small), from: plaintext)
                keyswitched[i] = smallNoise
                let switched = serverKey.modulusSwitch(small)
                let gridError = signedGridDistance(UInt64(clientKey.phase(switched)), from: UInt64(message * boxWidth),
                                                   gridSize: UInt64(twoN))
                beforeRotation[i] = Double(gridError) * gridToTorus
                rounding[i] = Double(gridError) * gridToTorus - smallNoise
            }
        }
        seconds["cheap steps"] = clock.lap()

        let freshPrediction = model.freshEncryption
        var rows: [NoiseReportRow] = []
        func row(_ step: String, _ samples: [Double], predicted: Variance, forTheseKeys: Variance? = nil,
                 mean: Double = 0, gridStep: Double? = nil, method: String) throws -> NoiseReportRow {
            let check = try NoiseCheck(step: step, samples: samples, predictedVariance: predicted.value,
                                       expectedMean: mean, confidenceLevel: level, gridStep: gridStep)
            return NoiseReportRow(parameterSet: parameters.name, check: check, predictedForTheseKeys: forTheseKeys, method: method)
        }
        // Fresh noise is rounded to whole units of 2^-64; at the σ floor (4 units) that grid is
        // as coarse for the normality test as the 2N grid is for the switched phase.
        rows.append(try row("fresh", fresh.values, predicted: freshPrediction, gridStep: 0x1p-64,
                            method: "phase − m·Δ of fresh big-key encryptions; normality on values dithered by one unit of 2^-64"))
        rows.append(try row("keyswitch", keyswitched.values, predicted: freshPrediction + model.keyswitch,
                            forTheseKeys: freshPrediction + keyModel.keyswitch,
                            method: "phase − m·Δ after keyswitch of fresh encryptions"))
        rows.append(try row("modulus switch", rounding.values, predicted: model.modulusSwitch,
                            forTheseKeys: keyModel.modulusSwitch, mean: gridMean,
                            method: "switched phase/2N − phase before the switch (rounding error alone)"))
        let beforeRotationPrediction = model.beforeBlindRotation(inputVariance: freshPrediction)
        rows.append(try row("before blind rotation", beforeRotation.values, predicted: beforeRotationPrediction,
                            forTheseKeys: keyModel.beforeBlindRotation(inputVariance: freshPrediction), mean: gridMean,
                            gridStep: gridToTorus, method: "switched phase − m·N/2^p in 2N-grid units, /2N; fresh inputs; normality on dithered values"))

        // Blind rotations.
        var fftEstimate: FFTTermEstimate?
        if configuration.blindRotations > 0 {
            let rotations = configuration.blindRotations
            let outputs = SampleColumn(rotations), accumulatorVariances = SampleColumn(rotations)
            let secondRound = SampleColumn(rotations)
            let table = LookupTable(values: Array(0..<encoding.messageCount), inputEncoding: encoding, outputEncoding: encoding)
            let testPolynomial = table.testPolynomial(polynomialSize: parameters.polynomialSize)
            progress("\(rotations) blind rotations (N = \(size))")
            parallelChunks(count: rotations, threads: configuration.threads, seed: messageSeed ^ 0xB1)  { range, generator in
                let workspace = serverKey.makeWorkspace()
                for i in range {
                    let message = Int(generator.next() & UInt64(encoding.messageCount - 1))
                    let ciphertext = clientKey.encrypt(message, encoding: encoding)
                    let switched = serverKey.modulusSwitch(serverKey.keyswitch(ciphertext))
                    let rotation = clientKey.phase(switched)
                    let accumulator = serverKey.blindRotate(switched, table: table, workspace: workspace)
                    // The accumulator's body-minus-key phase must equal X^(−μ̃)·v coefficientwise.
                    let phase = clientKey.phase(accumulator)
                    var sumOfSquares = 0.0
                    for j in 0..<size {
                        let distance = signedTorusDistance(phase[j], from: rotatedCoefficient(testPolynomial, by: rotation, at: j))
                        sumOfSquares += distance * distance
                    }
                    accumulatorVariances[i] = sumOfSquares / Double(size)
                    let extracted = serverKey.sampleExtract(accumulator)
                    let expectedOutput = rotatedCoefficient(testPolynomial, by: rotation, at: 0)
                    outputs[i] = signedTorusDistance(clientKey.phase(extracted), from: expectedOutput)
                    // ν = 1: the PBS output feeds the next keyswitch and modulus switch directly.
                    let next = serverKey.modulusSwitch(serverKey.keyswitch(extracted))
                    let expectedGrid = UInt64(Int(expectedOutput >> UInt64(63 - parameters.polynomialSize.log2)) % twoN)
                    secondRound[i] = Double(signedGridDistance(UInt64(clientKey.phase(next)), from: expectedGrid,
                                                               gridSize: UInt64(twoN))) * gridToTorus
                }
            }
            seconds["blind rotations"] = clock.lap()
            let pbsOutputForTheseKeys = keyModel.pbsOutput(fft: configuration.fft)
            rows.append(try row("pbs output", outputs.values, predicted: model.pbsOutput, forTheseKeys: pbsOutputForTheseKeys,
                                method: "phase − expected of the sample-extracted accumulator (identity table), FFT model \(configuration.fft)"))
            rows.append(try row("before blind rotation (pbs inputs)", secondRound.values,
                                predicted: model.beforeBlindRotation(weightTwoNorm: 1),
                                forTheseKeys: keyModel.beforeBlindRotation(inputVariance: pbsOutputForTheseKeys),
                                mean: gridMean, gridStep: gridToTorus,
                                method: "KS + MS of PBS outputs (ν = 1), 2N-grid units /2N; normality on dithered values"))
            fftEstimate = try estimateFFTTerm(accumulatorVariances: accumulatorVariances.values, keyModel: keyModel,
                                              parameters: parameters, confidenceLevel: level)
            if let fftEstimate {
                var fftRow = rows[rows.count - 2]
                fftRow.step = "fft term per cmux"
                fftRow.samples = rotations
                fftRow.predictedVariance = configuration.fft.externalProductVariance(
                    glweDimension: parameters.glweDimension.rawValue, polynomialSize: size,
                    baseLog: parameters.pbsBaseLog.rawValue, levels: parameters.pbsLevels.rawValue)
                fftRow.measuredVariance = fftEstimate.variance
                fftRow.ciLow = fftEstimate.interval.lower
                fftRow.ciHigh = fftEstimate.interval.upper
                fftRow.verdict = Verdict(predicted: fftRow.predictedVariance, interval: fftEstimate.interval)
                fftRow.populationVerdict = fftRow.verdict
                fftRow.expectedMean = 0
                fftRow.measuredMean = 0
                fftRow.meanCILow = 0
                fftRow.meanCIHigh = 0
                fftRow.meanVerdict = nil
                fftRow.normalityPValue = nil
                fftRow.normalityVerdict = nil
                fftRow.method = "(mean over rotations of the N-coefficient accumulator noise variance − key-conditioned theory)/n; "
                    + "c = \(fftEstimate.coefficient) in c·2^22·l·B²·N²·(k+1)/q², FFT share \(fftEstimate.shareOfBlindRotationVariance)"
                rows.append(fftRow)
            }
        }

        // Failure rate at raised precision.
        var mismatches: Int?
        if let bits = configuration.inflateBits {
            let raised = p + bits
            let raisedEncoding = Encoding(precision: raised)
            let raisedBox = size >> raised
            let predictedRate = exp2(NoiseFormulas.log2PError(variance: beforeRotationPrediction.value, precision: raised))
            let trials = try trialsForExpectedFailures(configuration.expectedFailures, rate: predictedRate)
            let table = LookupTable(values: Array(0..<raisedEncoding.messageCount), inputEncoding: raisedEncoding,
                                    outputEncoding: raisedEncoding)
            let realFailures = SampleColumn(trials), ruleFailures = SampleColumn(trials), phases = SampleColumn(trials)
            progress("failure rate at \(raised) bits: \(trials) PBS (predicted rate \(predictedRate))")
            parallelChunks(count: trials, threads: configuration.threads, seed: messageSeed ^ 0xFA11) { range, generator in
                let workspace = serverKey.makeWorkspace()
                for i in range {
                    let message = Int(generator.next() & UInt64(raisedEncoding.messageCount - 1))
                    let ciphertext = clientKey.encrypt(message, encoding: raisedEncoding)
                    let switched = serverKey.modulusSwitch(serverKey.keyswitch(ciphertext))
                    let gridError = signedGridDistance(UInt64(clientKey.phase(switched)), from: UInt64(message * raisedBox),
                                                       gridSize: UInt64(twoN))
                    phases[i] = Double(gridError) * gridToTorus
                    ruleFailures[i] = (-raisedBox / 2 ..< raisedBox / 2).contains(Int(gridError)) ? 0 : 1
                    let output = serverKey.programmableBootstrap(ciphertext, table: table, workspace: workspace)
                    realFailures[i] = clientKey.decrypt(output, encoding: raisedEncoding) == message ? 0 : 1
                }
            }
            seconds["failure run"] = clock.lap()
            let observed = Int(realFailures.values.reduce(0, +))
            mismatches = zip(realFailures.values, ruleFailures.values).filter { $0 != $1 }.count
            let failureCheck = try FailureRateCheck(observedFailures: observed, trials: trials, predictedRate: predictedRate,
                                                    confidenceLevel: level)
            var failureRow = try row("failure rate (p+\(bits) = \(raised) bits, real pbs)", phases.values,
                                     predicted: beforeRotationPrediction, mean: gridMean,
                                     gridStep: gridToTorus, method: "identity-table PBS of fresh encryptions at \(raised) bits, decrypted; "
                                        + "pre-blind-rotation rule disagreed on \(mismatches!) of \(trials)")
            try failureRow.attach(failureRate: failureCheck, precision: raised, productionPrecision: p,
                                  predictedProductionLog2FailureRate: NoiseFormulas.log2PError(
                                    variance: beforeRotationPrediction.value, precision: p))
            rows.append(failureRow)
        }
        return Result(rows: rows, fftEstimate: fftEstimate, predicateMismatches: mismatches,
                      seedProvenance: seed.provenance, seconds: seconds)
    }

    static func validate(_ configuration: Configuration) throws {
        let parameters = configuration.parameters
        guard configuration.samples >= 5 else {
            throw NoiseAnalysisError.tooFewSamples(needed: 5, got: configuration.samples, purpose: "--samples")
        }
        guard configuration.blindRotations == 0 || configuration.blindRotations >= 5 else {
            throw NoiseAnalysisError.tooFewSamples(needed: 5, got: configuration.blindRotations, purpose: "--blind-rotations (or 0)")
        }
        guard configuration.threads >= 1 else {
            throw NoiseAnalysisError.tooFewSamples(needed: 1, got: configuration.threads, purpose: "--threads")
        }
        guard configuration.expectedFailures >= 100 else {
            throw NoiseAnalysisError.tooFewSamples(needed: 100, got: Int(configuration.expectedFailures),
                                                   purpose: "a failure-rate run (expected failures)")
        }
        if let bits = configuration.inflateBits {
            let maximum = parameters.polynomialSize.log2 - 1 - parameters.precision
            guard bits >= 1, bits <= maximum else {
                throw NoiseAnalysisError.inflationOutOfRange(parameterSet: parameters.name, bits: bits, allowed: 1...max(1, maximum))
            }
        }
    }

    /// Each rotation gives the mean square of its N accumulator noise coefficients; their
    /// average over rotations estimates the blind-rotation variance, with a normal interval from
    /// the spread across rotations (coefficients of one rotation share the key and the rotation,
    /// so only rotations count as independent). Var_FFT = (that − key-conditioned theory)/n.
    static func estimateFFTTerm(accumulatorVariances: [Double], keyModel: KeyConditionedNoise,
                                parameters: ParameterSet, confidenceLevel: Double) throws -> FFTTermEstimate {
        let interval = try meanConfidenceInterval(of: accumulatorVariances, confidenceLevel: confidenceLevel)
        let measured = try SampleMoments(accumulatorVariances).mean
        let theory = keyModel.blindRotationWithoutFFT.value
        let n = Double(parameters.lweDimension.rawValue)
        let perCMUX = (measured - theory) / n
        return FFTTermEstimate(
            parameterSet: parameters.name, polynomialSize: parameters.polynomialSize.rawValue,
            glweDimension: parameters.glweDimension.rawValue, baseLog: parameters.pbsBaseLog.rawValue,
            levels: parameters.pbsLevels.rawValue, variance: perCMUX,
            interval: ConfidenceInterval(lower: (interval.lower - theory) / n, upper: (interval.upper - theory) / n,
                                         confidenceLevel: confidenceLevel),
            shareOfBlindRotationVariance: (measured - theory) / measured)
    }
}

/// Coefficient j of X^(−r)·v in T[X]/(X^N + 1), r ∈ [0, 2N).
@inline(__always)
func rotatedCoefficient(_ v: [UInt64], by r: Int, at j: Int) -> UInt64 {
    let size = v.count
    let t = j + r
    if t < size { return v[t] }
    if t < 2 * size { return 0 &- v[t - size] }
    return v[t - 2 * size]
}

/// Splits 0..<count into `threads` contiguous chunks run concurrently; each worker gets its own
/// message generator derived from `seed`.
func parallelChunks(count: Int, threads: Int, seed: UInt64,
                    _ body: @Sendable (Range<Int>, inout SplitMix64) -> Void) {
    let workers = max(1, min(threads, count))
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        let start = count * worker / workers, end = count * (worker + 1) / workers
        var generator = SplitMix64(seed: seed &+ UInt64(worker) &* 0x9E37_79B9_7F4A_7C15)
        body(start..<end, &generator)
    }
}

/// Wall-clock laps (CLOCK_MONOTONIC).
struct Stopwatch {
    private var last = Stopwatch.now()
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
    mutating func lap() -> Double {
        let current = Stopwatch.now()
        defer { last = current }
        return current - last
    }
}
