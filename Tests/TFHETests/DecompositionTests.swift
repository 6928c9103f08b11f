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

    /// Below the top level, balanced digits average to zero (a digit of exactly B/2 carries
    /// when the level above is odd). The top level has nothing above it: its carry wraps
    /// modulo q, so it is read as a signed β-bit number in [−B/2, B/2).
    @Test func lowerLevelDigitsAreCentred() {
        let decomposer = GadgetDecomposer(baseLog: DecompositionBaseLog(3), levels: DecompositionLevelCount(5))
        var generator = ChaCha20Generator(key: Array(repeating: 1, count: 32), nonce: Array(repeating: 0, count: 12))
        var sums = [Double](repeating: 0, count: 5)
        let count = 20_000
        for _ in 0..<count {
            let digits = decomposer.decompose(generator.nextUInt64())
            #expect(digits[0] >= -4 && digits[0] < 4)
            for (level, digit) in digits.enumerated() { sums[level] += Double(digit) }
        }
        // Per-digit standard deviation ≈ √((B²+2)/12) ≈ 2.35; standard error of a mean over
        // 20,000 values ≈ 0.017, so 0.1 is a 6σ bound.
        for level in 1..<5 { #expect(abs(sums[level] / Double(count)) < 0.1, "level \(level + 1) mean \(sums[level] / Double(count))") }
    }
}
