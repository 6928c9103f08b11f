#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// What `lockstep bench` times.
public enum BenchmarkOperation: String, CaseIterable, Codable, Sendable {
    /// KS→PBS of one ciphertext through a table.
    case pbs
    /// The keyswitch alone.
    case ks
    /// One forward and one inverse negacyclic transform of size N.
    case fft
    /// Client and server key generation.
    case keygen
    /// Exact rounding of one value (digit extraction, see `ExactRounding`).
    case round
}

/// Per-operation timings in milliseconds: wall clock and the thread's CPU time, one entry per
/// timed run of every thread.
public struct OperationTimings: Sendable {
    public let wallMilliseconds: [Double]
    public let cpuMilliseconds: [Double]
    /// Operations per second over all threads (wall clock, warm-up runs included); nil when the
    /// runs were not timed as one parallel section.
    public let throughputPerSecond: Double?
}

/// The timing loops of `lockstep bench`: each run is timed on its own, so medians and extremes
/// come from single operations, never from averages over a batch.
public enum OperationTimer {
    /// Warm-up runs per thread before the timed ones (page faults, FFTW plans, caches).
    public static let warmUpRuns = 3
    /// Timed runs of the blind-rotation floor, after one warm-up.
    public static let floorRuns = 9

    /// `runs` key generations (client and server key) from OS entropy, one thread.
    public static func keyGeneration(parameters: ParameterSet, runs: Int) -> OperationTimings {
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<runs {
            let cpuStart = ThreadCPUClock.milliseconds()
            let start = ContinuousClock.now
            let keys = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
            wall.append(start.duration(to: .now).inSeconds * 1000)
            cpu.append(ThreadCPUClock.milliseconds() - cpuStart)
            withExtendedLifetime(keys) {}
        }
        return OperationTimings(wallMilliseconds: wall, cpuMilliseconds: cpu, throughputPerSecond: nil)
    }

    /// The FFTW work of one blind rotation (`runBlindRotationFloor`), single thread.
    public static func blindRotationFloor(_ serverKey: ServerKey) -> OperationTimings {
        let workspace = serverKey.makeWorkspace()
        serverKey.runBlindRotationFloor(workspace: workspace)
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<floorRuns {
            let cpuStart = ThreadCPUClock.milliseconds()
            let start = ContinuousClock.now
            serverKey.runBlindRotationFloor(workspace: workspace)
            wall.append(start.duration(to: .now).inSeconds * 1000)
            cpu.append(ThreadCPUClock.milliseconds() - cpuStart)
        }
        return OperationTimings(wallMilliseconds: wall, cpuMilliseconds: cpu, throughputPerSecond: nil)
    }

    /// `operation` on `threads` workers, each with its own workspace and all sharing
    /// `serverKey`: `warmUpRuns`, then `runs` timed ones per thread. `rounding` is what `.round`
    /// times; the other operations ignore it. Key generation has its own loop
    /// (`keyGeneration`), since it needs no keys.
    ///
    /// `batch` > 1 (`.pbs` only) times `programmableBootstrap(batch:)` on that many ciphertexts,
    /// the way the circuit executor runs a layer: each run's times are per PBS (the batch's
    /// time over its size) and the throughput counts every PBS.
    public static func measure(
        _ operation: BenchmarkOperation, clientKey: ClientKey, serverKey: ServerKey, runs: Int, threads: Int,
        rounding: ExactRounding, batch: Int = 1
    ) -> OperationTimings {
        precondition(operation != .keygen, "key generation is timed by keyGeneration(parameters:runs:)")
        precondition(runs >= 1 && threads >= 1, "runs and threads must be at least 1, got \(runs) and \(threads)")
        precondition(batch >= 1 && (batch == 1 || operation == .pbs), "batch \(batch) > 1 applies to pbs only")
        let parameters = serverKey.parameters
        let encoding = Encoding(precision: parameters.precision)
        let table = LookupTable(values: (0..<encoding.messageCount).map { ($0 * 5 + 3) % encoding.messageCount },
                                inputEncoding: encoding, outputEncoding: encoding)
        let input = clientKey.encrypt(1, encoding: encoding)
        let roundingInput = clientKey.encrypt((1 << rounding.heldBits) / 3, encoding: Encoding(precision: rounding.heldBits))
        let wall = SampleColumn(runs * threads)
        let cpu = SampleColumn(runs * threads)
        let sectionStart = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let workspace = serverKey.makeWorkspace()
            var output = LWECiphertext(dimension: parameters.bigLWEDimension)
            let transform = NegacyclicTransformKernel(polynomialSize: parameters.polynomialSize)
            var value = [roundingInput]
            var scaled = [LWECiphertext(dimension: parameters.bigLWEDimension)]
            var extracted = scaled
            let workspaces = [workspace] + (1..<batch).map { _ in serverKey.makeWorkspace() }
            let batchInputs = [LWECiphertext](repeating: input, count: batch)
            let batchTables = [LookupTable](repeating: table, count: batch)
            var batchOutputs = [LWECiphertext](repeating: output, count: batch)
            let body: () -> Void
            switch operation {
            case .pbs where batch > 1: body = {
                batchInputs.withUnsafeBufferPointer { i in
                    batchTables.withUnsafeBufferPointer { t in
                        batchOutputs.withUnsafeMutableBufferPointer { o in
                            workspaces.withUnsafeBufferPointer { w in
                                serverKey.programmableBootstrap(batch: i, tables: t, into: o, workspaces: w)
                            }
                        }
                    }
                }
            }
            case .pbs: body = { serverKey.programmableBootstrap(input, table: table, into: &output, workspace: workspace) }
            case .ks: body = { output = serverKey.keyswitch(input) }
            case .fft: body = { transform.runForwardAndInverse() }
            case .round: body = {
                // Restore the input into the same storage: no allocation inside the timed call.
                value[0].assignScaled(roundingInput, by: 1)
                value.withUnsafeMutableBufferPointer { v in
                    scaled.withUnsafeMutableBufferPointer { s in
                        extracted.withUnsafeMutableBufferPointer { e in
                            workspaces.withUnsafeBufferPointer { w in
                                serverKey.removeLowBits(rounding, values: v, scaled: s, extracted: e, workspaces: w)
                            }
                        }
                    }
                }
            }
            case .keygen: preconditionFailure("unreachable: refused above")
            }
            for _ in 0..<warmUpRuns { body() }
            for run in 0..<runs {
                let cpuStart = ThreadCPUClock.milliseconds()
                let start = ContinuousClock.now
                body()
                wall[worker * runs + run] = start.duration(to: .now).inSeconds * 1000 / Double(batch)
                cpu[worker * runs + run] = (ThreadCPUClock.milliseconds() - cpuStart) / Double(batch)
            }
            withExtendedLifetime((output, batchOutputs)) {}
        }
        // Includes each thread's warm-up runs: a conservative throughput.
        let sectionSeconds = sectionStart.duration(to: .now).inSeconds
        return OperationTimings(wallMilliseconds: wall.values, cpuMilliseconds: cpu.values,
                                throughputPerSecond: Double(threads * (runs + warmUpRuns) * batch) / sectionSeconds)
    }
}

/// CPU time of the calling thread: on a shared machine it excludes the time the thread
/// waited for a core, which wall-clock medians include.
public enum ThreadCPUClock {
    public static func milliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }
}
