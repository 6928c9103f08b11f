@testable import TFHE
import Testing

@Suite struct OperationTimerTests {
    /// Every timed run of every thread fills its own slot (an unwritten one stays NaN).
    @Test(arguments: [BenchmarkOperation.ks, .pbs, .fft, .round])
    func everyRunOfEveryThreadIsTimed(operation: BenchmarkOperation) throws {
        let (clientKey, serverKey) = TestParameterSets.standardKeys
        let (rounding, _) = ExactRounding.forFreshValue(heldBits: 4, removing: 2, groupBits: nil, parameters: TestParameterSets.standard)
        let timings = OperationTimer.measure(operation, clientKey: clientKey, serverKey: serverKey, runs: 3, threads: 2,
                                             rounding: rounding)
        #expect(timings.wallMilliseconds.count == 6)
        #expect(timings.cpuMilliseconds.count == 6)
        #expect(timings.wallMilliseconds.allSatisfy { $0.isFinite && $0 >= 0 }, "\(timings.wallMilliseconds)")
        #expect(timings.cpuMilliseconds.allSatisfy { $0.isFinite && $0 >= 0 }, "\(timings.cpuMilliseconds)")
        let throughput = try #require(timings.throughputPerSecond)
        #expect(throughput.isFinite && throughput > 0)
    }

    @Test func keyGenerationAndFloorAreTimedOncePerRun() {
        let keygen = OperationTimer.keyGeneration(parameters: TestParameterSets.standard, runs: 2)
        #expect(keygen.wallMilliseconds.count == 2 && keygen.cpuMilliseconds.count == 2)
        #expect(keygen.wallMilliseconds.allSatisfy { $0 > 0 })
        #expect(keygen.throughputPerSecond == nil)
        let floor = OperationTimer.blindRotationFloor(TestParameterSets.standardKeys.1)
        #expect(floor.wallMilliseconds.count == OperationTimer.floorRuns)
        #expect(floor.cpuMilliseconds.allSatisfy { $0.isFinite && $0 >= 0 })
    }

    /// The thread CPU clock advances with work done on the thread.
    @Test func threadCPUClockAdvancesWithWork() {
        let start = ThreadCPUClock.milliseconds()
        var x = 0.0
        for i in 0..<2_000_000 { x += Double(i).squareRoot() }
        #expect(x > 0)
        #expect(ThreadCPUClock.milliseconds() > start)
    }
}
