import Foundation
import NeuralNet
import Quantization

/// The integer vectors of one layer during a clear run.
public struct ClearLayerTrace: Sendable, Equatable {
    /// acc_j = Σ_i W[j,i]·x_i.
    public var accumulators: [Int64]
    /// The table indices after rounding; nil for the output layer.
    public var tableIndices: [Int64]?
    /// The layer's output vector: table values (next layer's input codes), or the
    /// accumulators themselves for the output layer.
    public var outputs: [Int64]
}

public struct ClearTrace: Sendable, Equatable {
    public var input: [Int64]
    public var layers: [ClearLayerTrace]
    /// The output layer's accumulators (what the client decrypts).
    public var outputs: [Int64] { layers[layers.count - 1].outputs }
    public var logits: [Double]
    public var predictedClass: Int
}

/// Runs an `IntegerCircuit` in plain Int64 arithmetic: the reference the FHE executor
/// must reproduce exactly.
public enum ClearExecutor {
    public static func run(_ circuit: IntegerCircuit, input: [Int64]) -> ClearTrace {
        precondition(input.count == circuit.inputCount, "Circuit expects \(circuit.inputCount) inputs, got \(input.count)")
        for (i, value) in input.enumerated() {
            precondition(value >= circuit.inputLow && value <= circuit.inputHigh,
                         "Input \(i) is \(value), outside the circuit's input range \(circuit.inputLow)...\(circuit.inputHigh)")
        }
        var current = input
        var layers = [ClearLayerTrace]()
        layers.reserveCapacity(circuit.layers.count)
        for layer in circuit.layers {
            let accumulators = dotProducts(layer.weights, current)
            for j in accumulators.indices {
                precondition(accumulators[j] >= layer.accumulatorLow[j] && accumulators[j] <= layer.accumulatorHigh[j],
                             "Sound bound violated (a compiler bug): layer \(layer.index) neuron \(j) accumulator \(accumulators[j]) outside \(layer.accumulatorLow[j])...\(layer.accumulatorHigh[j])")
            }
            if let tables = layer.tables {
                let indices = accumulators.indices.map { layer.tableIndex(neuron: $0, accumulator: accumulators[$0]) }
                let outputs = indices.indices.map { tables[$0][Int(indices[$0])] }
                layers.append(ClearLayerTrace(accumulators: accumulators, tableIndices: indices, outputs: outputs))
                current = outputs
            } else {
                layers.append(ClearLayerTrace(accumulators: accumulators, tableIndices: nil, outputs: accumulators))
            }
        }
        let logits = circuit.outputDecoding.logits(layers[layers.count - 1].outputs)
        return ClearTrace(input: input, layers: layers, logits: logits, predictedClass: argmax(logits))
    }

    /// Runs many inputs on all cores; traces come back in input order.
    public static func runBatch(_ circuit: IntegerCircuit, inputs: [[Int64]]) -> [ClearTrace] {
        let results = ConcurrentSlots<ClearTrace>(count: inputs.count)
        let chunks = max(1, min(inputs.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in (inputs.count * chunk / chunks)..<(inputs.count * (chunk + 1) / chunks) {
                results.set(index, run(circuit, input: inputs[index]))
            }
        }
        return results.values
    }

    static func dotProducts(_ weights: IntegerMatrix, _ x: [Int64]) -> [Int64] {
        var result = [Int64](repeating: 0, count: weights.rows)
        weights.values.withUnsafeBufferPointer { w in
            x.withUnsafeBufferPointer { input in
                for j in 0..<weights.rows {
                    let row = w.baseAddress! + j * weights.columns
                    var sum: Int64 = 0
                    for i in 0..<weights.columns { sum += row[i] * input[i] }
                    result[j] = sum
                }
            }
        }
        return result
    }
}

/// The smallest and largest accumulator actually seen per layer, to report beside the sound
/// bound (DESIGN §3: "report the bound and the largest value actually seen side by side").
public struct ObservedAccumulatorRanges: Sendable, Equatable {
    public private(set) var low: [Int64?]
    public private(set) var high: [Int64?]

    public init(layerCount: Int) {
        low = Array(repeating: nil, count: layerCount)
        high = Array(repeating: nil, count: layerCount)
    }

    public mutating func record(_ trace: ClearTrace) {
        precondition(trace.layers.count == low.count, "Trace has \(trace.layers.count) layers, ranges track \(low.count)")
        for (l, layer) in trace.layers.enumerated() {
            guard let minimum = layer.accumulators.min(), let maximum = layer.accumulators.max() else { continue }
            low[l] = Swift.min(low[l] ?? minimum, minimum)
            high[l] = Swift.max(high[l] ?? maximum, maximum)
        }
    }

    /// ceil(log2(observed high − observed low + 1)) of a layer (nil before any record).
    public func observedBits(layer: Int) -> Int? {
        guard let lo = low[layer], let hi = high[layer] else { return nil }
        return AccumulatorRounding.bits(forCount: hi - lo + 1)
    }
}
