import Testing
@testable import TFHE

@Suite struct DecompositionTests {
    @Test(arguments: [(3, 5), (4, 3), (10, 2), (23, 1), (16, 4), (8, 8)])
    func recomposeGivesTheClosestRepresentable(baseLog: Int, levels: Int) {
        let decomposer = GadgetDecomposer(baseLog: DecompositionBaseLog(baseLog), levels: DecompositionLevelCount(levels))
        var generator = ChaCha20Generator(key: Array(repeating: UInt8(baseLog), count: 32), nonce: Array(repeating: 0, count: 12))
        let half = Int64(1) << Int64(baseLog - 1)
        let dropped = 64 - baseLog * levels
        let edgeCases: [UInt64] = [0, 1, UInt64.max, 1 << 63, (1 << 63) - 1]
        for value in edgeCases + (0..<2000).map({ _ in generator.nextUInt64() }) {
            let digits = decomposer.decompose(value)
            #expect(digits.allSatisfy { $0 >= -half && $0 <= half })
            let closest = decomposer.closestRepresentable(value)
            #expect(decomposer.recompose(digits) == closest)
            if dropped > 0 {
                // Rounding error at most half of the last gadget step.
                #expect(abs(Int64(bitPattern: value &- closest)) <= Int64(1) << Int64(dropped - 1))
                #expect(closest & ((1 << UInt64(dropped)) - 1) == 0)
            } else {
                #expect(closest == value)
            }
        }
    }

    /// With the balanced top digit (the keyswitch's), every level's digits average to zero over
    /// uniform inputs. Below the top level a digit of exactly B/2 carries when the level above
    /// is odd; at the top, where the carry wraps modulo q, a half digit takes the sign of the
    /// bit below the rounding bit. A top digit stuck in [−B/2, B/2) averages −1/2 and gave
    /// every keyswitch of a key a constant offset.
    // Only small bases: with B = 2^15 or 2^23 a half digit is too rare for 40,000 samples to
    // see the −1/2 bias against the 5-standard-error bound, so such cases could not fail.
    @Test(arguments: [(3, 5), (4, 3), (2, 5), (6, 4)])
    func digitsAreCentredAtEveryLevel(baseLog: Int, levels: Int) {
        let decomposer = GadgetDecomposer(baseLog: DecompositionBaseLog(baseLog), levels: DecompositionLevelCount(levels))
        var generator = ChaCha20Generator(key: Array(repeating: 1, count: 32), nonce: Array(repeating: 0, count: 12))
        var sums = [Double](repeating: 0, count: levels)
        var squares = [Double](repeating: 0, count: levels)
        let count = 40_000
        for _ in 0..<count {
            let digits = decomposer.decompose(generator.nextUInt64())
            for (level, digit) in digits.enumerated() {
                sums[level] += Double(digit)
                squares[level] += Double(digit) * Double(digit)
            }
        }
        for level in 0..<levels {
            // A 5-standard-error bound on each level's mean.
            let mean = sums[level] / Double(count)
            let standardError = (squares[level] / Double(count) - mean * mean).squareRoot() / Double(count).squareRoot()
            #expect(abs(mean) < 5 * standardError, "level \(level + 1): mean \(mean), standard error \(standardError)")
        }
    }

    /// Keeping all 64 bits leaves no tie bit: a half top digit is the plain −B/2 (the value's
    /// own top bit is not read as one).
    @Test func withoutDroppedBitsTheTopDigitIsPlain() {
        let decomposer = GadgetDecomposer(baseLog: DecompositionBaseLog(16), levels: DecompositionLevelCount(4))
        #expect(decomposer.decompose(1 << 63) == [-32768, 0, 0, 0])
    }

    /// Both signs of a half top digit occur and recompose to the same rounded value.
    @Test func halfTopDigitTakesBothSigns() {
        let decomposer = GadgetDecomposer(baseLog: DecompositionBaseLog(4), levels: DecompositionLevelCount(2))
        let half: UInt64 = 8 << 60                         // top digit +B/2 = 8, lower digit 0
        let belowRounding: UInt64 = 1 << (64 - 8 - 2)      // the tie bit
        let plain = decomposer.decompose(half)
        let tied = decomposer.decompose(half | belowRounding)
        #expect(plain == [-8, 0])
        #expect(tied == [8, 0])
        #expect(decomposer.recompose(plain) == decomposer.recompose(tied))
        // The blind rotation's top digit keeps −B/2 whatever the bit below.
        #expect(decomposer.decompose(half | belowRounding, balancedTop: false) == [-8, 0])
    }
}
