import ArgumentParser
import Dispatch
import Foundation
import GSLStatistics
import Reporting
import TFHE

/// `lockstep bench pbs|ks|fft|keygen --params NAME`: release-build timings of the TFHE core,
/// with the FFTW floor of a blind rotation for the same sizes next to them.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time KS+PBS, keyswitch, FFT, exact rounding or key generation for a named parameter set.",
        discussion: "Median, min and max per operation after 3 warm-up runs per thread, plus median_cpu_ms "
            + "(thread CPU time, which excludes waiting for a core on a busy machine). floor_ms is the FFTW work "
            + "of one blind rotation alone: n·(k+1)·l forward FFTs, the Fourier multiply-accumulates and "
            + "(k+1)·n inverse FFTs. `round` times the exact rounding of one --held-bits value by --shift bits in "
            + "groups of --group-bits (1 = one bit per KS→PBS, Concrete's scheme). Build with `swift build -c release`; "
            + "debug timings are meaningless."
    )

    enum Operation: String, ExpressibleByArgument, CaseIterable, Codable {
        case pbs, ks, fft, keygen, round
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Argument(help: "What to time: pbs (KS+PBS), ks, fft (forward+inverse N/2-point transform), round (exact rounding) or keygen.")
    var operation: Operation

    @Option(name: .long, help: "Parameter set name (see `lockstep params`), e.g. concrete-p40-b4.")
    var params: String

    @Option(name: .long, help: "Timed runs per thread (after warm-up).")
    var runs: Int = 20

    @Option(name: .long, help: "Worker threads, each with its own workspace, sharing one server key.")
    var threads: Int = 1

    @Option(name: .long, help: "Output format: table or json (one object per line).")
    var format: Format = .table

    @Option(name: .long, help: "round: bits of the value (1...30).")
    var heldBits: Int = 10

    @Option(name: .long, help: "round: low bits removed (1...held bits − 1).")
    var shift: Int = 6

    @Option(name: .long, help: "round: bits per extraction group (default: the widest, up to the set's precision + 1, predicted at ≤ 2^-40 per value).")
    var groupBits: Int?

    func validate() throws {
        guard (1...1_000_000).contains(runs) else { throw ValidationError("--runs must be in 1...1000000, got \(runs).") }
        guard threads >= 1 && threads <= 64 else { throw ValidationError("--threads must be in 1...64, got \(threads).") }
        _ = try ParameterLookup.named(params)
        guard (1...30).contains(heldBits) else { throw ValidationError("--held-bits must be in 1...30, got \(heldBits).") }
        guard (1..<heldBits).contains(shift) else {
            throw ValidationError("--shift must be in 1...\(heldBits - 1) (below --held-bits), got \(shift).")
        }
        if let groupBits, !(1...11).contains(groupBits) {
            throw ValidationError("--group-bits must be in 1...11, got \(groupBits).")
        }
    }


    func run() async throws {
        BuildConfiguration.warnIfDebug()
        let parameters = try ParameterLookup.named(params)
        let record: BenchmarkRecord
        if operation == .keygen {
            var samples: [Double] = [], cpuSamples: [Double] = []
            for _ in 0..<runs {
                let cpuStart = ThreadCPUClock.milliseconds()
                let start = ContinuousClock.now
                let keys = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
                samples.append(start.duration(to: .now).milliseconds)
                cpuSamples.append(ThreadCPUClock.milliseconds() - cpuStart)
                withExtendedLifetime(keys) {}
            }
            record = BenchmarkRecord(parameters: parameters, operation: operation, runs: runs, threads: 1,
                                     samples: samples, cpuSamples: cpuSamples, floor: nil, floorCPU: nil, throughput: nil)
        } else {
            let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
            let floor = Self.measureFloor(serverKey)
            let (rounding, log2PError) = ExactRounding.forFreshValue(heldBits: heldBits, removing: shift, groupBits: groupBits,
                                                                     parameters: parameters)
            let samples = Self.measure(operation: operation, clientKey: clientKey, serverKey: serverKey,
                                       runs: runs, threads: threads, rounding: rounding)
            var timed = BenchmarkRecord(parameters: parameters, operation: operation, runs: runs, threads: threads,
                                        samples: samples.wall, cpuSamples: samples.cpu, floor: floor.wall, floorCPU: floor.cpu,
                                        throughput: samples.throughput)
            if operation == .round {
                timed.rounding = .init(held_bits: heldBits, removed_bits: shift, groups: rounding.groups.map(\.bits),
                                       log2_p_error_predicted: log2PError,
                                       pbs_per_value: rounding.pbsCount)
            }
            record = timed
        }
        switch format {
        case .json: print(try record.jsonLine())
        case .table: print(record.tableText())
        }
    }

    /// Median of 9 floor runs after one warm-up, single thread.
    static func measureFloor(_ serverKey: ServerKey) -> (wall: Double, cpu: Double) {
        let workspace = serverKey.makeWorkspace()
        serverKey.runBlindRotationFloor(workspace: workspace)
        var samples: [Double] = [], cpuSamples: [Double] = []
        for _ in 0..<9 {
            let cpuStart = ThreadCPUClock.milliseconds()
            let start = ContinuousClock.now
            serverKey.runBlindRotationFloor(workspace: workspace)
            samples.append(start.duration(to: .now).milliseconds)
            cpuSamples.append(ThreadCPUClock.milliseconds() - cpuStart)
        }
        return (SampleQuantile.median(samples) ?? .nan, SampleQuantile.median(cpuSamples) ?? .nan)
    }

    /// Per-operation latencies from every thread (each thread: 3 warm-up runs, then `runs`).
    static func measure(operation: Operation, clientKey: ClientKey, serverKey: ServerKey, runs: Int, threads: Int,
                        rounding: ExactRounding) -> (wall: [Double], cpu: [Double], throughput: Double) {
        let parameters = serverKey.parameters
        let encoding = Encoding(precision: parameters.precision)
        let table = LookupTable(values: (0..<encoding.messageCount).map { ($0 * 5 + 3) % encoding.messageCount },
                                inputEncoding: encoding, outputEncoding: encoding)
        let input = clientKey.encrypt(1, encoding: encoding)
        let roundingInput = clientKey.encrypt((1 << rounding.heldBits) / 3, encoding: Encoding(precision: rounding.heldBits))
        let samples = SampleBuffer(count: runs * threads)
        let cpuSamples = SampleBuffer(count: runs * threads)
        let sectionStart = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let workspace = serverKey.makeWorkspace()
            var output = LWECiphertext(dimension: parameters.bigLWEDimension)
            let transform = NegacyclicTransformKernel(polynomialSize: parameters.polynomialSize)
            var value = [roundingInput]
            var scaled = [LWECiphertext(dimension: parameters.bigLWEDimension)]
            var extracted = scaled
            let workspaces = [workspace]
            let body: () -> Void
            switch operation {
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
            case .keygen: preconditionFailure("keygen is timed separately")
            }
            for _ in 0..<3 { body() }
            for run in 0..<runs {
                let cpuStart = ThreadCPUClock.milliseconds()
                let start = ContinuousClock.now
                body()
                samples.store(start.duration(to: .now).milliseconds, at: worker * runs + run)
                cpuSamples.store(ThreadCPUClock.milliseconds() - cpuStart, at: worker * runs + run)
            }
            withExtendedLifetime(output) {}
        }
        // Includes each thread's warm-up runs: a conservative throughput.
        let sectionSeconds = sectionStart.duration(to: .now).milliseconds / 1000
        return (samples.values, cpuSamples.values, Double(threads * (runs + 3)) / sectionSeconds)
    }
}

