import Foundation
import GSLStatistics
import TFHE

/// Where and with what an experiment ran, recorded in every manifest.
public struct RunEnvironment: Codable, Sendable, Equatable {
    /// `git rev-parse HEAD` of the working directory; nil outside a git checkout.
    public var gitCommit: String?
    /// True when tracked files outside `results/` had uncommitted changes
    /// (`git status --porcelain -uno`); regenerating committed results does not count.
    public var gitDirty: Bool?
    /// The Swift compiler that built this binary.
    public var toolchain: String
    /// `debug` or `release`; timings from debug builds are not meaningful.
    public var buildConfiguration: String
    public var operatingSystem: String
    public var cpuModel: String?
    public var logicalCores: Int
    /// Run-time versions of the C libraries, by library (`fftw`, `gsl`), as each reports itself.
    public var libraries: [String: String]

    /// The versions of the linked FFTW (through TFHE) and GSL (through GSLStatistics).
    public static var libraryVersions: [String: String] {
        ["fftw": FFTWLibrary.version, "gsl": GSLLibrary.version]
    }

    public static var buildConfiguration: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    public static var toolchain: String {
        #if compiler(>=6.4)
            "Swift 6.4 or later"
        #elseif compiler(>=6.3)
            "Swift 6.3"
        #elseif compiler(>=6.2)
            "Swift 6.2"
        #elseif compiler(>=6.1)
            "Swift 6.1"
        #else
            "Swift 6.0"
        #endif
    }

    /// Captures the environment; `directory` is where git is asked about the commit.
    public static func capture(directory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        -> RunEnvironment
    {
        let commit = runTool(["git", "rev-parse", "HEAD"], in: directory)
        let dirty = commit == nil ? nil : runTool(["git", "status", "--porcelain", "-uno"], in: directory, trimming: false).map(hasSourceChanges)
        return RunEnvironment(
            gitCommit: commit, gitDirty: dirty, toolchain: toolchain, buildConfiguration: buildConfiguration,
            operatingSystem: ProcessInfo.processInfo.operatingSystemVersionString, cpuModel: cpuModel(),
            logicalCores: ProcessInfo.processInfo.activeProcessorCount, libraries: libraryVersions)
    }

    /// Porcelain lines are `XY path` with paths relative to the repository root.
    static func hasSourceChanges(_ porcelain: String) -> Bool {
        porcelain.split(separator: "\n").contains { line in
            // `XY path`, or `XY old -> new` for renames; the status columns may hold spaces.
            let path = line.dropFirst(3).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return !path.hasPrefix("results/")
        }
    }

    /// The first `model name` of /proc/cpuinfo (Linux); nil elsewhere.
    static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// Trimmed standard output of a tool found on PATH, or nil if it is absent or fails.
    /// `trimming: false` keeps leading spaces, which are meaningful in `git status --porcelain`.
    static func runTool(_ arguments: [String], in directory: URL, trimming: Bool = true) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        return trimming ? text.trimmingCharacters(in: .whitespacesAndNewlines) : text
    }
}
