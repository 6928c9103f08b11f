@testable import TFHE
import Testing

@Suite struct SelfCheckTests {
    @Test func everyMessageThroughTheTableComesBackExact() {
        let check = SelfCheck.lookupTable(parameters: TestParameterSets.standard, repetitions: 2)
        #expect(check.checked == 2 << TestParameterSets.standard.precision)
        #expect(check.mismatches.isEmpty, "\(check.mismatches)")
        #expect(check.keygenSeconds > 0 && check.millisecondsPerPBS > 0)
    }

    @Test func everyValueRoundsExactly() {
        let (clientKey, serverKey) = TestParameterSets.standardKeys
        let check = SelfCheck.rounding(clientKey: clientKey, serverKey: serverKey, heldBits: 5, removing: 2, groupBits: 1, threads: 2)
        #expect(check.checked == 32)
        #expect(check.rounding.removedBits == 2 && check.rounding.groups.map(\.bits) == [1, 1])
        #expect(check.mismatches.isEmpty, "\(check.mismatches)")
    }
}
