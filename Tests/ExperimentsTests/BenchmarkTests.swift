import Experiments
import Foundation
import Reporting
import Testing
import TFHE

/// The fields of `lockstep bench --format json`, which `lockstep report` and results/bench/*.jsonl
/// rely on, for each kind of operation.
@Suite struct BenchmarkTests {
    static let insecureTestSet = ParameterSet(
        name: "insecure-test-bench-n128-N512", precision: 3,
        lweDimension: LWEDimension(128), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(512),
        lweNoise: StandardDeviation(0x1p-25), glweNoise: StandardDeviation(0x1p-35),
        pbsBaseLog: DecompositionBaseLog(10), pbsLevels: DecompositionLevelCount(2),
        ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(3), isInsecureTestSet: true)

    static let commonKeys: Set<String> = [
        "params", "precision", "operation", "runs", "threads", "median_ms", "min_ms", "max_ms", "median_cpu_ms", "build",
        "insecure_test_set", "schema", "context",
    ]

    static func fields(_ record: BenchmarkRecord) throws -> [String: Any] {
        let data = Data(try record.jsonLine().utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func keyswitchLineHasTheFloorAndThroughput() throws {
        let record = Benchmark.run(
            try .init(.ks, runs: 2, threads: 2, rounding: try .init(heldBits: 4, removedBits: 2, groupBits: nil)),
            parameters: Self.insecureTestSet)
        let fields = try Self.fields(record)
        #expect(Set(fields.keys) == Self.commonKeys.union(["floor_ms", "floor_cpu_ms", "throughput_per_s"]))
        #expect(fields["operation"] as? String == "ks")
        #expect(fields["insecure_test_set"] as? Bool == true)
        #expect(record.runs == 2 && record.threads == 2)
        #expect(record.min_ms <= record.median_ms && record.median_ms <= record.max_ms)
        #expect(record.floor_ms.map { $0.isFinite && $0 > 0 } == true)
    }

    @Test func keyGenerationLineHasNoFloor() throws {
        let record = Benchmark.run(
            try .init(.keygen, runs: 1, threads: 4, rounding: try .init(heldBits: 4, removedBits: 2, groupBits: nil)),
            parameters: Self.insecureTestSet)
        #expect(Set(try Self.fields(record).keys) == Self.commonKeys)
        #expect(record.threads == 1, "key generation is timed on one thread whatever --threads says")
    }

    @Test func roundingLineDescribesTheRounding() throws {
        let record = Benchmark.run(
            try .init(.round, runs: 1, threads: 1, rounding: try .init(heldBits: 4, removedBits: 2, groupBits: 1)),
            parameters: Self.insecureTestSet)
        let fields = try Self.fields(record)
        #expect(Set(fields.keys) == Self.commonKeys.union(["floor_ms", "floor_cpu_ms", "throughput_per_s", "rounding"]))
        let rounding = try #require(fields["rounding"] as? [String: Any])
        #expect(Set(rounding.keys) == ["held_bits", "removed_bits", "groups", "log2_p_error_predicted", "pbs_per_value"])
        #expect(record.rounding?.groups.reduce(0, +) == 2)
        #expect(record.rounding?.held_bits == 4 && record.rounding?.removed_bits == 2)
    }

    /// Every line says where and with what it was measured (issue 14): a figure from another
    /// machine, commit or FFTW is visible as such.
    @Test func everyLineCarriesItsContext() throws {
        let record = Benchmark.run(
            try .init(.pbs, runs: 1, threads: 1, batch: 2, rounding: try .init(heldBits: 4, removedBits: 2, groupBits: nil)),
            parameters: Self.insecureTestSet)
        #expect(record.schema == BenchmarkRecord.currentSchema && record.batch == 2)
        let context = try #require(record.context)
        #expect(context.logical_cores >= 1)
        #expect(context.libraries["fftw"].map { $0.contains("fftw") } == true, "\(context.libraries)")
        #expect(context.libraries["gsl"] != nil)
        let fields = try Self.fields(record)
        let written = try #require(fields["context"] as? [String: Any])
        #expect(Set(written.keys).isSuperset(of: ["logical_cores", "toolchain", "libraries"]))
        #expect(record.tableText().contains("logical cores"))
    }

    /// Every count a flag gives is checked before any work (issue 15): values that used to reach
    /// `OperationTimer`'s and `ExactRounding`'s preconditions are errors naming the value.
    @Test func requestsOutsideTheMeasurableAreRefused() throws {
        let fine = try Benchmark.RoundingRequest(heldBits: 10, removedBits: 6, groupBits: nil)
        func refused(_ make: () throws -> Void) -> BenchmarkRequestError.Parameter? {
            do { try make(); return nil } catch let error as BenchmarkRequestError { return error.parameter } catch { return nil }
        }
        #expect(refused { _ = try Benchmark.Request(.pbs, runs: 0, threads: 1, rounding: fine) } == .runs)
        #expect(refused { _ = try Benchmark.Request(.pbs, runs: 1, threads: 0, rounding: fine) } == .threads)
        #expect(refused { _ = try Benchmark.Request(.pbs, runs: 1, threads: 1, batch: 0, rounding: fine) } == .batch)
        #expect(refused { _ = try Benchmark.Request(.ks, runs: 1, threads: 1, batch: 2, rounding: fine) } == .batch)
        #expect(refused { _ = try Benchmark.RoundingRequest(heldBits: 31, removedBits: 6, groupBits: nil) } == .heldBits)
        #expect(refused { _ = try Benchmark.RoundingRequest(heldBits: 4, removedBits: 4, groupBits: nil) } == .removedBits)
        #expect(refused { _ = try Benchmark.RoundingRequest(heldBits: 1, removedBits: 1, groupBits: nil) } == .removedBits)
        #expect(refused { _ = try Benchmark.RoundingRequest(heldBits: 10, removedBits: 6, groupBits: 12) } == .groupBits)
        #expect(refused { _ = try Benchmark.Request(.pbs, runs: 5, threads: 2, batch: 8, rounding: fine) } == nil)
    }
}
