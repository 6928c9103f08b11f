extension GLWESecretKey {
    /// Fills `ggsw` with a fresh GGSW encryption of the small integer `message`
    /// (row (c, j): a GLWE encryption of zero plus message·q/B^j on polynomial c's constant
    /// coefficient).
    func encrypt(
        message: Int64, into ggsw: inout GGSWCiphertext, noise: StandardDeviation,
        multiplier: ExactPolynomialMultiplier, randomness: inout EncryptionRandomness
    ) {
        precondition(ggsw.glweDimension == glweDimension && ggsw.polynomialSize == polynomialSize,
                     "Mismatched GGSW shape. Secret key: k = \(glweDimension), N = \(polynomialSize); GGSW: k = \(ggsw.glweDimension), N = \(ggsw.polynomialSize).")
        let n = polynomialSize.rawValue, k1 = glweDimension.glweSize, l = ggsw.levels.rawValue
        let decomposer = GadgetDecomposer(baseLog: ggsw.baseLog, levels: ggsw.levels)
        let rowWords = k1 * n
        ggsw.storage.withUnsafeMutableBufferPointer { storage in
            for c in 0..<k1 {
                for level in 1...l {
                    let row = storage.baseAddress! + (c * l + level - 1) * rowWords
                    Self.encryptZero(into: row, glweDimension: glweDimension, polynomialSize: polynomialSize,
                                     noise: noise, multiplier: multiplier, randomness: &randomness)
                    row[c * n] &+= UInt64(bitPattern: message) &* decomposer.gadget(level: level)
                }
            }
        }
    }

    /// A GGSW encryption of `message` in the standard domain.
    func encryptGGSW(
        message: Int64, baseLog: DecompositionBaseLog, levels: DecompositionLevelCount,
        noise: StandardDeviation, randomness: inout EncryptionRandomness
    ) -> GGSWCiphertext {
        var ggsw = GGSWCiphertext(glweDimension: glweDimension, polynomialSize: polynomialSize, baseLog: baseLog, levels: levels)
        encrypt(message: message, into: &ggsw, noise: noise, multiplier: makeMultiplier(), randomness: &randomness)
        return ggsw
    }
}

extension GGSWCiphertext {
    /// Forward transforms of every polynomial (as signed torus units), in the layout of
    /// FourierBootstrapKey, written to `destination`.
    func transform(into destination: UnsafeMutablePointer<Double>, fft: NegacyclicFFT, staging: FourierBuffer, output: FourierBuffer) {
        let n = polynomialSize.rawValue, m = n / 2
        storage.withUnsafeBufferPointer { words in
            for polynomial in 0..<(rowCount * glweDimension.glweSize) {
                let coefficients = words.baseAddress! + polynomial * n
                fft.forward(staging: staging.pointer, output: output.pointer) { j in
                    TorusConversion.signedUnit(coefficients[j])
                }
                (destination + polynomial * n).update(from: output.pointer, count: 2 * m)
            }
        }
    }
}
