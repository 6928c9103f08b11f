import Foundation
import TFHE

/// Choices the planner leaves to the caller (benchmarks, tests); the defaults are what
/// experiments use.
public struct FHEPlanOptions: Sendable, Equatable {
    public enum Extraction: Sendable, Equatable {
        /// Per layer, the split with the fewest PBSs that meets the target.
        case cheapest
        /// Every rounding bit by digit extraction (the narrowest tables), e.g. to exercise or
        /// measure the extraction itself.
        case all
    }
    public var extraction: Extraction
    /// Caps the bits one extraction group removes (1 = Concrete's bit-by-bit scheme; nil = no cap).
    public var maxRoundingGroupBits: Int?

    public init(extraction: Extraction = .cheapest, maxRoundingGroupBits: Int? = nil) {
        self.extraction = extraction
        self.maxRoundingGroupBits = maxRoundingGroupBits
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
        candidates: [ParameterSet] = ParameterCatalog.all, options: FHEPlanOptions = FHEPlanOptions()
    ) throws -> FHEPlan {
        let tableLayers = circuit.layers.filter { !$0.isOutputLayer }
        // The narrowest table each layer can reach: every rounding bit extracted.
        let narrowest = tableLayers.map { max(1, $0.statistics.messageBits - $0.roundingShift) }
        let minBits = narrowest.max() ?? 0
        if let position = narrowest.indices.max(by: { narrowest[$0] < narrowest[$1] }), narrowest[position] > maximumPBSBits {
            throw FHEPlanError.precisionTooHigh(layer: tableLayers[position].index, bits: narrowest[position], maximum: maximumPBSBits)
        }

        if let name = parameterSetName, name != "auto" {
            guard let set = ParameterCatalog.named(name) else {
                throw FHEPlanError.unknownParameterSet(name, known: ParameterCatalog.all.map(\.name))
            }
            let plan = makePlan(circuit, parameters: set, selection: "named", target: target, options: options)
            if let weak = plan.layers.first(where: { $0.log2PError > target }) {
                throw FHEPlanError.namedSetTooWeak(name: name, layer: weak.index, bits: weak.tablePrecision ?? weak.messageBits,
                                                    log2PError: weak.log2PError, log2Target: target)
            }
            return plan
        }

        // Automatic: the secure set with the lowest cost per sample, cost model of TFHE_FACTS
        // §3.9 × the PBS count of the plan for that set, whose predicted p_error meets the
        // target for every PBS and the output layer's decryption. A cheaper set can need more
        // extraction PBSs (narrower tables), so the count is part of the comparison.
        // Base sets: the named ones plus the optimizer's sets for the hidden layers' widest
        // table before and after rounding (a layer of m bits fed with weight 2-norm ν needs
        // ν²·Var ≤ bound(m) = bound(p)·4^(p−m), i.e. an effective norm ν·2^(m−p)). The output
        // layer's wide accumulators (often 10–17 bits behind large output weights) are
        // decrypted without a bootstrap, so they only constrain the PBS output variance, which
        // depends on the PBS decomposition alone: every base set is also tried with other PBS
        // bases and levels.
        var bases = candidates
        if minBits > 0 {
            let wide = tableLayers.map(\.statistics.messageBits).max() ?? minBits
            for precision in Set([minBits, min(wide, maximumPBSBits)]) {
                let norm = circuit.layers.enumerated().dropFirst().filter { !$0.element.isOutputLayer }.map { _, layer in
                    let bits = min(layer.statistics.messageBits, precision + layer.roundingShift)
                    return layer.statistics.maxWeightNorm * exp2(Double(bits - layer.roundingShift - precision))
                }.max() ?? 1
                if let optimized = try? ParameterOptimizer.optimize(
                    precision: precision, weightTwoNorm: max(1, norm), log2PErrorTarget: target) {
                    bases.append(optimized.parameters)
                }
            }
        }
        let secure = bases.filter { set in
            !set.isInsecureTestSet && set.polynomialSize.rawValue >= (1 << minBits) && SecurityCheck(parameters: set).passes
        }
        let minimalPBSCount = Double(max(1, tableLayers.reduce(0) { $0 + $1.neuronCount }))
        var best: (plan: FHEPlan, cost: Double)?
        // Without a fitting set, the plan whose worst layer misses the target by the least
        // names the layer that rules every set out.
        var closest: (plan: FHEPlan, layer: FHEPlan.Layer)?
        for base in secure {
            for set in pbsDecompositionVariants(of: base) {
                let costPerPBS = CostModel.millions(set)
                if let current = best, current.cost <= costPerPBS * minimalPBSCount { continue }
                let plan = makePlan(circuit, parameters: set, selection: base.name.hasPrefix("opt-") ? "optimizer" : "named",
                                    target: target, options: options)
                let worst = plan.layers.max { $0.log2PError < $1.log2PError }!
                guard worst.log2PError <= target else {
                    if best == nil, closest == nil || worst.log2PError < closest!.layer.log2PError { closest = (plan, worst) }
                    continue
                }
                let cost = costPerPBS * Double(max(1, plan.pbsCount))
                if best == nil || cost < best!.cost { best = (plan, cost) }
            }
        }
        if let best { return best.plan }
        guard let (plan, layer) = closest else {
            let worstPosition = narrowest.indices.max(by: { narrowest[$0] < narrowest[$1] })
            let worst = worstPosition.map { tableLayers[$0] } ?? circuit.layers[circuit.layers.count - 1]
            throw FHEPlanError.noParameterSetFits(
                layer: worst.index, bits: worstPosition.map { narrowest[$0] } ?? worst.statistics.messageBits,
                weightTwoNorm: worst.statistics.maxWeightNorm, log2Target: target,
                reason: "no secure candidate set has a polynomial large enough for \(minBits)-bit tables")
        }
        let what = layer.isOutputLayer
            ? "decrypting its \(layer.messageBits)-bit accumulators, a sum of PBS outputs"
            : "its \(layer.tablePrecision ?? layer.messageBits)-bit tables after \(layer.extractedBits) rounding bits"
        throw FHEPlanError.noParameterSetFits(
            layer: layer.index, bits: layer.tablePrecision ?? layer.messageBits, weightTwoNorm: layer.weightTwoNorm,
            log2Target: target,
            reason: "none of the \(secure.count) secure candidate sets, with any PBS decomposition and any rounding split, meets the target on every layer; the closest, \(plan.parameters.name), still gives layer \(layer.index) (\(what)) p_error 2^\(String(format: "%.1f", layer.log2PError))")
    }

