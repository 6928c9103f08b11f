// The differential checker (DESIGN §6): runs the clear integer executor and the encrypted
// executor on the same input, decrypts every layer's ciphertexts with the client key and
// compares them with the clear intermediates, integer for integer. Mismatches are counted
// and reported, never retried.

import Foundation
import Circuit
import NeuralNet
import TFHE

/// Which value of a layer a divergence concerns.
public enum CheckedValue: String, Sendable, Codable, Equatable {
    /// The exactly rounded value v >> e after digit extraction, before the table.
    case rounded
    /// The layer's output: the table value (hidden layers) or the accumulator (output layer).
    case output
}

/// One decrypted value that differs from the clear model.
public struct Divergence: Sendable, Codable, Equatable {
    public let sample: Int
    public let layer: Int
    public let value: CheckedValue
    public let neuron: Int
    public let expected: Int64
    public let got: Int64
    /// Phase minus the encoding of the expected value, in units of Δ/2 (|x| ≥ 1 decrypts wrong).
    public let noiseInHalfDeltas: Double
    /// The plan's predicted log2 failure probability for a ciphertext of this layer.
    public let log2PredictedPError: Double

    public var description: String {
        "sample \(sample), layer \(layer) \(value.rawValue), neuron \(neuron): expected \(expected), got \(got); "
            + "noise \(String(format: "%+.3f", noiseInHalfDeltas))·Δ/2, predicted p_error 2^\(String(format: "%.1f", log2PredictedPError))"
    }
}

/// What one sample produced on both sides.
public struct SampleCheck: Sendable {
    public let sample: Int
    public let clear: ClearTrace
    /// Decrypted outputs of every layer (hidden: table values; last: accumulators).
    public let decrypted: [[Int64]]
    public let fhePrediction: Int
    /// Output values that differ, per layer.
    public let mismatchesPerLayer: [Int]
    /// Rounded values that differ, per layer (0 where the plan extracts no bits).
    public let roundingMismatchesPerLayer: [Int]
    public let divergences: [Divergence]
    /// Noise of every layer's output ciphertexts in units of Δ/2 (for noise statistics).
    public let noiseInHalfDeltas: [[Double]]
    public let encryptSeconds: Double
    public let evaluateSeconds: Double
    public let decryptSeconds: Double

    public var passed: Bool { divergences.isEmpty }
    public var latencySeconds: Double { encryptSeconds + evaluateSeconds + decryptSeconds }
}

public final class DifferentialChecker: @unchecked Sendable {
    public let client: EncryptedCircuitClient
    public let executor: EncryptedExecutor

    /// `client` and `executor` must be built from the same circuit, plan and key pair.
    public init(client: EncryptedCircuitClient, executor: EncryptedExecutor) {
        precondition(client.plan == executor.plan, "Client and executor were built for different plans.")
        self.client = client
        self.executor = executor
    }

    /// Runs `codes` (quantized input) through both models and compares every layer.
    public func check(sample: Int, codes: [Int64]) -> SampleCheck {
        let circuit = client.circuit
        let clear = ClearExecutor.run(circuit, input: codes)
        let clock = ContinuousClock()

        let start = clock.now
        let inputs = client.encrypt(codes)
        let encrypted = clock.now
        let layerCiphertexts = executor.run(inputs)
        let layerOutputs = layerCiphertexts.map(\.outputs)
        let evaluated = clock.now
        let last = circuit.layers.count - 1
        let outputs = client.decrypt(layer: last, layerOutputs[last])
        let fhePrediction = argmax(circuit.outputDecoding.logits(outputs))
        let decrypted = clock.now

        var decryptedLayers = [[Int64]]()
        var mismatches = [Int]()
        var roundingMismatches = [Int]()
        var divergences = [Divergence]()
        var noise = [[Double]]()
        for position in circuit.layers.indices {
            let values = position == last ? outputs : client.decrypt(layer: position, layerOutputs[position])
            let expected = clear.layers[position].outputs
            let encoding = client.outputEncoding(ofLayer: position)
            let layer = circuit.layers[position]
            var roundingCount = 0
            if let rounded = layerCiphertexts[position].rounded {
                // The clear side's v >> e (v >> t is its table index; the plan may extract fewer bits).
                let planLayer = client.plan.layers[position]
                let e = planLayer.extractedBits
                let got = client.decryptRounded(layer: position, rounded)
                for j in rounded.indices {
                    let held = layer.heldValue(neuron: j, accumulator: clear.layers[position].accumulators[j]) >> e
                    guard got[j] != held else { continue }
                    roundingCount += 1
                    divergences.append(Divergence(
                        sample: sample, layer: layer.index, value: .rounded, neuron: j, expected: held, got: got[j],
                        noiseInHalfDeltas: client.noiseInHalfDeltas(rounded[j], expected: held, encoding: planLayer.tableInputEncoding),
                        log2PredictedPError: planLayer.roundingLog2PError))
                }
            }
            roundingMismatches.append(roundingCount)
            var layerNoise = [Double]()
            layerNoise.reserveCapacity(values.count)
            var count = 0
            for j in values.indices {
                // The output layer's ciphertexts hold acc − lo.
                let held = layer.isOutputLayer ? expected[j] - layer.accumulatorLow[j] : expected[j]
                let margin = client.noiseInHalfDeltas(layerOutputs[position][j], expected: held, encoding: encoding)
                layerNoise.append(margin)
                if values[j] != expected[j] {
                    count += 1
                    divergences.append(Divergence(
                        sample: sample, layer: layer.index, value: .output, neuron: j, expected: expected[j], got: values[j],
                        noiseInHalfDeltas: margin, log2PredictedPError: client.plan.layers[position].log2PError))
                }
            }
            decryptedLayers.append(values)
            mismatches.append(count)
            noise.append(layerNoise)
        }
        return SampleCheck(
            sample: sample, clear: clear, decrypted: decryptedLayers, fhePrediction: fhePrediction,
            mismatchesPerLayer: mismatches, roundingMismatchesPerLayer: roundingMismatches, divergences: divergences, noiseInHalfDeltas: noise,
            encryptSeconds: seconds(encrypted - start), evaluateSeconds: seconds(evaluated - encrypted),
            decryptSeconds: seconds(decrypted - evaluated))
    }
}

func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}
