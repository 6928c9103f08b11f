import FileInput
import Foundation

/// A saved or loaded weight file could not be used. The message names the file.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "Model file \(path): \(reason)" }
}

/// JSON weight files: `{"format": "lockstep.mlp", "formatVersion": 2, "layers": [...]}`. Version 2
/// layers carry `convolution` and `inputPooling` when set; version 1 files (fully connected
/// layers only) still load. Floats are written in their shortest round-trip form, so
/// save∘load is exact.
extension Network {
    public static let fileFormat = "lockstep.mlp"
    public static let fileFormatVersion = 2
    public static let readableFileFormatVersions = 1...2
    /// Widest layer a file may declare: rows × columns then fits `Int` and any real model (MNIST
    /// inputs are 784 wide). A convolution's input and output value counts obey it too.
    public static let maximumLayerWidth = 1 << 20
    /// Largest output positions × kernel size of a convolution a file may declare: one sample's
    /// im2col rows (256 MiB of Float at the limit), which the file's size does not bound as it
    /// bounds the weights. An ImageNet-sized 3×3 layer over 64 channels needs 2^24.8.
    public static let maximumConvolutionTaps = 1 << 26
    /// Largest |weight| or |bias| a file may hold. Trained weights are O(1); with inputs in
    /// [0, 1], values near Float's 3.4e38 make the first sums infinite and the calibration ranges
    /// meaningless, so 2^20 leaves room for any real network and none for overflow.
    public static let maximumParameterMagnitude: Float = 0x1p20

    private struct File: Codable {
        var format: String
        var formatVersion: Int
        var layers: [NetworkLayer]
    }

    public func save(to url: URL) throws {
        for (index, layer) in layers.enumerated()
        where !layer.weights.values.allSatisfy(\.isFinite) || !layer.bias.allSatisfy(\.isFinite) {
            throw ModelFileError(path: url.path, reason: "layer \(index) has non-finite weights or biases; refusing to save a diverged model")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(File(format: Self.fileFormat, formatVersion: Self.fileFormatVersion, layers: layers))
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw ModelFileError(path: url.path, reason: "could not be written (\(error.localizedDescription))")
        }
    }

    /// Largest model file read: the widest layers `maximumLayerWidth` allows are far below it.
    public static let maximumFileBytes = 1 << 30

    public static func load(from url: URL) throws -> Network {
        let data: Data
        do {
            data = try BoundedFile.read(url, maximumBytes: maximumFileBytes)
        } catch {
            throw ModelFileError(path: url.path, reason: error.reason)
        }
        return try load(data: data, path: url.path)
    }

