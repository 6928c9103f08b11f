import Foundation
import Testing

@testable import Datasets

@Suite struct ChecksumTests {
    @Test func sha256MatchesTheKnownVector() {
        #expect(sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// The real MNIST files (about 11 MB) hash to the digests in data/SHA256SUMS.
    @Test func realMNISTFilesMatchTheirDigests() throws {
        let list = try ChecksumList(contentsOf: repositoryDataDirectory.appendingPathComponent("SHA256SUMS"))
        for stem in ["train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"] {
            let data = try list.verifiedContents(of: "mnist/\(stem)-ubyte.gz", in: repositoryDataDirectory)
            #expect(data.count > 4000)
        }
        #expect(list.digests.count == 8)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: DatasetLoader.defaultFashionMNISTDirectory.path)))
    func installedFashionMNISTMatchesItsDigests() throws {
        let list = try ChecksumList(
            contentsOf: repositoryDataDirectory.appendingPathComponent("SHA256SUMS.fashion-mnist"))
        for file in list.digests.keys.sorted() {
            _ = try list.verifiedContents(of: file, in: DatasetLoader.defaultFashionMNISTDirectory)
        }
        #expect(list.digests.count == 4)
    }

    @Test func alteredFileNamesPathAndBothDigests() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        try fixture.write()
        let labelsURL = directory.appendingPathComponent("mnist/t10k-labels-idx1-ubyte.gz")
        let expected = sha256Hex(try Data(contentsOf: labelsURL))
        var bytes = try Data(contentsOf: labelsURL)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: labelsURL)

        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error == .checksumMismatch(
            path: labelsURL.path, expectedDigest: expected, actualDigest: sha256Hex(bytes), byteCount: bytes.count))
        #expect(error.description.contains("expected \(expected)"))
    }

    @Test func truncatedFileFailsTheChecksum() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        try SyntheticMNIST(directory: directory).write()
        let imagesURL = directory.appendingPathComponent("mnist/train-images-idx3-ubyte.gz")
        let bytes = try Data(contentsOf: imagesURL)
        try bytes.prefix(bytes.count - 5).write(to: imagesURL)
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        guard case .checksumMismatch(let path, _, _, let byteCount) = error else {
            Issue.record("expected checksumMismatch, got \(error)")
            return
        }
        #expect(path == imagesURL.path)
        #expect(byteCount == bytes.count - 5)
    }

    @Test func missingFileNamesPathAndExpectedDigest() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        try SyntheticMNIST(directory: directory).write()
        let labelsURL = directory.appendingPathComponent("mnist/train-labels-idx1-ubyte.gz")
        let expected = sha256Hex(try Data(contentsOf: labelsURL))
        try FileManager.default.removeItem(at: labelsURL)
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error == .missingFile(path: labelsURL.path, expectedDigest: expected))
        #expect(error.description.contains("is missing"))
    }

    @Test func unlistedFileIsRefusedBeforeReading() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        try "".write(to: directory.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8)
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.iris) }
        guard case .notInChecksumList(let path, _) = error else {
            Issue.record("expected notInChecksumList, got \(error)")
            return
        }
        #expect(path.hasSuffix("sklearn/iris.csv"))
    }
}

@Suite struct DatasetFileDigestTests {
    /// Fashion-MNIST's files are in the Debian package's folder, not the data folder: a file
    /// missing from its checksum list is named where it would be read.
    @Test func fashionFileMissingFromItsListIsNamedInItsOwnFolder() throws {
        let data = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(data) }
        try "".write(to: data.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8)
        try "\(String(repeating: "ab", count: 32))  train-images-idx3-ubyte.gz\n"
            .write(to: data.appendingPathComponent("SHA256SUMS.fashion-mnist"), atomically: true, encoding: .utf8)
        let fashion = URL(fileURLWithPath: "/opt/fashion-test", isDirectory: true)
        let loader = DatasetLoader(dataDirectory: data, fashionMNISTDirectory: fashion)
        #expect {
            _ = try loader.fileDigests(of: .fashionMNIST)
        } throws: { error in
            guard case DatasetError.notInChecksumList(let path, _) = error else { return false }
            return path == "/opt/fashion-test/train-labels-idx1-ubyte.gz"
        }
    }

    @Test func digestsNameEveryFileLoadReads() throws {
        let loader = DatasetLoader(dataDirectory: repositoryDataDirectory)
        #expect(try loader.fileDigests(of: .mnist).keys.sorted() == [
            "mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz",
            "mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz",
        ])
        #expect(try loader.fileDigests(of: .wine).keys.sorted() == ["sklearn/wine_data.csv"])
    }
}
