import Foundation

/// A saved or loaded weight file could not be used. The message names the file.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "Model file \(path): \(reason)" }
}

/// JSON weight files: `{"format": "lockstep.mlp", "formatVersion": 1, "layers": [...]}`.
/// Floats are written in their shortest round-trip form, so save∘load is exact.
extension Network {
    public static let fileFormat = "lockstep.mlp"
    public static let fileFormatVersion = 1
    /// Widest layer a file may declare: rows × columns then fits `Int` and any real model (MNIST
    /// inputs are 784 wide).
    public static let maximumLayerWidth = 1 << 20
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

    public static func load(from url: URL) throws -> Network {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelFileError(path: url.path, reason: "could not be read (\(error.localizedDescription))")
        }
        return try load(data: data, path: url.path)
    }

    /// The checks of `load(from:)` on bytes already read; `path` names them in errors.
    public static func load(data: Data, path: String) throws -> Network {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ModelFileError(path: path, reason: "is not a valid \(fileFormat) JSON weight file (\(error))")
        }
        guard file.format == fileFormat else {
            throw ModelFileError(path: path, reason: "has format \"\(file.format)\", expected \"\(fileFormat)\"")
        }
        guard file.formatVersion == fileFormatVersion else {
            throw ModelFileError(path: path, reason: "has formatVersion \(file.formatVersion), this build reads version \(fileFormatVersion)")
        }
        guard !file.layers.isEmpty else {
            throw ModelFileError(path: path, reason: "has no layers")
        }
        for (index, layer) in file.layers.enumerated() {
            let (rows, columns) = (layer.weights.rows, layer.weights.columns)
            guard (1...maximumLayerWidth).contains(rows), (1...maximumLayerWidth).contains(columns) else {
                throw ModelFileError(path: path, reason: "layer \(index) declares \(rows)×\(columns) weights; allowed: 1...\(maximumLayerWidth) rows and columns")
            }
            guard layer.weights.values.count == rows * columns else {
                throw ModelFileError(path: path, reason: "layer \(index) declares \(rows)×\(columns) weights but holds \(layer.weights.values.count) values")
            }
            for (kind, values) in [("weight", layer.weights.values), ("bias", layer.bias)] {
                if let position = values.firstIndex(where: { !($0.magnitude <= maximumParameterMagnitude) }) {
                    throw ModelFileError(
                        path: path,
                        reason: "layer \(index) \(kind) \(position) is \(values[position]); allowed: finite values of magnitude ≤ \(maximumParameterMagnitude) (larger ones overflow Float in the forward pass; is the file from a diverged training?)")
                }
            }
            guard layer.bias.count == layer.weights.rows else {
                throw ModelFileError(path: path, reason: "layer \(index) has \(layer.bias.count) biases for \(layer.weights.rows) neurons")
            }
            if index > 0, layer.weights.columns != file.layers[index - 1].weights.rows {
                throw ModelFileError(path: path, reason: "layer \(index) expects \(layer.weights.columns) inputs but layer \(index - 1) has \(file.layers[index - 1].weights.rows) outputs")
            }
        }
        return Network(layers: file.layers)
    }
}