    /// The checks of `load(from:)` on bytes already read; `path` names them in errors.
    public static func load(data: Data, path: String) throws -> Network {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ModelFileError(path: path, reason: decodingProblem(error))
        }
        guard file.format == fileFormat else {
            throw ModelFileError(path: path, reason: "has format \"\(file.format)\", expected \"\(fileFormat)\"")
        }
        guard readableFileFormatVersions.contains(file.formatVersion) else {
            throw ModelFileError(path: path, reason: "has formatVersion \(file.formatVersion), this build reads versions \(readableFileFormatVersions.lowerBound)...\(readableFileFormatVersions.upperBound)")
        }
        guard !file.layers.isEmpty else {
            throw ModelFileError(path: path, reason: "has no layers")
        }
        for (index, layer) in file.layers.enumerated() {
            if let problem = problem(of: layer, formatVersion: file.formatVersion) {
                throw ModelFileError(path: path, reason: "layer \(index) \(problem)")
            }
            if index > 0, layer.inputCount != file.layers[index - 1].outputCount {
                throw ModelFileError(path: path, reason: "layer \(index) reads \(layer.inputCount) values but layer \(index - 1) produces \(file.layers[index - 1].outputCount); allowed: equal counts")
            }
        }
        return Network(layers: file.layers)
    }

    /// Largest weight matrix a layer may have once its input pooling is folded into it (rows ×
    /// columns × k², 2^26 values): quantization builds it in memory.
    public static let maximumFoldedWeights = 1 << 26

    /// The size limits every layer obeys, whether it comes from a model file or a config, as a
    /// phrase after "layer N"; nil when they hold. Checked before anything multiplies them out:
    /// `rows × columns` weights of 1...`maximumLayerWidth` each; every tensor the layer reads or
    /// produces at most `maximumLayerWidth` values; a convolution's im2col at most
    /// `maximumConvolutionTaps`; the pooled fold at most `maximumFoldedWeights`.
    public static func sizeProblem(rows: Int, columns: Int, convolution: Convolution?, inputPooling: Pooling?) -> String? {
        guard (1...maximumLayerWidth).contains(rows), (1...maximumLayerWidth).contains(columns) else {
            return "declares \(rows)×\(columns) weights; allowed: 1...\(maximumLayerWidth) rows and columns"
        }
        // Geometries passed their initializers, so every extent is at most
        // Convolution.maximumExtent and these counts fit Int.
        var tensors = [(String, ImageShape)]()
        if let pooling = inputPooling { tensors.append(("pooling input", pooling.input)) }
        if let convolution {
            tensors += [("convolution input", convolution.input), ("convolution output", convolution.output)]
        }
        for (name, shape) in tensors where shape.count > maximumLayerWidth {
            return "\(name) is \(shape) = \(shape.count) values; allowed: at most \(maximumLayerWidth)"
        }
        if let convolution {
            let taps = convolution.output.positions.multipliedReportingOverflow(by: convolution.kernelSize)
            if taps.overflow || taps.partialValue > maximumConvolutionTaps {
                return "convolution has \(convolution.output.positions) output positions × \(convolution.kernelSize) kernel values per sample; allowed: at most \(maximumConvolutionTaps) taps"
            }
        }
        if let window = inputPooling?.window {
            let folded = (rows * columns).multipliedReportingOverflow(by: window * window)
            if folded.overflow || folded.partialValue > maximumFoldedWeights {
                return "folds a \(window)×\(window) input pooling into \(rows)×\(columns) weights, \(rows * columns)·\(window * window) integer weights; allowed: at most \(maximumFoldedWeights)"
            }
        }
        return nil
    }

    /// What is wrong with one decoded layer, as a phrase after "layer N"; nil when it can be built.
    /// Sizes come first, so every count the later checks compute fits `Int`.
    private static func problem(of layer: NetworkLayer, formatVersion: Int) -> String? {
        if formatVersion == 1, layer.convolution != nil || layer.inputPooling != nil {
            return "has a convolution or pooling, which formatVersion 1 files cannot hold; allowed: fully connected layers (convolutions need formatVersion 2)"
        }
        let (rows, columns) = (layer.weights.rows, layer.weights.columns)
        if let problem = sizeProblem(rows: rows, columns: columns, convolution: layer.convolution, inputPooling: layer.inputPooling) {
            return problem
        }
        guard layer.weights.values.count == rows * columns else {
            return "declares \(rows)×\(columns) weights but holds \(layer.weights.values.count) values"
        }
        for (kind, values) in [("weight", layer.weights.values), ("bias", layer.bias)] {
            if let position = values.firstIndex(where: { !($0.magnitude <= maximumParameterMagnitude) }) {
                return "\(kind) \(position) is \(values[position]); allowed: finite values of magnitude ≤ \(maximumParameterMagnitude) (larger ones overflow Float in the forward pass; is the file from a diverged training?)"
            }
        }
        guard layer.bias.count == rows else {
            return "has \(layer.bias.count) biases for \(rows) output channels; allowed: one per channel"
        }
        if let problem = layer.shapeProblem { return "is inconsistent: \(problem)" }
        return nil
    }

    /// A geometry the `Convolution`/`Pooling` decoders refused, named by layer and field ("layer 2
    /// convolution: convolution stride is -1; allowed: 1...4096"); anything else as malformed JSON.
    private static func decodingProblem(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error, context.codingPath.count >= 3,
           context.codingPath[0].stringValue == "layers", let layer = context.codingPath[1].intValue {
            let field = context.codingPath.dropFirst(2).map(\.stringValue).joined(separator: ".")
            return "layer \(layer) \(field): \(context.debugDescription)"
        }
        return "is not a valid \(fileFormat) JSON weight file (\(error))"
    }
}
