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
    /// Whether a hidden layer whose tables allow it may hold values in the padding bit
    /// (`FHEPlan.Layer.usesPaddingBit`); off, every layer keeps it clear (to measure the gain).
    public var paddingBitForValues: Bool
    /// Whether the automatic planner may put the last hidden layer's tables under a second key
    /// pair (`FHEPlan.keyPairs`); deployment files hold one pair.
    public var allowsTwoKeyPairs: Bool
    /// Whether an output layer whose whole weights miss the target may be held in binary
    /// weight digits (`OutputDigits`); off, to measure what they save.
    public var allowsOutputDigits: Bool

    public init(extraction: Extraction = .cheapest, maxRoundingGroupBits: Int? = nil, paddingBitForValues: Bool = true,
                allowsTwoKeyPairs: Bool = true, allowsOutputDigits: Bool = true) {
        self.extraction = extraction
        self.maxRoundingGroupBits = maxRoundingGroupBits
        self.paddingBitForValues = paddingBitForValues
        self.allowsTwoKeyPairs = allowsTwoKeyPairs
        self.allowsOutputDigits = allowsOutputDigits
    }
}

public enum FHEPlanner {
    /// The widest table lookup the planner will try; the 2^-40 search space stops near here
    /// (TFHE_FACTS §5: modulus-switch noise alone rules out native PBS beyond ~10 bits).
    public static let maximumPBSBits = 10