/// CPU time of the calling thread: on a shared machine it excludes the time the thread
/// waited for a core, which wall-clock medians include.
enum ThreadCPUClock {
    static func milliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }
}

/// Slots written by distinct threads at distinct indices, read after they have joined.
final class SampleBuffer: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Double>
    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: .nan)
    }
    deinit { storage.deallocate() }
    func store(_ value: Double, at index: Int) { storage[index] = value }
    var values: [Double] { Array(storage) }
}


extension BenchmarkRecord {
    init(parameters: ParameterSet, operation: Bench.Operation, runs: Int, threads: Int, samples: [Double], cpuSamples: [Double]?, floor: Double?, floorCPU: Double?, throughput: Double?) {
        self.init(
            params: parameters.name, precision: parameters.precision, operation: operation.rawValue, runs: runs, threads: threads,
            median_ms: SampleQuantile.median(samples) ?? .nan, min_ms: samples.min() ?? .nan, max_ms: samples.max() ?? .nan,
            floor_ms: floor, median_cpu_ms: cpuSamples.flatMap { SampleQuantile.median($0) }, floor_cpu_ms: floorCPU,
            throughput_per_s: throughput, build: BuildConfiguration.name, insecure_test_set: parameters.isInsecureTestSet)
    }
}

enum BuildConfiguration {
    #if DEBUG
    static let name = "debug"
    #else
    static let name = "release"
    #endif

    static func warnIfDebug() {
        #if DEBUG
        FileHandle.standardError.write(Data("""
            ************************************************************************
            WARNING: this is a DEBUG build. TFHE timings are tens of times slower than
            release and mean nothing. Build with `swift build -c release` and run
            .build/release/lockstep.
            ************************************************************************

            """.utf8))
        #endif
    }
}

enum ParameterLookup {
    static func named(_ name: String) throws -> ParameterSet {
        guard let parameters = ParameterCatalog.named(name) else {
            let known = ParameterCatalog.all.map(\.name).joined(separator: ", ")
            throw ValidationError("Unknown parameter set '\(name)'. Known sets: \(known), or one of them with another PBS decomposition as <set>-pbs<baseLog>x<levels> (e.g. concrete-p40-b4-pbs14x2).")
        }
        return parameters
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) * 1e-15
    }
}
