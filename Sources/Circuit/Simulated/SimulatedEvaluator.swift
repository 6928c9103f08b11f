import Foundation
import NeuralNet
import Quantization
import SeededRandom
import TFHE

/// Runs a plan's circuit in clear arithmetic on phases instead of ciphertexts, with every noise
/// the encrypted side would add drawn from the plan's predicted distributions (DESIGN §3,
/// issue 12): no keys, thousands of samples per second, and wrong values exactly where the
/// noise model says real FHE would produce them.
///
/// Each value is its torus phase (UInt64, 2^-64 units): the encoded held value plus the noise
/// it carries. The ops mirror `EncryptedExecutor` step for step, on phases:
///   input   encode(x − inputLow) + fresh encryption noise;
///   dense   Σ W·phase + the same clear constant (noise propagates exactly, per value);
///   PBS     + keyswitch noise, then the modulus switch to 2N (+ its rounding noise, as one
///           Gaussian of the key-averaged variance; the centered switch also moves by half a
///           step), then the blind rotation's exact lookup in the very test polynomial the
///           real PBS uses (negacyclic above N), then + PBS output noise;
///   round   the digit extraction of `ServerKey.removeLowBits` with simulated PBSs;
///   decrypt decode(phase) + offset, as the client does.
/// So a table index lands in a neighbouring box, a rounding group extracts a wrong bit, or an
/// output accumulator decrypts wrong as often as the noise model predicts. The model's
/// simplifications are the planner's: Gaussian keyswitch and modulus-switch errors with
/// key-averaged variances (the switch's own body rounding is counted in that variance and
/// again by the final rounding: 1/12 of a 2N step², < 1 % of it for n ≥ 600).
public final class SimulatedEvaluator: CircuitEvaluator, @unchecked Sendable {
    public let plan: FHEPlan
    public let seed: UInt64
    public var circuit: IntegerCircuit { plan.circuit }

    enum Step {
        case linear(LinearRows, constants: [UInt64])
        /// One polynomial pair per group: the top-bit table's and (d ≥ 2) the low bits'.
        case round(ExactRounding, top: [[UInt64]], low: [[UInt64]?])
        /// The test polynomials, the noise of the layer's bootstrapping key (a cross key's
        /// keyswitch, modulus switch and N are its own pair's), and the constants added after
        /// each PBS (`EncryptedExecutor.Step.table`).
        case table(polynomials: [[UInt64]], noise: PBSNoise, corrections: [UInt64]?)
    }

    /// What one server key's KS→PBS does to a phase: σ (torus units, 2^-64) of keyswitch +
    /// modulus switch and of the output, the switch's 2N and kind.
    struct PBSNoise {
        let switchSigma: Double
        let outputSigma: Double
        let log2TwoN: Int
        let centered: Bool

        /// `set`'s PBS, its keyswitch reading a big key of `inputDimension`.
        init(_ set: ParameterSet, inputDimension: LWEDimension, fft: FFTNoiseModel) {
            let model = NoiseModel(parameters: set, fft: fft)
            let torus = 0x1p64
            switchSigma = (model.keyswitch(from: inputDimension) + model.modulusSwitch).value.squareRoot() * torus
            outputSigma = model.pbsOutput.value.squareRoot() * torus
            log2TwoN = set.polynomialSize.log2 + 1
            centered = set.modulusSwitch == .centered
        }
    }

    private let steps: [Step]
    /// σ of a fresh encryption (torus units), and the rounding PBSs' noise (the plan's set).
    private let freshSigma: Double
    private let roundingNoise: PBSNoise
    private let lock = NSLock()
    private var nextSample: UInt64 = 0

    /// `seed` fixes every noise draw: sample k's noise comes from its own stream, so results
    /// do not depend on the order or the threads samples run on.
    public init(plan: FHEPlan, seed: UInt64, fft: FFTNoiseModel = .tfheRsFit) {
        self.plan = plan
        self.seed = seed
        freshSigma = NoiseModel(parameters: plan.parameters, fft: fft).freshEncryption.value.squareRoot() * 0x1p64
        // Every PBS reads the first key pair's big key (`FHEPlan.init` checks it).
        let input = plan.parameters.bigLWEDimension
        roundingNoise = PBSNoise(plan.parameters, inputDimension: input, fft: fft)
        let size = plan.parameters.polynomialSize
        steps = EncryptedExecutor.steps(plan).map { step in
            switch step {
            case .linear(let rows, let constants): return .linear(rows, constants: constants)
            case .round(let rounding):
                return .round(rounding, top: rounding.groups.map { $0.topBitTable.testPolynomial(polynomialSize: size) },
                              low: rounding.groups.map { $0.lowBitsTable?.testPolynomial(polynomialSize: size) })
            case .table(let tables, let key, let corrections):
                let set = plan.bootstrapParameterSets[key]
                return .table(polynomials: tables.map { $0.testPolynomial(polynomialSize: set.polynomialSize) },
                              noise: PBSNoise(set, inputDimension: input, fft: fft), corrections: corrections)
            }
        }
    }

