import Foundation
import Testing
@testable import Circuit
import NeuralNet
import Quantization
import TFHE
import Verification

/// INSECURE: small dimensions so debug-build tests run in seconds. Only for tests.
func insecureCircuitTestSet(name: String = "insecure-circuit-test", lweNoise: Double = 0x1p-25,
                            polynomialSize: Int = 2048, precision: Int = 6) -> ParameterSet {
    ParameterSet(
        name: name, precision: precision,
        lweDimension: LWEDimension(64), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(polynomialSize),
        lweNoise: StandardDeviation(lweNoise), glweNoise: StandardDeviation(0x1p-45),
        pbsBaseLog: DecompositionBaseLog(8), pbsLevels: DecompositionLevelCount(3),
        ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(4),
        modulusSwitch: .standard, isInsecureTestSet: true)
}

func makeEvaluator(_ circuit: IntegerCircuit, parameters: ParameterSet, seed: UInt8 = 7, tableCandidates: [ParameterSet]? = nil,
                   options: FHEPlanOptions = FHEPlanOptions()) -> EncryptedEvaluator {
    let plan = FHEPlanner.makePlan(circuit, parameters: parameters, selection: .named, target: -40,
                                   tableCandidates: tableCandidates, options: options)
    let keys = plan.generateKeys(seed: .fixed(Array(repeating: seed, count: 32)))
    return EncryptedEvaluator(
        client: EncryptedCircuitClient(plan: plan, clientKeys: keys.clientKeys),
        executor: EncryptedExecutor(plan: plan, serverKeys: keys.serverKeys, threads: 2))
}

/// Sample 0 puts every input at its lowest code, sample 1 at its highest (the inputs that reach
/// the sound bounds), later samples are random codes.
func sampleCodes(_ circuit: IntegerCircuit, sample: Int, generator: inout SeededGenerator) -> [Int64] {
    switch sample {
    case 0: return Array(repeating: circuit.inputLow, count: circuit.inputCount)
    case 1: return Array(repeating: circuit.inputHigh, count: circuit.inputCount)
    default: return (0..<circuit.inputCount).map { _ in
        circuit.inputLow + Int64(generator.next() % UInt64(circuit.inputHigh - circuit.inputLow + 1)) }
    }
}

@Suite struct EncryptedExecutorTests {
    struct RandomCircuit: Sendable, CustomTestStringConvertible {
        let seed: UInt64, sizes: [Int], activation: Activation, bits: (Int, Int, Int), maxTLUBits: Int
        var testDescription: String { "seed \(seed) \(sizes) \(activation) bits \(bits) tlu≤\(maxTLUBits)" }
    }

    static let circuits: [RandomCircuit] = [
        RandomCircuit(seed: 11, sizes: [4, 5, 3], activation: .relu, bits: (2, 2, 3), maxTLUBits: 6),
        RandomCircuit(seed: 12, sizes: [3, 4, 3, 3], activation: .tanh, bits: (2, 2, 2), maxTLUBits: 6),
        RandomCircuit(seed: 13, sizes: [6, 4, 2], activation: .sigmoid, bits: (3, 2, 3), maxTLUBits: 4),   // forces rounding
    ]

