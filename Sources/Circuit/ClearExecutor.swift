import Foundation
import NeuralNet
import Quantization

/// Every op's values for one input: what an evaluator yields and the differential checker
/// compares, op by op.
public struct CircuitTrace: Sendable, Equatable {
    public var input: [Int64]
    /// values[i]: op i's output vector.
    public var values: [[Int64]]
    /// The last op's accumulators (what the client decrypts).
    public var outputs: [Int64] { values[values.count - 1] }

    public init(input: [Int64], values: [[Int64]]) {
        self.input = input
        self.values = values
    }
}

/// One way of running an `IntegerCircuit` (DESIGN §3): in clear, encrypted, or (later)
/// simulated. Every evaluator yields every op's values, so any two can be compared op by op.
public protocol CircuitEvaluator {
    /// The circuit the values belong to.
    var circuit: IntegerCircuit { get }
    /// Every op's values for one input vector of codes in the circuit's input range.
    func evaluate(_ input: [Int64]) throws -> CircuitTrace
}

/// An input vector does not fit the circuit; names the position and the allowed range.
public struct CircuitInputError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// Runs an `IntegerCircuit` in plain Int64 arithmetic: the reference every other evaluator
/// must reproduce exactly.
public struct ClearEvaluator: CircuitEvaluator, Sendable {
    public let circuit: IntegerCircuit

    public init(_ circuit: IntegerCircuit) { self.circuit = circuit }

    public func evaluate(_ input: [Int64]) throws -> CircuitTrace {
        try Self.checkInput(input, of: circuit)
        return run(input)
    }

    /// Throws unless `input` has the circuit's length and every code lies in its input range
    /// (the sound bounds, and so the table indices, rest on that).
    public static func checkInput(_ input: [Int64], of circuit: IntegerCircuit) throws {
        guard input.count == circuit.inputCount else {
            throw CircuitInputError(description: "the circuit reads \(circuit.inputCount) inputs, got \(input.count)")
        }
        if let i = input.firstIndex(where: { $0 < circuit.inputLow || $0 > circuit.inputHigh }) {
            throw CircuitInputError(description: "input \(i) is \(input[i]), outside the circuit's input range \(circuit.inputLow)...\(circuit.inputHigh)")
        }
    }

    /// `evaluate` for inputs already checked (the quantizer only produces codes in range).
    public func run(_ input: [Int64]) -> CircuitTrace {
        var values = [[Int64]]()
        values.reserveCapacity(circuit.ops.count)
        var current = input
        for (i, op) in circuit.ops.enumerated() {
            let next = current.withUnsafeBufferPointer { x in (0..<op.count).map { op.value($0, input: x) } }
            for j in next.indices {
                precondition(next[j] >= op.low[j] && next[j] <= op.high[j],
                             "Sound bound violated (a compiler bug): op \(i) (\(op.kind.rawValue)) value \(j) is \(next[j]), outside \(op.low[j])...\(op.high[j])")
            }
            values.append(next)
            current = next
        }
        return CircuitTrace(input: input, values: values)
    }

    /// Runs many checked inputs on all cores; traces come back in input order.
    public func runBatch(_ inputs: [[Int64]]) -> [CircuitTrace] {
        let results = ConcurrentSlots<CircuitTrace>(count: inputs.count)
        let chunks = max(1, min(inputs.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in (inputs.count * chunk / chunks)..<(inputs.count * (chunk + 1) / chunks) {
                results.set(index, run(inputs[index]))
            }
        }
        return results.values
    }
}

/// The smallest and largest accumulator actually seen per layer, to report beside the sound
/// bound (DESIGN §3: "report the bound and the largest value actually seen side by side").
public struct ObservedAccumulatorRanges: Sendable, Equatable {
    /// The dense op of each layer.
    private let linearOps: [Int]
    public private(set) var low: [Int64?]
    public private(set) var high: [Int64?]

    public init(circuit: IntegerCircuit) {
        linearOps = circuit.stages.map(\.linear)
        low = Array(repeating: nil, count: linearOps.count)
        high = Array(repeating: nil, count: linearOps.count)
    }

    public mutating func record(_ trace: CircuitTrace) {
        for (l, op) in linearOps.enumerated() {
            guard let minimum = trace.values[op].min(), let maximum = trace.values[op].max() else { continue }
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
