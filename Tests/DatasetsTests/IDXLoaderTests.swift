import Foundation
import Testing

@testable import Datasets

@Suite struct IDXLoaderTests {
    @Test func loadsSyntheticIDXThroughTheFullPipeline() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        try fixture.write()

        let split = try DatasetLoader(dataDirectory: directory).load(.mnist)
        #expect(split.featureCount == 6)
        #expect(split.classCount == 10)
        #expect(split.train.labels == fixture.trainLabels.map(Int.init))
        #expect(split.test.labels == fixture.testLabels.map(Int.init))
        #expect(split.train.features == fixture.trainImages.map { $0.map { Float($0) / 255 } })
        #expect(split.test.features == fixture.testImages.map { $0.map { Float($0) / 255 } })
        #expect(split.splitDescription == "official 5/3 split")
    }

    @Test func wrongMagicNumberIsNamed() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        let labelsAsImages = idxBytes(magic: 2049, dimensions: [5], values: [0, 1, 2, 3, 4])
        try fixture.write(replacing: ["mnist/train-images-idx3-ubyte.gz": Gzip.compress(labelsAsImages)])
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error.description.contains("train-images-idx3-ubyte.gz"))
        #expect(error.description.contains("magic number 2049, expected 2051"))
    }

    @Test func truncatedIDXPayloadReportsExpectedAndActualCounts() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        let short = idxBytes(magic: 2051, dimensions: [3, 2, 3], values: [UInt8](repeating: 1, count: 17))
        try fixture.write(replacing: ["mnist/t10k-images-idx3-ubyte.gz": Gzip.compress(short)])
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error.description.contains("t10k-images-idx3-ubyte.gz"))
        #expect(error.description.contains("need 18 data bytes, the file has 17"))
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        let fewerLabels = idxBytes(magic: 2049, dimensions: [4], values: [0, 1, 2, 3])
        try fixture.write(replacing: ["mnist/train-labels-idx1-ubyte.gz": Gzip.compress(fewerLabels)])
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error.description.contains("holds 5 images but"))
        #expect(error.description.contains("holds 4 labels"))
    }

    @Test func labelsOutsideTheClassRangeAreRejected() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        let badLabels = idxBytes(magic: 2049, dimensions: [3], values: [1, 10, 2])
        try fixture.write(replacing: ["mnist/t10k-labels-idx1-ubyte.gz": Gzip.compress(badLabels)])
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error.description.contains("label 10 at index 1 is outside 0..<10"))
    }

    @Test func truncatedGzipWithMatchingChecksumIsStillCaught() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        let full = Gzip.compress(fixture.idxFiles["mnist/train-images-idx3-ubyte.gz"]!)
        try fixture.write(replacing: ["mnist/train-images-idx3-ubyte.gz": full.prefix(full.count - 12)])
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        guard case .corruptGzip(let path, _) = error else {
            Issue.record("expected corruptGzip, got \(error)")
            return
        }
        #expect(path.hasSuffix("mnist/train-images-idx3-ubyte.gz"))
    }

    /// Header dimensions come straight from the file: their product must not trap on overflow,
    /// also when a zero image count hides an overflowing pixel count per image.
    @Test(arguments: [[0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], [0, 0xFFFF_FFFF, 0xFFFF_FFFF]])
    func overflowingHeaderDimensionsAreAnError(dimensions: [Int]) throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        let huge = idxBytes(magic: 2051, dimensions: dimensions, values: [])
        try fixture.write(replacing: ["mnist/t10k-images-idx3-ubyte.gz": Gzip.compress(huge)])
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error.description.contains("t10k-images-idx3-ubyte.gz"))
        #expect(error.description.contains("4294967295×4294967295"))
        #expect(error.description.contains("multiply to more than"))
    }

    @Test func anEmptyTestSplitIsAnError() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        let fixture = SyntheticMNIST(directory: directory)
        try fixture.write(replacing: [
            "mnist/t10k-images-idx3-ubyte.gz": Gzip.compress(idxBytes(magic: 2051, dimensions: [0, 2, 3], values: [])),
            "mnist/t10k-labels-idx1-ubyte.gz": Gzip.compress(idxBytes(magic: 2049, dimensions: [0], values: [])),
        ])
        let error = try #require(throws: DatasetError.self) { try DatasetLoader(dataDirectory: directory).load(.mnist) }
        #expect(error.description.contains("test split is empty"))
        #expect(error.description.contains("t10k-images-idx3-ubyte.gz holds 0 images"))
    }
}
