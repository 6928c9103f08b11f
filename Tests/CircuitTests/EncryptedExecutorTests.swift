import Foundation
import Testing
@testable import Circuit
import NeuralNet
import Quantization
import TFHE
import Verification

/// INSECURE: small dimensions so debug-build tests run in seconds. Only for tests.
func insecureCircuitTestSet(name: String = "insecure-circuit-test", lweNoise: Double = 0x1p-25) -> ParameterSet {
    ParameterSet(
        name: name, precision: 6,
        lweDimension: LWEDimension(64), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(2048),
        lweNoise: StandardDeviation(lweNoise), glweNoise: StandardDeviation(0x1p-45),
        pbsBaseLog: DecompositionBaseLog(8), pbsLevels: DecompositionLevelCount(3),
        ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(4),
        modulusSwitch: .standard, isInsecureTestSet: true)
}

func makeChecker(_ circuit: IntegerCircuit, parameters: ParameterSet, seed: UInt8 = 7) -> DifferentialChecker {
    let plan = FHEPlanner.makePlan(circuit, parameters: parameters, selection: "test", target: -40)
    let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: .fixed(Array(repeating: seed, count: 32)))
    return DifferentialChecker(
        client: EncryptedCircuitClient(circuit: circuit, plan: plan, clientKey: clientKey),
        executor: EncryptedExecutor(circuit: circuit, plan: plan, serverKey: serverKey, threads: 2))
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

    /// Encrypted and clear agree on every layer's every value for random circuits, random
    /// tables and bounds, including the extreme inputs that reach the sound bounds.
    @Test(arguments: circuits)
    func encryptedMatchesClearLayerByLayer(testCase: RandomCircuit) throws {
        let model = try randomQuantizedModel(seed: testCase.seed, sizes: testCase.sizes, activation: testCase.activation,
                                             bits: testCase.bits, perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: testCase.maxTLUBits))
        let checker = makeChecker(circuit, parameters: insecureCircuitTestSet())
        #expect(checker.client.plan.maxPBSPrecision <= 6, "\(circuit.layers.map(\.statistics.messageBits))")
        var generator = SeededGenerator(seed: testCase.seed)
        for sample in 0..<6 {
            let codes: [Int64]
            switch sample {
            case 0: codes = Array(repeating: circuit.inputLow, count: circuit.inputCount)
            case 1: codes = Array(repeating: circuit.inputHigh, count: circuit.inputCount)
            default: codes = (0..<circuit.inputCount).map { _ in
                circuit.inputLow + Int64(generator.next() % UInt64(circuit.inputHigh - circuit.inputLow + 1)) }
            }
            let result = checker.check(sample: sample, codes: codes)
            #expect(result.divergences.isEmpty, "\(result.divergences.map(\.description))")
            #expect(result.fhePrediction == result.clear.predictedClass)
            #expect(result.decrypted.last! == result.clear.outputs)
            for layerNoise in result.noiseInHalfDeltas { #expect(layerNoise.allSatisfy { abs($0) < 1 }) }
        }
    }

    /// The checker can fail: with keyswitching noise far above what the 2N grid tolerates
    /// (p_error ≈ 0.1 and more per PBS), it reports mismatches with their layer and neuron.
    @Test func brokenParametersProduceReportedMismatches() throws {
        let model = try randomQuantizedModel(seed: 21, sizes: [4, 8, 3], activation: .relu, bits: (2, 2, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
        let broken = insecureCircuitTestSet(name: "insecure-broken-noise", lweNoise: 0x1p-8)
        let checker = makeChecker(circuit, parameters: broken)
        #expect(checker.client.plan.layers[0].log2PError > -4, "the broken set should predict frequent failures")
        var divergences = [Divergence]()
        var generator = SeededGenerator(seed: 5)
        for sample in 0..<4 {
            let codes = (0..<circuit.inputCount).map { _ in Int64(generator.next() % UInt64(circuit.inputHigh + 1)) }
            divergences += checker.check(sample: sample, codes: codes).divergences
        }
        #expect(!divergences.isEmpty)
        if let first = divergences.first {
            #expect(first.layer == 0 || first.layer == 1)
            #expect(first.neuron >= 0 && first.neuron < 8)
            #expect(first.expected != first.got)
            #expect(first.description.contains("layer \(first.layer), neuron \(first.neuron)"))
        }
    }

    @Test func plannerRefusesTablesWiderThanAnyPBS() throws {
        let model = try randomQuantizedModel(seed: 31, sizes: [40, 6, 3], activation: .relu, bits: (8, 8, 8), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 12))
        #expect(circuit.layers[0].statistics.messageBits > FHEPlanner.maximumPBSBits)
        do {
            _ = try FHEPlanner.plan(circuit, log2PErrorTarget: -40)
            Issue.record("a \(circuit.layers[0].statistics.messageBits)-bit table was accepted")
        } catch let error as FHEPlanError {
            #expect(error.description.contains("layer 0"))
            #expect(error.description.contains("\(circuit.layers[0].statistics.messageBits)-bit"))
        }
    }

    @Test func plannerRefusesUnreachableTargetsNamingTheLayer() throws {
        let model = try randomQuantizedModel(seed: 32, sizes: [6, 5, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 5))
        #expect(throws: FHEPlanError.self) { try FHEPlanner.plan(circuit, log2PErrorTarget: -4000) }
        do {
            _ = try FHEPlanner.plan(circuit, log2PErrorTarget: -4000)
        } catch {
            #expect("\(error)".contains("layer"))
        }
        let plan = try FHEPlanner.plan(circuit, log2PErrorTarget: -40)
        #expect(plan.layers.allSatisfy { $0.log2PError <= -40 })
        #expect(!plan.parameters.isInsecureTestSet)
        #expect(SecurityCheck(parameters: plan.parameters).passes)
    }
}
