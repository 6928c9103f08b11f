/// A function on [0, 2^p_in) applied by a programmable bootstrap: the input ciphertext is
/// read with `inputEncoding`, the result is produced as values[m] at `outputEncoding`'s Δ,
/// so a PBS can re-encode its output for the next layer.
public struct LookupTable: Hashable, Sendable {
    public let values: [Int]
    public let inputEncoding: Encoding
    public let outputEncoding: Encoding

    public init(values: [Int], inputEncoding: Encoding, outputEncoding: Encoding) {
        precondition(values.count == inputEncoding.messageCount,
                     "a lookup table for \(inputEncoding.precision)-bit inputs needs \(inputEncoding.messageCount) values, got \(values.count)")
        self.values = values
        self.inputEncoding = inputEncoding
        self.outputEncoding = outputEncoding
    }

    /// The table applied to a cleartext message, as the PBS computes it.
    public subscript(message: Int) -> Int { values[message] }
}