    /// Encrypted and clear agree on every op's every value for random circuits, random
    /// tables and bounds, including the extreme inputs that reach the sound bounds.
    @Test(arguments: circuits)
    func encryptedMatchesClearOpByOp(testCase: RandomCircuit) throws {
        let model = try randomQuantizedModel(seed: testCase.seed, sizes: testCase.sizes, activation: testCase.activation,
                                             bits: testCase.bits, perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: testCase.maxTLUBits))
        let evaluator = makeEvaluator(circuit, parameters: insecureCircuitTestSet())
        #expect(evaluator.plan.maxPBSPrecision <= 6, "\(circuit.layerStatistics.map(\.messageBits))")
        var generator = SeededGenerator(seed: testCase.seed)
        for sample in 0..<6 {
            let codes = sampleCodes(circuit, sample: sample, generator: &generator)
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: codes)
            #expect(result.divergences.isEmpty, "\(result.divergences.map(\.description))")
            #expect(result.fhePrediction == result.clearPrediction)
            #expect(result.decrypted == result.clear && result.decrypted.values.count == evaluator.circuit.ops.count)
            // The plan's circuit computes the lowered one's outputs.
            #expect(result.clear.outputs == (try ClearEvaluator(circuit).evaluate(codes)).outputs)
            for opNoise in result.noiseInHalfDeltas { #expect(opNoise.allSatisfy { abs($0) < 1 }) }
        }
        // The evaluator protocol: any two evaluators of one circuit compare op by op.
        #expect(try DifferentialChecker.compare(ClearEvaluator(evaluator.circuit), evaluator, sample: 0,
                                                input: sampleCodes(circuit, sample: 1, generator: &generator)).isEmpty)
    }

    /// The checker can fail: with keyswitching noise far above what the 2N grid tolerates
    /// (p_error ≈ 0.1 and more per PBS), it reports mismatches with their layer and neuron.
    @Test func brokenParametersProduceReportedMismatches() throws {
        let model = try randomQuantizedModel(seed: 21, sizes: [4, 8, 3], activation: .relu, bits: (2, 2, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
        let broken = insecureCircuitTestSet(name: "insecure-broken-noise", lweNoise: 0x1p-8)
        let evaluator = makeEvaluator(circuit, parameters: broken)
        #expect(evaluator.plan.layers[0].log2PError > -4, "the broken set should predict frequent failures")
        var divergences = [Divergence]()
        var generator = SeededGenerator(seed: 5)
        for sample in 0..<4 {
            let codes = (0..<circuit.inputCount).map { _ in Int64(generator.next() % UInt64(circuit.inputHigh + 1)) }
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: codes)
            #expect(result.mismatchesPerOp.reduce(0, +) == result.divergences.count)
            // In op order: the first divergence is the earliest op that went wrong.
            #expect(result.divergences.map(\.op) == result.divergences.map(\.op).sorted())
            divergences += result.divergences
        }
        #expect(!divergences.isEmpty)
        if let first = divergences.first {
            let op = evaluator.circuit.ops[first.op]
            #expect(first.kind == op.kind && first.layer == op.layer)
            #expect(first.index >= 0 && first.index < op.count)
            #expect(first.expected != first.got && first.noiseInHalfDeltas != nil)
            #expect(first.description.contains("op \(first.op) (\(first.kind.rawValue), layer \(first.layer)), value \(first.index)"))
        }
    }

    @Test func plannerRefusesTablesWiderThanAnyPBS() throws {
        let model = try randomQuantizedModel(seed: 31, sizes: [40, 6, 3], activation: .relu, bits: (8, 8, 8), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 12))
        // Even with every rounding bit extracted, the table would read more bits than any PBS.
        let stage = circuit.stages[0]
        let narrowest = HeldValues.linearBits(circuit.ops[stage.linear], roundingBits: stage.shift, addend: stage.addend) - stage.shift
        #expect(narrowest > FHEPlanner.maximumPBSBits)
        do {
            _ = try FHEPlanner.plan(circuit, log2PErrorTarget: -40)
            Issue.record("a \(narrowest)-bit table was accepted")
        } catch let error as FHEPlanError {
            #expect(error.description.contains("layer 0"))
            #expect(error.description.contains("\(narrowest)-bit"))
        }
    }

    @Test func plannerRefusesUnreachableTargetsNamingTheLayer() throws {
        let model = try randomQuantizedModel(seed: 32, sizes: [6, 5, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 5))
        #expect(throws: FHEPlanError.self) { try FHEPlanner.plan(circuit, log2PErrorTarget: -1e7) }
        do {
            _ = try FHEPlanner.plan(circuit, log2PErrorTarget: -1e7)
        } catch {
            #expect("\(error)".contains("layer"))
        }
        let plan = try FHEPlanner.plan(circuit, log2PErrorTarget: -40)
        #expect(plan.layers.allSatisfy { $0.log2PError <= -40 })
        #expect(!plan.parameters.isInsecureTestSet)
        #expect(SecurityCheck(parameters: plan.parameters).passes)
    }
}

