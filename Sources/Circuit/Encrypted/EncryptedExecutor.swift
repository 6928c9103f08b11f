import Foundation
import TFHE

/// Server side of an encrypted inference: holds the circuit, the `ServerKey` and the
/// lookup tables, never a secret key. Each dense layer is a clear-integer-weighted sum of
/// ciphertexts followed by one KS→PBS per neuron that applies the neuron's table and
/// re-encodes the result at the next layer's Δ (see `FHEPlan` for the encodings).
///
/// It owns `ServerKey.batchSize` PBS workspaces per worker thread and spreads the neurons of a layer
/// over the workers; worker w only touches its own workspaces. `run` itself must not be called from two threads at
/// once (that would share workspaces): use one executor per concurrent caller. Hence
/// `@unchecked Sendable`: everything else is immutable after init.
public final class EncryptedExecutor: @unchecked Sendable {
    public let circuit: IntegerCircuit
    public let plan: FHEPlan
    public let serverKey: ServerKey
    public let threads: Int
    /// tables[l][j]: layer l, neuron j (hidden layers only).
    let tables: [[LookupTable]]
    private let workspaces: [PBSWorkspace]

    public init(circuit: IntegerCircuit, plan: FHEPlan, serverKey: ServerKey, threads: Int) {
        precondition(serverKey.parameters == plan.parameters,
                     "Server key for \(serverKey.parameters.name) does not match the plan's parameters \(plan.parameters.name).")
        precondition(plan.layers.count == circuit.layers.count,
                     "Plan has \(plan.layers.count) layers, circuit \(circuit.layers.count).")
        self.circuit = circuit
        self.plan = plan
        self.serverKey = serverKey
        self.threads = max(1, threads)
        tables = circuit.layers.enumerated().map { position, layer in
            guard let layerTables = layer.tables else { return [] }
            let input = plan.inputEncoding(ofLayer: position)
            let output = plan.inputEncoding(ofLayer: position + 1)
            return layerTables.indices.map { j in
                LookupTable(values: Self.expandedTable(layer: layer, neuron: j, messageCount: input.messageCount),
                            inputEncoding: input, outputEncoding: output)
            }
        }
        workspaces = (0..<(self.threads * ServerKey.batchSize)).map { _ in serverKey.makeWorkspace() }
    }

    /// Entry v of the PBS table is the circuit's table at the rounded index of v = acc − lo;
    /// values v above the sound bound cannot occur and repeat the last entry.
    static func expandedTable(layer: CircuitLayer, neuron j: Int, messageCount: Int) -> [Int] {
        let table = layer.tables![j]
        let low = layer.accumulatorLow[j]
        return (0..<messageCount).map { v in
            let index = layer.tableIndex(neuron: j, accumulator: low + Int64(v))
            return Int(table[min(Int(index), table.count - 1)])
        }
    }

    /// Runs every layer; returns each layer's output ciphertexts (hidden layers: the table
    /// outputs at the next layer's encoding; output layer: acc − lo at its own encoding).
    public func run(_ inputs: [LWECiphertext]) -> [[LWECiphertext]] {
        precondition(inputs.count == circuit.inputCount, "Circuit expects \(circuit.inputCount) ciphertexts, got \(inputs.count)")
        var current = inputs
        var outputs = [[LWECiphertext]]()
        outputs.reserveCapacity(circuit.layers.count)
        for (position, layer) in circuit.layers.enumerated() {
            current = evaluate(layer: layer, position: position, inputs: current)
            outputs.append(current)
        }
        return outputs
    }

