extension FourierBootstrapKey {
    /// GGSW_S(sᵢ) for every small-key coefficient, each converted to the Fourier domain as
    /// soon as it is made (the standard-domain key is never held whole).
    static func generate(
        inputKey: LWESecretKey, glweKey: GLWESecretKey,
        baseLog: DecompositionBaseLog, levels: DecompositionLevelCount,
        noise: StandardDeviation, randomness: inout EncryptionRandomness
    ) -> FourierBootstrapKey {
        let multiplier = glweKey.makeMultiplier()
        let fft = multiplier.fft
        let staging = FourierBuffer(complexCount: fft.fourierSize)
        let output = FourierBuffer(complexCount: fft.fourierSize)
        var ggsw = GGSWCiphertext(glweDimension: glweKey.glweDimension, polynomialSize: glweKey.polynomialSize,
                                  baseLog: baseLog, levels: levels)
        let perGGSW = ggswDoubleCount(glweKey.glweDimension, glweKey.polynomialSize, levels)
        var storage = KeyTableMemory.zeroed(count: inputKey.dimension.rawValue * perGGSW, zero: 0.0)
        storage.withUnsafeMutableBufferPointer { doubles in
            for i in 0..<inputKey.dimension.rawValue {
                glweKey.encrypt(message: Int64(inputKey.coefficients[i]), into: &ggsw, noise: noise,
                                multiplier: multiplier, randomness: &randomness)
                ggsw.transform(into: doubles.baseAddress! + i * perGGSW, fft: fft, staging: staging, output: output)
            }
        }
        return FourierBootstrapKey(inputDimension: inputKey.dimension, glweDimension: glweKey.glweDimension,
                                   polynomialSize: glweKey.polynomialSize, baseLog: baseLog, levels: levels, storage: storage)
    }
}
