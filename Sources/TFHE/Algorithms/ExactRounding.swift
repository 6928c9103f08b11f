import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Exact removal of the low bits of an encrypted integer (DESIGN §3, TFHE_FACTS §5), by digit
// extraction: r = v >> e for a w-bit value v held at Δ_w = 2^(63−w) with one padding bit,
// exact for every v in [0, 2^w) as long as every PBS lands in its box.
//
// Concrete removes one bit per KS→PBS. Lockstep removes a group of d bits with at most two:
//
//   c = 2^(w+1−d)·v           the d low bits L ∈ [0, 2^d) become the top d bits of the torus
//                             (no padding bit left: bit d of v wraps away), noise ×2^(w+1−d)
//   top bit   b = [L ≥ 2^(d−1)]: shift c by −1/4 + 2^−(d+1) so that L < 2^(d−1) lands in
//             [−1/4, 1/4) and the rest in [1/4, 3/4), then a one-value table (input precision
//             0) returns −X/2 or +X/2 by negacyclicity; + X/2 gives b·X, X = 2^(d−1)·Δ_w.
//             v ← v − b·X.
//   low bits  (d ≥ 2) now L < 2^(d−1): 2^(w+1−d)·v is a (d−1)-bit message with a clean
//             padding bit, so an ordinary table L ↦ L·Δ_w reads it. v ← v − L·Δ_w.
//
// Both PBSs see the margin 2^−(d+1) of a (d−1)-bit table (NoiseFormulas precision d − 1), so
// a d-bit group costs 2 PBS where bit-by-bit extraction costs d, for the same parameter set.
// Why not 1 PBS per group: a negacyclic table T on a d-bit value with no padding bit must
// satisfy T(L + 2^(d−1)) = −T(L), and L ↦ L·Δ cannot (the top bit alone can, hence step 1).
// After the groups, v holds (v >> e) << e at Δ_w, i.e. v >> e at Δ_(w−e): the next table
// reads it with an (w−e)-bit encoding. Every output of a group is a PBS output, so the noise
// entering the next group is the input noise plus two PBS outputs, whatever the input.

/// One group of the extraction: removes the `bits` lowest bits of a `heldBits`-bit value.
public struct LowBitsRemoval: Hashable, Sendable {
    /// w: bits of the value before this group (the padding bit not counted).
    public let heldBits: Int
    /// d: bits removed by this group.
    public let bits: Int
    /// 2^(w+1−d): puts the group's bits on top of the torus.
    public let multiplier: Int64
    /// −1/4 + 2^−(d+1) on the torus: centres both halves of the top-bit test.
    public let topBitOffset: UInt64
    /// One value, −1, at Δ = X/2: the PBS returns −X/2 below the top bit and +X/2 above it.
    public let topBitTable: LookupTable
    /// X/2 = 2^(d−1)·Δ_w / 2, added to the top-bit PBS output to give b·X.
    public let topBitCorrection: UInt64
    /// L ↦ L at Δ_w for L < 2^(d−1); nil for one-bit groups (the top bit is the group).
    public let lowBitsTable: LookupTable?

    public init(heldBits w: Int, bits d: Int) {
        precondition(d >= 1 && d <= w, "A group removes 1...\(w) bits of a \(w)-bit value, got \(d)")
        precondition(w <= 60, "Exact rounding holds at most 60-bit values, got \(w)")
        heldBits = w
        bits = d
        multiplier = Int64(1) << (w + 1 - d)
        topBitOffset = (UInt64(1) << UInt64(63 - d)) &- (UInt64(1) << 62)
        let halfX = UInt64(1) << UInt64(d + 61 - w)
        topBitCorrection = halfX
        topBitTable = LookupTable(values: [-1], inputEncoding: Encoding(precision: 0),
                                  outputEncoding: Encoding(precision: 0, delta: halfX))
        lowBitsTable = d >= 2
            ? LookupTable(values: Array(0..<(1 << (d - 1))), inputEncoding: Encoding(precision: d - 1),
                          outputEncoding: Encoding(precision: w))
            : nil
    }

