import Testing
@testable import Experiments

@Suite struct SimulationCheckTests {
    /// The accuracy comparison: equal proportions give p = 1; 60/100 against 40/100 gives
    /// z = 0.2 / √(0.25·0.02) = 2√2 and p = 2·Q(2√2) = 0.00468; a degenerate pair (both all
    /// right) has nothing to reject.
    @Test func twoProportionTest() throws {
        #expect(try SimulationCheck.twoProportionPValue(50, 100, 500, 1000) == 1)
        #expect(abs(try SimulationCheck.twoProportionPValue(60, 100, 40, 100) - 0.004678) < 1e-5)
        #expect(try SimulationCheck.twoProportionPValue(100, 100, 10, 10) == 1)
        #expect(try SimulationCheck.twoProportionPValue(99, 100, 900, 1000) < 0.01)
    }
}
