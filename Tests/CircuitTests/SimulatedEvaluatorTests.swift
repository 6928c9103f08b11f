import Foundation
import Testing
@testable import Circuit
import NeuralNet
import Quantization
import TFHE
import Verification

@Suite struct SimulatedEvaluatorTests {
    /// With the noise far below every margin the simulator is the clear evaluator, op for op,
    /// on circuits with rounding (digit extraction) and tables, extremes included.
    @Test func quietNoiseEqualsTheClearEvaluator() throws {
        let model = try randomQuantizedModel(seed: 41, sizes: [6, 5, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 3))
        let plan = FHEPlanner.makePlan(circuit, parameters: insecureCircuitTestSet(), selection: .named, target: -40,
                                       options: FHEPlanOptions(extraction: .all))
        #expect(plan.circuit.ops.contains { $0.kind == .round }, "the case must extract rounding bits")
        #expect(plan.layers.allSatisfy { $0.log2PError < -40 })
        let simulated = SimulatedEvaluator(plan: plan, seed: 1)
        let clear = ClearEvaluator(plan.circuit)
        var generator = SeededGenerator(seed: 2)
        for sample in 0..<300 {
            let codes = sampleCodes(circuit, sample: sample, generator: &generator)
            #expect(try DifferentialChecker.compare(clear, simulated, sample: sample, input: codes).isEmpty)
        }
    }

