import Foundation

/// A release build's TFHE kernels are compiled for Haswell-class x86-64 (see Package.swift);
/// on an older CPU they would die on the first AVX2 instruction with SIGILL. This check runs
/// before any command and turns that into an error that says what to do.
enum CPURequirement {
    static let requiredFlags = ["avx2", "fma", "bmi1", "bmi2", "f16c", "movbe"]

    static func enforce() {
        #if LOCKSTEP_HASWELL_KERNELS && os(Linux)
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return }   // no /proc: nothing to check against, run as built
        let present = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        let missing = requiredFlags.filter { !present.contains($0) }
        guard !missing.isEmpty else { return }
        FileHandle.standardError.write(Data("""
            error: this lockstep was built for x86-64 CPUs with AVX2, FMA and BMI2 (Haswell or newer), \
            and this CPU lacks \(missing.joined(separator: ", ")). Rebuild with \
            `LOCKSTEP_PORTABLE=1 swift build -c release` (baseline x86-64, slower TFHE kernels).

            """.utf8))
        exit(EXIT_FAILURE)
        #endif
    }
}
