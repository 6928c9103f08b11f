extension LWESecretKey {
    /// (a, ⟨a, s⟩ + plaintext + e) with a uniform and e Gaussian of the given σ.
    func encrypt(
        plaintext: UInt64, noise: StandardDeviation, randomness: inout EncryptionRandomness
    ) -> LWECiphertext {
        var ciphertext = LWECiphertext(dimension: dimension)
        ciphertext.storage.withUnsafeMutableBufferPointer { destination in
            Self.encrypt(key: coefficients, plaintext: plaintext, noise: noise,
                         into: destination, randomness: &randomness)
        }
        return ciphertext
    }

    /// Encrypts into `destination` (n mask words then the body).
    @inline(__always)
    static func encrypt(
        key: [UInt64], plaintext: UInt64, noise: StandardDeviation,
        into destination: UnsafeMutableBufferPointer<UInt64>, randomness: inout EncryptionRandomness
    ) {
        let n = key.count
        precondition(destination.count == n + 1,
                     "LWE encryption under a key of dimension \(n) needs \(n + 1) words, got \(destination.count)")
        let mask = UnsafeMutableBufferPointer(rebasing: destination[0..<n])
        randomness.masks.fill(mask)
        var body = plaintext &+ randomness.noise.gaussianTorus(standardDeviation: noise)
        key.withUnsafeBufferPointer { s in
            for i in 0..<n { body &+= mask[i] &* s[i] }
        }
        destination[n] = body
    }

    /// b − ⟨a, s⟩: the plaintext plus the noise.
    public func phase(_ ciphertext: LWECiphertext) -> UInt64 {
        precondition(ciphertext.dimension == dimension,
                     "Mismatched LWE dimension. Secret key: \(dimension), ciphertext: \(ciphertext.dimension).")
        return ciphertext.storage.withUnsafeBufferPointer { c in
            coefficients.withUnsafeBufferPointer { s in
                var value = c[s.count]
                for i in 0..<s.count { value &-= c[i] &* s[i] }
                return value
            }
        }
    }
}