    private func evaluate(layer: CircuitLayer, position: Int, inputs: [LWECiphertext]) -> [LWECiphertext] {
        let encoding = plan.inputEncoding(ofLayer: position)
        let dimension = serverKey.parameters.bigLWEDimension
        let results = LWECiphertextSlots(count: layer.neuronCount, dimension: dimension)
        let workers = min(threads, layer.neuronCount)
        let batchSize = ServerKey.batchSize
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let neurons = Array(stride(from: worker, to: layer.neuronCount, by: workers))
            var accumulators = [LWECiphertext](repeating: LWECiphertext(dimension: dimension), count: batchSize)
            var outputs = accumulators
            for chunkStart in stride(from: 0, to: neurons.count, by: batchSize) {
                let chunk = neurons[chunkStart..<min(chunkStart + batchSize, neurons.count)]
                for (b, j) in chunk.enumerated() {
                    accumulators[b].storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                    for i in 0..<layer.inputCount {
                        let w = layer.weights[j, i]
                        if w != 0 { accumulators[b].addScaled(inputs[i], by: w) }
                    }
                    accumulators[b].addPlaintext(encoding.encode(Int(-layer.accumulatorLow[j])))
                }
                if layer.isOutputLayer {
                    for (b, j) in chunk.enumerated() { results.set(j, accumulators[b]) }
                    continue
                }
                let chunkTables = chunk.map { tables[position][$0] }
                accumulators.withUnsafeBufferPointer { inputBuffer in
                    outputs.withUnsafeMutableBufferPointer { outputBuffer in
                        chunkTables.withUnsafeBufferPointer { tableBuffer in
                            workspaces.withUnsafeBufferPointer { all in
                                serverKey.programmableBootstrap(
                                    batch: UnsafeBufferPointer(rebasing: inputBuffer[0..<chunk.count]), tables: tableBuffer,
                                    into: UnsafeMutableBufferPointer(rebasing: outputBuffer[0..<chunk.count]),
                                    workspaces: UnsafeBufferPointer(rebasing: all[(worker * batchSize)..<((worker + 1) * batchSize)]))
                            }
                        }
                    }
                }
                // The slot takes a copy; the next batch writes fresh storage into `outputs`.
                for (b, j) in chunk.enumerated() {
                    results.set(j, outputs[b])
                    outputs[b] = LWECiphertext(dimension: dimension)
                }
            }
        }
        return results.values
    }
}

/// The client side: owns the `ClientKey`, encrypts inputs at layer 0's encoding and
/// decrypts any layer's outputs. Never handed to server code.
public struct EncryptedCircuitClient: Sendable {
    public let circuit: IntegerCircuit
    public let plan: FHEPlan
    public let clientKey: ClientKey

    public init(circuit: IntegerCircuit, plan: FHEPlan, clientKey: ClientKey) {
        self.circuit = circuit
        self.plan = plan
        self.clientKey = clientKey
    }

    public func encrypt(_ codes: [Int64]) -> [LWECiphertext] {
        let encoding = plan.inputEncoding(ofLayer: 0)
        return codes.map { clientKey.encrypt(Int($0), encoding: encoding) }
    }

    /// The encoding a layer's outputs are held at.
    public func outputEncoding(ofLayer position: Int) -> Encoding {
        position + 1 < circuit.layers.count ? plan.inputEncoding(ofLayer: position + 1) : plan.inputEncoding(ofLayer: position)
    }

    /// Decrypts layer outputs to the integers the clear executor computes (table values for
    /// hidden layers; accumulators, with lo added back, for the output layer).
    public func decrypt(layer position: Int, _ ciphertexts: [LWECiphertext]) -> [Int64] {
        let encoding = outputEncoding(ofLayer: position)
        let layer = circuit.layers[position]
        return ciphertexts.indices.map { j in
            let value = Int64(clientKey.decrypt(ciphertexts[j], encoding: encoding))
            return layer.isOutputLayer ? value + layer.accumulatorLow[j] : value
        }
    }

    /// Signed distance from the phase to the encoding of `expected`, in units of Δ/2: a
    /// decryption is correct while |margin| < 1. (For the output layer pass acc − lo.)
    public func noiseInHalfDeltas(_ ciphertext: LWECiphertext, expected: Int64, encoding: Encoding) -> Double {
        let distance = Int64(bitPattern: clientKey.phase(ciphertext) &- encoding.encode(Int(expected)))
        return Double(distance) / (Double(encoding.delta) / 2)
    }
}
