import Testing
@testable import TFHE

/// Digit extraction on the INSECURE n = 128, N = 512 test set (precision 3: groups of up to
/// 4 bits keep the 2^−(d+1) margin of a 3-bit table).
@Suite struct ExactRoundingTests {
    static let keys = TestParameterSets.standardKeys

    struct Case: Sendable, CustomTestStringConvertible {
        let heldBits: Int, groups: [Int]
        var testDescription: String { "w=\(heldBits) groups \(groups)" }
    }

    /// Every value of a 6-bit range, one-bit groups (Concrete's scheme), multi-bit groups and
    /// mixed splits: v >> e comes back exactly, at the (w − e)-bit encoding.
    @Test(arguments: [
        Case(heldBits: 6, groups: [1]), Case(heldBits: 6, groups: [3]), Case(heldBits: 6, groups: [4, 1]),
        Case(heldBits: 6, groups: [2, 2, 1]), Case(heldBits: 6, groups: [1, 1, 1, 1, 1]), Case(heldBits: 5, groups: [4]),
    ])
    func everyValueRoundsExactly(testCase: Case) {
        let (client, server) = Self.keys
        let rounding = ExactRounding(heldBits: testCase.heldBits, groupBits: testCase.groups)
        let encoding = Encoding(precision: testCase.heldBits)
        let values = Array(0..<(1 << testCase.heldBits))
        let outputs = server.removeLowBits(rounding, values: values.map { client.encrypt($0, encoding: encoding) }, threads: 2)
        let e = rounding.removedBits
        #expect(rounding.outputEncoding.precision == testCase.heldBits - e)
        #expect(rounding.pbsCount == testCase.groups.reduce(0) { $0 + ($1 >= 2 ? 2 : 1) })
        let wrong = values.filter { client.decrypt(outputs[$0], encoding: rounding.outputEncoding) != $0 >> e }
        #expect(wrong.isEmpty, "wrong for v in \(wrong.prefix(10))")
    }

    /// The constants of one group: the multiplier puts the group on top of the torus, the
    /// top-bit offset centres both halves, and the correction turns ±X/2 into b·X.
    @Test func groupConstants() {
        let group = LowBitsRemoval(heldBits: 10, bits: 3)
        #expect(group.multiplier == 1 << 8)
        #expect(group.topBitOffset == (1 << 60) &- (1 << 62))   // −1/4 + 1/16
        #expect(group.topBitCorrection == 1 << 54)               // X/2 = 2^2 · 2^53 / 2
        #expect(group.lowBitsTable?.values == [0, 1, 2, 3])
        #expect(group.lowBitsTable?.outputEncoding == Encoding(precision: 10))
        #expect(LowBitsRemoval(heldBits: 10, bits: 1).lowBitsTable == nil)
        #expect(LowBitsRemoval(heldBits: 10, bits: 1).topBitOffset == 0)
    }
}
