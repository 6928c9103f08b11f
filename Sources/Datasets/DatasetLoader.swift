import Foundation

/// Loads the datasets of `data/` (see data/SOURCES.md), verifying every file's sha256 first.
public struct DatasetLoader: Sendable {
    /// The folder holding `SHA256SUMS`, `mnist/` and `sklearn/`.
    public let dataDirectory: URL
    /// Where Debian's `dataset-fashion-mnist` package installs its files.
    public let fashionMNISTDirectory: URL

    public static let defaultFashionMNISTDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    public init(dataDirectory: URL, fashionMNISTDirectory: URL = DatasetLoader.defaultFashionMNISTDirectory) {
        self.dataDirectory = dataDirectory
        self.fashionMNISTDirectory = fashionMNISTDirectory
    }

    /// The data folder: `explicit` if given, else `./data` under the current directory, else
    /// `data/` beside the nearest `Package.swift` found walking up from the current directory.
    public static func locateDataDirectory(
        explicit: String? = nil, currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> URL {
        let fileManager = FileManager.default
        let base = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        if let explicit {
            let url = URL(fileURLWithPath: explicit, relativeTo: base).standardizedFileURL
            guard fileManager.fileExists(atPath: url.appendingPathComponent("SHA256SUMS").path) else {
                throw DatasetError.dataDirectoryNotFound(searched: [url.path])
            }
            return url
        }
        var searched: [String] = []
        let local = base.appendingPathComponent("data", isDirectory: true).standardizedFileURL
        searched.append(local.path)
        if fileManager.fileExists(atPath: local.appendingPathComponent("SHA256SUMS").path) { return local }
        var directory = base.standardizedFileURL
        while true {
            if fileManager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                let candidate = directory.appendingPathComponent("data", isDirectory: true)
                searched.append(candidate.path)
                if fileManager.fileExists(atPath: candidate.appendingPathComponent("SHA256SUMS").path) {
                    return candidate
                }
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        throw DatasetError.dataDirectoryNotFound(searched: searched)
    }

    /// Loads `name` split into train and test. `testFraction` and `seed` drive the stratified
    /// split of datasets without an official one and are ignored for MNIST and Fashion-MNIST.
    public func load(_ name: DatasetName, testFraction: Double = 0.2, seed: UInt64 = 0) throws -> DatasetSplit {
        switch name {
        case .mnist:
            return try loadIDX(
                name, directory: dataDirectory, prefix: "mnist/",
                checksums: ChecksumList(contentsOf: dataDirectory.appendingPathComponent("SHA256SUMS")),
                classNames: (0..<10).map(String.init))
        case .fashionMNIST:
            return try loadIDX(
                name, directory: fashionMNISTDirectory, prefix: "",
                checksums: ChecksumList(contentsOf: dataDirectory.appendingPathComponent("SHA256SUMS.fashion-mnist")),
                classNames: [
                    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                    "Ankle boot",
                ])
        case .digits:
            let path = "sklearn/digits.csv.gz"
            let raw = try checksums().verifiedContents(of: path, in: dataDirectory)
            let fullPath = dataDirectory.appendingPathComponent(path).path
            let text = try utf8(Gzip.decompress(raw, path: fullPath), path: fullPath)
            let table = try SklearnTable(headerlessText: text, path: fullPath, featureCount: 64, classCount: 10)
            // Pixel counts have a fixed range 0...16 (4×4 blocks of a 32×32 bitmap), so scale
            // like an image rather than by observed min/max.
            return try split(name, table: table, testFraction: testFraction, seed: seed, fixedMaximum: 16)
        case .iris, .breastCancer, .wine:
            let path = "sklearn/\(name == .wine ? "wine_data" : name.rawValue).csv"
            let raw = try checksums().verifiedContents(of: path, in: dataDirectory)
            let fullPath = dataDirectory.appendingPathComponent(path).path
            let table = try SklearnTable(headedText: utf8(raw, path: fullPath), path: fullPath)
            return try split(name, table: table, testFraction: testFraction, seed: seed, fixedMaximum: nil)
        }
    }

    /// The sha256 of every file `load(name)` reads, by path relative to its folder, as the
    /// checksum lists state them. `load` refuses a file whose content differs, so these digests
    /// identify the data an experiment ran on without reading it.
    public func fileDigests(of name: DatasetName) throws -> [String: String] {
        let (list, paths): (ChecksumList, [String])
        switch name {
        case .mnist, .fashionMNIST:
            let prefix = name == .mnist ? "mnist/" : ""
            list = try ChecksumList(contentsOf: dataDirectory.appendingPathComponent(
                name == .mnist ? "SHA256SUMS" : "SHA256SUMS.fashion-mnist"))
            paths = ["train", "t10k"].flatMap { ["\(prefix)\($0)-images-idx3-ubyte.gz", "\(prefix)\($0)-labels-idx1-ubyte.gz"] }
        case .digits:
            (list, paths) = (try checksums(), ["sklearn/digits.csv.gz"])
        case .iris, .breastCancer, .wine:
            (list, paths) = (try checksums(), ["sklearn/\(name == .wine ? "wine_data" : name.rawValue).csv"])
        }
        return try Dictionary(uniqueKeysWithValues: paths.map { path in
            guard let digest = list.digests[path] else {
                throw DatasetError.notInChecksumList(path: dataDirectory.appendingPathComponent(path).path, checksumList: list.listPath)
            }
            return (path, digest)
        })
    }

    private func checksums() throws -> ChecksumList {
        try ChecksumList(contentsOf: dataDirectory.appendingPathComponent("SHA256SUMS"))
    }

    private func utf8(_ data: Data, path: String) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.malformedCSV(path: path, line: 1, detail: "the file is not UTF-8 text")
        }
        return text
    }

