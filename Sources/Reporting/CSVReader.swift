/// Reads RFC 4180 CSV (as written by `ReportTable.csv()`), for aggregating results.
public struct CSVDocument: Sendable, Equatable {
    public let header: [String]
    public let rows: [[String]]

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let source: String
        public let line: Int
        public let detail: String
        public var description: String { "\(source), line \(line): \(detail)." }
    }

    /// `source` names the file in errors. Every row must have as many fields as the header.
    public init(parsing text: String, source: String) throws {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var characters = Array(text).makeIterator()
        var pending: Character? = nil
        func nextCharacter() -> Character? {
            if let character = pending {
                pending = nil
                return character
            }
            return characters.next()
        }
        while let character = nextCharacter() {
            if inQuotes {
                if character == "\"" {
                    if let following = nextCharacter() {
                        if following == "\"" {
                            field.append("\"")
                        } else {
                            inQuotes = false
                            pending = following
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case ",":
                record.append(field)
                field = ""
                fieldWasQuoted = false
            case "\"":
                guard field.isEmpty, !fieldWasQuoted else {
                    throw ParseError(source: source, line: line, detail: "a quote inside an unquoted field")
                }
                inQuotes = true
                fieldWasQuoted = true
            case "\r\n", "\n", "\r":
                record.append(field)
                records.append(record)
                record = []
                field = ""
                fieldWasQuoted = false
                line += 1
            default:
                guard !fieldWasQuoted else {
                    throw ParseError(source: source, line: line, detail: "text after a closing quote")
                }
                field.append(character)
            }
        }
        if inQuotes { throw ParseError(source: source, line: line, detail: "a quoted field is never closed") }
        if !field.isEmpty || fieldWasQuoted || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        guard let header = records.first else {
            throw ParseError(source: source, line: 1, detail: "the file is empty, expected a header row")
        }
        for (index, row) in records.enumerated() where row.count != header.count {
            throw ParseError(
                source: source, line: index + 1,
                detail: "\(row.count) fields, the header has \(header.count)")
        }
        self.header = header
        self.rows = Array(records.dropFirst())
    }

    /// The values of column `name` by row, or nil when the column is absent.
    public func column(_ name: String) -> [String]? {
        header.firstIndex(of: name).map { index in rows.map { $0[index] } }
    }
}
