extension ServerKey {
    /// Keyswitch from the input key (this pair's big key, or another pair's for a cross key,
    /// see `inputDimension`) to the small key (n):
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
                // The balanced top digit: see GadgetDecomposer (a constant offset otherwise).
                var state = decomposer.roundedStateWithTieBit(input[i])
                for level in stride(from: l, through: 2, by: -1) {
                    digits[level - 1] = decomposer.nextDigit(&state)
                }
                digits[0] = decomposer.balancedTopDigit(state)
                for level in 0..<l {
                    let digit = digits[level]
                    if digit == 0 { continue }
                    Self.subtractScaledRow(base + (i * l + level) * outputSize, digit: digit,
                                           from: accumulator, count: outputSize)
                }
            }
        }
        for t in 0..<outputSize { output[t] = UInt64(accumulator[t]) << 32 }
    }

    /// accumulator −= digit·row (mod 2^32). Digits of magnitude ≤ 8 (every KS base up to
    /// 2^4) use shifts and adds: SSE2 has no packed 32-bit multiply, and this loop streams
    /// the whole keyswitching key.
    @inline(__always)
    static func subtractScaledRow(_ row: UnsafePointer<UInt32>, digit: Int64, from accumulator: UnsafeMutablePointer<UInt32>, count: Int) {
        @inline(__always) func apply(_ scale: (UInt32) -> UInt32) {
            if digit > 0 {
                for t in 0..<count { accumulator[t] &-= scale(row[t]) }
            } else {
                for t in 0..<count { accumulator[t] &+= scale(row[t]) }
            }
        }
        switch digit.magnitude {
        case 1: apply { $0 }
        case 2: apply { $0 &<< 1 }
        case 3: apply { $0 &+ ($0 &<< 1) }
        case 4: apply { $0 &<< 2 }
        case 5: apply { $0 &+ ($0 &<< 2) }
        case 6: apply { ($0 &<< 1) &+ ($0 &<< 2) }
        case 7: apply { ($0 &<< 3) &- $0 }
        case 8: apply { $0 &<< 3 }
        default:
            let factor = UInt32(truncatingIfNeeded: digit)
            for t in 0..<count { accumulator[t] &-= factor &* row[t] }
        }
    }
}
