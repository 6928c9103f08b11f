import Foundation
import TFHE

/// Every layer's ciphertexts of one encrypted run, for the differential checker.
public struct EncryptedLayerOutputs: Sendable {
    /// Hidden layers whose plan extracts rounding bits: v >> e per neuron at the table's
    /// input encoding (the value the clear side computes as (acc − lo + 2^(t−1)) >> e).
    public var rounded: [LWECiphertext]?
    /// Hidden layers: the table outputs at the next layer's encoding; output layer: acc − lo
    /// at its own encoding.
    public var outputs: [LWECiphertext]
}

/// Server side of an encrypted inference: holds the circuit, the `ServerKey` and the
/// lookup tables, never a secret key. Each dense layer is a clear-integer-weighted sum of
/// ciphertexts plus a clear constant, then per neuron the plan's exact rounding
/// (`ServerKey.removeLowBits`, its PBSs batched across neurons) and one KS→PBS that applies the
/// neuron's table and re-encodes the result at the next layer's Δ (see `FHEPlan`).
///
/// It owns `ServerKey.batchSize` PBS workspaces and scratch ciphertexts per worker thread and
/// spreads the neurons of a layer over the workers; worker w only touches its own. `run`
/// itself must not be called from two threads at once (that would share workspaces): use one
/// executor per concurrent caller. Hence `@unchecked Sendable`: everything else is immutable
/// after init.
public final class EncryptedExecutor: @unchecked Sendable {
    public let circuit: IntegerCircuit
    public let plan: FHEPlan
    public let serverKey: ServerKey
    public let threads: Int
    /// tables[l][j]: layer l, neuron j (hidden layers only).
    let tables: [[LookupTable]]
    /// roundings[l]: the digit extraction of hidden layer l (nil: none, or the output layer).
    let roundings: [ExactRounding?]
    private let workspaces: [PBSWorkspace]
    private let scratch: RoundingScratch

    public init(circuit: IntegerCircuit, plan: FHEPlan, serverKey: ServerKey, threads: Int) {
        precondition(serverKey.parameters == plan.parameters,
                     "Server key for \(serverKey.parameters.name) does not match the plan's parameters \(plan.parameters.name).")
        precondition(plan.layers.count == circuit.layers.count,
                     "Plan has \(plan.layers.count) layers, circuit \(circuit.layers.count).")
        self.circuit = circuit
        self.plan = plan
        self.serverKey = serverKey
        self.threads = max(1, threads)
        roundings = plan.layers.map { layer in
            layer.roundingGroups.isEmpty ? nil
                : ExactRounding(heldBits: layer.messageBits, groupBits: layer.roundingGroups.map(\.bits))
        }
        tables = circuit.layers.enumerated().map { position, layer in
            guard let layerTables = layer.tables else { return [] }
            let planLayer = plan.layers[position]
            let input = planLayer.tableInputEncoding
            let output = plan.inputEncoding(ofLayer: position + 1)
            return layerTables.indices.map { j in
                LookupTable(values: Self.expandedTable(layer: layer, neuron: j, extractedBits: planLayer.extractedBits,
                                                       messageCount: input.messageCount),
                            inputEncoding: input, outputEncoding: output)
            }
        }
        let slots = self.threads * ServerKey.batchSize
        workspaces = (0..<slots).map { _ in serverKey.makeWorkspace() }
        scratch = RoundingScratch(count: slots, dimension: serverKey.parameters.bigLWEDimension)
    }

    /// Entry u of the PBS table, u = v >> e with v = acc − lo + 2^(t−1), is the circuit's
    /// table at index u >> (t − e) = v >> t; values above the sound bound cannot occur and
    /// repeat the last entry.
    static func expandedTable(layer: CircuitLayer, neuron j: Int, extractedBits e: Int, messageCount: Int) -> [Int] {
        let table = layer.tables![j]
        let remaining = layer.roundingShift - e
        return (0..<messageCount).map { u in
            Int(table[min(u >> remaining, table.count - 1)])
        }
    }

    /// Runs every layer; returns each layer's ciphertexts (see `EncryptedLayerOutputs`).
    public func run(_ inputs: [LWECiphertext]) -> [EncryptedLayerOutputs] {
        precondition(inputs.count == circuit.inputCount, "Circuit expects \(circuit.inputCount) ciphertexts, got \(inputs.count)")
        var current = inputs
        var outputs = [EncryptedLayerOutputs]()
        outputs.reserveCapacity(circuit.layers.count)
        for (position, layer) in circuit.layers.enumerated() {
            let result = evaluate(layer: layer, position: position, inputs: current)
            current = result.outputs
            outputs.append(result)
        }
        return outputs
    }

