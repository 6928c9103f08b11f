import Digest
import Foundation

/// Lowercase hex sha256 of `data`.
public func sha256Hex(_ data: some DataProtocol) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

/// A `sha256sum`-style list: `<64 hex digits>  <relative path>` per line.
struct ChecksumList {
    let listPath: String
    let digests: [String: String]

    init(contentsOf url: URL) throws {
        listPath = url.path
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw DatasetError.unreadableChecksumList(path: url.path, detail: "the file is missing or not UTF-8")
        }
        var digests: [String: String] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let parts = line.split(separator: " ", maxSplits: 1)
            let digest = parts.first.map(String.init) ?? ""
            guard parts.count == 2, digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw DatasetError.unreadableChecksumList(
                    path: url.path, detail: "line \(offset + 1) is not '<sha256>  <path>'")
            }
            // sha256sum marks binary mode with a leading '*'.
            var path = parts[1].trimmingCharacters(in: .whitespaces)
            if path.hasPrefix("*") { path.removeFirst() }
            digests[path] = digest.lowercased()
        }
        self.digests = digests
    }

    /// Reads `relativePath` under `directory` and returns its bytes only if the digest matches.
    func verifiedContents(of relativePath: String, in directory: URL) throws -> Data {
        let url = directory.appendingPathComponent(relativePath)
        guard let expected = digests[relativePath] else {
            throw DatasetError.notInChecksumList(path: url.path, checksumList: listPath)
        }
        guard FileManager.default.fileExists(atPath: url.path), let data = try? Self.read(url) else {
            throw DatasetError.missingFile(path: url.path, expectedDigest: expected)
        }
        let actual = sha256Hex(data)
        guard actual == expected else {
            throw DatasetError.checksumMismatch(
                path: url.path, expectedDigest: expected, actualDigest: actual, byteCount: data.count)
        }
        return data
    }

    /// swift-foundation's `Data(contentsOf:)` leaks its 4 KiB read buffer when the file is
    /// empty (found by the `sklearn` fuzz target under LeakSanitizer); an empty file is read
    /// as no bytes without it.
    private static func read(_ url: URL) throws -> Data {
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        return size == 0 ? Data() : try Data(contentsOf: url)
    }
}
