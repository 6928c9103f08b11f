import FileInput
import Foundation
import Testing

/// Only regular files are read, and only up to the size the caller allows: a device or FIFO a
/// user names would otherwise be read without end.
@Suite struct BoundedFileTests {
    @Test func aRegularFileIsReadWhole() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bounded-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("abc".utf8).write(to: url)
        #expect(try BoundedFile.read(url, maximumBytes: 3) == Data("abc".utf8))
        let error = try #require(throws: BoundedFileError.self) { try BoundedFile.read(url, maximumBytes: 2) }
        #expect(error.kind == .tooLarge && error.reason == "is 3 bytes; allowed: at most 2")
    }

    @Test(arguments: ["/dev/zero", "/dev/null", "/tmp", "/no/such/file"])
    func anythingElseIsRefusedBeforeReading(_ path: String) throws {
        let error = try #require(throws: BoundedFileError.self) { try BoundedFile.read(URL(fileURLWithPath: path)) }
        #expect(error.kind == .unreadable)
        #expect(error.reason.hasPrefix(path == "/no/such/file" ? "does not exist" : "is not a regular file"), "\(error.reason)")
    }
}
