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

    /// `--batch`: every run of every thread is one batch, recorded per PBS, and the throughput
    /// counts each PBS of the batches (so it is not the batch rate).
    @Test func batchedPBSRunsAreTimedPerPBS() throws {
        let (clientKey, serverKey) = TestParameterSets.standardKeys
        let (rounding, _) = ExactRounding.forFreshValue(heldBits: 4, removing: 2, groupBits: nil, parameters: TestParameterSets.standard)
        let batched = OperationTimer.measure(.pbs, clientKey: clientKey, serverKey: serverKey, runs: 2, threads: 2, rounding: rounding,
                                             batch: 4)
        #expect(batched.wallMilliseconds.count == 4 && batched.cpuMilliseconds.count == 4)
        #expect(batched.wallMilliseconds.allSatisfy { $0.isFinite && $0 > 0 }, "\(batched.wallMilliseconds)")
        let (perPBS, batchRate) = (try #require(batched.throughputPerSecond), 1000 / (batched.wallMilliseconds.max()! * 4))
        // 4 PBS per batch: the PBS rate is far above the rate of whole batches on one thread.
        #expect(perPBS > 2 * batchRate, "throughput \(perPBS) PBS/s, one thread's slowest batch rate \(batchRate)/s")
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
