import Dispatch

extension ServerKey {
    /// Ciphertexts a worker bootstraps together (see `programmableBootstrap(batch:…)`): the
    /// bootstrapping key is streamed from memory once per batch instead of once per PBS.
    public static let batchSize = 8

    /// KS→PBS of independent ciphertexts on `threads` workers, each bootstrapping its share in
    /// batches of `batchSize`; output i is inputs[i] through tables[i] (or through the single
    /// table given). Makes its own workspaces; loops that run many layers should hold them
    /// (see the circuit executor) and call `programmableBootstrap(batch:…)` directly.
    public func programmableBootstrap(_ inputs: [LWECiphertext], tables: [LookupTable], threads: Int) -> [LWECiphertext] {
        precondition(tables.count == inputs.count || tables.count == 1,
                     "Batch of \(inputs.count) ciphertexts needs \(inputs.count) tables or one, got \(tables.count).")
        precondition(threads >= 1, "threads must be at least 1, got \(threads)")
        guard !inputs.isEmpty else { return [] }
        let results = LWECiphertextSlots(count: inputs.count, dimension: parameters.bigLWEDimension)
        Self.forEachBatch(count: inputs.count, threads: threads, makeWorker: { (0..<Self.batchSize).map { _ in makeWorkspace() } }) { workspaces, chunk in
            let chunkInputs = chunk.map { inputs[$0] }
            let chunkTables = chunk.map { tables.count == 1 ? tables[0] : tables[$0] }
            var outputs = chunk.map { _ in LWECiphertext(dimension: parameters.bigLWEDimension) }
            chunkInputs.withUnsafeBufferPointer { i in
                chunkTables.withUnsafeBufferPointer { t in
                    outputs.withUnsafeMutableBufferPointer { o in
                        workspaces.withUnsafeBufferPointer { w in
                            programmableBootstrap(batch: i, tables: t, into: o, workspaces: w)
                        }
                    }
                }
            }
            for (b, index) in chunk.enumerated() { results.set(index, outputs[b]) }
        }
        return results.values
    }
}

extension ServerKey {
    /// Indices 0..<count over `threads` workers (worker w takes w, w + threads, …) in chunks of
    /// `batchSize`; each worker builds its state (workspaces, scratch) once with `makeWorker`.
    static func forEachBatch<Worker>(
        count: Int, threads: Int, makeWorker: @Sendable () -> Worker, _ body: @Sendable (inout Worker, [Int]) -> Void
    ) {
        let workers = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var state = makeWorker()
            let mine = Array(stride(from: worker, to: count, by: workers))
            for chunkStart in stride(from: 0, to: mine.count, by: batchSize) {
                body(&state, Array(mine[chunkStart..<min(chunkStart + batchSize, mine.count)]))
            }
        }
    }
}

/// One preallocated output per index for a parallel loop: each index is written by exactly
/// one worker and read only after the loop, so no lock is needed; raw memory keeps Swift's
/// exclusivity checks out of the way of those disjoint writes.
public final class LWECiphertextSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<LWECiphertext>

    public init(count: Int, dimension: LWEDimension) {
        slots = .allocate(capacity: count)
        for index in 0..<count { (slots.baseAddress! + index).initialize(to: LWECiphertext(dimension: dimension)) }
    }

    deinit {
        slots.baseAddress!.deinitialize(count: slots.count)
        slots.deallocate()
    }

    public func set(_ index: Int, _ value: LWECiphertext) { slots[index] = value }

    public var values: [LWECiphertext] { Array(slots) }
}
