#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ranges the optimizer searches. Defaults follow Concrete's CPU search (log2 N ∈ 8…16 here).
public struct ParameterSearchSpace: Hashable, Sendable {
    public var lweDimensions: ClosedRange<Int>
    public var glweDimensions: ClosedRange<Int>
    public var log2PolynomialSizes: ClosedRange<Int>
    public var maximalPBSLevels: Int
    public var maximalKSLevels: Int

    public init(lweDimensions: ClosedRange<Int> = 450...1200, glweDimensions: ClosedRange<Int> = 1...6,
                log2PolynomialSizes: ClosedRange<Int> = 8...16, maximalPBSLevels: Int = 12, maximalKSLevels: Int = 30) {
        precondition(lweDimensions.lowerBound > 0 && glweDimensions.lowerBound > 0 && log2PolynomialSizes.lowerBound > 0,
                     "search ranges must be positive: n \(lweDimensions), k \(glweDimensions), log2 N \(log2PolynomialSizes)")
        self.lweDimensions = lweDimensions
        self.glweDimensions = glweDimensions
        self.log2PolynomialSizes = log2PolynomialSizes
        self.maximalPBSLevels = maximalPBSLevels
        self.maximalKSLevels = maximalKSLevels
    }
}

/// What the blind rotation's input is made of, besides the keyswitch and modulus switch.
public enum OptimizerInputNoise: String, Hashable, Sendable, CaseIterable {
    /// A linear combination (2-norm ν) of earlier PBS outputs: the steady state of a network.
    case previousPBS = "pbs"
    /// A linear combination of fresh encryptions, the table's output decrypted directly: a
    /// single-table circuit, which is what Concrete optimizes for `x → f(x)`. The PBS output must
    /// then also decrypt at the target.
    case freshEncryption = "fresh"
}

/// The cheapest set found for a request, with what it costs and what it promises.
public struct OptimizedParameters: Hashable, Sendable {
    public let parameters: ParameterSet
    /// KS + PBS, millions of operations (TFHE_FACTS §3.9).
    public let costMillions: Double
    /// Predicted log2 p_error at the requested precision and weight 2-norm.
    public let log2PError: Double
    public let weightTwoNorm: Double
    public let log2PErrorTarget: Double
}

