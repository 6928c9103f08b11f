extension ServerKey {
    /// Keyswitch from the big key (k·N) to the small key (n):
    /// (0, b) − Σᵢ Σⱼ d_{i,j}·KSK_{i,j}, with d_{i,j} the balanced digits of aᵢ.
    public func keyswitch(_ ciphertext: LWECiphertext) -> LWECiphertext {
        checkBigInput(ciphertext, operation: "keyswitch")
        var output = LWECiphertext(dimension: parameters.lweDimension)
        let digits = UnsafeMutablePointer<Int64>.allocate(capacity: parameters.ksLevels.rawValue)
        defer { digits.deallocate() }
        ciphertext.storage.withUnsafeBufferPointer { input in
            output.storage.withUnsafeMutableBufferPointer { out in
                keyswitch(input: input.baseAddress!, output: out.baseAddress!, digits: digits)
            }
        }
        return output
    }

    func keyswitch(input: UnsafePointer<UInt64>, output: UnsafeMutablePointer<UInt64>, digits: UnsafeMutablePointer<Int64>) {
        let inputDimension = keyswitchKey.inputDimension.rawValue
        let outputSize = keyswitchKey.outputDimension.lweSize
        let l = keyswitchKey.levels.rawValue
        let decomposer = GadgetDecomposer(baseLog: keyswitchKey.baseLog, levels: keyswitchKey.levels)
        output.initialize(repeating: 0, count: outputSize - 1)
        output[outputSize - 1] = input[inputDimension]
        keyswitchKey.storage.withUnsafeBufferPointer { key in
            let base = key.baseAddress!
            for i in 0..<inputDimension {
                var state = decomposer.roundedState(input[i])
                for level in stride(from: l, through: 1, by: -1) {
                    digits[level - 1] = decomposer.nextDigit(&state)
                }
                for level in 0..<l {
                    let digit = UInt64(bitPattern: digits[level])
                    if digit == 0 { continue }
                    let row = base + (i * l + level) * outputSize
                    for t in 0..<outputSize { output[t] &-= digit &* row[t] }
                }
            }
        }
    }
}