    /// A fixed seed gives the same noise for the same sample, whatever the order or threads;
    /// another seed gives other noise (visible at a high p_error).
    @Test func aFixedSeedIsReproducible() throws {
        let model = try randomQuantizedModel(seed: 21, sizes: [4, 8, 3], activation: .relu, bits: (2, 2, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
        let broken = insecureCircuitTestSet(name: "insecure-broken-noise", lweNoise: 0x1p-8)
        let plan = FHEPlanner.makePlan(circuit, parameters: broken, selection: .named, target: -40)
        var generator = SeededGenerator(seed: 3)
        let inputs = (0..<200).map { sampleCodes(circuit, sample: $0, generator: &generator) }
        let first = SimulatedEvaluator(plan: plan, seed: 7)
        let batch = first.runBatch(inputs, firstSample: 0)
        let again = SimulatedEvaluator(plan: plan, seed: 7)
        #expect(try inputs.indices.reversed().map { try again.evaluate(inputs[$0], sample: UInt64($0)) } == batch.reversed())
        let other = SimulatedEvaluator(plan: plan, seed: 8).runBatch(inputs, firstSample: 0)
        #expect(other != batch)
        let clear = inputs.map { ClearEvaluator(plan.circuit).run($0) }
        #expect(batch != clear, "at this noise some value must be wrong")
    }

    /// One table PBS: the simulated rate of wrong table values matches the analytic prediction
    /// erfc(Δ/2 / (√2·σ)) of the plan (σ² = fresh·ν² + keyswitch + modulus switch) within 4.5
    /// binomial standard errors. Inputs stay off the two ends of the range, where a step
    /// outside the message space is not a two-sided event.
    @Test func oneTableErrorRateMatchesTheAnalyticPrediction() throws {
        let circuit = IntegerCircuit(
            inputCount: 1, inputBits: 4, inputLow: 0, inputHigh: 15,
            ops: [
                CircuitOp(.dense(weights: IntegerMatrix(rows: 1, columns: 1, values: [1])), layer: 0, low: [0], high: [15]),
                CircuitOp(.table(inputLow: [0], tables: [Array(0...15)]), layer: 0, low: [0], high: [15]),
                CircuitOp(.dense(weights: IntegerMatrix(rows: 1, columns: 1, values: [1])), layer: 1, low: [0], high: [15]),
            ],
            outputDecoding: OutputDecoding(scales: [1], zeroPointCorrections: [0], biases: [0], activation: .identity),
            maxTLUBits: 4)
        try circuit.validate()
        let noisy = insecureCircuitTestSet(name: "insecure-noisy-table", lweNoise: exp2(-15.8))
        let plan = FHEPlanner.makePlan(circuit, parameters: noisy, selection: .named, target: -40)
        let predicted = exp2(plan.opEncodings[1].log2PError)
        #expect(predicted > 0.005 && predicted < 0.3, "the set must fail often enough to count: \(predicted)")
        let simulated = SimulatedEvaluator(plan: plan, seed: 11)
        let trials = 40_000
        var generator = SeededGenerator(seed: 12)
        let inputs = (0..<trials).map { _ in [Int64(1 + generator.next() % 14)] }
        let wrong = zip(inputs, simulated.runBatch(inputs, firstSample: 0)).filter { $1.values[1][0] != $0[0] }.count
        let rate = Double(wrong) / Double(trials)
        let standardError = (predicted * (1 - predicted) / Double(trials)).squareRoot()
        print("one 4-bit table on \(noisy.name): simulated error rate \(rate) (\(wrong)/\(trials)), predicted \(predicted)")
        #expect(abs(rate - predicted) < 4.5 * standardError, "simulated \(rate), predicted \(predicted)")
    }

    /// Simulated and real encryption agree in distribution: at a high p_error the rates of
    /// wrong values per op are close (each within 4.5 standard errors of the pooled rate).
    @Test func simulatedAndEncryptedErrorRatesAgree() throws {
        let model = try randomQuantizedModel(seed: 44, sizes: [8, 6, 3], activation: .relu, bits: (3, 3, 3), perChannel: true)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 3))
        // INSECURE and small (N = 512) so the encrypted side runs in seconds in a debug build.
        let noisy = insecureCircuitTestSet(name: "insecure-noisy-small", lweNoise: 0x1p-10, polynomialSize: 512, precision: 4)
        let evaluator = makeEvaluator(circuit, parameters: noisy, seed: 4, options: FHEPlanOptions(extraction: .all))
        let plan = evaluator.plan
        let simulated = SimulatedEvaluator(plan: plan, seed: 5)
        var generator = SeededGenerator(seed: 6)
        let encryptedInputs = (0..<40).map { _ in sampleCodes(circuit, sample: 2, generator: &generator) }
        let simulatedInputs = (0..<6000).map { _ in sampleCodes(circuit, sample: 2, generator: &generator) }
        func wrongPerOp(_ traces: [CircuitTrace]) -> [Int] {
            plan.circuit.ops.indices.map { i in
                traces.reduce(0) { count, trace in
                    let clear = ClearEvaluator(plan.circuit).run(trace.input)
                    return count + zip(clear.values[i], trace.values[i]).filter { $0 != $1 }.count
                }
            }
        }
        let encryptedWrong = wrongPerOp(try encryptedInputs.map { try evaluator.evaluate($0) })
        let simulatedWrong = wrongPerOp(simulated.runBatch(simulatedInputs, firstSample: 0))
        #expect(simulatedWrong.reduce(0, +) > 0, "the set must fail often enough to compare")
        // Otherwise an encrypted side that never errs would pass the rate comparison below.
        #expect(encryptedWrong.reduce(0, +) > 0, "the encrypted side must err too: \(encryptedWrong)")
        for (i, op) in plan.circuit.ops.enumerated() {
            let n1 = Double(encryptedInputs.count * op.count), n2 = Double(simulatedInputs.count * op.count)
            let pooled = Double(encryptedWrong[i] + simulatedWrong[i]) / (n1 + n2)
            let standardError = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
            let difference = Double(encryptedWrong[i]) / n1 - Double(simulatedWrong[i]) / n2
            #expect(abs(difference) <= 4.5 * standardError + 1e-12,
                    "op \(i) (\(op.kind)): encrypted \(encryptedWrong[i])/\(Int(n1)), simulated \(simulatedWrong[i])/\(Int(n2))")
        }
        print("noisy set, wrong values per op: encrypted \(encryptedWrong) of \(encryptedInputs.count) samples, simulated \(simulatedWrong) of \(simulatedInputs.count)")
    }
}