    /// The set itself, then the same set with every other PBS decomposition (base 2^4…2^30,
    /// 1…6 levels, l·log2 B ≤ 60), named after the base set.
    static func pbsDecompositionVariants(of set: ParameterSet) -> [ParameterSet] {
        var variants = [set]
        for levels in 1...6 {
            for baseLog in 4...30 where baseLog * levels <= 60
                && (levels != set.pbsLevels.rawValue || baseLog != set.pbsBaseLog.rawValue) {
                variants.append(set.withPBSDecomposition(baseLog: baseLog, levels: levels))
            }
        }
        return variants
    }

    /// The plan for one parameter set: per hidden layer the rounding split with the fewest
    /// PBSs whose every PBS meets `target` (or, when none does, the split with the smallest
    /// worst p_error, so the caller can report how far off the set is).
    public static func makePlan(_ circuit: IntegerCircuit, parameters: ParameterSet, selection: String, target: Double,
                                options: FHEPlanOptions = FHEPlanOptions()) -> FHEPlan {
        let noise = NoiseSteps(NoiseModel(parameters: parameters))
        let layers = circuit.layers.enumerated().map { position, layer -> FHEPlan.Layer in
            let nu = layer.statistics.maxWeightNorm
            // Layer 0 sums fresh client encryptions; later layers sum PBS outputs.
            let accumulator = (position == 0 ? noise.fresh : noise.pbsOutput) * (nu * nu)
            let bits = layer.statistics.messageBits
            if layer.isOutputLayer {
                return FHEPlan.Layer(
                    index: layer.index, isOutputLayer: true, neuronCount: layer.neuronCount, messageBits: bits,
                    roundingShift: layer.roundingShift, weightTwoNorm: nu, accumulatorVariance: accumulator,
                    roundingGroups: [], tablePrecision: nil, beforeBlindRotationVariance: nil,
                    tableLog2PError: NoiseFormulas.log2PError(variance: accumulator.value, precision: bits))
            }
            var best: (layer: FHEPlan.Layer, pbs: Int, worst: Double, feasible: Bool)?
            let fullExtraction = min(layer.roundingShift, bits - 1)
            for split in roundingSplits(messageBits: bits, shift: layer.roundingShift, maxGroupBits: options.maxRoundingGroupBits)
            where options.extraction == .cheapest || split.reduce(0, +) == fullExtraction {
                let candidate = planHiddenLayer(layer, messageBits: bits, groups: split, accumulator: accumulator,
                                                weightTwoNorm: nu, noise: noise, polynomialSize: parameters.polynomialSize.rawValue)
                let worst = ([candidate.tableLog2PError] + candidate.roundingGroups.map(\.log2PError)).max()!
                let pbs = candidate.roundingGroups.reduce(1) { $0 + $1.pbsCount }
                let feasible = worst <= target
                let better: Bool
                if let current = best {
                    if feasible != current.feasible { better = feasible }
                    else if feasible { better = pbs < current.pbs || (pbs == current.pbs && worst < current.worst) }
                    else { better = worst < current.worst }
                } else {
                    better = true
                }
                if better { best = (candidate, pbs, worst, feasible) }
            }
            return best!.layer
        }
        return FHEPlan(parameters: parameters, selection: selection, layers: layers, log2PErrorTarget: target)
    }