    /// Every op's values with the noise of the next sample number (0, 1, …, one per call).
    public func evaluate(_ input: [Int64]) throws -> CircuitTrace {
        let sample = lock.withLock {
            defer { nextSample += 1 }
            return nextSample
        }
        return try evaluate(input, sample: sample)
    }

    /// Every op's values with the noise stream of `sample`.
    public func evaluate(_ input: [Int64], sample: UInt64) throws -> CircuitTrace {
        try ClearEvaluator.checkInput(input, of: circuit)
        return run(input, sample: sample)
    }

    /// Many checked inputs on all cores; input k uses the stream of sample `firstSample + k`.
    public func runBatch(_ inputs: [[Int64]], firstSample: UInt64) -> [CircuitTrace] {
        let results = ConcurrentSlots<CircuitTrace>(count: inputs.count)
        let chunks = max(1, min(inputs.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for k in (inputs.count * chunk / chunks)..<(inputs.count * (chunk + 1) / chunks) {
                results.set(k, run(inputs[k], sample: firstSample &+ UInt64(k)))
            }
        }
        return results.values
    }

    func run(_ input: [Int64], sample: UInt64) -> CircuitTrace {
        // One stream per (seed, sample): SplitMix64 decorrelates neighbouring sample numbers.
        var streamSeed = SplitMix64(seed: seed ^ (sample &* 0x9E37_79B9_7F4A_7C15))
        var random = SeededGenerator(seed: streamSeed.next())
        let inputEncoding = plan.inputEncoding
        var phases = input.map { inputEncoding.encode(Int($0 - circuit.inputLow)) &+ noise(freshSigma, &random) }
        var values = [[Int64]]()
        values.reserveCapacity(steps.count)
        for (i, step) in steps.enumerated() {
            switch step {
            case .linear(let rows, let constants):
                phases = (0..<rows.outputCount).map { j in
                    var sum = constants[j]
                    rows.forEachTerm(row: j) { k, w in sum = sum &+ UInt64(bitPattern: w) &* phases[k] }
                    return sum
                }
            case .round(let rounding, let top, let low):
                for j in phases.indices {
                    var phase = phases[j]
                    for (g, group) in rounding.groups.enumerated() {
                        let multiplier = UInt64(bitPattern: group.multiplier)
                        let bit = bootstrap(phase &* multiplier &+ group.topBitOffset, top[g], roundingNoise, &random)
                            &+ group.topBitCorrection
                        phase = phase &- bit
                        if let lowPolynomial = low[g] {
                            phase = phase &- bootstrap(phase &* multiplier, lowPolynomial, roundingNoise, &random)
                        }
                    }
                    phases[j] = phase
                }
            case .table(let polynomials, let pbs, let corrections):
                phases = phases.indices.map { j in
                    bootstrap(phases[j], polynomials[j], pbs, &random) &+ (corrections?[j] ?? 0)
                }
            }
            values.append(plan.decode(op: i, phases: phases))
        }
        return CircuitTrace(input: input, values: values)
    }

    /// One KS→PBS on a phase: switch noise, the modulus switch to 2N, the blind rotation's
    /// lookup (v[μ̃] below N, −v[μ̃ − N] above), the output noise.
    @inline(__always)
    private func bootstrap(_ phase: UInt64, _ polynomial: [UInt64], _ pbs: PBSNoise,
                           _ random: inout SeededGenerator) -> UInt64 {
        let shift = UInt64(64 - pbs.log2TwoN)
        var switched = phase &+ noise(pbs.switchSigma, &random)
        if pbs.centered { switched = switched &- (1 << (shift - 1)) }
        let mu = Int(((switched &+ (1 << (shift - 1))) >> shift) & ((1 << UInt64(pbs.log2TwoN)) - 1))
        let n = polynomial.count
        let rotated = mu < n ? polynomial[mu] : 0 &- polynomial[mu - n]
        return rotated &+ noise(pbs.outputSigma, &random)
    }

    /// A centred Gaussian sample of standard deviation σ (torus units), wrapped onto the torus.
    @inline(__always)
    private func noise(_ sigma: Double, _ random: inout SeededGenerator) -> UInt64 {
        // Wrapped, never clamped: on inflated sets σ reaches a fifth of the torus, and a clamp
        // at a quarter once made 9.5 % of rounded values wrong where real FHE made 16–19 %.
        TorusConversion.fromScaledNoise(sigma * random.nextStandardNormal())
    }
}
