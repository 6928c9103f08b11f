/// How integers sit on the torus: message m is the plaintext m·Δ, with the most significant
/// bit kept free (the padding bit), so m ∈ [0, 2^precision) needs 2^precision·Δ ≤ 2^63.
/// DESIGN §4: Δ = 2^(63−p) by default; a layer may choose a smaller Δ for a wider range.
public struct Encoding: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Message bits, not counting the padding bit.
    public let precision: Int
    /// Δ in integer units of 2^-64.
    public let delta: UInt64

    /// Δ = 2^(63 − precision).
    public init(precision: Int) {
        precondition(precision >= 0 && precision <= 62, "encoding precision must be in 0...62 bits, got \(precision)")
        self.precision = precision
        self.delta = 1 << UInt64(63 - precision)
    }

    public init(precision: Int, delta: UInt64) {
        precondition(precision >= 0 && precision <= 62, "encoding precision must be in 0...62 bits, got \(precision)")
        precondition(delta > 0 && delta <= (1 << UInt64(63 - precision)),
                     "Δ = \(delta) leaves no padding bit for \(precision) bits: Δ must be in 1...2^\(63 - precision)")
        self.precision = precision
        self.delta = delta
    }

    /// The number of messages, 2^precision.
    public var messageCount: Int { 1 << precision }

    /// m·Δ on the torus (wrapping: negative m gives the negated plaintext).
    @inline(__always)
    public func encode(_ message: Int) -> UInt64 {
        UInt64(bitPattern: Int64(message)) &* delta
    }

    /// The nearest multiple of Δ to the phase, read as a signed integer: messages in
    /// [0, 2^precision) come back as themselves, negative results of linear operations as
    /// negative numbers.
    @inline(__always)
    public func decode(_ phase: UInt64) -> Int {
        if delta == 1 << 63 { return Int((phase &+ (1 << 62)) >> 63) }   // precision 0: {0, 2^63}
        let signed = Int64(bitPattern: phase)
        let d = Int64(delta)   // < 2^63 here
        let quotient = signed / d, remainder = signed % d
        // floor(x + 1/2) with x = quotient + remainder/d, written so nothing can overflow.
        if remainder >= 0 && remainder >= d - remainder { return Int(quotient + 1) }
        if remainder < 0 && -remainder > d + remainder { return Int(quotient - 1) }
        return Int(quotient)
    }

    public var description: String { "Encoding(precision: \(precision), Δ: \(delta))" }

    private enum CodingKeys: String, CodingKey { case precision, delta }

    /// Decoding validates like the initializer: a bad file is an error, not a trap.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let precision = try container.decode(Int.self, forKey: .precision)
        let delta = try container.decode(UInt64.self, forKey: .delta)
        guard precision >= 0 && precision <= 62 else {
            throw DecodingError.dataCorruptedError(forKey: .precision, in: container,
                debugDescription: "encoding precision \(precision) is outside 0...62 bits")
        }
        guard delta > 0 && delta <= (1 << UInt64(63 - precision)) else {
            throw DecodingError.dataCorruptedError(forKey: .delta, in: container,
                debugDescription: "Δ = \(delta) leaves no padding bit for \(precision) bits: Δ must be in 1...2^\(63 - precision)")
        }
        self.precision = precision
        self.delta = delta
    }
}
