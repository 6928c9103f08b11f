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

    /// Splits and the reliable choice, from the noise model alone (no keys): on the one-level
    /// b4 set a 12-bit value cannot take groups (the low-bits step multiplies the top-bit PBS
    /// output by 2^(w+1−d); `5+3` is predicted far above 2^-40 and failed 2 of 4096 values in
    /// `lockstep selftest`), while the two-level set of encrypted-mnist takes one 5-bit group.
    @Test func groupChoiceFollowsTheNoisePrediction() throws {
        #expect(ExactRounding.uniformGroups(removing: 12, size: 5) == [5, 5, 2])
        #expect(ExactRounding.uniformGroups(removing: 3, size: 5) == [3])
        let b4 = try #require(ParameterCatalog.named("concrete-p40-b4"))
        let noise = NoiseModel(parameters: b4)
        let risky = ExactRounding(heldBits: 12, groupBits: [5, 3])
        #expect(risky.log2PError(inputVariance: noise.freshEncryption, noise: noise) > -10)
        let chosen = ExactRounding.forFreshValue(heldBits: 12, removing: 8, groupBits: nil, parameters: b4)
        #expect(chosen.rounding.groups.allSatisfy { $0.bits == 1 })
        #expect(chosen.log2PError < -15)
        let mnist = try #require(ParameterCatalog.named("concrete-p40-b6-pbs14x2"))
        let grouped = ExactRounding.forFreshValue(heldBits: 11, removing: 5, groupBits: nil, parameters: mnist)
        #expect(grouped.rounding.groups.map(\.bits) == [5] && grouped.log2PError <= -40)
    }
}