/// Searches (n, k, N, PBS base/levels, KS base/levels) on a security curve, σ taken from the
/// curve at n and k·N, for the cheapest KS→PBS set whose failure probability meets the target.
///
/// Pruning: for a fixed (k, N, l_pbs) the PBS cost does not depend on the PBS base, so only the
/// base with the least PBS noise matters; likewise for (n, l_ks) and the KS base. For a fixed
/// (k, N), scanning n upward stops once the cheapest conceivable cost at n (one PBS level, one
/// KS level) exceeds the best found, or once the modulus-switch noise alone breaks the budget;
/// both grow with n.
public enum ParameterOptimizer {
    public static func optimize(
        precision: Int, weightTwoNorm nu: Double, log2PErrorTarget target: Double,
        fft: FFTNoiseModel = .tfheRsFit, modulusSwitch: ModulusSwitchKind = .standard,
        input: OptimizerInputNoise = .previousPBS, curve: SecurityCurve = .concrete128, space: ParameterSearchSpace = ParameterSearchSpace()
    ) throws -> OptimizedParameters {
        guard (1...30).contains(precision) else {
            throw ParameterError.invalidRequest("precision must be 1...30 bits, got \(precision)")
        }
        guard nu.isFinite && nu > 0 else {
            throw ParameterError.invalidRequest("weight 2-norm must be a positive number, got \(nu)")
        }
        guard target.isFinite && target < 0 else {
            throw ParameterError.invalidRequest("p_error target must be below 1 (log2 < 0), got 2^\(target)")
        }
        let budget = NoiseFormulas.maximalVariance(precision: precision, log2PErrorTarget: target)
        let nu2 = nu * nu

        struct Candidate {
            var cost: Double
            var n, k, logN, pbsBaseLog, pbsLevels, ksBaseLog, ksLevels: Int
        }
        var best: Candidate?

        // Cheapest (k, N) first so the cost bound starts pruning early.
        var shapes: [(k: Int, logN: Int)] = []
        for k in space.glweDimensions {
            for logN in space.log2PolynomialSizes where logN >= precision {
                if k << logN >= curve.minimalDimension { shapes.append((k, logN)) }
            }
        }
        shapes.sort { CostModel.cmux(glweDimension: $0.k, polynomialSize: 1 << $0.logN, levels: 1)
            < CostModel.cmux(glweDimension: $1.k, polynomialSize: 1 << $1.logN, levels: 1) }

        for (k, logN) in shapes {
            let N = 1 << logN
            let bigDimension = k * N
            let bootstrapKeyVariance = curve.minimalVariance(for: LWEDimension(bigDimension)).value

            // Least per-CMUX noise for every PBS level count, and its base.
            var cmuxNoise: [(variance: Double, baseLog: Int, cmuxCost: Double)] = []
            for levels in 1...space.maximalPBSLevels {
                var bestVariance = Double.infinity, bestBase = 0
                for baseLog in 1...min(63, 64 / levels) {
                    let v = NoiseFormulas.externalProductTheory(
                        glweDimension: k, polynomialSize: N, bootstrapKeyVariance: bootstrapKeyVariance,
                        baseLog: baseLog, levels: levels)
                        + fft.externalProductVariance(glweDimension: k, polynomialSize: N, baseLog: baseLog, levels: levels)
                    if v < bestVariance { bestVariance = v; bestBase = baseLog }
                }
                if bestBase > 0 {
                    cmuxNoise.append((bestVariance, bestBase,
                                      CostModel.cmux(glweDimension: k, polynomialSize: N, levels: levels)))
                }
            }

            for n in space.lweDimensions {
                let floorCost = Double(n) * cmuxNoise[0].cmuxCost
                    + CostModel.keyswitch(inputDimension: bigDimension, outputDimension: n, levels: 1)
                if let best, floorCost >= best.cost { break }
                let msVariance = NoiseFormulas.modulusSwitch(lweDimension: n, polynomialSize: N, kind: modulusSwitch)
                if msVariance >= budget { break }
                let keyswitchKeyVariance = curve.minimalVariance(for: LWEDimension(n)).value
                var ksCache = [(variance: Double, baseLog: Int)?](repeating: nil, count: space.maximalKSLevels + 1)

                for (index, pbs) in cmuxNoise.enumerated() {
                    let pbsCost = Double(n) * pbs.cmuxCost
                    if let best, pbsCost >= best.cost { break }
                    let pbsVariance = Double(n) * pbs.variance
                    let inputVariance: Double
                    switch input {
                    case .previousPBS:
                        inputVariance = nu2 * pbsVariance
                    case .freshEncryption:
                        if pbsVariance > budget { continue }
                        inputVariance = nu2 * bootstrapKeyVariance
                    }
                    let ksBudget = budget - msVariance - inputVariance
                    if ksBudget <= 0 { continue }
                    for ksLevels in 1...space.maximalKSLevels {
                        let cost = pbsCost + CostModel.keyswitch(inputDimension: bigDimension, outputDimension: n, levels: ksLevels)
                        if let best, cost >= best.cost { break }
                        if ksCache[ksLevels] == nil {
                            var bestVariance = Double.infinity, bestBase = 0
                            for baseLog in 1...min(63, 64 / ksLevels) {
                                let v = NoiseFormulas.keyswitch(inputDimension: bigDimension,
                                                                keyswitchKeyVariance: keyswitchKeyVariance,
                                                                baseLog: baseLog, levels: ksLevels)
                                if v < bestVariance { bestVariance = v; bestBase = baseLog }
                            }
                            ksCache[ksLevels] = (bestVariance, bestBase)
                        }
                        let ks = ksCache[ksLevels]!
                        if ks.variance <= ksBudget {
                            best = Candidate(cost: cost, n: n, k: k, logN: logN,
                                             pbsBaseLog: pbs.baseLog, pbsLevels: index + 1,
                                             ksBaseLog: ks.baseLog, ksLevels: ksLevels)
                            break
                        }
                    }
                }
            }
        }

        guard let best else {
            let n = space.lweDimensions.lowerBound
            let N = 1 << space.log2PolynomialSizes.upperBound
            let msOnly = NoiseFormulas.log2PError(
                variance: NoiseFormulas.modulusSwitch(lweDimension: n, polynomialSize: N, kind: modulusSwitch),
                precision: precision)
            let searched = "searched n \(space.lweDimensions.lowerBound)…\(space.lweDimensions.upperBound), "
                + "k \(space.glweDimensions.lowerBound)…\(space.glweDimensions.upperBound), "
                + "N 2^\(space.log2PolynomialSizes.lowerBound)…2^\(space.log2PolynomialSizes.upperBound) on \(curve)"
            let why = msOnly > target
                ? "the modulus-switch noise alone at the smallest n=\(n) and largest N=2^\(space.log2PolynomialSizes.upperBound) "
                    + "already gives log2 p_error \((msOnly * 100).rounded() / 100)"
                : "the keyswitch and PBS noise (weighted by the 2-norm) on top of the modulus switch exceed the budget everywhere"
            throw ParameterError.noFeasibleParameters(
                precision: precision, weightTwoNorm: nu, log2PErrorTarget: target,
                reason: why + " (" + searched + "); lower the precision (round the accumulator first), "
                    + "the weight 2-norm, or relax the target")
        }

        let set = ParameterSet(
            name: optimizedName(precision: precision, nu: nu, target: target)
                + (input == .freshEncryption ? "-fresh" : ""),
            precision: precision,
            lweDimension: LWEDimension(best.n), glweDimension: GLWEDimension(best.k),
            polynomialSize: PolynomialSize(1 << best.logN),
            lweNoise: curve.minimalStandardDeviation(for: LWEDimension(best.n)),
            glweNoise: curve.minimalStandardDeviation(for: LWEDimension(best.k << best.logN)),
            pbsBaseLog: DecompositionBaseLog(best.pbsBaseLog), pbsLevels: DecompositionLevelCount(best.pbsLevels),
            ksBaseLog: DecompositionBaseLog(best.ksBaseLog), ksLevels: DecompositionLevelCount(best.ksLevels),
            modulusSwitch: modulusSwitch)
        let model = NoiseModel(parameters: set, fft: fft)
        let log2PError = switch input {
        case .previousPBS: model.log2PError(precision: precision, weightTwoNorm: nu)
        case .freshEncryption: model.log2PError(precision: precision, inputVariance: model.freshEncryption * (nu * nu))
        }
        return OptimizedParameters(
            parameters: set, costMillions: CostModel.millions(set),
            log2PError: log2PError,
            weightTwoNorm: nu, log2PErrorTarget: target)
    }

    /// `opt-p4-nu1-2m40` (suffix `-fresh` for fresh inputs); non-integer values keep two decimals (`nu2.5`, `2m16.61`).
    static func optimizedName(precision: Int, nu: Double, target: Double) -> String {
        func compact(_ x: Double) -> String {
            let rounded = (x * 100).rounded() / 100
            // Int(x) traps beyond Int's range; past 2^53 a Double prints whole anyway.
            return rounded == rounded.rounded() && abs(rounded) < 0x1p53 ? "\(Int(rounded))" : "\(rounded)"
        }
        return "opt-p\(precision)-nu\(compact(nu))-2m\(compact(-target))"
    }
}
