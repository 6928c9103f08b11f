/// A small-key LWE ciphertext after the modulus switch to 2N: every coefficient in [0, 2N).
/// Its phase (b̃ − Σ ãᵢ·sᵢ mod 2N) selects the rotation of the test polynomial.
public struct ModulusSwitchedCiphertext: Hashable, Sendable {
    /// 2N.
    public let modulus: Int
    /// n mask coefficients then the body.
    public var storage: [Int]

    public init(modulus: Int, storage: [Int]) {
        precondition(storage.allSatisfy { $0 >= 0 && $0 < modulus },
                     "modulus-switched coefficients must lie in [0, \(modulus))")
        self.modulus = modulus
        self.storage = storage
    }

    public var body: Int { storage[storage.count - 1] }
}