    /// KS→PBS this group performs per ciphertext.
    public var pbsCount: Int { Self.pbsCount(bits: bits) }
    /// KS→PBS a group of `bits` bits performs: the top bit, and the rest when there is a rest.
    public static func pbsCount(bits: Int) -> Int { bits >= 2 ? 2 : 1 }
    /// The precision whose half step (2^−(d+1)) both PBSs of the group must stay within.
    public var equivalentPrecision: Int { bits - 1 }
}

/// The whole extraction of `removedBits` low bits of a `heldBits`-bit value, LSB group first.
public struct ExactRounding: Hashable, Sendable {
    public let heldBits: Int
    public let groups: [LowBitsRemoval]

    /// `groupBits` from the least significant group up, each ≥ 1, summing to less than `heldBits`.
    public init(heldBits: Int, groupBits: [Int]) {
        precondition(groupBits.allSatisfy { $0 >= 1 } && groupBits.reduce(0, +) < heldBits,
                     "Groups \(groupBits) must be positive and remove fewer than the \(heldBits) held bits")
        self.heldBits = heldBits
        var w = heldBits
        var groups = [LowBitsRemoval]()
        for d in groupBits {
            groups.append(LowBitsRemoval(heldBits: w, bits: d))
            w -= d
        }
        self.groups = groups
    }

    /// `removed` bits in groups of `size`, the remainder as the last (most significant) group.
    public static func uniformGroups(removing removed: Int, size: Int) -> [Int] {
        precondition(removed >= 1 && size >= 1, "Groups of \(size) bits for \(removed) removed bits")
        let size = min(size, removed)
        var groups = Array(repeating: size, count: removed / size)
        if removed % size > 0 { groups.append(removed % size) }
        return groups
    }

    /// Uniform groups (`uniformGroups`) of the widest size up to `maxGroupBits` whose predicted
    /// p_error per value (`predictedNoise`, a value of `inputVariance`) stays ≤ 2^log2Target;
    /// when none does, the most reliable size. Returns the rounding and its log2 p_error.
    public static func widestReliable(
        heldBits: Int, removing removed: Int, maxGroupBits: Int, inputVariance: Variance, noise: NoiseModel,
        log2Target: Double
    ) -> (rounding: ExactRounding, log2PError: Double) {
        let candidates = (1...max(1, min(maxGroupBits, removed))).reversed().map { size in
            let rounding = ExactRounding(heldBits: heldBits, groupBits: uniformGroups(removing: removed, size: size))
            return (rounding: rounding, log2PError: rounding.log2PError(inputVariance: inputVariance, noise: noise))
        }
        return candidates.first { $0.log2PError <= log2Target } ?? candidates.min { $0.log2PError < $1.log2PError }!
    }

    /// The rounding of a freshly encrypted value that `lockstep selftest` checks and `lockstep
    /// bench round` times: groups of `groupBits`, or by default the widest groups of at most
    /// precision + 1 bits predicted at ≤ 2^-40 per value; with its predicted log2 p_error.
    public static func forFreshValue(heldBits: Int, removing removed: Int, groupBits: Int?, parameters: ParameterSet)
        -> (rounding: ExactRounding, log2PError: Double)
    {
        let noise = NoiseModel(parameters: parameters)
        if let groupBits {
            let rounding = ExactRounding(heldBits: heldBits, groupBits: uniformGroups(removing: removed, size: groupBits))
            return (rounding, rounding.log2PError(inputVariance: noise.freshEncryption, noise: noise))
        }
        return widestReliable(heldBits: heldBits, removing: removed, maxGroupBits: parameters.precision + 1,
                              inputVariance: noise.freshEncryption, noise: noise, log2Target: -40)
    }