/// Exact rounding in the encrypted executor: plans that extract every rounding bit (narrow
/// tables), in one-bit and multi-bit groups, on random circuits whose accumulators need it.
@Suite struct EncryptedRoundingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let seed: UInt64, sizes: [Int], bits: (Int, Int, Int), maxTLUBits: Int, maxGroupBits: Int?
        var testDescription: String { "seed \(seed) \(sizes) bits \(bits) tlu≤\(maxTLUBits) groups≤\(maxGroupBits.map(String.init) ?? "any")" }
    }

    static let cases: [Case] = [
        Case(seed: 41, sizes: [6, 5, 3], bits: (3, 3, 3), maxTLUBits: 3, maxGroupBits: nil),
        Case(seed: 42, sizes: [5, 4, 4, 3], bits: (3, 2, 3), maxTLUBits: 2, maxGroupBits: 1),
        Case(seed: 43, sizes: [8, 4, 2], bits: (2, 3, 3), maxTLUBits: 4, maxGroupBits: 2),
    ]

    @Test(arguments: cases)
    func roundedValuesAndOutputsMatchTheClearModel(testCase: Case) throws {
        let model = try randomQuantizedModel(seed: testCase.seed, sizes: testCase.sizes, activation: .relu,
                                             bits: testCase.bits, perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: testCase.maxTLUBits))
        #expect(circuit.roundingShifts.contains { $0 > 0 }, "the case must need rounding")
        let parameters = insecureCircuitTestSet()
        let options = FHEPlanOptions(extraction: .all, maxRoundingGroupBits: testCase.maxGroupBits)
        let plan = FHEPlanner.makePlan(circuit, parameters: parameters, selection: .named, target: -40, options: options)
        for (stage, planLayer) in zip(circuit.stages, plan.layers) where !stage.isOutput {
            let held = HeldValues.linearBits(circuit.ops[stage.linear], roundingBits: stage.shift, addend: stage.addend)
            #expect(planLayer.extractedBits == min(stage.shift, held - 1))
            #expect(planLayer.roundingGroups.allSatisfy { $0.bits <= (testCase.maxGroupBits ?? 99) })
            #expect(planLayer.pbsCount == circuit.ops[stage.linear].count * (1 + planLayer.roundingGroups.reduce(0) { $0 + $1.pbsCount }))
        }
        // The plan's circuit removes the extracted bits in its round ops.
        #expect(plan.circuit.stages.map(\.shift) == plan.layers.map(\.extractedBits))
        let evaluator = makeEvaluator(circuit, parameters: parameters, seed: 9, options: options)
        #expect(evaluator.plan == plan)
        var generator = SeededGenerator(seed: testCase.seed)
        for sample in 0..<5 {
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: sampleCodes(circuit, sample: sample, generator: &generator))
            #expect(result.divergences.isEmpty && result.fhePrediction == result.clearPrediction,
                    "\(result.divergences.map(\.description))")
        }
    }

    /// The rounded values are checked too: with noise far above the margin, divergences name
    /// the rounded value of a layer.
    @Test func brokenParametersReportRoundedDivergences() throws {
        let model = try randomQuantizedModel(seed: 44, sizes: [8, 6, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 3))
        let broken = insecureCircuitTestSet(name: "insecure-broken-noise", lweNoise: 0x1p-7)
        let evaluator = makeEvaluator(circuit, parameters: broken, seed: 3, options: FHEPlanOptions(extraction: .all))
        #expect(evaluator.plan.layers[0].roundingLog2PError > -4)
        let roundOps = evaluator.circuit.ops.indices.filter { evaluator.circuit.ops[$0].kind == .round }
        #expect(!roundOps.isEmpty)
        var generator = SeededGenerator(seed: 5)
        var divergences = [Divergence]()
        for sample in 0..<3 {
            let codes = (0..<circuit.inputCount).map { _ in Int64(generator.next() % UInt64(circuit.inputHigh + 1)) }
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: codes)
            #expect(roundOps.reduce(0) { $0 + result.mismatchesPerOp[$1] } == result.divergences.filter { $0.kind == .round }.count)
            divergences += result.divergences
        }
        #expect(divergences.contains { $0.kind == .round && $0.description.contains("(round, layer") })
    }

    /// The planner's choice: wide tables when they are cheaper for the set, extraction when a
    /// layer's accumulator is wider than any PBS (the MNIST case), and 1-bit groups cost one
    /// PBS per bit while wider groups cost two per group.
    @Test func plannerExtractsWhatNoTableCanHold() throws {
        let model = try randomQuantizedModel(seed: 45, sizes: [60, 6, 3], activation: .relu, bits: (6, 6, 6), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 5))
        let hidden = circuit.layerStatistics[0]
        #expect(hidden.messageBits > FHEPlanner.maximumPBSBits, "\(hidden.messageBits)")
        let plan = try FHEPlanner.plan(circuit, log2PErrorTarget: -40)
        #expect(plan.layers[0].extractedBits >= hidden.messageBits - FHEPlanner.maximumPBSBits)
        #expect(plan.layers.allSatisfy { $0.log2PError <= -40 })
        #expect(SecurityCheck(parameters: plan.parameters).passes && !plan.parameters.isInsecureTestSet)
        let bitByBit = try FHEPlanner.plan(circuit, log2PErrorTarget: -40, options: FHEPlanOptions(maxRoundingGroupBits: 1))
        #expect(bitByBit.layers[0].roundingGroups.allSatisfy { $0.bits == 1 })
        #expect(bitByBit.layers[0].roundingPBSCount == hidden.neuronCount * bitByBit.layers[0].extractedBits)
        #expect(plan.pbsCount <= bitByBit.pbsCount)
        print("random 60→6→3 6-bit circuit, \(hidden.messageBits)-bit accumulators: \(plan.parameters.name) "
              + "groups \(plan.layers[0].roundingGroups.map(\.bits)) \(plan.pbsCount) PBS; bit by bit "
              + "\(bitByBit.parameters.name) \(bitByBit.pbsCount) PBS")
    }
}