    private func loadIDX(
        _ name: DatasetName, directory: URL, prefix: String, checksums: ChecksumList, classNames: [String]
    ) throws -> DatasetSplit {
        func imagesPath(_ stem: String) -> String { directory.appendingPathComponent("\(prefix)\(stem)-images-idx3-ubyte.gz").path }
        func imageSet(_ stem: String) throws -> IDXImageSet {
            let imagesPath = "\(prefix)\(stem)-images-idx3-ubyte.gz"
            let labelsPath = "\(prefix)\(stem)-labels-idx1-ubyte.gz"
            let imagesFullPath = directory.appendingPathComponent(imagesPath).path
            let labelsFullPath = directory.appendingPathComponent(labelsPath).path
            let images = try Gzip.decompress(
                checksums.verifiedContents(of: imagesPath, in: directory), path: imagesFullPath)
            let labels = try Gzip.decompress(
                checksums.verifiedContents(of: labelsPath, in: directory), path: labelsFullPath)
            return try IDXImageSet(
                imagesBytes: images, imagesPath: imagesFullPath, labelsBytes: labels, labelsPath: labelsFullPath,
                classCount: classNames.count)
        }
        let train = try imageSet("train")
        let test = try imageSet("t10k")
        // Calibration, accuracy and the FHE subset all need at least one sample on each side.
        for (set, stem, side) in [(train, "train", "training"), (test, "t10k", "test")] where set.data.count == 0 {
            throw DatasetError.splitTooSmall(
                dataset: name, detail: "the \(side) split is empty (\(imagesPath(stem)) holds 0 images); allowed: at least 1 image")
        }
        guard train.rows == test.rows, train.columns == test.columns else {
            throw DatasetError.inconsistentFiles(
                detail: "\(name.rawValue) training images are \(train.rows)×\(train.columns), test images \(test.rows)×\(test.columns)")
        }
        return DatasetSplit(
            name: name, train: train.data, test: test.data, classCount: classNames.count,
            featureCount: train.rows * train.columns, classNames: classNames,
            splitDescription: "official \(train.data.count)/\(test.data.count) split")
    }

    private func split(
        _ name: DatasetName, table: SklearnTable, testFraction: Double, seed: UInt64, fixedMaximum: Float?
    ) throws -> DatasetSplit {
        let indices = try StratifiedSplit(
            labels: table.labels, classCount: table.classNames.count, testFraction: testFraction, seed: seed,
            dataset: name)
        let all = LabeledData(features: table.features, labels: table.labels)
        var train = all.subset(indices.trainIndices)
        var test = all.subset(indices.testIndices)
        if let fixedMaximum {
            let scale = { (rows: [[Float]]) in rows.map { $0.map { min(1, max(0, $0 / fixedMaximum)) } } }
            train.features = scale(train.features)
            test.features = scale(test.features)
        } else {
            let scaler = MinMaxScaler(fittingTo: train.features)
            train.features = scaler.transform(train.features)
            test.features = scaler.transform(test.features)
        }
        return DatasetSplit(
            name: name, train: train, test: test, classCount: table.classNames.count,
            featureCount: table.features[0].count, classNames: table.classNames,
            splitDescription: "stratified, test_fraction \(testFraction), seed \(seed)")
    }
}
