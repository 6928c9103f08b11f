import Foundation

/// One cell of a report. The text of a cell is fixed by its kind, so the CSV and the Markdown
/// rendering of the same record always show the same characters.
public enum ReportValue: Sendable, Hashable {
    case integer(Int)
    /// A fraction in [0, 1] such as an accuracy, printed with 6 decimals.
    case fraction(Double)
    /// A measured quantity printed with `decimals` decimals (the unit is in the column name).
    case decimal(Double, decimals: Int)
    /// A quantity spanning orders of magnitude (noise σ on the torus), as `%.{digits}e`.
    case scientific(Double, digits: Int)
    /// log2 of a probability: 2 decimals, or `%.3e` below −10^6 (a fresh linear combination's
    /// decryption failure is predicted near 2^(−10^32), which fixed notation spells in 36 digits).
    case log2Probability(Double)
    case text(String)
    case flag(Bool)
    /// A measurement that belongs to a stage which did not run (e.g. FHE before it exists).
    case notRun

    public static let notRunText = "not run"

    public var text: String {
        switch self {
        case .integer(let value): String(value)
        case .fraction(let value): Self.fixed(value, decimals: 6)
        case .decimal(let value, let decimals): Self.fixed(value, decimals: decimals)
        case .scientific(let value, let digits): String(format: "%.\(digits)e", value)
        case .log2Probability(let value): value < -1e6 ? String(format: "%.3e", value) : Self.fixed(value, decimals: 2)
        case .text(let value): value
        case .flag(let value): value ? "true" : "false"
        case .notRun: Self.notRunText
        }
    }

    private static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let text = String(format: "%.\(decimals)f", value)
        // "-0.000" would make two equal runs print differently.
        return text.hasPrefix("-") && text.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(text.dropFirst()) : text
    }
}

extension Optional where Wrapped == Int {
    /// `.integer` when present, `.notRun` when the stage producing it did not run.
    public var reportValue: ReportValue { map(ReportValue.integer) ?? .notRun }
}

/// A row type with a constant column list: every row has every column.
public protocol ReportRecord: Sendable {
    static var columns: [String] { get }
    var values: [ReportValue] { get }
}
