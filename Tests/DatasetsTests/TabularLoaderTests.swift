import Foundation
import Testing

@testable import Datasets

@Suite struct TabularLoaderTests {
    let loader = DatasetLoader(dataDirectory: repositoryDataDirectory)

    @Test(arguments: [
        (DatasetName.digits, 1797, 64, 10),
        (.iris, 150, 4, 3),
        (.breastCancer, 569, 30, 2),
        (.wine, 178, 13, 3),
    ])
    func loadsRealFileWithExpectedShape(name: DatasetName, samples: Int, features: Int, classes: Int) throws {
        let split = try loader.load(name, testFraction: 0.2, seed: 7)
        #expect(split.train.count + split.test.count == samples)
        #expect(split.featureCount == features)
        #expect(split.classCount == classes)
        #expect(split.classNames.count == classes)
        #expect(abs(Double(split.test.count) / Double(samples) - 0.2) < 0.02)
        for row in split.train.features + split.test.features {
            #expect(row.count == features)
            #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        // Min-max is fitted on the training side: each non-constant feature spans exactly [0, 1] there.
        if name != .digits {
            for j in 0..<features {
                let column = split.train.features.map { $0[j] }
                #expect(column.min() == 0 && column.max() == 1, "feature \(j)")
            }
        }
    }

    @Test func digitsPixelCountsScaleBySixteen() throws {
        let split = try loader.load(.digits, testFraction: 0.2, seed: 1)
        let values = Set((split.train.features + split.test.features).flatMap { $0 })
        #expect(values.count == 17, "pixel counts 0...16")
        #expect(values.contains(1) && values.contains(0) && values.contains(0.0625))
    }

    @Test func irisClassNamesComeFromTheHeader() throws {
        #expect(try loader.load(.iris).classNames == ["setosa", "versicolor", "virginica"])
    }

    @Test func splitIsStratifiedDeterministicAndDisjoint() throws {
        let labels = try loader.load(.digits, testFraction: 0.5, seed: 3).train.labels
            + loader.load(.digits, testFraction: 0.5, seed: 3).test.labels
        let allLabels = labels.sorted()
        let first = try StratifiedSplit(labels: allLabels, classCount: 10, testFraction: 0.25, seed: 42, dataset: .digits)
        let again = try StratifiedSplit(labels: allLabels, classCount: 10, testFraction: 0.25, seed: 42, dataset: .digits)
        let other = try StratifiedSplit(labels: allLabels, classCount: 10, testFraction: 0.25, seed: 43, dataset: .digits)
        #expect(first.testIndices == again.testIndices)
        #expect(first.testIndices != other.testIndices)
        #expect(Set(first.trainIndices).isDisjoint(with: first.testIndices))
        #expect((first.trainIndices + first.testIndices).sorted() == Array(allLabels.indices))
        for label in 0..<10 {
            let total = allLabels.filter { $0 == label }.count
            let inTest = first.testIndices.filter { allLabels[$0] == label }.count
            #expect(inTest == Int((Double(total) * 0.25).rounded()), "class \(label)")
        }
    }

    @Test func sameSeedGivesTheSameLoadedSplit() throws {
        let a = try loader.load(.wine, testFraction: 0.3, seed: 11)
        let b = try loader.load(.wine, testFraction: 0.3, seed: 11)
        let c = try loader.load(.wine, testFraction: 0.3, seed: 12)
        #expect(a.test == b.test && a.train == b.train)
        #expect(a.test != c.test)
    }

    @Test(arguments: [0.0, 1.0, -0.1, 1.5, Double.nan])
    func testFractionOutsideTheOpenIntervalIsRejected(fraction: Double) {
        #expect(throws: DatasetError.self) { try loader.load(.iris, testFraction: fraction, seed: 0) }
    }

    @Test func csvWithFewerRowsThanItsHeaderIsCalledTruncated() throws {
        let text = "3,2,a,b\n0.1,0.2,0\n0.3,0.4,1\n"
        let error = try #require(throws: DatasetError.self) { try SklearnTable(headedText: text, path: "t.csv") }
        #expect(error.description.contains("t.csv"))
        #expect(error.description.contains("announces 3 samples, the file has 2 rows"))
    }

    @Test func csvRowWithWrongFieldCountNamesTheLine() throws {
        let text = "2,2,a,b\n0.1,0.2,0\n0.3,1\n"
        let error = try #require(throws: DatasetError.self) { try SklearnTable(headedText: text, path: "t.csv") }
        #expect(error == .malformedCSV(path: "t.csv", line: 3, detail: "expected 2 features and a label (3 fields), got 2"))
    }

    @Test func csvBadNumberAndBadLabelAreNamed() throws {
        let badNumber = try #require(throws: DatasetError.self) {
            try SklearnTable(headerlessText: "1,x,0\n", path: "d.csv", featureCount: 2, classCount: 2)
        }
        #expect(badNumber.description.contains("feature 1 is 'x'"))
        let badLabel = try #require(throws: DatasetError.self) {
            try SklearnTable(headerlessText: "1,2,5\n", path: "d.csv", featureCount: 2, classCount: 2)
        }
        #expect(badLabel.description.contains("label '5' is not an integer in 0..<2"))
    }

    @Test func dataDirectoryIsFoundExplicitlyOrUpward() throws {
        let repository = repositoryDataDirectory.deletingLastPathComponent()
        let fromRoot = try DatasetLoader.locateDataDirectory(currentDirectory: repository.path)
        #expect(fromRoot.standardizedFileURL.path == repositoryDataDirectory.standardizedFileURL.path)
        let fromSources = try DatasetLoader.locateDataDirectory(
            currentDirectory: repository.appendingPathComponent("Sources/Datasets").path)
        #expect(fromSources.standardizedFileURL.path == repositoryDataDirectory.standardizedFileURL.path)
        let explicit = try DatasetLoader.locateDataDirectory(explicit: "data", currentDirectory: repository.path)
        #expect(explicit.path == repositoryDataDirectory.standardizedFileURL.path)
        #expect(throws: DatasetError.self) {
            try DatasetLoader.locateDataDirectory(explicit: "/nonexistent/lockstep-data", currentDirectory: "/")
        }
        #expect(throws: DatasetError.self) { try DatasetLoader.locateDataDirectory(currentDirectory: "/proc") }
    }
}