/// Plans whose tables bootstrap with another decomposition of the same keys than the rounding.
@Suite struct MixedDecompositionTests {
    /// The executor runs each layer's tables on the key the plan chose, and the values stay
    /// bit-exact: rounding on a one-level key, tables forced onto a two-level one.
    @Test func tablesOnAnotherDecompositionMatchTheClearModel() throws {
        let model = try randomQuantizedModel(seed: 41, sizes: [6, 5, 4, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 3))
        #expect(circuit.roundingShifts.contains { $0 > 0 }, "the case must need rounding")
        let base = insecureCircuitTestSet().withPBSDecomposition(baseLog: 20, levels: 1)
        let quiet = base.withPBSDecomposition(baseLog: 12, levels: 2)
        let evaluator = makeEvaluator(circuit, parameters: base, seed: 5, tableCandidates: [quiet],
                                      options: FHEPlanOptions(extraction: .all))
        let plan = evaluator.plan
        #expect(plan.bootstrapParameterSets == [base, quiet])
        #expect(plan.layers.filter { !$0.isOutputLayer }.allSatisfy { $0.tableParameters == quiet })
        #expect(evaluator.executor.serverKeys.map(\.parameters) == [base, quiet])
        #expect(plan.serverKeyBytes == KeySizes.keyswitchKeyBytes(base) + KeySizes.bootstrapKeyBytes(base) + KeySizes.bootstrapKeyBytes(quiet))
        var generator = SeededGenerator(seed: 3)
        for sample in 0..<4 {
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: sampleCodes(circuit, sample: sample, generator: &generator))
            #expect(result.divergences.isEmpty, "\(result.divergences.map(\.description))")
        }
    }

    /// With a choice, a layer's tables take the cheapest key that keeps the next layer within
    /// the target: tables feeding wide decrypted accumulators get a quiet (multi-level) key,
    /// while the rounding PBSs keep the cheap one-level key. (With whole output weights: binary
    /// weight digits make the cheap key enough, `OutputDigitsTests`.)
    @Test func tablesBeforeADecryptedOutputGetAQuietKey() throws {
        let options = FHEPlanOptions(allowsOutputDigits: false)
        // 6-bit weights: 10-bit hidden accumulators rounded to 4-bit tables, and output
        // accumulators of 12 bits summed with a weight 2-norm above 100.
        let model = try randomQuantizedModel(seed: 46, sizes: [16, 20, 10], activation: .relu, bits: (2, 6, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
        #expect(circuit.roundingShifts[0] > 0)
        let base = try #require(ParameterCatalog.named("concrete-p40-b4"))
        let front = FHEPlanner.quietnessFront(FHEPlanner.pbsDecompositionVariants(of: base))
        #expect(front.first == base, "the catalogue's one-level set is the cheapest decomposition")
        #expect(zip(front, front.dropFirst()).allSatisfy { CostModel.millions($0) <= CostModel.millions($1) })
        let single = FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40, options: options)
        let mixed = FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40, tableCandidates: front,
                                           options: options)
        #expect(single.layers[1].log2PError > -40, "one-level PBS outputs are too noisy to decrypt the output layer")
        #expect(mixed.layers.allSatisfy { $0.log2PError <= -40 }, "\(mixed.layers.map(\.log2PError))")
        #expect((mixed.layers[0].tableParameters?.pbsLevels.rawValue ?? 0) >= 2)
        #expect(mixed.layers[0].roundingGroups == single.layers[0].roundingGroups, "rounding is the same on the cheap key")
        // The cheapest quiet enough key: the next cheaper one in the front leaves the output over the target.
        let position = try #require(front.firstIndex(of: mixed.layers[0].tableParameters!))
        try #require(position > 0)
        let cheaper = FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40,
                                          tableCandidates: [front[position - 1]], options: options)
        #expect(cheaper.layers[1].log2PError > -40)
        // The automatic planner finds a plan meeting the target among every set.
        let auto = try FHEPlanner.plan(circuit, log2PErrorTarget: -40)
        #expect(auto.layers.allSatisfy { $0.log2PError <= -40 })
    }

    /// Without rounding, a plan holds one bootstrapping key: the tables' (no key is generated
    /// that no PBS uses).
    @Test func withoutRoundingThePlanHasOneKey() throws {
        let model = try randomQuantizedModel(seed: 47, sizes: [16, 20, 10], activation: .relu, bits: (2, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 8))
        #expect(circuit.roundingShifts.allSatisfy { $0 == 0 })
        let plan = try FHEPlanner.plan(circuit, log2PErrorTarget: -40)
        #expect(plan.bootstrapParameterSets == [plan.parameters], "\(plan.keysDescription)")
        #expect(plan.layers.allSatisfy { $0.log2PError <= -40 })
        #expect(plan.serverKeyBytes == KeySizes.keyswitchKeyBytes(plan.parameters) + KeySizes.bootstrapKeyBytes(plan.parameters))
    }
}

