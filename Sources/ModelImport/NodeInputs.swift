import Foundation
import NeuralNet

/// A node as errors name it.
struct NodeReference {
    let label: String
    let op: String

    init(_ node: Onnx_NodeProto, index: Int) {
        label = node.name.isEmpty ? "#\(index)" : printable(node.name)
        op = printable(node.opType)
    }
}

/// A tensor's dims after their checks, or why they fail them.
enum CheckedDims {
    case dims([Int], count: Int)
    case problem(String)
}

/// A stored FLOAT tensor: its dims, each checked, and its values in row-major order.
struct StoredTensor {
    let dims: [Int]
    let values: [Float]
}

/// The attributes of one node, refused when the op does not define them: an attribute Lockstep
/// ignored could change what the op computes.
struct NodeAttributes {
    private let byName: [String: Onnx_AttributeProto]
    private let path: String
    private let reference: NodeReference

    init(_ node: Onnx_NodeProto, _ reference: NodeReference, path: String, allowed: [String]) throws {
        self.path = path
        self.reference = reference
        var byName = [String: Onnx_AttributeProto]()
        for attribute in node.attribute {
            guard allowed.contains(attribute.name) else {
                let known = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
                throw ONNXImportError(path: path, node: reference.label, op: reference.op, kind: .unsupportedAttribute, reason: "has attribute '\(printable(attribute.name))', which Lockstep does not interpret; allowed: \(known)")
            }
            byName[attribute.name] = attribute
        }
        self.byName = byName
    }

    private func fail(_ kind: ONNXImportError.Kind, _ reason: String) -> ONNXImportError {
        ONNXImportError(path: path, node: reference.label, op: reference.op, kind: kind, reason: reason)
    }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let attribute = byName[name] else { return value }
        guard attribute.type == .int || (attribute.type == .undefined && attribute.hasI) else {
            throw fail(.unsupportedAttribute, "attribute \(name) is \(attribute.type); allowed: an INT")
        }
        return Int(attribute.i)
    }

    func float(_ name: String, default value: Float) throws -> Float {
        guard let attribute = byName[name] else { return value }
        guard attribute.type == .float || (attribute.type == .undefined && attribute.hasF) else {
            throw fail(.unsupportedAttribute, "attribute \(name) is \(attribute.type); allowed: a FLOAT")
        }
        return attribute.f
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.type == .ints || attribute.type == .undefined else {
            throw fail(.unsupportedAttribute, "attribute \(name) is \(attribute.type); allowed: INTS")
        }
        guard attribute.ints.count <= 8 else {
            throw fail(.unsupportedAttribute, "attribute \(name) has \(attribute.ints.count) values; allowed: one or two per spatial axis")
        }
        return attribute.ints.map { Int($0) }
    }

    func string(_ name: String) throws -> String? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.type == .string || (attribute.type == .undefined && attribute.hasS) else {
            throw fail(.unsupportedAttribute, "attribute \(name) is \(attribute.type); allowed: a STRING")
        }
        return String(decoding: attribute.s, as: UTF8.self)
    }

    func tensor(_ name: String) -> Onnx_TensorProto? {
        guard let attribute = byName[name], attribute.hasT else { return nil }
        return attribute.t
    }
}

extension Onnx_TensorProto {
    static let floatType = Int32(DataType.float.rawValue)
    static let int64Type = Int32(DataType.int64.rawValue)

    var typeName: String {
        DataType(rawValue: Int(dataType)).map { "\($0)".uppercased() } ?? "type \(dataType)"
    }

    /// Each dim in 0...limit and their product, or why not. Checked before anything is
    /// allocated, so a header that declares a huge tensor fails instead of trapping.
    func checkedDims(limit: Int) -> CheckedDims {
        guard dims.count <= 8 else { return .problem("has rank \(dims.count); allowed: at most 4") }
        var count = 1
        for dim in dims {
            guard dim >= 0, dim <= Int64(limit) else {
                return .problem("has a dimension of \(dim); allowed: 0...\(limit)")
            }
            let product = count.multipliedReportingOverflow(by: Int(dim))
            guard !product.overflow, product.partialValue <= Network.maximumLayerWidth * Network.maximumLayerWidth else {
                return .problem("has dims \(dims), too many values; allowed: each layer within Lockstep's size limits")
            }
            count = product.partialValue
        }
        return .dims(dims.map { Int($0) }, count: count)
    }

    /// Why the values cannot be read from the file itself; nil when they can.
    var storageProblem: String? {
        if dataLocation == .external {
            return "is stored outside the file (external data); allowed: tensors stored inside the .onnx file (export without external data)"
        }
        if hasSegment { return "is segmented; allowed: one whole tensor" }
        return nil
    }

    /// The FLOAT values, from `raw_data` (little-endian) or `float_data`; nil when their number
    /// is not `count`.
    func floatValues(count: Int) -> [Float]? {
        if !rawData.isEmpty {
            let bytes = count.multipliedReportingOverflow(by: 4)
            guard !bytes.overflow, rawData.count == bytes.partialValue else { return nil }
            return rawData.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
        }
        return floatData.count == count ? floatData : nil
    }

    /// The INT64 values, from `raw_data` or `int64_data`; nil when their number is not `count`.
    func int64Values(count: Int) -> [Int64]? {
        if !rawData.isEmpty {
            let bytes = count.multipliedReportingOverflow(by: 8)
            guard !bytes.overflow, rawData.count == bytes.partialValue else { return nil }
            return rawData.withUnsafeBytes { raw in
                (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            }
        }
        return int64Data.count == count ? int64Data : nil
    }
}
