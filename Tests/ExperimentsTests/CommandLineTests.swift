import Foundation
import Testing

/// The `lockstep` executable built beside this test bundle (SwiftPM builds every product
/// before `swift test`).
func lockstepExecutable() throws -> URL {
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lockstep")
    let candidates = [besideTests, repositoryRoot.appendingPathComponent(".build/debug/lockstep")]
    return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                        "build the lockstep product first (swift build --build-tests)")
}

/// Runs `lockstep arguments…` and returns its exit status (a trap shows as a signal) and output.
func runLockstep(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, trapped: Bool, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = try lockstepExecutable()
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, process.terminationReason == .uncaughtSignal,
            String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite struct CommandLineTests {
    /// Absurd flag values are usage errors naming the flag and what is allowed, never a trap
    /// (`--norm 1e300` used to overflow `Int(ν)` while printing).
    @Test(arguments: [
        (["params", "--norm", "1e300"], "--norm"),
        (["params", "--params", "concrete-p40-b4", "--norm", "nan"], "--norm"),
        (["params", "--optimize", "--precision", "4", "--norm=-1"], "--norm"),
        (["params", "--optimize", "--precision", "99"], "--precision 99"),
        (["params", "--optimize", "--precision", "4", "--p-error", "2^-1e300"], "--p-error"),
        (["params", "--fft", "1e300"], "--fft"),
        (["noise", "--params", "concrete-p40-b4", "--fft", "tfhe-rs-fit"], "--fft"),
        // One grammar per flag in every command (`--params`, `--threads`: 0 = all cores … 1024).
        (["bench", "pbs", "--params", "no-such-set"], "--params no-such-set"),
        (["params", "--params", "concrete-p40-b4", "no-such-set"], "--params no-such-set"),
        (["keygen", "circuit.json", "--out-client", "c.key", "--out-server", "s.key", "--params", "no-such-set"], "--params no-such-set"),
        (["bench", "pbs", "--params", "concrete-p40-b4", "--threads=-1"], "--threads"),
        (["noise", "--params", "concrete-p40-b4", "--threads", "2000"], "--threads"),
        (["selftest", "--threads", "5000"], "--threads"),
        (["noise", "--params", "concrete-p40-b4", "--expected-failures", "nan"], "--expected-failures"),
        (["noise", "--params", "concrete-p40-b4", "--samples", "1000000000000"], "--samples"),
        (["verify", "configs/ci/iris.yaml", "--fhe-samples", "1000000000000"], "--fhe-samples"),
        (["simulate-check", "configs/ci/iris.yaml", "--threads", "99999"], "--threads"),
        (["simulate-check", "configs/ci/iris.yaml", "--p-error", "0.9"], "--p-error"),
        (["simulate-check", "configs/ci/iris.yaml", "--sim-samples", "0"], "--sim-samples"),
        (["keygen", "circuit.json", "--out-client", "c.key", "--out-server", "s.key", "--p-error", "0.9"], "--p-error"),
        (["evaluate", "circuit.json", "--key", "s.key", "--inputs", "i.ct", "--out", "o.ct", "--threads", "99999"], "--threads"),
        (["export", "configs/ci/iris.yaml", "--out", "c.json", "--codes", "codes.csv", "--samples", "0"], "--samples"),
    ])
    func absurdFlagValuesAreValidationErrors(arguments: [String], flag: String) throws {
        let result = try runLockstep(arguments, in: repositoryRoot)
        #expect(!result.trapped, "\(arguments) trapped: \(result.stderr)")
        #expect(result.status == 64, "usage error status for \(arguments): \(result.status)")
        #expect(result.stderr.contains(flag), "\(result.stderr)")
        #expect(result.stderr.contains("allowed") || result.stderr.contains("must be in"), "\(result.stderr)")
    }

    /// A refused `--custom` value is a usage error naming the flag, the key and its range
    /// (the parser in TFHE names the key; the command adds the flag).
    @Test func customSetErrorNamesTheFlagAndTheKey() throws {
        let result = try runLockstep(["params", "--custom", "n=0,k=1,N=2048"], in: repositoryRoot)
        #expect(!result.trapped)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--custom: n=0 must be an integer in 1...65536."), "\(result.stderr)")
    }
}