    /// log2 p_error per value: any PBS of any group landing in a neighbouring box.
    public func log2PError(inputVariance: Variance, noise: NoiseModel) -> Double {
        let predicted = predictedNoise(inputVariance: inputVariance, pbsOutput: noise.pbsOutput,
                                       keyswitchAndModulusSwitch: noise.keyswitch + noise.modulusSwitch,
                                       polynomialSize: noise.parameters.polynomialSize)
        return NoiseFormulas.log2Union(predicted.groups.map(\.log2PError))
    }

    public var removedBits: Int { groups.reduce(0) { $0 + $1.bits } }
    public var pbsCount: Int { groups.reduce(0) { $0 + $1.pbsCount } }
    /// The encoding of the result v >> removedBits.
    public var outputEncoding: Encoding { Encoding(precision: heldBits - removedBits) }
}

/// The predicted noise of one group's PBSs (TFHE_FACTS §3.7 per PBS, with the amplification).
public struct RoundingGroupNoise: Hashable, Sendable {
    /// Variance the top-bit PBS's blind rotation sees: incoming ×4^(w+1−d) + KS + MS.
    public let topBitBeforeBlindRotation: Variance
    /// The same for the low-bits PBS (nil for one-bit groups): it also carries the top-bit
    /// PBS output, amplified the same way.
    public let lowBitsBeforeBlindRotation: Variance?
    /// log2 p_error of the group (either PBS landing in a neighbouring box).
    public let log2PError: Double
}

extension ExactRounding {
    /// Predicted noise of every group for a value of variance `inputVariance`, and the variance
    /// of the result. Each group multiplies the running noise by 2^(w+1−d) before its PBSs and
    /// adds one PBS output per PBS to the running value, so after the first PBS the held width
    /// w, not d, decides: the next step needs 2^(w+2)·σ_PBS well below 1 whatever d is.
    public func predictedNoise(
        inputVariance: Variance, pbsOutput: Variance, keyswitchAndModulusSwitch: Variance, polynomialSize: PolynomialSize
    ) -> (groups: [RoundingGroupNoise], output: Variance) {
        var variance = inputVariance
        var predictions = [RoundingGroupNoise]()
        for group in groups {
            let amplification = exp2(2 * Double(group.heldBits + 1 - group.bits))
            let top = variance * amplification + keyswitchAndModulusSwitch
            variance = variance + pbsOutput
            var low: Variance? = nil
            if group.lowBitsTable != nil {
                low = variance * amplification + keyswitchAndModulusSwitch
                variance = variance + pbsOutput
            }
            let fits = polynomialSize.rawValue >= 1 << group.equivalentPrecision
            let log2P = fits
                ? NoiseFormulas.log2Union([top, low].compactMap { $0 }.map {
                    NoiseFormulas.log2PError(variance: $0.value, precision: group.equivalentPrecision)
                })
                : 0
            predictions.append(RoundingGroupNoise(topBitBeforeBlindRotation: top, lowBitsBeforeBlindRotation: low, log2PError: log2P))
        }
        return (predictions, variance)
    }
}

extension LWECiphertext {
    /// self = scalar·other, reusing self's storage (no allocation when the sizes match).
    public mutating func assignScaled(_ other: LWECiphertext, by scalar: Int64) {
        if storage.count != other.storage.count { storage = [UInt64](repeating: 0, count: other.storage.count) }
        let factor = UInt64(bitPattern: scalar)
        storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] = factor &* b[i] }
            }
        }
    }
}

