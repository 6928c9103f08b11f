import ArgumentParser
import Experiments
import Foundation
import TFHE

extension BenchmarkOperation: ExpressibleByArgument {}

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

    @Argument(help: "What to time: pbs (KS+PBS), ks, fft (forward+inverse N/2-point transform), round (exact rounding) or keygen.")
    var operation: BenchmarkOperation

    @Option(name: .customLong("params"), help: "Parameter set name (see `lockstep params`), e.g. concrete-p40-b4.", transform: parameterSet)
    var parameters: ParameterSet

    @Option(name: .long, help: "Timed runs per thread (after warm-up).")
    var runs: Int = 20

    @Option(name: .long, help: "Worker threads, each with its own workspace, sharing one server key (0 = all cores).", transform: workerThreads)
    var threads: Int = 1

    @Option(name: .long, help: "Output format: table or json (one object per line).")
    var format: OutputFormat = .table

    @Option(name: .long, help: "round: bits of the value (1...30).")
    var heldBits: Int = 10

    @Option(name: .long, help: "round: low bits removed (1...held bits − 1).")
    var shift: Int = 6

    @Option(name: .long, help: "round: bits per extraction group (default: the widest, up to the set's precision + 1, predicted at ≤ 2^-40 per value).")
    var groupBits: Int?

    @Option(name: .long, help: "pbs: ciphertexts each thread bootstraps together, as the circuit executor does (1...64); times are per PBS.")
    var batch: Int = 1

    func validate() throws {
        _ = try request()
    }

    func run() async throws {
        BuildConfiguration.warnIfDebug()
        let record = Benchmark.run(try request(), parameters: parameters)
        switch format {
        case .json: print(try record.jsonLine())
        case .table: print(record.tableText())
        }
    }

    /// The flags as the module's checked request; a usage error naming the flag otherwise.
    private func request() throws -> Benchmark.Request {
        do throws(BenchmarkRequestError) {
            return try Benchmark.Request(
                operation, runs: runs, threads: threads, batch: batch,
                rounding: .init(heldBits: heldBits, removedBits: shift, groupBits: groupBits))
        } catch {
            throw ValidationError("\(Self.flag(error.parameter)) \(error.value): allowed: \(error.allowed).")
        }
    }

    private static func flag(_ parameter: BenchmarkRequestError.Parameter) -> String {
        switch parameter {
        case .runs: "--runs"
        case .threads: "--threads"
        case .batch: "--batch"
        case .heldBits: "--held-bits"
        case .removedBits: "--shift"
        case .groupBits: "--group-bits"
        }
    }
}

enum BuildConfiguration {
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
