/// Everything that can be wrong with data on disk or with a load request.
/// Each description is a sentence naming the file and what was expected.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case dataDirectoryNotFound(searched: [String])
    case missingFile(path: String, expectedDigest: String)
    case notInChecksumList(path: String, checksumList: String)
    case unreadableChecksumList(path: String, detail: String)
    case checksumMismatch(path: String, expectedDigest: String, actualDigest: String, byteCount: Int)
    case corruptGzip(path: String, detail: String)
    case malformedIDX(path: String, detail: String)
    case malformedCSV(path: String, line: Int, detail: String)
    case inconsistentFiles(detail: String)
    case invalidTestFraction(Double)
    case splitTooSmall(dataset: DatasetName, detail: String)

    public var description: String {
        switch self {
        case .dataDirectoryNotFound(let searched):
            "No data directory found (looked for a folder with SHA256SUMS at: \(searched.joined(separator: ", "))). Pass --data DIR or set the config's data directory."
        case .missingFile(let path, let digest):
            "Data file \(path) is missing (expected a file with sha256 \(digest)). See data/SOURCES.md for where it comes from."
        case .notInChecksumList(let path, let list):
            "Data file \(path) has no entry in \(list); every data file must be listed with its sha256 before it is read."
        case .unreadableChecksumList(let path, let detail):
            "Checksum list \(path) is unreadable: \(detail)."
        case .checksumMismatch(let path, let expected, let actual, let byteCount):
            "Data file \(path) is corrupt or truncated: sha256 \(actual) (\(byteCount) bytes), expected \(expected)."
        case .corruptGzip(let path, let detail):
            "Data file \(path) is not a valid gzip stream: \(detail)."
        case .malformedIDX(let path, let detail):
            "Data file \(path) is not a valid IDX file: \(detail)."
        case .malformedCSV(let path, let line, let detail):
            "Data file \(path), line \(line): \(detail)."
        case .inconsistentFiles(let detail):
            "Data files disagree: \(detail)."
        case .invalidTestFraction(let value):
            "test_fraction \(value) is not allowed; use a number strictly between 0 and 1."
        case .splitTooSmall(let dataset, let detail):
            "Dataset \(dataset.rawValue) cannot be split: \(detail)."
        }
    }
}
