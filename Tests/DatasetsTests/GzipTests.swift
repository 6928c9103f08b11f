import Foundation
import Testing

@testable import Datasets

@Suite struct GzipTests {
    @Test func roundTripsArbitraryBytes() throws {
        let original = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
        let compressed = Gzip.compress(original)
        #expect(compressed.count < original.count)
        #expect(compressed.prefix(2) == Data([0x1F, 0x8B]), "gzip magic bytes")
        #expect(try Gzip.decompress(compressed, path: "x.gz") == original)
    }

    @Test func decodesConcatenatedMembersLikeGunzip() throws {
        let joined = Gzip.compress(Data("first ".utf8)) + Gzip.compress(Data("second".utf8))
        #expect(try Gzip.decompress(joined, path: "x.gz") == Data("first second".utf8))
    }

    @Test func truncatedStreamIsAnErrorNamingTheFile() throws {
        let compressed = Gzip.compress(Data(repeating: 7, count: 10_000) + Data((0..<5000).map { UInt8($0 % 251) }))
        let truncated = compressed.prefix(compressed.count / 2)
        #expect {
            try Gzip.decompress(Data(truncated), path: "/tmp/half.gz")
        } throws: { error in
            guard case DatasetError.corruptGzip(let path, let detail) = error else { return false }
            return path == "/tmp/half.gz" && detail.contains("truncated")
        }
    }

    @Test func nonGzipBytesAreRejected() {
        #expect(throws: DatasetError.self) { try Gzip.decompress(Data("plain text, not gzip".utf8), path: "p.gz") }
        #expect(throws: DatasetError.self) { try Gzip.decompress(Data(), path: "empty.gz") }
    }
}

@Suite struct GzipBombTests {
    /// A megabyte of zeros compresses to about a kilobyte: without a cap, a crafted file of a
    /// few kilobytes could expand until memory runs out.
    @Test func expansionBeyondTheCapIsAnError() throws {
        let bomb = Gzip.compress(Data(repeating: 0, count: 1 << 20))
        #expect(bomb.count < 4096)
        #expect(try Gzip.decompress(bomb, path: "b.gz", maximumBytes: 1 << 20).count == 1 << 20)
        #expect {
            try Gzip.decompress(bomb, path: "/tmp/bomb.gz", maximumBytes: (1 << 20) - 1)
        } throws: { error in
            guard case DatasetError.corruptGzip(let path, let detail) = error else { return false }
            return path == "/tmp/bomb.gz" && detail.contains("gzip bomb")
        }
    }
}
