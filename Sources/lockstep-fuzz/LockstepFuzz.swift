import Foundation
import FuzzTargets

// Two builds of one file. Under libFuzzer (`-sanitize=fuzzer -D LOCKSTEP_LIBFUZZER`, see
// Tests/FuzzCorpus/README.md) `main` hands each input libFuzzer generates to the harness that
// LOCKSTEP_FUZZ_TARGET names. The ordinary build is a command that
// replays files through a harness (to reproduce a crash) or writes the seed corpus.

#if LOCKSTEP_LIBFUZZER
/// libFuzzer's driver, run from our own `main`: SwiftPM links an executable's entry point
/// under its module's name, so libFuzzer's `main` is never the one that runs.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

nonisolated(unsafe) private var selectedTarget = FuzzTarget.config

@main
enum LockstepFuzz {
    static func main() {
        let name = ProcessInfo.processInfo.environment["LOCKSTEP_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("LOCKSTEP_FUZZ_TARGET is '\(name)'; allowed: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        selectedTarget = target
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, lockstepFuzzOne))
    }
}

/// The entry point libFuzzer's archive expects to find (its own unused `main` refers to it).
@_cdecl("LLVMFuzzerTestOneInput")
func lockstepFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.run(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}
#else
@main
enum LockstepFuzz {
    static let usage = """
        usage: lockstep-fuzz replay TARGET FILE_OR_FOLDER...   run inputs through a harness
               lockstep-fuzz seeds FOLDER                      write every target's seeds to FOLDER/TARGET/
        targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
        """

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("lockstep-fuzz: \(message)\n".utf8))
        exit(2)
    }

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "replay" where arguments.count >= 3:
            guard let target = FuzzTarget(rawValue: arguments[1]) else { fail("unknown target '\(arguments[1])'\n\(usage)") }
            var count = 0
            for path in arguments.dropFirst(2) {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { fail("\(path) does not exist") }
                var files = [path]
                if isFolder.boolValue {
                    // An unreadable folder is an error: "0 inputs replayed" would pass for a clean run.
                    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { fail("\(path) cannot be listed") }
                    files = names.sorted().map { "\(path)/\($0)" }
                }
                for file in files {
                    guard let bytes = FileManager.default.contents(atPath: file) else { fail("\(file) cannot be read") }
                    target.run(bytes)
                    count += 1
                }
            }
            print("\(target.rawValue): \(count) inputs replayed without a crash")
        case "seeds" where arguments.count == 2:
            let repository = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            for target in FuzzTarget.allCases {
                let folder = URL(fileURLWithPath: arguments[1], isDirectory: true).appendingPathComponent(target.rawValue, isDirectory: true)
                do {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    let seeds = try target.seeds(repository: repository)
                    for (name, bytes) in seeds { try bytes.write(to: folder.appendingPathComponent("seed-\(name)")) }
                    print("\(target.rawValue): \(seeds.count) seeds in \(folder.path)")
                } catch {
                    fail("\(target.rawValue): \(error)")
                }
            }
        default:
            fail(usage)
        }
    }
}
#endif
