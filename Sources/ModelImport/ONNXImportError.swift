/// An ONNX file that cannot become a Lockstep `Network`. The description names the file, the
/// node (by name, or by position when the exporter left it unnamed) and its op, and says what
/// is allowed; `kind` lets callers and tests branch without reading the sentence.
public struct ONNXImportError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// The file could not be read from disk.
        case unreadable
        /// The bytes are not an ONNX ModelProto, or the graph is incomplete (no input, a
        /// missing initializer, an input without a shape).
        case malformed
        /// An op outside the supported set, or a supported op in a place Lockstep's layer
        /// model has no room for (an activation without a linear op before it).
        case unsupportedOperator
        /// A supported op with an attribute value Lockstep cannot run (groups, dilation,
        /// asymmetric padding, Gemm alpha ≠ 1, …).
        case unsupportedAttribute
        /// A tensor that is not stored FLOAT data inside the file, or holds values out of range.
        case unsupportedTensor
        /// Shapes that do not fit together (weights against the tensor they read, a pool that
        /// does not divide its input).
        case shapeMismatch
        /// The graph is not one chain: a residual, a parallel branch or several outputs.
        case notAChain
        /// A size beyond Lockstep's limits (`Network.sizeProblem`, `Convolution.maximumExtent`).
        case sizeLimit
    }

    public let path: String
    /// The node's name, `node N` when it has none, or nil for problems of the whole file.
    public let node: String?
    /// The node's op type as the file spells it; nil for problems of the whole file.
    public let op: String?
    public let kind: Kind
    public let reason: String

    public init(path: String, node: String? = nil, op: String? = nil, kind: Kind, reason: String) {
        self.path = path
        self.node = node
        self.op = op
        self.kind = kind
        self.reason = reason
    }

    public var description: String {
        guard let node else { return "ONNX file \(path): \(reason)" }
        return "ONNX file \(path): node '\(node)' (\(op ?? "?")): \(reason)"
    }
}

/// Names taken from a file go into error sentences; a hostile file could make them megabytes long.
func printable(_ text: String) -> String {
    let limit = 80
    let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    return cleaned.count <= limit ? cleaned : String(cleaned.prefix(limit)) + "…"
}
