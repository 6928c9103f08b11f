/// An LWE ciphertext (a_0 … a_{n−1}, b) on the 64-bit torus; its phase under key s is
/// b − Σ aᵢ·sᵢ. Storage is flat: n mask coefficients then the body.
public struct LWECiphertext: Hashable, Sendable {
    public var storage: [UInt64]

    public init(storage: [UInt64]) {
        precondition(storage.count >= 2, "an LWE ciphertext needs a mask and a body, got \(storage.count) words")
        self.storage = storage
    }

    /// The all-zero ciphertext (a trivial encryption of 0) of the given dimension.
    public init(dimension: LWEDimension) {
        storage = [UInt64](repeating: 0, count: dimension.lweSize)
    }

    /// A noiseless encryption of a plaintext: zero mask, body = plaintext. Public data only.
    public static func trivial(dimension: LWEDimension, plaintext: UInt64) -> LWECiphertext {
        var ciphertext = LWECiphertext(dimension: dimension)
        ciphertext.body = plaintext
        return ciphertext
    }

    public var dimension: LWEDimension { LWEDimension(storage.count - 1) }

    public var body: UInt64 {
        get { storage[storage.count - 1] }
        set { storage[storage.count - 1] = newValue }
    }
}
