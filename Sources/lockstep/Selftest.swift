import ArgumentParser
import Foundation
import TFHE

/// `lockstep selftest`: for each named set, fresh keys from the OS and a PBS with a random
/// table must return table[m] for every m in [0, 2^p).
struct Selftest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check KS→PBS exactness for named parameter sets with fresh keys and random tables.",
        discussion: "Prints one line per set and `N passed, M failed`; exits non-zero on any failure."
    )

    @Option(name: .long, parsing: .upToNextOption,
            help: "Parameter set names (default: every catalog set up to --precision-max).")
    var params: [String] = []

    @Option(name: .long, help: "Skip sets whose precision exceeds this many bits.")
    var precisionMax: Int = 6

    @Option(name: .long, help: "Messages per set are all 2^p of them; repeat the sweep this many times.")
    var repetitions: Int = 1

    func validate() throws {
        guard precisionMax >= 1 && precisionMax <= 16 else {
            throw ValidationError("--precision-max must be in 1...16, got \(precisionMax).")
        }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1, got \(repetitions).") }
        for name in params { _ = try ParameterLookup.named(name) }
    }

    func run() async throws {
        BuildConfiguration.warnIfDebug()
        let sets = try (params.isEmpty ? ParameterCatalog.all : params.map(ParameterLookup.named))
            .filter { $0.precision <= precisionMax }
        guard !sets.isEmpty else {
            throw ValidationError("No parameter set has precision ≤ \(precisionMax).")
        }
        var passed = 0, failed = 0
        for parameters in sets {
            let keygenStart = ContinuousClock.now
            let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
            let keygenSeconds = keygenStart.duration(to: .now).milliseconds / 1000
            let encoding = Encoding(precision: parameters.precision)
            var generator = SystemRandomNumberGenerator()
            let values = (0..<encoding.messageCount).map { _ in Int.random(in: 0..<encoding.messageCount, using: &generator) }
            let table = LookupTable(values: values, inputEncoding: encoding, outputEncoding: encoding)
            let workspace = serverKey.makeWorkspace()
            var output = LWECiphertext(dimension: parameters.bigLWEDimension)
            var wrong: [String] = []
            var checked = 0
            let pbsStart = ContinuousClock.now
            for _ in 0..<repetitions {
                for message in 0..<encoding.messageCount {
                    serverKey.programmableBootstrap(clientKey.encrypt(message, encoding: encoding), table: table,
                                                    into: &output, workspace: workspace)
                    let result = clientKey.decrypt(output, encoding: encoding)
                    checked += 1
                    if result != values[message] { wrong.append("m=\(message): got \(result), expected \(values[message])") }
                }
            }
            let pbsMilliseconds = pbsStart.duration(to: .now).milliseconds / Double(checked)
            let status = wrong.isEmpty ? "PASS" : "FAIL"
            let label = parameters.isInsecureTestSet ? " (INSECURE TEST SET)" : ""
            print("\(status)  \(parameters.name)\(label)  p=\(parameters.precision)  \(checked - wrong.count)/\(checked) correct"
                  + "  keygen \(String(format: "%.2f", keygenSeconds)) s  encrypt+KS+PBS+decrypt \(String(format: "%.2f", pbsMilliseconds)) ms")
            for line in wrong.prefix(8) { print("      \(line)") }
            fflush(nil)   // one line per set as it finishes, even into a file
            if wrong.isEmpty { passed += 1 } else { failed += 1 }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
