import GSLStatistics
import Reporting
import TFHE

/// One `lockstep bench` measurement, from the request to its record: fresh keys from the OS,
/// the timed operation (`OperationTimer`) and, for everything but key generation, the FFTW
/// floor of a blind rotation for the same sizes.
public enum Benchmark {
    /// The exact rounding that `.round` times: a `heldBits`-bit value loses `removedBits` low
    /// bits in groups of `groupBits` (nil: the widest predicted reliable).
    public struct RoundingRequest: Sendable, Equatable {
        public let heldBits: Int
        public let removedBits: Int
        public let groupBits: Int?

        public init(heldBits: Int, removedBits: Int, groupBits: Int?) {
            self.heldBits = heldBits
            self.removedBits = removedBits
            self.groupBits = groupBits
        }
    }

    /// `batch`: ciphertexts bootstrapped together per run (`.pbs` only; 1 = one at a time).
    public static func run(
        _ operation: BenchmarkOperation, parameters: ParameterSet, runs: Int, threads: Int, rounding request: RoundingRequest,
        batch: Int = 1
    ) -> BenchmarkRecord {
        if operation == .keygen {
            let timings = OperationTimer.keyGeneration(parameters: parameters, runs: runs)
            return BenchmarkRecord(parameters: parameters, operation: operation, runs: runs, threads: 1, timings: timings, floor: nil)
        }
        let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
        let floor = OperationTimer.blindRotationFloor(serverKey)
        let (rounding, log2PError) = ExactRounding.forFreshValue(
            heldBits: request.heldBits, removing: request.removedBits, groupBits: request.groupBits, parameters: parameters)
        let timings = OperationTimer.measure(operation, clientKey: clientKey, serverKey: serverKey, runs: runs, threads: threads,
                                             rounding: rounding, batch: batch)
        var record = BenchmarkRecord(parameters: parameters, operation: operation, runs: runs, threads: threads, timings: timings,
                                     floor: floor)
        if batch > 1 { record.batch = batch }
        if operation == .round {
            record.rounding = .init(held_bits: request.heldBits, removed_bits: request.removedBits, groups: rounding.groups.map(\.bits),
                                    log2_p_error_predicted: log2PError, pbs_per_value: rounding.pbsCount)
        }
        return record
    }
}

extension BenchmarkRecord {
    /// Medians and extremes of `timings`, the floor's medians, and the build that measured them.
    init(parameters: ParameterSet, operation: BenchmarkOperation, runs: Int, threads: Int, timings: OperationTimings,
         floor: OperationTimings?) {
        let samples = timings.wallMilliseconds
        self.init(
            params: parameters.name, precision: parameters.precision, operation: operation.rawValue, runs: runs, threads: threads,
            median_ms: SampleQuantile.median(samples) ?? .nan, min_ms: samples.min() ?? .nan, max_ms: samples.max() ?? .nan,
            floor_ms: floor.map { SampleQuantile.median($0.wallMilliseconds) ?? .nan },
            median_cpu_ms: SampleQuantile.median(timings.cpuMilliseconds),
            floor_cpu_ms: floor.map { SampleQuantile.median($0.cpuMilliseconds) ?? .nan },
            throughput_per_s: timings.throughputPerSecond, build: RunEnvironment.buildConfiguration,
            insecure_test_set: parameters.isInsecureTestSet)
        let environment = RunEnvironment.capture()
        schema = Self.currentSchema
        context = Context(
            cpu_model: environment.cpuModel, logical_cores: environment.logicalCores, git_commit: environment.gitCommit,
            git_dirty: environment.gitDirty, toolchain: environment.toolchain, libraries: environment.libraries)
    }
}
