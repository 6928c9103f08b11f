/// A column of doubles written by several workers at disjoint indices and read after they
/// have joined; raw memory keeps exclusivity checks and locks out of the timed loops.
public final class SampleColumn: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Double>

    /// `count` slots, NaN until written.
    public init(_ count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: .nan)
    }

    deinit { storage.deallocate() }

    public subscript(index: Int) -> Double {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    public var values: [Double] { Array(storage) }
}
