import Dispatch
import Foundation
import Quantization
import TFHE

/// Server side of an encrypted inference: holds the plan (its circuit, encodings and
/// tables) and its server keys (one per `plan.bootstrapParameterSets`, all sharing one
/// keyswitching key), never a secret key. Runs `plan.circuit` op by op:
///   dense  Σ_i W[j,i]·ct_i plus one clear constant that moves the inputs' offsets to the
///          output's (no PBS, no noise beyond the weighted sum);
///   round  exact removal of the op's low bits by digit extraction (`ServerKey.removeLowBits`);
///   table  one KS→PBS per value that applies the table and re-encodes at the next op's Δ,
///          with the bootstrapping key the plan chose for the layer's tables.
/// PBSs are batched across values (`ServerKey.batchSize` per worker) on `threads` workers.
///
/// It owns the PBS workspaces and rounding scratch of every worker; worker w only touches its
/// own. `run` must not be called from two threads at once (that would share them): use one
/// executor per concurrent caller. Hence `@unchecked Sendable`: everything else is immutable.
public final class EncryptedExecutor: @unchecked Sendable {
    public let plan: FHEPlan
    /// `serverKeys[0]` is for `plan.parameters` (keyswitches and rounding), the others for
    /// the tables' other decompositions, in the order of `plan.bootstrapParameterSets`.
    public let serverKeys: [ServerKey]
    public var serverKey: ServerKey { serverKeys[0] }
    public let threads: Int
    public var circuit: IntegerCircuit { plan.circuit }

    /// What each op needs precomputed.
    enum Step {
        /// The weights and, per output value, the encoded constant Σ_i W[j,i]·offset_in_i − offset_out_j.
        /// A linear op (dense or conv2d) and the encoded constant of each output.
        case linear(LinearRows, constants: [UInt64])
        case round(ExactRounding)
        /// The tables, the position of their key in `serverKeys`, and (for a layer holding values
        /// in the padding bit) the encoded μ_j each PBS output gets back.
        case table([LookupTable], key: Int, corrections: [UInt64]?)
    }
    let steps: [Step]
    /// workspaces[key]: `threads · batchSize` workspaces for serverKeys[key].
    private let workspaces: [[PBSWorkspace]]
    private let scratch: RoundingScratch

    /// `serverKeys`: one per `plan.bootstrapParameterSets`, in that order (`FHEPlan.generateKeys`).
    public init(plan: FHEPlan, serverKeys: [ServerKey], threads: Int) {
        let sets = plan.bootstrapParameterSets
        precondition(serverKeys.map(\.parameters) == sets,
                     "Server keys for \(serverKeys.map(\.parameters.name)) do not match the plan's sets \(sets.map(\.name)).")
        self.plan = plan
        self.serverKeys = serverKeys
        self.threads = max(1, threads)
        steps = Self.steps(plan)
        let slots = self.threads * ServerKey.batchSize
        workspaces = serverKeys.map { key in (0..<slots).map { _ in key.makeWorkspace() } }
        scratch = RoundingScratch(count: slots, dimension: plan.parameters.bigLWEDimension)
    }

    /// For a plan whose every PBS uses `plan.parameters`.
    public convenience init(plan: FHEPlan, serverKey: ServerKey, threads: Int) {
        self.init(plan: plan, serverKeys: [serverKey], threads: threads)
    }