/// The checker compares any two evaluators op by op and names the first op that differs.
@Suite struct EvaluatorComparisonTests {
    @Test func aChangedTableEntryIsReportedAtItsOp() throws {
        let model = try randomQuantizedModel(seed: 51, sizes: [5, 4, 3], activation: .relu, bits: (2, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 7))
        let input = [Int64](repeating: circuit.inputHigh, count: circuit.inputCount)
        let trace = try ClearEvaluator(circuit).evaluate(input)
        // Change the entry the first neuron with a non-constant table reads for this input.
        let tableOp = circuit.stages[0].table!
        guard case .table(let inputLow, var tables) = circuit.ops[tableOp].operation else { Issue.record("not a table"); return }
        let neuron = try #require(tables.indices.first { j in tables[j].contains { $0 != tables[j][0] } },
                                  "the case needs a neuron with a non-constant table")
        let read = Int(trace.values[tableOp - 1][neuron] - inputLow[neuron])
        let changed = tables[neuron][read] == circuit.ops[tableOp].low[neuron]
            ? circuit.ops[tableOp].high[neuron] : circuit.ops[tableOp].low[neuron]
        #expect(changed != tables[neuron][read])
        tables[neuron][read] = changed
        var ops = circuit.ops
        ops[tableOp] = CircuitOp(.table(inputLow: inputLow, tables: tables), layer: 0, low: ops[tableOp].low, high: ops[tableOp].high)
        let tampered = IntegerCircuit(inputCount: circuit.inputCount, inputBits: circuit.inputBits, inputLow: circuit.inputLow,
                                      inputHigh: circuit.inputHigh, ops: ops, outputDecoding: circuit.outputDecoding,
                                      maxTLUBits: circuit.maxTLUBits)
        let divergences = DifferentialChecker.divergences(sample: 7, reference: trace,
                                                          candidate: try ClearEvaluator(tampered).evaluate(input), circuit: circuit)
        let first = try #require(divergences.first)
        #expect(first.op == tableOp && first.kind == .table && first.index == neuron && first.got == changed && first.sample == 7)
        #expect(divergences.allSatisfy { $0.op >= tableOp })
    }
}

