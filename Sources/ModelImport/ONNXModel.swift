// How to use (module ModelImport)
//
//   let imported = try ONNXModel.load(from: URL(fileURLWithPath: "model.onnx"))
//   imported.network        // a NeuralNet.Network: PTQ/QAT, circuit compilation and FHE as usual
//   imported.input          // .image(1×8×8) for a graph reading [N, 1, 8, 8], .vector(64) for [N, 64]
//
// Float models exported by `torch.onnx.export` for MLPs and small CNNs map onto Lockstep's
// layer `activation(linear(pool(x)) + bias)`; anything else is an `ONNXImportError` naming the
// file, the node and its op. See `GraphMapper` for the supported ops and how they map.

import FileInput
import Foundation
import NeuralNet
import SwiftProtobuf

/// An ONNX float model imported as a Lockstep `Network`, with the per-sample shape its graph reads.
public struct ONNXModel: Sendable, Equatable {
    /// The tensor one sample of the graph input is: Lockstep tensors are flat and channel-major,
    /// like ONNX's NCHW, so the network reads the same values in the same order either way.
    public typealias Input = TensorShape

    public let network: Network
    public let input: Input

    /// Largest ONNX file read: the limits of `Network.sizeProblem` allow far larger tensors in
    /// principle, but every network Lockstep can run under FHE is a few MB.
    public static let maximumFileBytes = 1 << 30

    public static func load(from url: URL) throws -> ONNXModel {
        let data: Data
        do {
            data = try BoundedFile.read(url, maximumBytes: maximumFileBytes)
        } catch {
            throw ONNXImportError(path: url.path, kind: error.kind == .tooLarge ? .sizeLimit : .unreadable, reason: error.reason)
        }
        return try load(data: data, path: url.path)
    }

    /// The checks of `load(from:)` on bytes already read; `path` names them in errors.
    public static func load(data: Data, path: String) throws -> ONNXModel {
        guard data.count <= maximumFileBytes else {
            throw ONNXImportError(path: path, kind: .sizeLimit, reason: "is \(data.count) bytes; allowed: at most \(maximumFileBytes)")
        }
        let model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            // Fields of later ONNX versions carry nothing the supported ops need.
            options.discardUnknownFields = true
            model = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw ONNXImportError(path: path, kind: .malformed,
                                  reason: "is not an ONNX model: protobuf decoding failed (\(error)); is the file complete?")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw ONNXImportError(path: path, kind: .malformed,
                                  reason: "holds no graph nodes; allowed: an ONNX ModelProto as torch.onnx.export writes it")
        }
        var mapper = GraphMapper(path: path, graph: model.graph)
        return try mapper.map()
    }
}
