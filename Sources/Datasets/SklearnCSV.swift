import Foundation

/// Rows of an sklearn-style CSV file: features, then an integer class label.
struct SklearnTable {
    var features: [[Float]]
    var labels: [Int]
    var classNames: [String]

    /// `digits.csv`: no header, `featureCount` integers then the label on every line.
    init(headerlessText text: String, path: String, featureCount: Int, classCount: Int) throws {
        features = []
        labels = []
        classNames = (0..<classCount).map(String.init)
        for (lineIndex, line) in Self.lines(of: text) {
            let (row, label) = try Self.parseRow(
                line, lineNumber: lineIndex + 1, path: path, featureCount: featureCount, classCount: classCount)
            features.append(row)
            labels.append(label)
        }
        if labels.isEmpty { throw DatasetError.malformedCSV(path: path, line: 1, detail: "the file has no rows") }
    }

    /// iris, breast cancer, wine: a header `sampleCount,featureCount,className…`, then the rows.
    init(headedText text: String, path: String) throws {
        let allLines = Self.lines(of: text)
        guard let (_, header) = allLines.first else {
            throw DatasetError.malformedCSV(path: path, line: 1, detail: "the file is empty")
        }
        let headerFields = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard headerFields.count >= 4, let sampleCount = Int(headerFields[0]), let featureCount = Int(headerFields[1]),
            sampleCount > 0, featureCount > 0
        else {
            throw DatasetError.malformedCSV(
                path: path, line: 1,
                detail: "expected a header 'sample count,feature count,class names…' with at least two classes, got '\(header)'")
        }
        classNames = Array(headerFields[2...])
        features = []
        labels = []
        for (lineIndex, line) in allLines.dropFirst() {
            let (row, label) = try Self.parseRow(
                line, lineNumber: lineIndex + 1, path: path, featureCount: featureCount, classCount: classNames.count)
            features.append(row)
            labels.append(label)
        }
        guard labels.count == sampleCount else {
            throw DatasetError.malformedCSV(
                path: path, line: allLines.count,
                detail: "the header announces \(sampleCount) samples, the file has \(labels.count) rows (truncated?)")
        }
    }

    /// Non-empty lines with their zero-based line index.
    private static func lines(of text: String) -> [(Int, Substring)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { ($0.offset, $0.element.hasSuffix("\r") ? $0.element.dropLast() : $0.element) }
            .filter { !$0.1.isEmpty }
    }

    private static func parseRow(
        _ line: Substring, lineNumber: Int, path: String, featureCount: Int, classCount: Int
    ) throws -> ([Float], Int) {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == featureCount + 1 else {
            throw DatasetError.malformedCSV(
                path: path, line: lineNumber,
                detail: "expected \(featureCount) features and a label (\(featureCount + 1) fields), got \(fields.count)")
        }
        var row: [Float] = []
        row.reserveCapacity(featureCount)
        for (column, field) in fields.dropLast().enumerated() {
            guard let value = Float(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw DatasetError.malformedCSV(
                    path: path, line: lineNumber, detail: "feature \(column) is '\(field)', not a finite number")
            }
            row.append(value)
        }
        let labelField = fields.last!.trimmingCharacters(in: .whitespaces)
        guard let label = Int(labelField), (0..<classCount).contains(label) else {
            throw DatasetError.malformedCSV(
                path: path, line: lineNumber, detail: "label '\(labelField)' is not an integer in 0..<\(classCount)")
        }
        return (row, label)
    }
}
