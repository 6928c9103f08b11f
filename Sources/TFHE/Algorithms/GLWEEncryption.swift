extension GLWESecretKey {
    /// An exact multiplier holding the Fourier transforms of the key polynomials.
    func makeMultiplier() -> ExactPolynomialMultiplier {
        coefficients.withUnsafeBufferPointer {
            ExactPolynomialMultiplier(polynomialSize: polynomialSize, smallFactors: $0)
        }
    }

    /// Writes a GLWE encryption of zero into `destination` ((k+1)·N words):
    /// A_c uniform, B = Σ A_c·S_c + E.
    static func encryptZero(
        into destination: UnsafeMutablePointer<UInt64>, glweDimension: GLWEDimension, polynomialSize: PolynomialSize,
        noise: StandardDeviation, multiplier: ExactPolynomialMultiplier, randomness: inout EncryptionRandomness
    ) {
        let n = polynomialSize.rawValue, k = glweDimension.rawValue
        let body = destination + k * n
        randomness.masks.fill(UnsafeMutableBufferPointer(start: destination, count: k * n))
        body.initialize(repeating: 0, count: n)
        randomness.noise.addGaussianNoise(standardDeviation: noise, to: UnsafeMutableBufferPointer(start: body, count: n))
        for c in 0..<k {
            multiplier.multiply(torus: destination + c * n, factorIndex: c, into: body, subtract: false)
        }
    }

    /// A GLWE encryption of a plaintext polynomial (N torus coefficients).
    func encrypt(
        plaintext: [UInt64], noise: StandardDeviation, randomness: inout EncryptionRandomness
    ) -> GLWECiphertext {
        precondition(plaintext.count == polynomialSize.rawValue,
                     "GLWE plaintext must have N = \(polynomialSize) coefficients, got \(plaintext.count)")
        var ciphertext = GLWECiphertext(glweDimension: glweDimension, polynomialSize: polynomialSize)
        let multiplier = makeMultiplier()
        let n = polynomialSize.rawValue, k = glweDimension.rawValue
        ciphertext.storage.withUnsafeMutableBufferPointer { storage in
            Self.encryptZero(into: storage.baseAddress!, glweDimension: glweDimension, polynomialSize: polynomialSize,
                             noise: noise, multiplier: multiplier, randomness: &randomness)
            for j in 0..<n { storage[k * n + j] &+= plaintext[j] }
        }
        return ciphertext
    }

    /// B − Σ A_c·S_c, computed exactly.
    public func phase(_ ciphertext: GLWECiphertext) -> [UInt64] {
        precondition(ciphertext.glweDimension == glweDimension && ciphertext.polynomialSize == polynomialSize,
                     "Mismatched GLWE shape. Secret key: k = \(glweDimension), N = \(polynomialSize); ciphertext: k = \(ciphertext.glweDimension), N = \(ciphertext.polynomialSize).")
        let n = polynomialSize.rawValue, k = glweDimension.rawValue
        var result = Array(ciphertext.storage[k * n ..< (k + 1) * n])
        let multiplier = makeMultiplier()
        ciphertext.storage.withUnsafeBufferPointer { storage in
            result.withUnsafeMutableBufferPointer { out in
                for c in 0..<k {
                    multiplier.multiply(torus: storage.baseAddress! + c * n, factorIndex: c, into: out.baseAddress!, subtract: true)
                }
            }
        }
        return result
    }
}