    private func evaluate(layer: CircuitLayer, position: Int, inputs: [LWECiphertext]) -> EncryptedLayerOutputs {
        let encoding = plan.inputEncoding(ofLayer: position)
        let dimension = serverKey.parameters.bigLWEDimension
        let rounding = roundings[position]
        let results = LWECiphertextSlots(count: layer.neuronCount, dimension: dimension)
        let rounded = rounding.map { _ in LWECiphertextSlots(count: layer.neuronCount, dimension: dimension) }
        let workers = min(threads, layer.neuronCount)
        let batchSize = ServerKey.batchSize
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let neurons = Array(stride(from: worker, to: layer.neuronCount, by: workers))
            var accumulators = [LWECiphertext](repeating: LWECiphertext(dimension: dimension), count: batchSize)
            var outputs = accumulators
            let mine = worker * batchSize..<(worker + 1) * batchSize
            for chunkStart in stride(from: 0, to: neurons.count, by: batchSize) {
                let chunk = neurons[chunkStart..<min(chunkStart + batchSize, neurons.count)]
                for (b, j) in chunk.enumerated() {
                    accumulators[b].storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
                    for i in 0..<layer.inputCount {
                        let w = layer.weights[j, i]
                        if w != 0 { accumulators[b].addScaled(inputs[i], by: w) }
                    }
                    // v = acc − lo + 2^(t−1) (`CircuitLayer.heldValue`): one clear constant.
                    accumulators[b].addPlaintext(encoding.encode(Int(layer.roundingOffset - layer.accumulatorLow[j])))
                }
                if layer.isOutputLayer {
                    for (b, j) in chunk.enumerated() { results.set(j, accumulators[b]) }
                    continue
                }
                workspaces.withUnsafeBufferPointer { all in
                    let chunkWorkspaces = UnsafeBufferPointer(rebasing: all[mine])
                    accumulators.withUnsafeMutableBufferPointer { values in
                        let batch = UnsafeMutableBufferPointer(rebasing: values[0..<chunk.count])
                        if let rounding {
                            serverKey.removeLowBits(rounding, values: batch, scaled: scratch.scaled(mine),
                                                    extracted: scratch.extracted(mine), workspaces: chunkWorkspaces)
                            for (b, j) in chunk.enumerated() { rounded?.set(j, batch[b]) }
                        }
                        let chunkTables = chunk.map { tables[position][$0] }
                        outputs.withUnsafeMutableBufferPointer { outputBuffer in
                            chunkTables.withUnsafeBufferPointer { tableBuffer in
                                serverKey.programmableBootstrap(
                                    batch: UnsafeBufferPointer(batch), tables: tableBuffer,
                                    into: UnsafeMutableBufferPointer(rebasing: outputBuffer[0..<chunk.count]),
                                    workspaces: chunkWorkspaces)
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
        return EncryptedLayerOutputs(rounded: rounded?.values, outputs: results.values)
    }
}

/// Scratch ciphertexts of the exact rounding, `ServerKey.batchSize` per worker; worker w only
/// touches its own range, so the disjoint writes need no lock.
final class RoundingScratch: @unchecked Sendable {
    private let scaledStorage: UnsafeMutableBufferPointer<LWECiphertext>
    private let extractedStorage: UnsafeMutableBufferPointer<LWECiphertext>

    init(count: Int, dimension: LWEDimension) {
        scaledStorage = .allocate(capacity: count)
        extractedStorage = .allocate(capacity: count)
        for i in 0..<count {
            (scaledStorage.baseAddress! + i).initialize(to: LWECiphertext(dimension: dimension))
            (extractedStorage.baseAddress! + i).initialize(to: LWECiphertext(dimension: dimension))
        }
    }

    deinit {
        scaledStorage.baseAddress!.deinitialize(count: scaledStorage.count)
        extractedStorage.baseAddress!.deinitialize(count: extractedStorage.count)
        scaledStorage.deallocate()
        extractedStorage.deallocate()
    }

    func scaled(_ range: Range<Int>) -> UnsafeMutableBufferPointer<LWECiphertext> {
        UnsafeMutableBufferPointer(rebasing: scaledStorage[range])
    }

    func extracted(_ range: Range<Int>) -> UnsafeMutableBufferPointer<LWECiphertext> {
        UnsafeMutableBufferPointer(rebasing: extractedStorage[range])
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

    /// Decrypts a layer's rounded values (`EncryptedLayerOutputs.rounded`): v >> e per neuron.
    public func decryptRounded(layer position: Int, _ ciphertexts: [LWECiphertext]) -> [Int64] {
        let encoding = plan.layers[position].tableInputEncoding
        return ciphertexts.map { Int64(clientKey.decrypt($0, encoding: encoding)) }
    }

    /// Signed distance from the phase to the encoding of `expected`, in units of Δ/2: a
    /// decryption is correct while |margin| < 1. (For the output layer pass acc − lo.)
    public func noiseInHalfDeltas(_ ciphertext: LWECiphertext, expected: Int64, encoding: Encoding) -> Double {
        let distance = Int64(bitPattern: clientKey.phase(ciphertext) &- encoding.encode(Int(expected)))
        return Double(distance) / (Double(encoding.delta) / 2)
    }
}