    static func steps(_ plan: FHEPlan) -> [Step] {
        let circuit = plan.circuit
        return circuit.ops.indices.map { i in
            let op = circuit.ops[i], held = plan.opEncodings[i]
            let inputOffsets = i == 0 ? [Int64](repeating: circuit.inputLow, count: circuit.inputCount) : plan.opEncodings[i - 1].offsets
            switch op.operation {
            case .dense, .conv2d:
                // The output layer in weight digits sums D rows per value (`OutputDigits`).
                guard let rows = plan.linearRows(ofOp: i) else { preconditionFailure("A linear op of a validated circuit has rows") }
                return .linear(rows, constants: (0..<rows.outputCount).map { j in
                    // Wrapping: the torus is Z/2^64 and the true constant decodes exactly.
                    var constant: Int64 = 0
                    rows.forEachTerm(row: j) { k, w in constant = constant &+ w &* inputOffsets[k] }
                    return held.encoding.encode(Int(constant &- held.offsets[j]))
                })
            case .round:
                let layer = plan.layers[op.layer]   // `validate`: op.layer is the stage's position
                return .round(ExactRounding(heldBits: layer.heldPrecision, groupBits: layer.roundingGroups.map(\.bits)))
            case .table(let tableLow, let tables):
                let input = plan.opEncodings[i - 1]
                let key = plan.bootstrapParameterSets.firstIndex(of: plan.bootstrapParameters(ofOp: i) ?? plan.parameters) ?? 0
                let entries = input.encoding.messageCount
                // Entry u of table j: the held input u is the value u + offset_in; values the
                // sound bounds exclude cannot occur and repeat the nearest entry.
                func entry(_ j: Int, _ u: Int) -> Int64 {
                    let table = tables[j]
                    let index = min(max(Int64(u) + input.offsets[j] - tableLow[j], 0), Int64(table.count - 1))
                    return table[Int(index)] - held.offsets[j]
                }
                guard plan.layers[op.layer].usesPaddingBit else {
                    return .table(tables.indices.map { j in
                        LookupTable(values: (0..<entries).map { Int(entry(j, $0)) }, inputEncoding: input.encoding,
                                    outputEncoding: held.encoding)
                    }, key: key, corrections: nil)
                }
                // Inputs u ≥ 2^p land in the top half of the torus, where the PBS returns
                // −v[u − 2^p]. With 2μ = T(u) + T(u + 2^p) (one constant per table, the planner
                // checked it), v = 2T − 2μ at Δ/2 gives 2T(u) − 2μ on both halves; adding 2μ·Δ/2
                // afterwards leaves T at Δ.
                let half = held.encoding.delta / 2
                let outputEncoding = Encoding(precision: held.encoding.precision, delta: half)
                var corrections = [UInt64]()
                let lookups = tables.indices.map { j in
                    let values = (0..<entries).map { u in entry(j, u) }
                    // The held inputs start at the table's first value (offset_in = tableLow), so
                    // pairs exist only for tables longer than 2^p.
                    let twiceMu = tables[j].count > entries ? values[0] + entry(j, entries) : 0
                    corrections.append(UInt64(bitPattern: twiceMu) &* half)
                    return LookupTable(values: values.map { Int(2 * $0 - twiceMu) }, inputEncoding: input.encoding,
                                       outputEncoding: outputEncoding)
                }
                return .table(lookups, key: key, corrections: corrections)
            }
        }
    }

    /// Runs every op; returns each op's ciphertexts (op i's values v − offset at its encoding).
    public func run(_ inputs: [LWECiphertext]) -> [[LWECiphertext]] {
        precondition(inputs.count == circuit.inputCount, "Circuit expects \(circuit.inputCount) ciphertexts, got \(inputs.count)")
        var current = inputs
        var all = [[LWECiphertext]]()
        all.reserveCapacity(steps.count)
        for step in steps {
            switch step {
            case .linear(let rows, let constants):
                current = linear(rows, constants: constants, inputs: current)
            case .round(let rounding):
                current = round(rounding, inputs: current)
            case .table(let tables, let key, let corrections):
                current = lookUp(tables, key: key, corrections: corrections, inputs: current)
            }
            all.append(current)
        }
        return all
    }

