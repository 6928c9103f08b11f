import Foundation
import SeededRandom
import Testing
@testable import Circuit
import NeuralNet
import Quantization
import TFHE
import Verification

/// Plans whose last hidden layer looks its tables up under another key pair (issue 10): the
/// rounding PBSs run under a small N, the tables under a larger one through a cross key
/// (`ClientKey.serverKey(readingFrom:bootstrappingWith:)`), and the output layer sums and
/// decrypts under the tables' pair.
@Suite struct TwoKeyPairTests {
    static let rounding = insecureCircuitTestSet(name: "insecure-rounding-N1024", polynomialSize: 1024)
    /// Another N, so another key pair (`ParameterSet.sharesKeys`).
    static let tables = insecureCircuitTestSet(name: "insecure-tables-N2048", polynomialSize: 2048)

    static func circuit(sizes: [Int]) throws -> IntegerCircuit {
        let model = try randomQuantizedModel(seed: 48, sizes: sizes, activation: .relu, bits: (2, 3, 3), perChannel: true)
        return try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
    }

    @Test func theLastHiddenLayersTablesUnderAnotherPairStayBitExact() throws {
        let circuit = try Self.circuit(sizes: [16, 20, 10])
        #expect(circuit.roundingShifts[0] > 0, "the hidden layer rounds, under the first pair")
        #expect(!Self.tables.sharesKeys(with: Self.rounding))
        let evaluator = makeEvaluator(circuit, parameters: Self.rounding, tableCandidates: [Self.tables])
        let plan = evaluator.plan
        #expect(plan.keyPairs.map(\.name) == [Self.rounding.name, Self.tables.name])
        #expect(plan.layers[0].tableParameters == Self.tables)
        #expect(plan.keyPair(ofOp: -1) == 0 && plan.keyPair(ofOp: plan.circuit.ops.count - 1) == 1)
        #expect(plan.layers.allSatisfy { $0.log2PError <= -40 }, "\(plan.layers.map(\.log2PError))")
        var generator = SeededGenerator(seed: 5)
        for sample in 0..<3 {
            let codes = sampleCodes(circuit, sample: sample, generator: &generator)
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: codes)
            #expect(result.divergences.isEmpty, "\(result.divergences.map(\.description))")
            // The simulator follows the cross key's noise and N: at 2^-40 it equals the clear model.
            let simulated = try SimulatedEvaluator(plan: plan, seed: 1).evaluate(codes)
            #expect(simulated.values == (try ClearEvaluator(plan.circuit).evaluate(codes)).values)
        }
    }

    /// A cross key leaves its outputs under its own pair, which no rounding or table of the
    /// first pair can read: the layers before the last keep the plan's keys.
    @Test func onlyTheLastHiddenLayerMayUseAnotherPair() throws {
        let circuit = try Self.circuit(sizes: [16, 12, 12, 10])
        let plan = FHEPlanner.makePlan(circuit, parameters: Self.rounding, selection: .named, target: -40,
                                       tableCandidates: [Self.tables])
        #expect(plan.layers[0].tableParameters == Self.rounding)
        #expect(plan.layers[1].tableParameters == Self.tables)
        #expect(plan.keyPairs.count == 2)
    }
}
