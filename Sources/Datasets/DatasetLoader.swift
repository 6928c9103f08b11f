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
        let files = try self.files(of: name)
        switch name {
        case .mnist, .fashionMNIST:
            return try loadIDX(
                name, files: files,
                classNames: name == .mnist
                    ? (0..<10).map(String.init)
                    : ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
        case .digits:
            let raw = try files.verifiedContents(of: files.paths[0])
            let fullPath = files.fullPath(files.paths[0])
            let text = try utf8(Gzip.decompress(raw, path: fullPath), path: fullPath)
            let table = try SklearnTable(headerlessText: text, path: fullPath, featureCount: name.featureCount, classCount: name.classCount)
            // Pixel counts have a fixed range 0...16 (4×4 blocks of a 32×32 bitmap), so scale
            // like an image rather than by observed min/max.
            return try split(name, table: table, testFraction: testFraction, seed: seed, fixedMaximum: 16)
        case .iris, .breastCancer, .wine:
            let raw = try files.verifiedContents(of: files.paths[0])
            let fullPath = files.fullPath(files.paths[0])
            let table = try SklearnTable(headedText: utf8(raw, path: fullPath), path: fullPath)
            return try split(name, table: table, testFraction: testFraction, seed: seed, fixedMaximum: nil)
        }
    }

    /// The sha256 of every file `load(name)` reads, by path relative to its folder, as the
    /// checksum lists state them. `load` refuses a file whose content differs, so these digests
    /// identify the data an experiment ran on without reading it.
    public func fileDigests(of name: DatasetName) throws -> [String: String] {
        let files = try self.files(of: name)
        return try Dictionary(uniqueKeysWithValues: files.paths.map { path in
            guard let digest = files.checksums.digests[path] else {
                throw DatasetError.notInChecksumList(path: files.fullPath(path), checksumList: files.checksums.listPath)
            }
            return (path, digest)
        })
    }

    /// The files of one dataset: the folder they are in, the checksum list that vouches for
    /// them and their paths relative to the folder, in the order `load` reads them.
    private struct DatasetFiles {
        let directory: URL
        let checksums: ChecksumList
        let paths: [String]

        func fullPath(_ path: String) -> String { directory.appendingPathComponent(path).path }
        func verifiedContents(of path: String) throws -> Data { try checksums.verifiedContents(of: path, in: directory) }
    }

    /// The one place that says where each dataset's files are. Fashion-MNIST's files live in
    /// the Debian package's folder, vouched for by a list in the data folder.
    private func files(of name: DatasetName) throws -> DatasetFiles {
        switch name {
        case .mnist, .fashionMNIST:
            let (directory, prefix, list) = name == .mnist
                ? (dataDirectory, "mnist/", "SHA256SUMS")
                : (fashionMNISTDirectory, "", "SHA256SUMS.fashion-mnist")
            return DatasetFiles(
                directory: directory, checksums: try ChecksumList(contentsOf: dataDirectory.appendingPathComponent(list)),
                paths: ["train", "t10k"].flatMap { ["\(prefix)\($0)-images-idx3-ubyte.gz", "\(prefix)\($0)-labels-idx1-ubyte.gz"] })
        case .digits:
            return DatasetFiles(directory: dataDirectory, checksums: try checksums(), paths: ["sklearn/digits.csv.gz"])
        case .iris, .breastCancer, .wine:
            return DatasetFiles(directory: dataDirectory, checksums: try checksums(),
                                paths: ["sklearn/\(name == .wine ? "wine_data" : name.rawValue).csv"])
        }
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

    private func loadIDX(_ name: DatasetName, files: DatasetFiles, classNames: [String]) throws -> DatasetSplit {
        // files.paths: train images, train labels, test images, test labels.
        func imageSet(_ index: Int) throws -> IDXImageSet {
            let (imagesPath, labelsPath) = (files.paths[2 * index], files.paths[2 * index + 1])
            let images = try Gzip.decompress(files.verifiedContents(of: imagesPath), path: files.fullPath(imagesPath))
            let labels = try Gzip.decompress(files.verifiedContents(of: labelsPath), path: files.fullPath(labelsPath))
            return try IDXImageSet(
                imagesBytes: images, imagesPath: files.fullPath(imagesPath), labelsBytes: labels,
                labelsPath: files.fullPath(labelsPath), classCount: classNames.count)
        }
        let train = try imageSet(0)
        let test = try imageSet(1)
        // Calibration, accuracy and the FHE subset all need at least one sample on each side.
        for (set, index, side) in [(train, 0, "training"), (test, 2, "test")] where set.data.count == 0 {
            throw DatasetError.splitTooSmall(
                dataset: name, detail: "the \(side) split is empty (\(files.fullPath(files.paths[index])) holds 0 images); allowed: at least 1 image")
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
