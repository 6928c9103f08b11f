import Foundation
import Testing

@testable import Reporting

@Suite struct FileWritingTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-reporting-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func atomicWriteCreatesReplacesAndLeavesNoTemporaryFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("nested/deeper/summary.csv")
        try AtomicFile.write("first\n", to: target)
        #expect(try String(contentsOf: target, encoding: .utf8) == "first\n")
        try AtomicFile.write("second, longer content\n", to: target)
        #expect(try String(contentsOf: target, encoding: .utf8) == "second, longer content\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path)
        #expect(leftovers == ["summary.csv"])
    }

    @Test func atomicWriteIntoAnUnwritablePlaceNamesThePath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("file")
        try AtomicFile.write("x", to: blocker)
        let target = blocker.appendingPathComponent("inside.csv")
        let error = try #require(throws: AtomicFile.WriteError.self) { try AtomicFile.write("y", to: target) }
        #expect(error.path == target.path)
    }

    struct Manifest: Codable, Equatable {
        var zebra: Int
        var alpha: String
        var path: String
        var when: Date
    }

    @Test func manifestJSONIsSortedStableAndReadable() throws {
        let manifest = Manifest(zebra: 1, alpha: "a", path: "results/x", when: Date(timeIntervalSince1970: 1_700_000_000))
        let first = try JSONManifest.encode(manifest)
        #expect(first == (try JSONManifest.encode(manifest)))
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.range(of: "\"alpha\"")!.lowerBound < text.range(of: "\"zebra\"")!.lowerBound)
        #expect(text.contains("results/x"), "slashes not escaped")
        #expect(text.contains("2023-11-14T22:13:20Z"))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("manifest.json")
        try JSONManifest.write(manifest, to: url)
        #expect(try JSONManifest.read(Manifest.self, from: url) == manifest)
    }
}
