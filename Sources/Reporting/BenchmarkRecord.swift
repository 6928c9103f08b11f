import Foundation

/// One `lockstep bench` result: the JSON line it prints (`--format json`, one per line in
/// `results/bench/*.jsonl`), the table it prints, and what `lockstep report` reads back for the
/// latency-vs-precision figure — one type, so writer and reader cannot drift apart.
public struct BenchmarkRecord: Codable, Sendable, Equatable {
    public let params: String
    /// Message bits of the parameter set: the x axis of `lockstep report`'s latency-vs-precision figure.
    public let precision: Int
    public let operation: String
    public let runs: Int
    public let threads: Int
    public let median_ms: Double
    public let min_ms: Double
    public let max_ms: Double
    public let floor_ms: Double?
    /// Median thread CPU time per operation (excludes waiting for a core on a busy machine).
    public let median_cpu_ms: Double?
    /// Median thread CPU time of the floor.
    public let floor_cpu_ms: Double?
    /// Operations per second over all threads (wall clock, warm-up included).
    public let throughput_per_s: Double?
    public let build: String
    public let insecure_test_set: Bool
    /// `round` lines only: the exact rounding timed (held bits, removed bits, groups from the
    /// least significant up, KS→PBS per value); absent from other lines.
    public var rounding: RoundingShape? = nil
    /// `pbs --batch B` lines only: B ciphertexts bootstrapped together per run, each time per PBS
    /// (the batch's over B); absent when they ran one at a time.
    public var batch: Int? = nil
    /// Version of this line's layout; absent in lines written before it was recorded (1).
    public var schema: Int? = nil
    /// Where and with what the line was measured; absent in lines written before schema 2, so a
    /// figure from another machine or commit is never mistaken for one of this run.
    public var context: Context? = nil

    public static let currentSchema = 2

    public struct Context: Codable, Sendable, Equatable {
        public let cpu_model: String?
        public let logical_cores: Int
        public let git_commit: String?
        public let git_dirty: Bool?
        public let toolchain: String
        /// Run-time versions of the linked C libraries (`fftw`, `gsl`).
        public let libraries: [String: String]

        public init(cpu_model: String?, logical_cores: Int, git_commit: String?, git_dirty: Bool?, toolchain: String,
                    libraries: [String: String]) {
            self.cpu_model = cpu_model
            self.logical_cores = logical_cores
            self.git_commit = git_commit
            self.git_dirty = git_dirty
            self.toolchain = toolchain
            self.libraries = libraries
        }
    }

    public struct RoundingShape: Codable, Sendable, Equatable {
        public let held_bits: Int
        public let removed_bits: Int
        public let groups: [Int]
        /// Predicted log2 p_error per value (every PBS of the rounding, fresh input noise).
        public let log2_p_error_predicted: Double
        public let pbs_per_value: Int
        public init(held_bits: Int, removed_bits: Int, groups: [Int], log2_p_error_predicted: Double, pbs_per_value: Int) {
            self.log2_p_error_predicted = log2_p_error_predicted
            self.held_bits = held_bits
            self.removed_bits = removed_bits
            self.groups = groups
            self.pbs_per_value = pbs_per_value
        }
    }

    public init(
        params: String, precision: Int, operation: String, runs: Int, threads: Int, median_ms: Double, min_ms: Double,
        max_ms: Double, floor_ms: Double?, median_cpu_ms: Double?, floor_cpu_ms: Double?, throughput_per_s: Double?,
        build: String, insecure_test_set: Bool
    ) {
        self.params = params
        self.precision = precision
        self.operation = operation
        self.runs = runs
        self.threads = threads
        self.median_ms = median_ms
        self.min_ms = min_ms
        self.max_ms = max_ms
        self.floor_ms = floor_ms
        self.median_cpu_ms = median_cpu_ms
        self.floor_cpu_ms = floor_cpu_ms
        self.throughput_per_s = throughput_per_s
        self.build = build
        self.insecure_test_set = insecure_test_set
    }

    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public func tableText() -> String {
        func ms(_ value: Double) -> String { String(format: "%.3f", value) }
        var lines = [
            "params     \(params)\(insecure_test_set ? "  (INSECURE TEST SET)" : "")",
            "operation  \(operation)   runs \(runs) × threads \(threads)\(batch.map { " × batch \($0) (times per PBS)" } ?? "")   build \(build)",
        ] + (context.map { [
            "machine    \($0.cpu_model ?? "unknown CPU"), \($0.logical_cores) logical cores; commit \($0.git_commit.map { String($0.prefix(12)) } ?? "unknown")\($0.git_dirty == true ? " (uncommitted changes)" : ""); \($0.libraries.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))",
        ] } ?? []) + (rounding.map { [
            "rounding   \($0.held_bits)-bit value, \($0.removed_bits) bits removed in groups \($0.groups.map(String.init).joined(separator: "+")) = \($0.pbs_per_value) KS→PBS per value, predicted p_error 2^\(String(format: "%.1f", $0.log2_p_error_predicted))",
        ] } ?? []) + [
            "median_ms  \(ms(median_ms))",
            "min_ms     \(ms(min_ms))",
            "max_ms     \(ms(max_ms))",
        ]
        if let cpu = median_cpu_ms { lines.append("median_cpu_ms \(ms(cpu))   (thread CPU time)") }
        if let throughput = throughput_per_s { lines.append("throughput \(String(format: "%.1f", throughput)) ops/s over \(threads) thread(s)") }
        if let floor = floor_ms {
            lines.append("floor_ms   \(ms(floor))   (ratio median/floor \(String(format: "%.2f", median_ms / floor)))")
            if let floorCPU = floor_cpu_ms { lines.append("floor_cpu_ms \(ms(floorCPU))   (thread CPU time)") }
        }
        return lines.joined(separator: "\n")
    }
}
