import Foundation
import SeededRandom
import Testing
@testable import Circuit
import NeuralNet
import Quantization
import TFHE
import Verification

/// The output layer held in binary weight digits (`OutputDigits`): the client recombines the
/// digit sums into the clear accumulators bit for bit, and the planner uses them only where
/// whole weights would not decrypt within the target.
@Suite struct OutputDigitsTests {
    @Test func digitRowsRecombineToTheWholeSums() throws {
        var generator = SeededGenerator(seed: 11)
        let rows = 7, columns = 13
        let values = (0..<(rows * columns)).map { _ in Int64(generator.next() % 127) - 63 }
        let whole = try #require(LinearRows(dense: IntegerMatrix(rows: rows, columns: columns, values: values)))
        let (digitRows, digits) = try #require(whole.binaryDigitRows())
        #expect(digits == 6, "|w| ≤ 63 has 6 binary digits")
        #expect(digitRows.outputCount == digits * rows)
        #expect(digitRows.weights.allSatisfy { $0 == 1 || $0 == -1 })
        for _ in 0..<20 {
            let x = (0..<columns).map { _ in Int64(generator.next() % 201) - 100 }
            let sums = digitRows.apply(x), expected = whole.apply(x)
            for j in 0..<rows {
                let combined = (0..<digits).reversed().reduce(Int64(0)) { $0 * 2 + sums[$1 * rows + j] }
                #expect(combined == expected[j])
            }
        }
        let unit = try #require(LinearRows(dense: IntegerMatrix(rows: 2, columns: 2, values: [1, -1, 0, 1])))
        #expect(unit.binaryDigitRows() == nil, "weights in {−1, 0, 1} are their own digits")
    }

    /// The circuit of `EncryptedExecutorTests.tablesBeforeADecryptedOutputGetAQuietKey`: 6-bit
    /// weights, output accumulators of 12 bits behind a weight 2-norm above 100.
    static func wideOutputCircuit() throws -> IntegerCircuit {
        let model = try randomQuantizedModel(seed: 46, sizes: [16, 20, 10], activation: .relu, bits: (2, 6, 3), perChannel: true)
        return try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
    }

    /// On a 128-bit catalogue set whose one-level PBS is too loud for the whole output layer,
    /// the digit sums decrypt within 2^-40: no quiet table key is needed.
    @Test func digitsLetTheCheapKeyDecryptTheOutputLayer() throws {
        let circuit = try Self.wideOutputCircuit()
        let base = try #require(ParameterCatalog.named("concrete-p40-b4"))
        let whole = FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40,
                                        options: FHEPlanOptions(allowsOutputDigits: false))
        #expect(whole.layers[1].log2PError > -40)
        let plan = FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40)
        #expect(plan.layers.allSatisfy { $0.log2PError <= -40 }, "\(plan.layers.map(\.log2PError))")
        // 6-bit symmetric weights lie in [−31, 31]: five binary digits.
        #expect(plan.layers[1].outputWeightDigits == 5 && plan.outputDigits?.count == 5)
        #expect(plan.layers[0].tableParameters == base, "the tables keep the one-level key")
        #expect(plan.layers[1].messageBits < whole.layers[1].messageBits)
        #expect(plan.ciphertextCount(ofOp: circuit.ops.count - 1) == 5 * 10)
        #expect(plan.log2GlobalPError <= -40 + log2(Double(plan.pbsCount + 50)))
    }

    /// Encrypted on labelled test sets: tables whose only key is too loud for whole output
    /// weights; the output layer in digits stays bit-exact at every op, and so does the simulator.
    @Test func digitSumsDecryptToTheClearAccumulators() throws {
        let circuit = try Self.wideOutputCircuit()
        let base = insecureCircuitTestSet(name: "insecure-digits-N2048", polynomialSize: 2048)
        let whole = FHEPlanOptions(allowsOutputDigits: false)
        // The quietest one-level decomposition that is still too loud for whole weights but not for digits.
        let loud = try #require((4...30).reversed().map { base.withPBSDecomposition(baseLog: $0, levels: 1) }.first { set in
            FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40, tableCandidates: [set], options: whole)
                .layers[1].log2PError > -40
                && FHEPlanner.makePlan(circuit, parameters: base, selection: .named, target: -40, tableCandidates: [set])
                .layers.allSatisfy { $0.log2PError <= -40 }
        })
        let evaluator = makeEvaluator(circuit, parameters: base, tableCandidates: [loud])
        let plan = evaluator.plan
        let output = circuit.ops.count - 1
        #expect(plan.layers[0].tableParameters == loud)
        let digits = try #require(plan.outputDigits)
        #expect(digits.op == output)
        var generator = SeededGenerator(seed: 9)
        for sample in 0..<3 {
            let codes = sampleCodes(circuit, sample: sample, generator: &generator)
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: codes)
            #expect(result.divergences.isEmpty, "\(result.divergences.map(\.description))")
            #expect(result.noiseInHalfDeltas[output].count == plan.ciphertextCount(ofOp: output))
            #expect(result.noiseInHalfDeltas[output].allSatisfy { abs($0) < 1 })
            let simulated = try SimulatedEvaluator(plan: plan, seed: 1).evaluate(codes)
            #expect(simulated.values == result.clear.values)
        }
    }

    /// Where whole weights meet the target, the plan keeps them: one ciphertext per output.
    @Test func wholeWeightsStayWhereTheyDecryptWithinTheTarget() throws {
        let model = try randomQuantizedModel(seed: 52, sizes: [12, 16, 10], activation: .relu, bits: (2, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 5))
        let plan = FHEPlanner.makePlan(circuit, parameters: insecureCircuitTestSet(), selection: .named, target: -40)
        #expect(OutputDigits(circuit: circuit, op: circuit.ops.count - 1) != nil, "3-bit weights have digits")
        #expect(plan.outputDigits == nil)
        #expect(plan.layers.last?.outputWeightDigits == nil)
        #expect(plan.layers.allSatisfy { $0.log2PError <= -40 })
    }
}
