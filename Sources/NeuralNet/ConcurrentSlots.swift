import Foundation

/// One result per index for a parallel loop (`DispatchQueue.concurrentPerform`): workers write
/// distinct indices, the caller reads `values` after the loop. Used wherever a loop's results
/// are not ciphertexts (those have `TFHE.LWECiphertextSlots`, which avoids the lock).
public final class ConcurrentSlots<Value>: @unchecked Sendable {
    private var storage: [Value?]
    private let lock = NSLock()

    public init(count: Int) { storage = Array(repeating: nil, count: count) }

    public func set(_ index: Int, _ value: Value) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    /// Every slot's value; each index must have been set.
    public var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return storage.map { $0! }
    }
}
