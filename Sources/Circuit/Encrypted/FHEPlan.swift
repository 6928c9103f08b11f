import Foundation
import TFHE

/// How one circuit runs under TFHE: the parameter set, the encoding of every layer's input,
/// and the predicted failure probability of every table lookup (DESIGN §3–5).
///
/// Encodings. Layer l holds its pre-table values v = acc − lo ∈ [0, 2^m_l) at
/// Δ_l = 2^(63 − m_l) with one padding bit, m_l = the layer's `messageBits`. Its inputs are
/// therefore encrypted (layer 0: by the client; later layers: by the previous layer's PBS,
/// which re-encodes its output) at Δ_l, so the dot product Σ W·ct lands at Δ_l directly.
///
/// Rounding. A layer with rounding shift t uses a table over all 2^m_l values of v whose
/// entry v is T[(v + 2^(t−1)) >> t]: the FHE side evaluates the rounded contract exactly with
/// one m_l-bit PBS. This keeps exactness but gives no FHE speed-up for rounding; exact
/// rounding by bit extraction (TFHE_FACTS §5) is not implemented.
public struct FHEPlan: Sendable, Codable, Equatable {
    public struct Layer: Sendable, Codable, Equatable {
        public let index: Int
        /// Bits of the value held before the table (or decrypted, for the output layer).
        public let messageBits: Int
        /// max_j ‖W_j‖₂ of the weights feeding this layer's ciphertexts.
        public let weightTwoNorm: Double
        /// Variance (torus) of the accumulator ciphertexts: ν²·(fresh or PBS output variance).
        public let accumulatorVariance: Variance
        /// Variance seen by the blind rotation (accumulator + KS + MS); nil for the output layer.
        public let beforeBlindRotationVariance: Variance?
        /// log2 of the per-ciphertext failure probability: a PBS landing in a neighbouring box,
        /// or, for the output layer, a decryption rounding to a neighbouring value.
        public let log2PError: Double
        /// Table lookups in this layer (0 for the output layer).
        public let pbsCount: Int
        public var isOutputLayer: Bool { pbsCount == 0 }
    }

    public let parameters: ParameterSet
    /// How the set was chosen: "named" or "optimizer".
    public let selection: String
    public let layers: [Layer]
    /// log2 of the target failure probability per PBS the set was chosen for.
    public let log2PErrorTarget: Double

    public func inputEncoding(ofLayer index: Int) -> Encoding { Encoding(precision: layers[index].messageBits) }

    /// log2 of 1 − Π(1 − p_i) over every PBS and output decryption of one inference.
    public var log2GlobalPError: Double {
        // log(1 − Π(1−p)) computed as log(−expm1(Σ count·log1p(−p))) so tiny p survive.
        var logSurvival = 0.0
        for layer in layers {
            let p = exp2(layer.log2PError)
            let count = Double(max(layer.pbsCount, layer.isOutputLayer ? 1 : 0))
            logSurvival += count * log1p(-p)
        }
        if logSurvival == 0 {   // every p below double resolution: use the union bound in log space
            let terms = layers.map { $0.log2PError + log2(Double(max($0.pbsCount, 1))) }
            let top = terms.max() ?? -.infinity
            return top + log2(terms.reduce(0) { $0 + exp2($1 - top) })
        }
        return log2(-expm1(logSurvival))
    }

    public var maxPBSPrecision: Int { layers.filter { !$0.isOutputLayer }.map(\.messageBits).max() ?? 0 }
    public var pbsCount: Int { layers.reduce(0) { $0 + $1.pbsCount } }
}

public enum FHEPlanError: Error, CustomStringConvertible, Equatable {
    case precisionTooHigh(layer: Int, bits: Int, maximum: Int)
    case noParameterSetFits(layer: Int, bits: Int, weightTwoNorm: Double, log2Target: Double, reason: String)
    case unknownParameterSet(String, known: [String])
    case namedSetTooWeak(name: String, layer: Int, bits: Int, log2PError: Double, log2Target: Double)

    public var description: String {
        switch self {
        case let .precisionTooHigh(layer, bits, maximum):
            return "layer \(layer) needs a \(bits)-bit table lookup; Lockstep's PBS supports at most \(maximum) bits. Lower the bit widths or set quantization.max_tlu_bits (rounding) for this layer."
        case let .noParameterSetFits(layer, bits, nu, target, reason):
            return "no 128-bit parameter set fits layer \(layer): it needs \(bits) bits with weight 2-norm \(String(format: "%.2f", nu)) at p_error 2^\(String(format: "%.1f", target)) (\(reason))."
        case let .unknownParameterSet(name, known):
            return "unknown parameter set '\(name)'; known sets: auto, \(known.joined(separator: ", "))."
        case let .namedSetTooWeak(name, layer, bits, p, target):
            return "parameter set '\(name)' gives layer \(layer) (\(bits) bits) p_error 2^\(String(format: "%.1f", p)), above the target 2^\(String(format: "%.1f", target)). Use 'auto' or a larger set."
        }
    }
}

public enum FHEPlanner {
    /// The widest table lookup the planner will try; the 2^-40 search space stops near here
    /// (TFHE_FACTS §5: modulus-switch noise alone rules out native PBS beyond ~10 bits).
    public static let maximumPBSBits = 10