/// Layers whose held values use the padding bit as a value bit (`FHEPlan.Layer.usesPaddingBit`):
/// a table over a range twice as wide as its PBS precision, exact through negacyclicity.
@Suite struct PaddingBitTableTests {
    typealias Shape = FHEPlanner.StageShape

    @Test func tablesAllowThePaddingBitWhenEveryPairSumsToOneConstant() {
        // A saturating activation over 48 held values read by a 5-bit PBS: pairs (u, u + 32)
        // for u < 16 are (0, 7).
        let saturating: [Int64] = Array(repeating: 0, count: 22) + [1, 2, 3, 4, 5, 6] + Array(repeating: 7, count: 20)
        #expect(Shape.tableAllowsPaddingBit(saturating, precision: 5))
        // The transition reaches into the paired range: T(15) + T(47) = 1 + 7 ≠ 0 + 7.
        var early = saturating
        early[15] = 1
        #expect(!Shape.tableAllowsPaddingBit(early, precision: 5))
        // No pairs: any table of at most 2^p values; more than 2^(p+1) values never.
        #expect(Shape.tableAllowsPaddingBit([3, 1, 4, 1, 5], precision: 3))
        #expect(!Shape.tableAllowsPaddingBit(Array(repeating: 0, count: 65), precision: 5))
    }

    @Test func decodingBringsTheTopHalfBackIntoRange() {
        let plan = FHEPlan.OpEncoding(encoding: Encoding(precision: 3), offsets: [0], usesPaddingBit: true, log2PError: -40)
        #expect(plan.valueBits == 4)
        for u in 0..<16 {
            #expect(plan.decode(plan.encoding.encode(u)) == u)
            #expect(plan.decode(plan.encoding.encode(u) &+ plan.encoding.delta / 3) == u)
        }
        let padded = FHEPlan.OpEncoding(encoding: Encoding(precision: 3), offsets: [0], usesPaddingBit: false, log2PError: -40)
        #expect(padded.decode(padded.encoding.encode(-1)) == -1, "a padded encoding keeps signed decoding")
    }