    /// Every way to remove e ∈ 0…t bits (keeping at least one table bit) in groups of one size
    /// D (the remainder as the last, most significant group): [] for e = 0.
    static func roundingSplits(messageBits m: Int, shift t: Int, maxGroupBits: Int?) -> [[Int]] {
        var splits: [[Int]] = [[]]
        let largestGroup = min(maximumPBSBits + 1, maxGroupBits ?? Int.max)
        for e in stride(from: 1, through: min(t, m - 1), by: 1) {
            for size in 1...min(e, largestGroup) {
                splits.append(ExactRounding.uniformGroups(removing: e, size: size))
            }
        }
        return splits
    }

    /// The noise of a hidden layer's chain: each group multiplies the incoming noise by
    /// 2^(w+1−d) before its PBSs and adds one PBS output per PBS to the running value.
    static func planHiddenLayer(_ layer: CircuitLayer, messageBits m: Int, groups: [Int], accumulator: Variance,
                                weightTwoNorm nu: Double, noise: NoiseSteps, polynomialSize: Int) -> FHEPlan.Layer {
        let rounding = ExactRounding(heldBits: m, groupBits: groups)
        let predicted = rounding.predictedNoise(
            inputVariance: accumulator, pbsOutput: noise.pbsOutput, keyswitchAndModulusSwitch: noise.keyswitchAndModulusSwitch,
            polynomialSize: PolynomialSize(polynomialSize))
        let planned = zip(rounding.groups, predicted.groups).map { group, prediction in
            FHEPlan.RoundingGroup(heldBits: group.heldBits, bits: group.bits,
                                  topBitBeforeBlindRotationVariance: prediction.topBitBeforeBlindRotation,
                                  lowBitsBeforeBlindRotationVariance: prediction.lowBitsBeforeBlindRotation,
                                  log2PError: prediction.log2PError)
        }
        let variance = predicted.output
        let held = m - rounding.removedBits
        let before = noise.beforeBlindRotation(variance)
        // A PBS of p bits needs at least 2^p boxes in the test polynomial.
        let fits = polynomialSize >= 1 << held
        return FHEPlan.Layer(
            index: layer.index, isOutputLayer: false, neuronCount: layer.neuronCount, messageBits: m,
            roundingShift: layer.roundingShift, weightTwoNorm: nu, accumulatorVariance: accumulator,
            roundingGroups: planned, tablePrecision: held, beforeBlindRotationVariance: before,
            tableLog2PError: fits ? NoiseFormulas.log2PError(variance: before.value, precision: held) : 0)
    }

    /// The variances of one set, computed once per plan.
    struct NoiseSteps {
        let fresh: Variance
        let pbsOutput: Variance
        let keyswitchAndModulusSwitch: Variance
        init(_ model: NoiseModel) {
            fresh = model.freshEncryption
            pbsOutput = model.pbsOutput
            keyswitchAndModulusSwitch = model.keyswitch + model.modulusSwitch
        }
        func beforeBlindRotation(_ input: Variance) -> Variance { input + keyswitchAndModulusSwitch }
    }
}