    /// Outputs (neurons, or a convolution's positions and channels) are spread over the threads.
    private func linear(_ rows: LinearRows, constants: [UInt64], inputs: [LWECiphertext]) -> [LWECiphertext] {
        // The sum stays under its inputs' key pair (the output layer of a two-pair plan sums
        // the second pair's table outputs).
        let dimension = inputs.first?.dimension ?? serverKey.parameters.bigLWEDimension
        let results = LWECiphertextSlots(count: rows.outputCount, dimension: dimension)
        let workers = min(threads, rows.outputCount)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for j in stride(from: worker, to: rows.outputCount, by: workers) {
                var sum = LWECiphertext(dimension: dimension)
                rows.forEachTerm(row: j) { i, w in sum.addScaled(inputs[i], by: w) }
                sum.addPlaintext(constants[j])
                results.set(j, sum)
            }
        }
        return results.values
    }

    private func round(_ rounding: ExactRounding, inputs: [LWECiphertext]) -> [LWECiphertext] {
        let results = LWECiphertextSlots(count: inputs.count, dimension: serverKey.parameters.bigLWEDimension)
        forEachBatch(count: inputs.count) { chunk, slots in
            var batch = chunk.map { inputs[$0] }
            batch.withUnsafeMutableBufferPointer { values in
                workspaces[0].withUnsafeBufferPointer { all in
                    serverKey.removeLowBits(rounding, values: values, scaled: scratch.scaled(slots),
                                            extracted: scratch.extracted(slots), workspaces: UnsafeBufferPointer(rebasing: all[slots]))
                }
            }
            for (b, j) in chunk.enumerated() { results.set(j, batch[b]) }
        }
        return results.values
    }

    private func lookUp(_ tables: [LookupTable], key: Int, corrections: [UInt64]?, inputs: [LWECiphertext]) -> [LWECiphertext] {
        let serverKey = serverKeys[key]
        // Under the table key's pair: a cross key's outputs leave the first pair.
        let dimension = serverKey.parameters.bigLWEDimension
        let results = LWECiphertextSlots(count: inputs.count, dimension: dimension)
        forEachBatch(count: inputs.count) { chunk, slots in
            let batch = chunk.map { inputs[$0] }
            let chunkTables = chunk.map { tables[$0] }
            var outputs = chunk.map { _ in LWECiphertext(dimension: dimension) }
            batch.withUnsafeBufferPointer { input in
                chunkTables.withUnsafeBufferPointer { table in
                    outputs.withUnsafeMutableBufferPointer { output in
                        workspaces[key].withUnsafeBufferPointer { all in
                            serverKey.programmableBootstrap(batch: input, tables: table, into: output,
                                                            workspaces: UnsafeBufferPointer(rebasing: all[slots]))
                        }
                    }
                }
            }
            for (b, j) in chunk.enumerated() {
                if let corrections { outputs[b].addPlaintext(corrections[j]) }
                results.set(j, outputs[b])
            }
        }
        return results.values
    }

    /// Indices 0..<count over the workers (worker w takes w, w + workers, …) in chunks of
    /// `ServerKey.batchSize`; `slots` is the chunk's range of this worker's workspaces and scratch.
    private func forEachBatch(count: Int, _ body: @Sendable ([Int], Range<Int>) -> Void) {
        let workers = min(threads, count)
        let batchSize = ServerKey.batchSize
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let mine = Array(stride(from: worker, to: count, by: workers))
            for start in stride(from: 0, to: mine.count, by: batchSize) {
                let chunk = Array(mine[start..<min(start + batchSize, mine.count)])
                body(chunk, worker * batchSize..<(worker * batchSize + chunk.count))
            }
        }
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

/// The keys of one plan: a client key per `FHEPlan.keyPairs` and a server key per
/// `FHEPlan.bootstrapParameterSets`.
public struct PlanKeys: Sendable {
    public let clientKeys: [ClientKey]
    public let serverKeys: [ServerKey]
    /// The first pair's: it encrypts the inputs.
    public var clientKey: ClientKey { clientKeys[0] }
}