    /// Chooses parameters for `circuit`. `parameterSetName` is nil or "auto" for automatic
    /// selection, otherwise a name from `ParameterCatalog`.
    public static func plan(
        _ circuit: IntegerCircuit, log2PErrorTarget target: Double, parameterSetName: String? = nil,
        candidates: [ParameterSet] = ParameterCatalog.all
    ) throws -> FHEPlan {
        let tableLayers = circuit.layers.filter { !$0.isOutputLayer }
        let maxBits = tableLayers.map(\.statistics.messageBits).max() ?? 0
        if let widest = tableLayers.max(by: { $0.statistics.messageBits < $1.statistics.messageBits }),
           widest.statistics.messageBits > maximumPBSBits {
            throw FHEPlanError.precisionTooHigh(layer: widest.index, bits: widest.statistics.messageBits, maximum: maximumPBSBits)
        }

        if let name = parameterSetName, name != "auto" {
            guard let set = ParameterCatalog.named(name) else {
                throw FHEPlanError.unknownParameterSet(name, known: ParameterCatalog.all.map(\.name))
            }
            let plan = makePlan(circuit, parameters: set, selection: "named", target: target)
            if let weak = plan.layers.first(where: { $0.log2PError > target }) {
                throw FHEPlanError.namedSetTooWeak(name: name, layer: weak.index, bits: weak.messageBits,
                                                    log2PError: weak.log2PError, log2Target: target)
            }
            return plan
        }

        // Automatic: the cheapest secure set (cost model of TFHE_FACTS §3.9) whose predicted
        // p_error meets the target on every layer, the output layer's decryption included.
        // Base sets: the named ones plus the optimizer's set for the hidden layers (widest
        // table p; a layer of m bits fed with weight 2-norm ν needs ν²·Var ≤ bound(m) =
        // bound(p)·4^(p−m), i.e. an effective norm ν·2^(m−p)). The output layer's wide
        // accumulators (often 10–14 bits behind large output weights) are decrypted without a
        // bootstrap, so they only constrain the PBS output variance, which depends on the PBS
        // decomposition alone: every base set is also tried with other PBS bases and levels.
        var bases = candidates
        if maxBits > 0 {
            let hiddenNorm = circuit.layers.enumerated().dropFirst().filter { !$0.element.isOutputLayer }.map { _, layer in
                layer.statistics.maxWeightNorm * exp2(Double(layer.statistics.messageBits - maxBits))
            }.max() ?? 1
            if let optimized = try? ParameterOptimizer.optimize(
                precision: maxBits, weightTwoNorm: max(1, hiddenNorm), log2PErrorTarget: target) {
                bases.append(optimized.parameters)
            }
        }
        let secure = bases.filter { set in
            !set.isInsecureTestSet && set.polynomialSize.rawValue >= (1 << maxBits) && SecurityCheck(parameters: set).passes
        }
        var best: (plan: FHEPlan, cost: Double)?
        for base in secure {
            for set in pbsDecompositionVariants(of: base) {
                let cost = CostModel.millions(set)
                if let current = best, current.cost <= cost { continue }
                let plan = makePlan(circuit, parameters: set, selection: base.name.hasPrefix("opt-") ? "optimizer" : "named", target: target)
                if plan.layers.allSatisfy({ $0.log2PError <= target }) { best = (plan, cost) }
            }
        }
        if let best { return best.plan }
        let worst = tableLayers.max(by: { $0.statistics.messageBits < $1.statistics.messageBits }) ?? circuit.layers.last!
        throw FHEPlanError.noParameterSetFits(
            layer: worst.index, bits: worst.statistics.messageBits, weightTwoNorm: worst.statistics.maxWeightNorm,
            log2Target: target, reason: "none of the \(secure.count) secure candidate sets, with any PBS decomposition, meets the target on every layer")
    }

    /// The set itself, then the same set with every other PBS decomposition (base 2^4…2^30,
    /// 1…6 levels, l·log2 B ≤ 60), named after the base set.
    static func pbsDecompositionVariants(of set: ParameterSet) -> [ParameterSet] {
        var variants = [set]
        for levels in 1...6 {
            for baseLog in 4...30 where baseLog * levels <= 60
                && (levels != set.pbsLevels.rawValue || baseLog != set.pbsBaseLog.rawValue) {
                var variant = set
                variant.pbsLevels = DecompositionLevelCount(levels)
                variant.pbsBaseLog = DecompositionBaseLog(baseLog)
                variant.name = "\(set.name)-pbs\(baseLog)x\(levels)"
                variants.append(variant)
            }
        }
        return variants
    }

    static func makePlan(_ circuit: IntegerCircuit, parameters: ParameterSet, selection: String, target: Double) -> FHEPlan {
        let noise = NoiseModel(parameters: parameters)
        var layers = [FHEPlan.Layer]()
        for (position, layer) in circuit.layers.enumerated() {
            let nu = layer.statistics.maxWeightNorm
            // Layer 0 sums fresh client encryptions; later layers sum PBS outputs.
            let inputVariance = position == 0 ? noise.freshEncryption : noise.pbsOutput
            let accumulator = inputVariance * (nu * nu)
            let bits = layer.statistics.messageBits
            if layer.isOutputLayer {
                layers.append(.init(index: layer.index, messageBits: bits, weightTwoNorm: nu,
                                    accumulatorVariance: accumulator, beforeBlindRotationVariance: nil,
                                    log2PError: NoiseFormulas.log2PError(variance: accumulator.value, precision: bits),
                                    pbsCount: 0))
            } else {
                let before = noise.beforeBlindRotation(inputVariance: accumulator)
                // A PBS of m bits needs at least 2^m boxes in the test polynomial.
                let fits = parameters.polynomialSize.rawValue >= (1 << bits)
                layers.append(.init(index: layer.index, messageBits: bits, weightTwoNorm: nu,
                                    accumulatorVariance: accumulator, beforeBlindRotationVariance: before,
                                    log2PError: fits ? NoiseFormulas.log2PError(variance: before.value, precision: bits) : 0,
                                    pbsCount: layer.neuronCount))
            }
        }
        return FHEPlan(parameters: parameters, selection: selection, layers: layers, log2PErrorTarget: target)
    }
}
