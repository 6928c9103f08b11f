import Foundation
import Testing

@testable import FuzzTargets

/// The committed corpora (seeds, inputs libFuzzer found interesting, and every crash it ever
/// found, kept as a regression) replayed through their harnesses: a trap fails the test run.
@Suite struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FuzzCorpus", isDirectory: true)
    static let repository = corpus.deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: FuzzTarget.allCases)
    func committedCorpusReplaysWithoutATrap(_ target: FuzzTarget) throws {
        let folder = Self.corpus.appendingPathComponent(target.rawValue, isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(!names.isEmpty, "no corpus for \(target.rawValue) in \(folder.path)")
        for name in names.sorted() {
            target.run(try Data(contentsOf: folder.appendingPathComponent(name)))
        }
    }

    /// A seed that the harness rejected would start the fuzzer outside the format: every
    /// committed seed must be an input its target accepts.
    @Test(arguments: FuzzTarget.allCases)
    func seedsAreAcceptedInputs(_ target: FuzzTarget) throws {
        let seeds = try target.seeds(repository: Self.repository)
        #expect(!seeds.isEmpty)
        for (name, bytes) in seeds {
            #expect(throws: Never.self, "seed \(name) of \(target.rawValue)") { try target.runThrowing(bytes) }
        }
    }
}
