/// Rows under a fixed header, rendered as RFC 4180 CSV or as a Markdown table.
public struct ReportTable: Sendable, Equatable {
    public let columns: [String]
    public private(set) var rows: [[ReportValue]]

    public init(columns: [String], rows: [[ReportValue]] = []) {
        precondition(Set(columns).count == columns.count, "Report columns must be unique: \(columns).")
        self.columns = columns
        self.rows = []
        rows.forEach { append($0) }
    }

    public init<Record: ReportRecord>(records: [Record]) {
        self.init(columns: Record.columns, rows: records.map(\.values))
    }

    public mutating func append(_ row: [ReportValue]) {
        precondition(
            row.count == columns.count,
            "Report row has \(row.count) values but the table has \(columns.count) columns (\(columns.joined(separator: ", "))).")
        rows.append(row)
    }

    /// RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF, quotes doubled.
    public func csv() -> String {
        ([columns] + rows.map { $0.map(\.text) })
            .map { $0.map(Self.csvField).joined(separator: ",") + "\r\n" }
            .joined()
    }

    /// The table narrowed to `columns` (in that order) and to the rows `keep` accepts; nil when
    /// a column is not in the table.
    public func selecting(columns selected: [String], rows keep: ([ReportValue]) -> Bool = { _ in true }) -> ReportTable? {
        let indices = selected.compactMap { columns.firstIndex(of: $0) }
        guard indices.count == selected.count, Set(selected).count == selected.count else { return nil }
        return ReportTable(columns: selected, rows: rows.filter(keep).map { row in indices.map { row[$0] } })
    }

    public func markdown() -> String {
        let header = "| " + columns.map(Self.markdownCell).joined(separator: " | ") + " |\n"
        let rule = "|" + columns.map { _ in "---|" }.joined() + "\n"
        let body = rows.map { "| " + $0.map { Self.markdownCell($0.text) }.joined(separator: " | ") + " |\n" }.joined()
        return header + rule + body
    }

    static func csvField(_ text: String) -> String {
        // Scalars, not Characters: "\r\n" is a single Character equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\r\n", with: "<br>")
            .replacingOccurrences(of: "\n", with: "<br>")
    }
}

import Foundation
