extension ServerKey {
    /// Keyswitch from the big key (k·N) to the small key (n):
    /// (0, b) − Σᵢ Σⱼ d_{i,j}·KSK_{i,j}, with d_{i,j} the balanced digits of aᵢ.
    public func keyswitch(_ ciphertext: LWECiphertext) -> LWECiphertext {
        checkBigInput(ciphertext, operation: "keyswitch")
        var output = LWECiphertext(dimension: parameters.lweDimension)
        let digits = UnsafeMutablePointer<Int64>.allocate(capacity: parameters.ksLevels.rawValue)
        let accumulator = UnsafeMutablePointer<UInt32>.allocate(capacity: parameters.lweDimension.lweSize)
        defer { digits.deallocate(); accumulator.deallocate() }
        ciphertext.storage.withUnsafeBufferPointer { input in
            output.storage.withUnsafeMutableBufferPointer { out in
                keyswitch(input: input.baseAddress!, output: out.baseAddress!, accumulator: accumulator, digits: digits)
            }
        }
        return output
    }

    /// Runs modulo 2^32 in `accumulator` (n + 1 words; see KeyswitchKey) and lifts the result
    /// back to the 64-bit torus in `output`.
    func keyswitch(
        input: UnsafePointer<UInt64>, output: UnsafeMutablePointer<UInt64>,
        accumulator: UnsafeMutablePointer<UInt32>, digits: UnsafeMutablePointer<Int64>
    ) {
        let inputDimension = keyswitchKey.inputDimension.rawValue
        let outputSize = keyswitchKey.outputDimension.lweSize
        let l = keyswitchKey.levels.rawValue
        let decomposer = GadgetDecomposer(baseLog: keyswitchKey.baseLog, levels: keyswitchKey.levels)
        accumulator.initialize(repeating: 0, count: outputSize - 1)
        accumulator[outputSize - 1] = KeyswitchKey.truncate(input[inputDimension])
        keyswitchKey.storage.withUnsafeBufferPointer { key in
            let base = key.baseAddress!
            for i in 0..<inputDimension {
                var state = decomposer.roundedState(input[i])
                for level in stride(from: l, through: 2, by: -1) {
                    digits[level - 1] = decomposer.nextDigit(&state)
                }
                digits[0] = decomposer.topDigit(state)
                for level in 0..<l {
                    let digit = UInt32(truncatingIfNeeded: digits[level])
                    if digit == 0 { continue }
                    let row = base + (i * l + level) * outputSize
                    for t in 0..<outputSize { accumulator[t] &-= digit &* row[t] }
                }
            }
        }
        for t in 0..<outputSize { output[t] = UInt64(accumulator[t]) << 32 }
    }
}
