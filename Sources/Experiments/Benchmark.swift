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

        public static let heldBitsRange = 1...30
        public static let groupBitsRange = 1...11

        /// Checks what `ExactRounding` requires of its groups, so that no flag reaches its
        /// preconditions.
        public init(heldBits: Int, removedBits: Int, groupBits: Int?) throws(BenchmarkRequestError) {
            guard Self.heldBitsRange.contains(heldBits) else {
                throw .init(.heldBits, value: heldBits, allowed: Self.heldBitsRange.description)
            }
            guard (1..<heldBits).contains(removedBits) else {
                throw .init(.removedBits, value: removedBits, allowed: heldBits > 1 ? "1...\(heldBits - 1) (below the held bits)" : "none: a 1-bit value has no bit to remove")
            }
            if let groupBits, !Self.groupBitsRange.contains(groupBits) {
                throw .init(.groupBits, value: groupBits, allowed: Self.groupBitsRange.description)
            }
            self.heldBits = heldBits
            self.removedBits = removedBits
            self.groupBits = groupBits
        }
    }

    /// A whole `lockstep bench` request, checked once here: `run` takes no unchecked count.
    public struct Request: Sendable, Equatable {
        public let operation: BenchmarkOperation
        public let runs: Int
        public let threads: Int
        /// Ciphertexts bootstrapped together per run (`.pbs` only; 1 = one at a time).
        public let batch: Int
        public let rounding: RoundingRequest

        public static let runsRange = 1...1_000_000
        public static let threadsRange = 1...64
        public static let batchRange = 1...64

        public init(_ operation: BenchmarkOperation, runs: Int, threads: Int, batch: Int = 1, rounding: RoundingRequest)
            throws(BenchmarkRequestError)
        {
            guard Self.runsRange.contains(runs) else { throw .init(.runs, value: runs, allowed: Self.runsRange.description) }
            guard Self.threadsRange.contains(threads) else {
                throw .init(.threads, value: threads, allowed: Self.threadsRange.description)
            }
            guard Self.batchRange.contains(batch) else { throw .init(.batch, value: batch, allowed: Self.batchRange.description) }
            // OperationTimer batches bootstraps only; a batched keyswitch or FFT is not what the executor does.
            guard batch == 1 || operation == .pbs else {
                throw .init(.batch, value: batch, allowed: "1 for \(operation.rawValue) (batches apply to pbs only)")
            }
            self.operation = operation
            self.runs = runs
            self.threads = threads
            self.batch = batch
            self.rounding = rounding
        }
    }

    public static func run(_ request: Request, parameters: ParameterSet) -> BenchmarkRecord {
        let (operation, runs, threads, batch) = (request.operation, request.runs, request.threads, request.batch)
        if operation == .keygen {
            let timings = OperationTimer.keyGeneration(parameters: parameters, runs: runs)
            return BenchmarkRecord(parameters: parameters, operation: operation, runs: runs, threads: 1, timings: timings, floor: nil)
        }
        let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
        let floor = OperationTimer.blindRotationFloor(serverKey)
        let wanted = request.rounding
        let (rounding, log2PError) = ExactRounding.forFreshValue(
            heldBits: wanted.heldBits, removing: wanted.removedBits, groupBits: wanted.groupBits, parameters: parameters)
        let timings = OperationTimer.measure(operation, clientKey: clientKey, serverKey: serverKey, runs: runs, threads: threads,
                                             rounding: rounding, batch: batch)
        var record = BenchmarkRecord(parameters: parameters, operation: operation, runs: runs, threads: threads, timings: timings,
                                     floor: floor)
        if batch > 1 { record.batch = batch }
        if operation == .round {
            record.rounding = .init(held_bits: wanted.heldBits, removed_bits: wanted.removedBits, groups: rounding.groups.map(\.bits),
                                    log2_p_error_predicted: log2PError, pbs_per_value: rounding.pbsCount)
        }
        return record
    }
}

/// A `lockstep bench` value outside what the measurement can take.
public struct BenchmarkRequestError: Error, Equatable, CustomStringConvertible {
    public enum Parameter: Sendable, Equatable {
        case runs, threads, batch, heldBits, removedBits, groupBits
    }

    public let parameter: Parameter
    public let value: Int
    public let allowed: String

    init(_ parameter: Parameter, value: Int, allowed: String) {
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
    }

    public var description: String { "\(parameter) \(value): allowed: \(allowed)" }
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