extension FHEPlan {
    /// Fresh keys for this plan: a client key per key pair, and one server key per
    /// `bootstrapParameterSets`: the first pair's with its keyswitching key, its other
    /// decompositions sharing it, and for another pair's set a cross key reading the first
    /// pair's big key. With `.fixed`, pair p uses `seed.forKeyPair(p)`.
    public func generateKeys(seed: RandomSeed) -> PlanKeys {
        let pairs = keyPairs
        let generated = pairs.indices.map { p in ClientKey.generate(parameters: pairs[p], seed: seed.forKeyPair(p)) }
        let first = generated[0]
        // One cross keyswitching key per other pair, shared by that pair's sets, as a pair's
        // own sets share its keyswitching key (what a server key bundle stores once per pair).
        var crossKeys = [Int: ServerKey]()
        var serverKeys = [first.serverKey]
        for set in bootstrapParameterSets.dropFirst() {
            let p = pairs.firstIndex { $0.sharesKeys(with: set) } ?? 0
            let (client, own) = generated[p]
            let bootstrap = set == own.parameters ? own : client.serverKey(for: set, sharing: own)
            if p == 0 {
                serverKeys.append(bootstrap)
            } else if let cross = crossKeys[p] {
                serverKeys.append(cross.withBootstrapKey(of: bootstrap))
            } else {
                let key = client.serverKey(readingFrom: first.clientKey, bootstrappingWith: bootstrap)
                crossKeys[p] = key
                serverKeys.append(key)
            }
        }
        return PlanKeys(clientKeys: generated.map(\.clientKey), serverKeys: serverKeys)
    }

    /// Bytes of the server keys `generateKeys` makes: each pair's keyswitching key (a cross
    /// key's reads the first pair's big key), every bootstrapping key.
    public var serverKeyBytes: Int {
        let pairs = keyPairs
        let keyswitch = KeySizes.keyswitchKeyBytes(parameters) + pairs.dropFirst().reduce(0) { total, pair in
            total + KeySizes.keyswitchKeyBytes(pair, readingFrom: parameters.bigLWEDimension)
        }
        return keyswitch + bootstrapParameterSets.reduce(0) { $0 + KeySizes.bootstrapKeyBytes($1) }
    }
}

/// The client side: owns the `ClientKey`, encrypts inputs at the first op's encoding and
/// decrypts any op's values. Never handed to server code.
public struct EncryptedCircuitClient: Sendable {
    public let plan: FHEPlan
    /// One per `plan.keyPairs`.
    public let clientKeys: [ClientKey]
    /// The first pair's, which encrypts the inputs.
    public var clientKey: ClientKey { clientKeys[0] }
    public var circuit: IntegerCircuit { plan.circuit }

    public init(plan: FHEPlan, clientKeys: [ClientKey]) {
        let pairs = plan.keyPairs
        precondition(clientKeys.count == pairs.count && zip(clientKeys, pairs).allSatisfy { $0.parameters.sharesKeys(with: $1) },
                     "Client keys for \(clientKeys.map(\.parameters.name)) do not match the plan's key pairs \(pairs.map(\.name)).")
        self.plan = plan
        self.clientKeys = clientKeys
    }

    /// For a plan with one key pair.
    public init(plan: FHEPlan, clientKey: ClientKey) {
        self.init(plan: plan, clientKeys: [clientKey])
    }

    /// Encrypts input codes as code − inputLow at the first dense op's encoding.
    public func encrypt(_ codes: [Int64]) -> [LWECiphertext] {
        let encoding = plan.inputEncoding
        return codes.map { clientKey.encrypt(Int($0 - circuit.inputLow), encoding: encoding) }
    }

    /// Decrypts op i's ciphertexts to the integers the clear evaluator computes for that op.
    public func decrypt(op i: Int, _ ciphertexts: [LWECiphertext]) -> [Int64] {
        let key = clientKeys[plan.keyPair(ofOp: i)]
        return plan.decode(op: i, phases: ciphertexts.map { key.phase($0) })
    }

    /// Signed distance from the phase to the encoding of `expected`, the clear value of op i's
    /// ciphertext j (`FHEPlan.ciphertextValues`), in units of Δ/2: a decryption is correct
    /// while |margin| < 1.
    public func noiseInHalfDeltas(_ ciphertext: LWECiphertext, expected: Int64, op i: Int, value j: Int) -> Double {
        let held = plan.opEncodings[i]
        let key = clientKeys[plan.keyPair(ofOp: i)]
        let distance = Int64(bitPattern: key.phase(ciphertext) &- held.encoding.encode(Int(expected - held.offsets[j])))
        return Double(distance) / (Double(held.encoding.delta) / 2)
    }
}