extension ServerKey {
    /// Replaces each `values[b]` (a `rounding.heldBits`-bit value at Δ_w, big key) by an
    /// encryption of values[b] >> removedBits at `rounding.outputEncoding`. `scaled` and
    /// `extracted` are scratch ciphertexts (at least as many as values), `workspaces` one per
    /// value; nothing is allocated once the scratch has the big key's size.
    public func removeLowBits(
        _ rounding: ExactRounding, values: UnsafeMutableBufferPointer<LWECiphertext>,
        scaled: UnsafeMutableBufferPointer<LWECiphertext>, extracted: UnsafeMutableBufferPointer<LWECiphertext>,
        workspaces: UnsafeBufferPointer<PBSWorkspace>
    ) {
        let count = values.count
        precondition(scaled.count >= count && extracted.count >= count && workspaces.count >= count,
                     "Exact rounding of \(count) values needs as many scratch ciphertexts and workspaces: \(scaled.count), \(extracted.count), \(workspaces.count).")
        guard count > 0 else { return }
        let scaledBatch = UnsafeMutableBufferPointer(rebasing: scaled[0..<count])
        let extractedBatch = UnsafeMutableBufferPointer(rebasing: extracted[0..<count])
        for group in rounding.groups {
            for b in 0..<count {
                scaledBatch[b].assignScaled(values[b], by: group.multiplier)
                scaledBatch[b].addPlaintext(group.topBitOffset)
            }
            bootstrapAll(UnsafeBufferPointer(scaledBatch), table: group.topBitTable, into: extractedBatch, workspaces: workspaces)
            for b in 0..<count {
                extractedBatch[b].addPlaintext(group.topBitCorrection)
                values[b].subtract(extractedBatch[b])
            }
            guard let lowBits = group.lowBitsTable else { continue }
            for b in 0..<count { scaledBatch[b].assignScaled(values[b], by: group.multiplier) }
            bootstrapAll(UnsafeBufferPointer(scaledBatch), table: lowBits, into: extractedBatch, workspaces: workspaces)
            for b in 0..<count { values[b].subtract(extractedBatch[b]) }
        }
    }

    /// One table for the whole batch, through the batched KS→PBS.
    private func bootstrapAll(
        _ inputs: UnsafeBufferPointer<LWECiphertext>, table: LookupTable,
        into outputs: UnsafeMutableBufferPointer<LWECiphertext>, workspaces: UnsafeBufferPointer<PBSWorkspace>
    ) {
        withUnsafeTemporaryAllocation(of: LookupTable.self, capacity: inputs.count) { tables in
            tables.initialize(repeating: table)
            programmableBootstrap(batch: inputs, tables: UnsafeBufferPointer(tables), into: outputs, workspaces: workspaces)
            _ = tables.deinitialize()
        }
    }
}

extension ServerKey {
    /// `removeLowBits` for many independent values on `threads` workers, each rounding its
    /// share in batches of `batchSize`; makes its own workspaces and scratch (loops that run
    /// many layers should hold them, as the circuit executor does).
    public func removeLowBits(_ rounding: ExactRounding, values: [LWECiphertext], threads: Int) -> [LWECiphertext] {
        precondition(threads >= 1, "threads must be at least 1, got \(threads)")
        guard !values.isEmpty else { return [] }
        let results = LWECiphertextSlots(count: values.count, dimension: parameters.bigLWEDimension)
        let dimension = parameters.bigLWEDimension
        Self.forEachBatch(count: values.count, threads: threads, makeWorker: {
            (workspaces: (0..<Self.batchSize).map { _ in makeWorkspace() },
             scaled: (0..<Self.batchSize).map { _ in LWECiphertext(dimension: dimension) },
             extracted: (0..<Self.batchSize).map { _ in LWECiphertext(dimension: dimension) })
        }) { worker, chunk in
            var batch = chunk.map { values[$0] }
            batch.withUnsafeMutableBufferPointer { v in
                worker.scaled.withUnsafeMutableBufferPointer { s in
                    worker.extracted.withUnsafeMutableBufferPointer { e in
                        worker.workspaces.withUnsafeBufferPointer { w in
                            removeLowBits(rounding, values: v, scaled: s, extracted: e, workspaces: w)
                        }
                    }
                }
            }
            for (b, index) in chunk.enumerated() { results.set(index, batch[b]) }
        }
        return results.values
    }
}
