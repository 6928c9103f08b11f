import Foundation

@testable import Datasets

/// The repository's data/ folder, found from this source file's location.
let repositoryDataDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data", isDirectory: true)

/// A fresh temporary directory, removed by the caller with `removeTemporaryDirectory`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("lockstep-datasets-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func removeTemporaryDirectory(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
}

/// IDX bytes: big-endian magic and dimensions, then `values`.
func idxBytes(magic: UInt32, dimensions: [Int], values: [UInt8]) -> Data {
    var data = Data()
    func appendBigEndian(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) } }
    appendBigEndian(magic)
    dimensions.forEach { appendBigEndian(UInt32($0)) }
    data.append(contentsOf: values)
    return data
}

/// A miniature MNIST-layout data folder: `data/mnist/*.gz` plus a matching SHA256SUMS.
struct SyntheticMNIST {
    let directory: URL
    let trainImages: [[UInt8]]
    let trainLabels: [UInt8]
    let testImages: [[UInt8]]
    let testLabels: [UInt8]
    let rows = 2
    let columns = 3

    init(directory: URL) {
        self.directory = directory
        trainImages = (0..<5).map { image in (0..<6).map { UInt8((image * 40 + $0 * 37) % 256) } }
        trainLabels = [0, 1, 2, 9, 4]
        testImages = (0..<3).map { image in (0..<6).map { UInt8(255 - (image * 11 + $0)) } }
        testLabels = [7, 0, 3]
    }

    /// Files keyed by their path relative to the data folder (uncompressed IDX content).
    var idxFiles: [String: Data] {
        [
            "mnist/train-images-idx3-ubyte.gz": idxBytes(
                magic: 2051, dimensions: [trainImages.count, rows, columns], values: trainImages.flatMap { $0 }),
            "mnist/train-labels-idx1-ubyte.gz": idxBytes(magic: 2049, dimensions: [trainLabels.count], values: trainLabels),
            "mnist/t10k-images-idx3-ubyte.gz": idxBytes(
                magic: 2051, dimensions: [testImages.count, rows, columns], values: testImages.flatMap { $0 }),
            "mnist/t10k-labels-idx1-ubyte.gz": idxBytes(magic: 2049, dimensions: [testLabels.count], values: testLabels),
        ]
    }

    /// Writes every file gzip-compressed, with `replacing` substituted for some compressed files,
    /// and a SHA256SUMS matching what was written (so only the content checks can fail).
    func write(replacing replacements: [String: Data] = [:]) throws {
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("mnist"), withIntermediateDirectories: true)
        var sums = ""
        for (path, content) in idxFiles.sorted(by: { $0.key < $1.key }) {
            let stored = replacements[path] ?? Gzip.compress(content)
            try stored.write(to: directory.appendingPathComponent(path))
            sums += "\(sha256Hex(stored))  \(path)\n"
        }
        try sums.write(to: directory.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8)
    }
}
