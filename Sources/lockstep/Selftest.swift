import ArgumentParser
import Foundation
import TFHE

/// `lockstep selftest`: for each named set, fresh keys from the OS and a PBS with a random
/// table must return table[m] for every m in [0, 2^p). With `--rounding-bits`, exact rounding
/// instead: every w-bit value through digit extraction must come back as v >> t.
struct Selftest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check KS→PBS exactness (or exact rounding) for named parameter sets with fresh keys.",
        discussion: """
            Prints one line per case and `N passed, M failed`; exits non-zero on any failure.
            With --rounding-bits W…, each set instead rounds every W-bit value v exactly (digit
            extraction, groups of --group-bits, by default the widest up to the set's precision + 1
            that the noise model predicts at ≤ 2^-40 per value; each line prints the prediction) for each shift
            --shifts T… (default 1, W/2 and W − precision) and checks v >> T. The circuit holds
            acc − lo + 2^(T−1), so all of [0, 2^W) covers round-half-up at every accumulator of a
            W-bit range, ties and both edges included. Time: 2^W × (2 PBS per group) KS→PBSs.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Exact-rounding mode: value widths W to check exhaustively (2...16).")
    var roundingBits: [Int] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Exact-rounding mode: bits T to remove (each < W).")
    var shifts: [Int] = []

    @Option(name: .long, help: "Exact-rounding mode: bits per extraction group (1 = one bit per PBS; default: the widest predicted reliable).")
    var groupBits: Int?

    @Option(name: .long, help: "Worker threads, exact-rounding mode (0 = all cores, the default).", transform: workerThreads)
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("params"), parsing: .upToNextOption,
            help: "Parameter set names (default: every catalog set up to --precision-max).", transform: parameterSet)
    var parameterSets: [ParameterSet] = []

    @Option(name: .long, help: "Skip sets whose precision exceeds this many bits.")
    var precisionMax: Int = 6

    @Option(name: .long, help: "Messages per set are all 2^p of them; repeat the sweep this many times.")
    var repetitions: Int = 1

    func validate() throws {
        guard precisionMax >= 1 && precisionMax <= 16 else {
            throw ValidationError("--precision-max must be in 1...16, got \(precisionMax).")
        }
        guard (1...1_000_000).contains(repetitions) else {
            throw ValidationError("--repetitions must be in 1...1000000, got \(repetitions).")
        }
        for w in roundingBits where !(2...16).contains(w) {
            throw ValidationError("--rounding-bits must be in 2...16, got \(w).")
        }
        if let maxWidth = roundingBits.max() {
            for t in shifts where !(1..<maxWidth).contains(t) {
                throw ValidationError("--shifts must be in 1...\(maxWidth - 1) (below the widest --rounding-bits), got \(t).")
            }
        }
        if let groupBits, !(1...11).contains(groupBits) {
            throw ValidationError("--group-bits must be in 1...11, got \(groupBits).")
        }
    }

    func run() async throws {
        BuildConfiguration.warnIfDebug()
        let sets = (parameterSets.isEmpty ? ParameterCatalog.all : parameterSets)
            .filter { $0.precision <= precisionMax }
        guard !sets.isEmpty else {
            throw ValidationError("No parameter set has precision ≤ \(precisionMax).")
        }
        if !roundingBits.isEmpty {
            try checkRounding(sets)
            return
        }
        var passed = 0, failed = 0
        for parameters in sets {
            let check = SelfCheck.lookupTable(parameters: parameters, repetitions: repetitions)
            let status = check.mismatches.isEmpty ? "PASS" : "FAIL"
            let label = parameters.isInsecureTestSet ? " (INSECURE TEST SET)" : ""
            print("\(status)  \(parameters.name)\(label)  p=\(parameters.precision)  \(check.checked - check.mismatches.count)/\(check.checked) correct"
                  + "  keygen \(String(format: "%.2f", check.keygenSeconds)) s  encrypt+KS+PBS+decrypt \(String(format: "%.2f", check.millisecondsPerPBS)) ms")
            for mismatch in check.mismatches.prefix(8) { print("      m=\(mismatch.input): got \(mismatch.got), expected \(mismatch.expected)") }
            fflush(nil)   // one line per set as it finishes, even into a file
            if check.mismatches.isEmpty { passed += 1 } else { failed += 1 }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }

    /// Exhaustive exact-rounding check: every w-bit value, each shift, fresh OS keys per set.
    func checkRounding(_ sets: [ParameterSet]) throws {
        var passed = 0, failed = 0
        for parameters in sets {
            let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
            let label = parameters.isInsecureTestSet ? " (INSECURE TEST SET)" : ""
            for w in roundingBits {
                let shiftList = shifts.isEmpty ? Array(Set([1, w / 2, w - parameters.precision]).filter { $0 >= 1 && $0 < w }).sorted()
                                               : shifts.filter { $0 < w }
                for t in shiftList {
                    let check = SelfCheck.rounding(clientKey: clientKey, serverKey: serverKey, heldBits: w, removing: t,
                                                   groupBits: groupBits, threads: threads)
                    let groups = check.rounding.groups.map(\.bits)
                    let status = check.mismatches.isEmpty ? "PASS" : "FAIL"
                    print("\(status)  \(parameters.name)\(label)  w=\(w) t=\(t) groups \(groups.map(String.init).joined(separator: "+"))"
                          + " (\(check.rounding.pbsCount) PBS/value, predicted p_error 2^\(String(format: "%.1f", check.log2PError)) per value)"
                          + "  \(check.checked - check.mismatches.count)/\(check.checked) correct"
                          + "  \(String(format: "%.1f", check.seconds)) s on \(threads) threads")
                    for mismatch in check.mismatches.prefix(8) { print("      v=\(mismatch.input): got \(mismatch.got), expected \(mismatch.expected)") }
                    fflush(nil)
                    if check.mismatches.isEmpty { passed += 1 } else { failed += 1 }
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
