extension KeyswitchKey {
    /// KSK_{i,j} = LWE_s(s'ᵢ·q/B^j) for every big-key coefficient i and level j.
    static func generate(
        from inputKey: LWESecretKey, to outputKey: LWESecretKey,
        baseLog: DecompositionBaseLog, levels: DecompositionLevelCount,
        noise: StandardDeviation, randomness: inout EncryptionRandomness
    ) -> KeyswitchKey {
        let decomposer = GadgetDecomposer(baseLog: baseLog, levels: levels)
        let outputSize = outputKey.dimension.lweSize, l = levels.rawValue
        var storage = KeyTableMemory.zeroed(count: Self.wordCount(inputKey.dimension, outputKey.dimension, levels), zero: UInt32(0))
        var ciphertext = [UInt64](repeating: 0, count: outputSize)
        storage.withUnsafeMutableBufferPointer { words in
            ciphertext.withUnsafeMutableBufferPointer { full in
                for i in 0..<inputKey.dimension.rawValue {
                    let bit = inputKey.coefficients[i]
                    for level in 1...l {
                        LWESecretKey.encrypt(key: outputKey.coefficients, plaintext: bit &* decomposer.gadget(level: level),
                                             noise: noise, into: full, randomness: &randomness)
                        let offset = ((i * l) + level - 1) * outputSize
                        for t in 0..<outputSize { words[offset + t] = Self.truncate(full[t]) }
                    }
                }
            }
        }
        return KeyswitchKey(inputDimension: inputKey.dimension, outputDimension: outputKey.dimension,
                            baseLog: baseLog, levels: levels, storage: storage)
    }
}