    /// Chooses parameters for `circuit`: automatically, or plans `choice`'s set and refuses it
    /// when it misses the target.
    public static func plan(
        _ circuit: IntegerCircuit, log2PErrorTarget target: Double, parameters choice: ParameterChoice = .automatic,
        candidates: [ParameterSet] = ParameterCatalog.all, options: FHEPlanOptions = FHEPlanOptions()
    ) throws -> FHEPlan {
        let stages = circuit.stages.map { StageShape($0, circuit: circuit, paddingBitForValues: options.paddingBitForValues) }
        let hidden = stages.filter { !$0.stage.isOutput }
        // The narrowest table each layer can reach: every rounding bit extracted.
        let narrowest = hidden.map(\.narrowestTableBits)
        let minBits = narrowest.max() ?? 0
        if let position = narrowest.indices.max(by: { narrowest[$0] < narrowest[$1] }), narrowest[position] > maximumPBSBits {
            throw FHEPlanError.precisionTooHigh(layer: hidden[position].stage.layer, bits: narrowest[position], maximum: maximumPBSBits)
        }

        if case .named(let set) = choice {
            let layers = planLayers(stages, parameters: set, target: target, options: options)
            if let weak = layers.first(where: { $0.log2PError > target }) {
                throw FHEPlanError.namedSetTooWeak(name: set.name, layer: weak.index, bits: weak.tablePrecision ?? weak.messageBits,
                                                    log2PError: weak.log2PError, log2Target: target)
            }
            return FHEPlan(source: circuit, parameters: set, selection: .named, layers: layers, log2PErrorTarget: target)
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
        // Each base with where it came from: the catalogue, or the optimizer.
        var bases = candidates.map { (set: $0, selection: FHEPlan.Selection.named) }
        if minBits > 0 {
            let wide = hidden.map { $0.precision(extracting: 0) }.max() ?? minBits
            for precision in Set([minBits, min(wide, maximumPBSBits)]) {
                let norm = hidden.filter { $0.stage.linear > 0 }.map { shape in
                    let held = shape.precision(extracting: 0), t = shape.stage.shift
                    let bits = min(held, precision + t)
                    return shape.weightTwoNorm * exp2(Double(bits - t - precision))
                }.max() ?? 1
                if let optimized = try? ParameterOptimizer.optimize(
                    precision: precision, weightTwoNorm: max(1, norm), log2PErrorTarget: target) {
                    bases.append((optimized.parameters, .optimizer))
                }
            }
        }
        let secure = bases.filter { base in
            let set = base.set
            return !set.isInsecureTestSet && set.polynomialSize.rawValue >= (1 << minBits) && SecurityCheck(parameters: set).passes
        }
        let minimalPBSCount = Double(max(1, hidden.reduce(0) { $0 + $1.neuronCount }))
        var best: (parameters: ParameterSet, selection: FHEPlan.Selection, layers: [FHEPlan.Layer], cost: Double)?
        // Without a fitting set, the plan whose worst layer misses the target by the least
        // names the layer that rules every set out.
        var closest: (parameters: ParameterSet, layer: FHEPlan.Layer)?
        func consider(_ set: ParameterSet, selection: FHEPlan.Selection, tableCandidates: [ParameterSet]) {
            let cheapestTable = tableCandidates.map(CostModel.millions).min() ?? CostModel.millions(set)
            let costPerPBS = min(CostModel.millions(set), cheapestTable)
            if let current = best, current.cost <= costPerPBS * minimalPBSCount { return }
            let layers = planLayers(stages, parameters: set, tableCandidates: tableCandidates, target: target, options: options)
            let worst = layers.max { $0.log2PError < $1.log2PError }!
            guard worst.log2PError <= target else {
                if best == nil, closest == nil || worst.log2PError < closest!.layer.log2PError { closest = (set, worst) }
                return
            }
            let cost = max(costPerPBS, layers.reduce(0) { total, layer in
                total + CostModel.millions(set) * Double(layer.roundingPBSCount)
                    + CostModel.millions(layer.tableParameters ?? set) * Double(layer.tablePBSCount)
            })
            if best == nil || cost < best!.cost {
                best = (set, selection, layers, cost)
            }
        }
        let fronts = secure.map { quietnessFront(pbsDecompositionVariants(of: $0.set)) }
        for (b, (base, selection)) in secure.enumerated() {
            for set in pbsDecompositionVariants(of: base) { consider(set, selection: selection, tableCandidates: fronts[b]) }
            // Two key pairs: rounding under this base's keys, the last hidden layer's tables
            // under a pair with a larger N through a cross key (`FHEPlan.keyPairs`). Only the
            // quietness fronts pair up: every variant against every other front would be
            // tens of millions of layer plans.
            guard options.allowsTwoKeyPairs, hidden.contains(where: { $0.stage.shift > 0 }) else { continue }
            let cross = fronts.indices.filter { $0 != b && secure[$0].set.polynomialSize.rawValue > base.polynomialSize.rawValue }
                .flatMap { fronts[$0] }.filter { !$0.sharesKeys(with: base) }
            guard !cross.isEmpty else { continue }
            for set in fronts[b] { consider(set, selection: selection, tableCandidates: fronts[b] + cross) }
        }
        if var best {
            // Without rounding PBSs the set's own bootstrapping key would be generated and never
            // used: when every table uses one other decomposition, that is the plan's set (same
            // keys, same keyswitch and modulus-switch noise, so every prediction stands; not for
            // another pair's set, whose tables were planned with its cross key's noise).
            let tableSets = Set(best.layers.compactMap(\.tableParameters))
            if best.layers.allSatisfy({ $0.roundingGroups.isEmpty }), tableSets.count == 1, let only = tableSets.first,
                only != best.parameters, only.sharesKeys(with: best.parameters) {
                best.parameters = only
                for i in best.layers.indices where best.layers[i].tableParameters != nil { best.layers[i].tableParameters = only }
            }
            return FHEPlan(source: circuit, parameters: best.parameters, selection: best.selection, layers: best.layers,
                           log2PErrorTarget: target)
        }
        guard let (set, layer) = closest else {
            let worstPosition = narrowest.indices.max(by: { narrowest[$0] < narrowest[$1] })
            let worst = worstPosition.map { hidden[$0] } ?? stages[stages.count - 1]
            throw FHEPlanError.noParameterSetFits(
                layer: worst.stage.layer, bits: worstPosition.map { narrowest[$0] } ?? worst.precision(extracting: 0),
                weightTwoNorm: worst.weightTwoNorm, log2Target: target,
                reason: "no secure candidate set has a polynomial large enough for \(minBits)-bit tables")
        }
        let what = layer.isOutputLayer
            ? (layer.outputWeightDigits.map { "decrypting its \(layer.messageBits)-bit sums of \($0) binary weight digits, sums of PBS outputs" }
                ?? "decrypting its \(layer.messageBits)-bit accumulators, a sum of PBS outputs")
            : "its \(layer.tablePrecision ?? layer.messageBits)-bit tables after \(layer.extractedBits) rounding bits"
        throw FHEPlanError.noParameterSetFits(
            layer: layer.index, bits: layer.tablePrecision ?? layer.messageBits, weightTwoNorm: layer.weightTwoNorm,
            log2Target: target,
            reason: "none of the \(secure.count) secure candidate sets, with any PBS decomposition and any rounding split, meets the target on every layer; the closest, \(set.name), still gives layer \(layer.index) (\(what)) p_error 2^\(String(format: "%.1f", layer.log2PError))")
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

    /// The decompositions worth trying for tables: by increasing cost, each one whose PBS
    /// output is quieter than every cheaper one's (the others cost more for no less noise).
    static func quietnessFront(_ variants: [ParameterSet]) -> [ParameterSet] {
        let ranked = variants.map { (set: $0, cost: CostModel.millions($0), noise: NoiseModel(parameters: $0).pbsOutput.value) }
            .sorted { ($0.cost, $0.noise) < ($1.cost, $1.noise) }
        var front = [ParameterSet]()
        var quietest = Double.infinity
        for candidate in ranked where candidate.noise < quietest {
            front.append(candidate.set)
            quietest = candidate.noise
        }
        return front
    }

    /// The plan for one parameter set, whether or not it meets `target` (see `planLayers`).
    /// `tableCandidates`: sets the tables may use instead (default none): with `parameters`'
    /// keys for any layer, of another key pair for the last hidden layer (a cross key).
    public static func makePlan(_ circuit: IntegerCircuit, parameters: ParameterSet, selection: FHEPlan.Selection, target: Double,
                                tableCandidates: [ParameterSet]? = nil, options: FHEPlanOptions = FHEPlanOptions()) -> FHEPlan {
        let layers = planLayers(circuit.stages.map { StageShape($0, circuit: circuit, paddingBitForValues: options.paddingBitForValues) },
                                parameters: parameters,
                                tableCandidates: tableCandidates, target: target, options: options)
        return FHEPlan(source: circuit, parameters: parameters, selection: selection, layers: layers, log2PErrorTarget: target)
    }

    /// Per layer, the rounding split with the fewest PBSs whose every PBS meets `target` (or,
    /// when none does, the split with the smallest worst p_error, so the caller can report how
    /// far off the set is), and the bootstrapping key of its tables. Rounding PBSs and
    /// keyswitches use `parameters`; each hidden layer's tables use one of `tableCandidates`
    /// (sets with the same keys, `ParameterSet.sharesKeys`; default: `parameters` alone),
    /// chosen by looking one layer ahead: the table outputs' noise only reaches the next
    /// layer, so the pick is the cheapest key (its PBSs plus the next layer's) with which the
    /// next layer still meets the target.
    static func planLayers(_ stages: [StageShape], parameters: ParameterSet, tableCandidates: [ParameterSet]? = nil,
                           target: Double, options: FHEPlanOptions) -> [FHEPlan.Layer] {
        let noise = NoiseSteps(NoiseModel(parameters: parameters))
        // An empty list means none besides the set itself, like nil.
        let tableSets = tableCandidates.flatMap { $0.isEmpty ? nil : $0 } ?? [parameters]
        let tableOutputNoise = tableSets.map { $0 == parameters ? noise.pbsOutput : NoiseModel(parameters: $0).pbsOutput }
        // A set of another key pair bootstraps through a cross key: its outputs leave the
        // first pair, so only the layer whose next layer is the output layer may use it.
        let sharesKeys = tableSets.map { $0.sharesKeys(with: parameters) }
        let roundingCost = CostModel.millions(parameters)
        var inputVariance = noise.fresh   // layer 0 sums fresh client encryptions; later layers PBS outputs
        var layers = [FHEPlan.Layer]()
        for (position, shape) in stages.enumerated() {
            guard !shape.stage.isOutput, position + 1 < stages.count else {
                layers.append(planStage(shape, inputVariance: inputVariance, noise: noise, parameters: parameters,
                                        tableParameters: nil, target: target, options: options))
                continue
            }
            let lastHidden = stages[position + 1].stage.isOutput
            var allowed = tableSets.indices.filter { sharesKeys[$0] || lastHidden }
                .map { (set: tableSets[$0], output: tableOutputNoise[$0], sharesKeys: sharesKeys[$0]) }
            // Candidates of other key pairs only: the layers before the last keep the plan's set.
            if allowed.isEmpty { allowed = [(parameters, noise.pbsOutput, true)] }
            // Next to a cross key, a shared-key candidate's own layer (the same for all of them)
            // counts too, so both kinds compare on the whole cost; without one, nothing changes.
            let shared: FHEPlan.Layer? = allowed.contains { !$0.sharesKeys }
                ? planStage(shape, inputVariance: inputVariance, noise: noise, parameters: parameters,
                            tableParameters: parameters, target: target, options: options)
                : nil
            var choice: (index: Int, layer: FHEPlan.Layer?, cost: Double, worst: Double, feasible: Bool)?
            for (c, (set, output, sharesTheKeys)) in allowed.enumerated() {
                let next = planStage(stages[position + 1], inputVariance: output, noise: noise,
                                     parameters: parameters, tableParameters: parameters, target: target, options: options)
                // The union over the layer's PBSs, as the plan's acceptance test reads it.
                var worst = next.log2PError
                var cost = CostModel.millions(set) * Double(shape.neuronCount) + roundingCost * Double(next.pbsCount)
                // A set sharing the keys leaves this layer's table noise and split as they are; a
                // cross key brings its own keyswitch, modulus switch and N, so the layer itself
                // is planned with it and its rounding PBSs count.
                var own: FHEPlan.Layer?
                if !sharesTheKeys {
                    own = planStage(shape, inputVariance: inputVariance, noise: noise, parameters: parameters,
                                    tableParameters: set, target: target, options: options)
                }
                if let layer = own ?? shared {
                    worst = max(worst, layer.worstLog2PError)
                    cost += roundingCost * Double(layer.roundingPBSCount)
                }
                let feasible = worst <= target
                if prefers(feasible: feasible, cost: cost, worst: worst, over: choice.map { ($0.feasible, $0.cost, $0.worst) }) {
                    choice = (c, own, cost, worst, feasible)
                }
            }
            let chosen = allowed[choice!.index]
            layers.append(choice!.layer ?? planStage(shape, inputVariance: inputVariance, noise: noise, parameters: parameters,
                                                     tableParameters: chosen.set, target: target, options: options))
            inputVariance = chosen.output
        }
        return layers
    }

    /// The planner's order of candidates: one meeting the target beats one that does not; among
    /// those meeting it the cheaper, then the more reliable; among the others the more reliable.
    static func prefers(feasible: Bool, cost: Double, worst: Double, over current: (feasible: Bool, cost: Double, worst: Double)?) -> Bool {
        guard let current else { return true }
        if feasible != current.feasible { return feasible }
        if feasible { return cost < current.cost || (cost == current.cost && worst < current.worst) }
        return worst < current.worst
    }

    /// One layer whose inputs carry `inputVariance` each: the output layer's decryption, or a
    /// hidden layer's cheapest rounding split meeting `target` (else its most reliable one).
    static func planStage(_ shape: StageShape, inputVariance: Variance, noise: NoiseSteps, parameters: ParameterSet,
                          tableParameters: ParameterSet?, target: Double, options: FHEPlanOptions) -> FHEPlan.Layer {
        let stage = shape.stage
        let nu = shape.weightTwoNorm
        let accumulator = inputVariance * (nu * nu)
        if stage.isOutput {
            func decrypted(bits: Int, norm: Double, digits: Int?) -> FHEPlan.Layer {
                let accumulator = inputVariance * (norm * norm)
                return FHEPlan.Layer(
                    index: stage.layer, isOutputLayer: true, neuronCount: shape.neuronCount, messageBits: bits,
                    roundingShift: 0, weightTwoNorm: norm, accumulatorVariance: accumulator,
                    roundingGroups: [], tablePrecision: nil, beforeBlindRotationVariance: nil,
                    tableLog2PError: NoiseFormulas.log2PError(variance: accumulator.value, precision: bits), tableParameters: nil,
                    outputWeightDigits: digits)
            }
            let whole = decrypted(bits: shape.precision(extracting: 0), norm: nu, digits: nil)
            guard options.allowsOutputDigits, let digits = shape.outputDigits else { return whole }
            // Whole weights while they decrypt within the target: one ciphertext per output, and
            // plans made before digits existed stay as they were. Otherwise the digit sums when
            // they are the more reliable (`OutputDigits`); the D-fold union counts them all.
            let split = decrypted(bits: max(shape.inputBits, digits.bits), norm: digits.weightTwoNorm, digits: digits.count)
            let splitPerValue = split.tableLog2PError + log2(Double(digits.count))
            return whole.tableLog2PError <= target || whole.tableLog2PError <= splitPerValue ? whole : split
        }
        var best: (layer: FHEPlan.Layer, pbs: Int, worst: Double, feasible: Bool)?
        let fullExtraction = shape.widestExtraction
        // Once per layer, not per split: a cross key's noise model is not free.
        let table = tableSwitch(tableParameters ?? parameters, base: parameters, noise: noise)
        for split in roundingSplits(shape, maxGroupBits: options.maxRoundingGroupBits)
        where options.extraction == .cheapest || split.reduce(0, +) == fullExtraction {
            // Same PBS count either way; the padding bit as a value bit gives every PBS of the chain
            // one bit of margin, so where the tables allow it, it wins on reliability.
            for usesPaddingBit in shape.paddingBitChoices(extracting: split.reduce(0, +)) {
                let candidate = planHiddenLayer(shape, groups: split, accumulator: accumulator, noise: noise,
                                                polynomialSize: parameters.polynomialSize.rawValue, table: table,
                                                tableParameters: tableParameters ?? parameters, usesPaddingBit: usesPaddingBit)
                let worst = candidate.worstLog2PError
                let pbs = candidate.roundingGroups.reduce(1) { $0 + $1.pbsCount }
                let feasible = worst <= target
                if prefers(feasible: feasible, cost: Double(pbs), worst: worst,
                           over: best.map { ($0.feasible, Double($0.pbs), $0.worst) }) {
                    best = (candidate, pbs, worst, feasible)
                }
            }
        }
        return best!.layer
    }

    /// Every way to remove e ∈ 0…t bits (keeping at least one table bit) in groups of one size
    /// D (the remainder as the last, most significant group): [] for e = 0.
    static func roundingSplits(_ shape: StageShape, maxGroupBits: Int?) -> [[Int]] {
        var splits: [[Int]] = [[]]
        let largestGroup = min(maximumPBSBits + 1, maxGroupBits ?? Int.max)
        for e in stride(from: 1, through: shape.stage.shift, by: 1) where e < shape.precision(extracting: e) {
            for size in 1...min(e, largestGroup) {
                splits.append(ExactRounding.uniformGroups(removing: e, size: size))
            }
        }
        return splits
    }

    /// The noise of a hidden layer's chain: each group multiplies the incoming noise by
    /// 2^(w+1−d) before its PBSs and adds one PBS output per PBS to the running value.
    /// `table`: what the table PBS adds before its blind rotation and the N it rotates in
    /// (`tableSwitch`).
    static func planHiddenLayer(_ shape: StageShape, groups: [Int], accumulator: Variance, noise: NoiseSteps,
                                polynomialSize: Int, table: (variance: Variance, polynomialSize: Int),
                                tableParameters: ParameterSet, usesPaddingBit: Bool = false) -> FHEPlan.Layer {
        let m = shape.precision(extracting: groups.reduce(0, +))
        // With the padding bit holding values, the extraction sees an (m − 1)-bit value whose
        // top bit wraps: it only ever reads low bits, so v >> e comes out right all the same.
        let rounding = ExactRounding(heldBits: m - (usesPaddingBit ? 1 : 0), groupBits: groups)
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
        let held = rounding.heldBits - rounding.removedBits
        let before = variance + table.variance
        // A PBS of p bits needs at least 2^p boxes in the test polynomial.
        let fits = table.polynomialSize >= 1 << held
        return FHEPlan.Layer(
            index: shape.stage.layer, isOutputLayer: false, neuronCount: shape.neuronCount, messageBits: m,
            roundingShift: shape.stage.shift, weightTwoNorm: shape.weightTwoNorm, accumulatorVariance: accumulator,
            roundingGroups: planned, tablePrecision: held, beforeBlindRotationVariance: before,
            tableLog2PError: fits ? NoiseFormulas.log2PError(variance: before.value, precision: held) : 0,
            tableParameters: tableParameters, usesPaddingBit: usesPaddingBit)
    }

    /// Keyswitch + modulus switch before a table's blind rotation, and the N it rotates in: the
    /// base set's for a set sharing its keys; for another key pair's set, its cross key's
    /// (its own keyswitch decomposition reading the base's big key, its own n and N).
    static func tableSwitch(_ set: ParameterSet, base: ParameterSet, noise: NoiseSteps) -> (variance: Variance, polynomialSize: Int) {
        if set.sharesKeys(with: base) { return (noise.keyswitchAndModulusSwitch, base.polynomialSize.rawValue) }
        let model = NoiseModel(parameters: set)
        return (model.keyswitch(from: base.bigLWEDimension) + model.modulusSwitch, set.polynomialSize.rawValue)
    }

    /// What the planner needs of one layer of the lowered circuit.
    struct StageShape {
        let stage: CircuitStage
        let dense: CircuitOp
        let neuronCount: Int
        let weightTwoNorm: Double
        /// Held width of the dense op's inputs: the dense op's precision is at least this, so
        /// they decrypt (and add up) at its Δ.
        let inputBits: Int
        /// paddingBitAllowed[e]: whether the tables read after extracting e bits allow the
        /// padding bit as a value bit (`FHEPlan.Layer.usesPaddingBit`); all false without a table.
        let paddingBitAllowed: [Bool]
        /// The output layer's binary weight digits (nil for hidden layers, or weights in {−1, 0, 1}).
        let outputDigits: OutputDigits?

        init(_ stage: CircuitStage, circuit: IntegerCircuit, paddingBitForValues: Bool = true) {
            self.stage = stage
            dense = circuit.ops[stage.linear]
            outputDigits = stage.isOutput ? OutputDigits(circuit: circuit, op: stage.linear) : nil
            let statistics = LayerStatistics(stage: stage, circuit: circuit)
            neuronCount = statistics.neuronCount
            weightTwoNorm = statistics.maxWeightNorm
            let input = circuit.inputBounds(ofOp: stage.linear)
            let inputBits = HeldValues.bits(low: input.low, high: input.high)
            self.inputBits = inputBits
            let dense = self.dense
            paddingBitAllowed = (0...stage.shift).map { e in
                guard paddingBitForValues, !stage.isOutput else { return false }
                let p = Self.precision(dense, stage, inputBits: inputBits, extracting: e) - 1 - e
                // Wider tables cannot be planned anyway, and materialising them for a wide
                // accumulator (2^19 entries per neuron at e = 0) would cost gigabytes.
                guard p >= 1, p <= FHEPlanner.maximumPBSBits else { return false }
                let read = circuit.narrowedTables(of: stage, extracting: e)
                return read.tables.allSatisfy { Self.tableAllowsPaddingBit($0, precision: p) }
            }
        }

        /// A table over held values u ∈ [0, count) read by a p-bit PBS from [0, 2^(p+1)): every
        /// pair u, u + 2^p in range must sum to one constant (then the PBS can return T − μ).
        static func tableAllowsPaddingBit(_ table: [Int64], precision p: Int) -> Bool {
            let half = 1 << p
            guard table.count <= 2 * half else { return false }
            guard table.count > half else { return true }
            let sum = table[0] + table[half]
            return (0..<(table.count - half)).allSatisfy { table[$0] + table[$0 + half] == sum }
        }

        /// m: the dense op's precision when e of the t rounding bits are extracted.
        func precision(extracting e: Int) -> Int { Self.precision(dense, stage, inputBits: inputBits, extracting: e) }

        private static func precision(_ dense: CircuitOp, _ stage: CircuitStage, inputBits: Int, extracting e: Int) -> Int {
            max(inputBits, HeldValues.linearBits(dense, roundingBits: e, addend: stage.addend))
        }

        /// The ways to hold the values when e bits are extracted: padding bit clear, and (when
        /// the tables allow it) used as a value bit.
        func paddingBitChoices(extracting e: Int) -> [Bool] {
            e < paddingBitAllowed.count && paddingBitAllowed[e] ? [false, true] : [false]
        }

        /// The most bits extraction can remove: t, but at least one table bit stays.
        var widestExtraction: Int {
            (0...stage.shift).last { $0 == 0 || $0 < precision(extracting: $0) } ?? 0
        }

        /// The table precision with every removable bit extracted (one less when the tables
        /// allow the padding bit as a value bit).
        var narrowestTableBits: Int {
            let e = widestExtraction
            let paddingBit = paddingBitChoices(extracting: e).contains(true) ? 1 : 0
            return max(1, precision(extracting: e) - e - paddingBit)
        }
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
    }
}
