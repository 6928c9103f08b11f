import Dispatch

extension ServerKey {
    /// KS→PBS of independent ciphertexts on `threads` workers, each with its own workspace;
    /// output i is inputs[i] through tables[i] (or through the single table given).
    public func programmableBootstrap(_ inputs: [LWECiphertext], tables: [LookupTable], threads: Int) -> [LWECiphertext] {
        precondition(tables.count == inputs.count || tables.count == 1,
                     "Batch of \(inputs.count) ciphertexts needs \(inputs.count) tables or one, got \(tables.count).")
        precondition(threads >= 1, "threads must be at least 1, got \(threads)")
        guard !inputs.isEmpty else { return [] }
        let results = ResultSlots(count: inputs.count, dimension: parameters.bigLWEDimension)
        let workers = min(threads, inputs.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let workspace = makeWorkspace()
            var index = worker
            while index < inputs.count {
                let table = tables.count == 1 ? tables[0] : tables[index]
                results.withSlot(index) { programmableBootstrap(inputs[index], table: table, into: &$0, workspace: workspace) }
                index += workers
            }
        }
        return results.collect()
    }
}

/// One preallocated output per index; each index is written by exactly one worker.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<LWECiphertext>

    init(count: Int, dimension: LWEDimension) {
        slots = .allocate(capacity: count)
        // A separate buffer per slot: workers never share an array's storage.
        for index in 0..<count { (slots.baseAddress! + index).initialize(to: LWECiphertext(dimension: dimension)) }
    }

    deinit {
        slots.baseAddress!.deinitialize(count: slots.count)
        slots.deallocate()
    }

    func withSlot(_ index: Int, _ body: (inout LWECiphertext) -> Void) {
        body(&slots[index])
    }

    func collect() -> [LWECiphertext] { Array(slots) }
}