    /// The first of a few random ReLU circuits whose hidden layer the planner holds with the
    /// padding bit as a value bit.
    static func circuitUsingThePaddingBit() throws -> (circuit: IntegerCircuit, plan: FHEPlan) {
        for seed in UInt64(60)..<UInt64(90) {
            let model = try randomQuantizedModel(seed: seed, sizes: [12, 6, 3], activation: .relu, bits: (3, 3, 2), perChannel: true)
            let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 5))
            let plan = FHEPlanner.makePlan(circuit, parameters: insecureCircuitTestSet(), selection: .named, target: -40)
            if plan.layers.contains(where: \.usesPaddingBit) { return (circuit, plan) }
        }
        Issue.record("no random circuit allowed the padding bit")
        throw CancellationError()
    }

    /// The same circuit, planned with and without the padding bit. With every rounding bit
    /// extracted in both, the padding bit costs the same PBSs at one bit less of table precision
    /// and a smaller p_error; left to choose, the planner never needs more PBSs with it (here it
    /// extracts fewer bits, reading a wider table at the same precision). Encrypted runs of the
    /// chosen plan equal the clear model op by op.
    @Test func encryptedMatchesClearWithThePaddingBitAsValue() throws {
        let (circuit, plan) = try Self.circuitUsingThePaddingBit()
        let parameters = insecureCircuitTestSet()
        let padded = FHEPlanner.makePlan(circuit, parameters: parameters, selection: .named, target: -40,
                                         options: FHEPlanOptions(paddingBitForValues: false))
        #expect(padded.layers.allSatisfy { !$0.usesPaddingBit })
        #expect(plan.pbsCount <= padded.pbsCount)
        let allBits = FHEPlanOptions(extraction: .all)
        let freeAll = FHEPlanner.makePlan(circuit, parameters: parameters, selection: .named, target: -40, options: allBits)
        var keptOptions = allBits
        keptOptions.paddingBitForValues = false
        let keptAll = FHEPlanner.makePlan(circuit, parameters: parameters, selection: .named, target: -40, options: keptOptions)
        #expect(freeAll.layers.contains { $0.usesPaddingBit })
        for (free, kept) in zip(freeAll.layers, keptAll.layers) where free.usesPaddingBit {
            #expect(free.extractedBits == kept.extractedBits && free.pbsCount == kept.pbsCount)
            #expect(free.tablePrecision.map { $0 + 1 } == kept.tablePrecision)
            #expect(free.log2PError < kept.log2PError)
        }
        // Some held values must reach the top half of the torus for the test to mean anything.
        let layer = plan.layers.firstIndex(where: \.usesPaddingBit)!
        let stage = plan.circuit.stages[layer]
        let readOp = stage.round ?? stage.linear
        let held = plan.opEncodings[readOp]
        let op = plan.circuit.ops[readOp]
        #expect(zip(op.high, held.offsets).contains { $0 - $1 >= Int64(held.encoding.messageCount) })

        let evaluator = makeEvaluator(circuit, parameters: insecureCircuitTestSet(), seed: 4)
        #expect(evaluator.plan == plan)
        var generator = SeededGenerator(seed: 61)
        for sample in 0..<6 {
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: sampleCodes(circuit, sample: sample, generator: &generator))
            #expect(result.divergences.isEmpty && result.fhePrediction == result.clearPrediction,
                    "\(result.divergences.map(\.description))")
        }
        // The simulator mirrors the executor, corrections included: at this set's noise it
        // computes the clear values.
        let simulated = SimulatedEvaluator(plan: plan, seed: 3)
        for sample in 0..<20 {
            let codes = sampleCodes(circuit, sample: sample, generator: &generator)
            #expect(try simulated.evaluate(codes, sample: UInt64(sample)).values == ClearEvaluator(plan.circuit).evaluate(codes).values)
        }
    }
}

/// Circuits lowered with `tablesUsePaddingBit`: wider tables, held to their windows, that the
/// planner reads with the padding bit as a value bit, encrypted bit-exact.
@Suite struct PaddingBitLoweringTests {
    @Test func everyTablePassesThePairTestAndRunsEncrypted() throws {
        let model = try randomQuantizedModel(seed: 71, sizes: [16, 6, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        let options = CircuitOptions(maxTLUBits: 4, tablesUsePaddingBit: true)
        let circuit = try CircuitCompiler.lower(model, options: options)
        let plain = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
        let stage = circuit.stages[0]
        guard let tableOp = stage.table, case .table(_, let tables) = circuit.ops[tableOp].operation else {
            Issue.record("the hidden layer has no table")
            return
        }
        // Up to 2^5 − 8 entries where 16 would be the limit without the padding bit: less rounding.
        #expect(tables.map(\.count).max()! > 16 && tables.map(\.count).max()! <= 24)
        #expect(stage.shift < plain.stages[0].shift)
        #expect(tables.allSatisfy { FHEPlanner.StageShape.tableAllowsPaddingBit($0, precision: 4) })
        let evaluator = makeEvaluator(circuit, parameters: insecureCircuitTestSet(), seed: 6)
        #expect(evaluator.plan.layers[0].usesPaddingBit && evaluator.plan.layers[0].tablePrecision == 4 - evaluator.plan.layers[0].extractedBits + stage.shift)
        var generator = SeededGenerator(seed: 72)
        for sample in 0..<5 {
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: sampleCodes(circuit, sample: sample, generator: &generator))
            #expect(result.divergences.isEmpty && result.fhePrediction == result.clearPrediction,
                    "\(result.divergences.map(\.description))")
        }
    }
}
