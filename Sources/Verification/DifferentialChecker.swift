// The differential checker (DESIGN §6): runs two evaluators of one circuit on the same input
// and compares every op's values, integer for integer. For the encrypted evaluator it also
// measures each ciphertext's noise against the value the clear side says it holds.
// Mismatches are counted and reported, never retried.

import Foundation
import Circuit
import NeuralNet
import TFHE

/// One value that differs between two evaluators.
public struct Divergence: Sendable, Codable, Equatable {
    public let sample: Int
    /// The op (index into the circuit), its kind and the model layer it belongs to.
    public let op: Int
    public let kind: OpKind
    public let layer: Int
    /// Which of the op's values.
    public let index: Int
    public let expected: Int64
    public let got: Int64
    /// Encrypted runs: phase minus the encoding of the expected value, in units of Δ/2
    /// (|x| ≥ 1 decrypts wrong), and the plan's predicted log2 p_error of the op.
    public var noiseInHalfDeltas: Double? = nil
    public var log2PredictedPError: Double? = nil

    public var description: String {
        var text = "sample \(sample), op \(op) (\(kind.rawValue), layer \(layer)), value \(index): expected \(expected), got \(got)"
        if let noiseInHalfDeltas { text += "; noise \(String(format: "%+.3f", noiseInHalfDeltas))·Δ/2" }
        if let log2PredictedPError { text += ", predicted p_error 2^\(String(format: "%.1f", log2PredictedPError))" }
        return text
    }
}

/// What one sample produced on the clear and the encrypted side.
public struct SampleCheck: Sendable {
    public let sample: Int
    public let clear: CircuitTrace
    public let decrypted: CircuitTrace
    public let clearPrediction: Int
    public let fhePrediction: Int
    /// Values that differ, per op.
    public let mismatchesPerOp: [Int]
    /// In op order, then value order: `divergences.first` is the first divergence.
    public let divergences: [Divergence]
    /// Noise of every op's ciphertexts in units of Δ/2 (for noise statistics).
    public let noiseInHalfDeltas: [[Double]]
    public let encryptSeconds: Double
    public let evaluateSeconds: Double
    public let decryptSeconds: Double

    public var passed: Bool { divergences.isEmpty }
    public var latencySeconds: Double { encryptSeconds + evaluateSeconds + decryptSeconds }
}

public enum DifferentialChecker {
    /// Every value where `candidate` differs from `reference`, op by op (both traces of `circuit`).
    public static func divergences(sample: Int, reference: CircuitTrace, candidate: CircuitTrace,
                                   circuit: IntegerCircuit) -> [Divergence] {
        precondition(reference.values.count == circuit.ops.count && candidate.values.count == circuit.ops.count,
                     "Traces have \(reference.values.count) and \(candidate.values.count) ops, the circuit \(circuit.ops.count)")
        var result = [Divergence]()
        for (i, op) in circuit.ops.enumerated() {
            for (j, (expected, got)) in zip(reference.values[i], candidate.values[i]).enumerated() where expected != got {
                result.append(Divergence(sample: sample, op: i, kind: op.kind, layer: op.layer, index: j, expected: expected, got: got))
            }
        }
        return result
    }

    /// Runs any two evaluators of the same circuit on one input and compares every op.
    public static func compare(_ reference: some CircuitEvaluator, _ candidate: some CircuitEvaluator,
                               sample: Int, input: [Int64]) throws -> [Divergence] {
        precondition(reference.circuit == candidate.circuit, "The evaluators run different circuits.")
        return divergences(sample: sample, reference: try reference.evaluate(input), candidate: try candidate.evaluate(input),
                           circuit: reference.circuit)
    }

    /// Runs `codes` (quantized input) through the clear and the encrypted evaluator of the
    /// plan's circuit, compares every op and measures every ciphertext's noise.
    public static func check(_ encrypted: EncryptedEvaluator, sample: Int, codes: [Int64]) throws -> SampleCheck {
        let circuit = encrypted.circuit
        let clear = try ClearEvaluator(circuit).evaluate(codes)
        let run = try encrypted.run(codes)
        var found = divergences(sample: sample, reference: clear, candidate: run.trace, circuit: circuit)
        let plan = encrypted.plan
        // What each ciphertext holds in clear: an op's values, or an output layer's digit sums.
        let held = circuit.ops.indices.map { plan.ciphertextValues(op: $0, trace: clear) }
        let noise = circuit.ops.indices.map { i in
            run.ciphertexts[i].indices.map { j in
                encrypted.client.noiseInHalfDeltas(run.ciphertexts[i][j], expected: held[i][j], op: i, value: j)
            }
        }
        for k in found.indices {
            let d = found[k]
            // The noisiest of the ciphertexts that make up the value.
            found[k].noiseInHalfDeltas = plan.ciphertexts(ofOp: d.op, value: d.index).map { noise[d.op][$0] }.max { abs($0) < abs($1) }
            found[k].log2PredictedPError = plan.opEncodings[d.op].log2PError
        }
        var mismatches = [Int](repeating: 0, count: circuit.ops.count)
        for d in found { mismatches[d.op] += 1 }
        return SampleCheck(
            sample: sample, clear: clear, decrypted: run.trace,
            clearPrediction: circuit.decode(clear.outputs).predictedClass,
            fhePrediction: circuit.decode(run.trace.outputs).predictedClass,
            mismatchesPerOp: mismatches, divergences: found, noiseInHalfDeltas: noise,
            encryptSeconds: run.encryptSeconds, evaluateSeconds: run.evaluateSeconds, decryptSeconds: run.decryptSeconds)
    }
}
