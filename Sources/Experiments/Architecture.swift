import Datasets
import Foundation
import NeuralNet
import Reporting

// `model.layers`: a network written as a list of layer items.
//
//   conv OUTxKHxKW [sS] [pP]   convolution: OUT kernels of KH×KW, stride S (default 1), zero
//                              padding P on every side (default 0); reads an image
//   avgpool K                  non-overlapping K×K average pooling of an image; K divides its
//                              height and width
//   relu | sigmoid | tanh | identity
//                              activation of the conv/dense right before it (required after
//                              every conv/dense but the last, at most one each)
//   flatten                    switches from image to vector (a no-op on channel-major data,
//                              but required before the first dense of an image input, so a
//                              list says where the spatial part ends)
//   dense N                    fully connected layer with N outputs; reads a vector
//
// The last item is `dense <classes>`: the logits layer, activation identity. A pooling belongs
// to the conv/dense that reads its result (NeuralNet's `inputPooling`; one layer is one linear
// map), so it must be followed by one. The input is the dataset's image (digits 1×8×8,
// MNIST/Fashion-MNIST 1×28×28) or, for tabular datasets, its feature vector.

/// One item of `model.layers`, as written (after parsing). Encoded as its canonical text, so
/// two spellings of one layer (`conv 8x3x3` and `conv 8x3x3 s1 p0`) fingerprint alike.
public enum LayerSpec: Hashable, Sendable, Codable, CustomStringConvertible {
    case conv(outputChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int)
    case averagePool(window: Int)
    case activation(Activation)
    case flatten
    case dense(outputs: Int)

    /// The grammar, for error messages.
    static let grammar = "conv OUTxKHxKW [sS] [pP] (e.g. conv 8x3x3 s2 p1), avgpool K, relu, sigmoid, tanh, identity, flatten, dense N"

    /// Widest fully connected layer (as `model.hidden`).
    static let maximumDenseOutputs = 8192

    /// Canonical spelling: stride and padding only when not the defaults.
    public var description: String {
        switch self {
        case let .conv(outputs, kh, kw, stride, padding):
            "conv \(outputs)x\(kh)x\(kw)" + (stride == 1 ? "" : " s\(stride)") + (padding == 0 ? "" : " p\(padding)")
        case .averagePool(let window): "avgpool \(window)"
        case .activation(let activation): activation.rawValue
        case .flatten: "flatten"
        case .dense(let outputs): "dense \(outputs)"
        }
    }

    /// Parses one item; the error is the reason (the caller adds file, key and item).
    public static func parse(_ text: String) -> Result<LayerSpec, LayerSpecSyntaxError> {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        func failure(_ reason: String) -> Result<LayerSpec, LayerSpecSyntaxError> { .failure(LayerSpecSyntaxError(reason: reason)) }
        guard let keyword = words.first else { return failure("is empty; allowed: \(grammar)") }
        let arguments = Array(words.dropFirst())
        if let activation = Activation(rawValue: keyword) {
            guard arguments.isEmpty else { return failure("an activation takes no arguments; allowed: \(keyword)") }
            return .success(.activation(activation))
        }
        switch keyword {
        case "flatten":
            guard arguments.isEmpty else { return failure("flatten takes no arguments") }
            return .success(.flatten)
        case "dense":
            guard arguments.count == 1, let outputs = Int(arguments[0]), (1...maximumDenseOutputs).contains(outputs) else {
                return failure("allowed: dense N with N an integer from 1 to \(maximumDenseOutputs)")
            }
            return .success(.dense(outputs: outputs))
        case "avgpool":
            // The window's range (2 or more, dividing the image) is checked with the geometry.
            guard arguments.count == 1, let window = Int(arguments[0]) else {
                return failure("allowed: avgpool K with K an integer (the window side, dividing the image's height and width)")
            }
            return .success(.averagePool(window: window))
        case "conv":
            let allowed = "allowed: conv OUTxKHxKW [sS] [pP], e.g. conv 8x3x3 s2 p1 (stride 1 and padding 0 when omitted)"
            guard let extents = arguments.first?.split(separator: "x", omittingEmptySubsequences: false).map({ Int($0) }),
                extents.count == 3, let outputs = extents[0], let kh = extents[1], let kw = extents[2]
            else { return failure(allowed) }
            var stride: Int?, padding: Int?
            for option in arguments.dropFirst() {
                let value = Int(option.dropFirst())
                switch option.first {
                case "s" where stride == nil && value != nil: stride = value
                case "p" where padding == nil && value != nil: padding = value
                default: return failure("has '\(option)'; \(allowed), each of s and p at most once")
                }
            }
            // Ranges (positive extents, padding ≥ 0, the kernel fitting) are `Convolution`'s checks.
            return .success(.conv(outputChannels: outputs, kernelHeight: kh, kernelWidth: kw,
                                  stride: stride ?? 1, padding: padding ?? 0))
        default:
            return failure("'\(keyword)' is not a layer; allowed: \(grammar)")
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch Self.parse(text) {
        case .success(let spec): self = spec
        case .failure(let error):
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)': \(error.reason)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    var isLinear: Bool {
        switch self {
        case .conv, .dense: true
        case .averagePool, .activation, .flatten: false
        }
    }
}

public struct LayerSpecSyntaxError: Error, Equatable {
    public let reason: String
}

/// A network's architecture, as a config gives it.
public enum Architecture: Hashable, Sendable {
    /// `model.hidden` / `model.activation`: fully connected hidden layers of these widths, all
    /// with `activation`; input and output sizes come from the dataset.
    case hidden([Int], activation: Activation)
    /// `model.layers`.
    case layers([LayerSpec])

    /// Short, stable experiment-name label (sweeps over the key): `h128x64` for hidden widths as
    /// before; `l` and 8 hex digits of the sha256 of the canonical layer list for layers (a
    /// readable spelling of a CNN does not fit a folder name; the manifest holds the list).
    public var label: String {
        switch self {
        case .hidden(let widths, _): Self.hiddenLabel(widths)
        case .layers(let specs): "l" + String(sha256Hex(Data(Self.canonicalText(specs).utf8)).prefix(8))
        }
    }

    static func hiddenLabel(_ widths: [Int]) -> String { "h" + widths.map(String.init).joined(separator: "x") }

    static func canonicalText(_ specs: [LayerSpec]) -> String { specs.map(\.description).joined(separator: ", ") }

    /// For reports: `hidden [64] relu`, or the canonical layer list.
    public var summary: String {
        switch self {
        case .hidden(let widths, let activation): "hidden \(widths) \(activation.rawValue)"
        case .layers(let specs): "layers [\(Self.canonicalText(specs))]"
        }
    }

    /// The seeded layers to build for an input of `input` and `classCount` classes; `dataset`
    /// names the input in messages. Throws `ArchitectureProblem` naming the item of
    /// `model.layers` that does not fit.
    public func blueprint(input: TensorShape, classCount: Int, dataset: String) throws(ArchitectureProblem)
        -> [LayerBlueprint]
    {
        switch self {
        case .hidden(let widths, let activation):
            let sizes = [input.count] + widths + [classCount]
            return (0..<(sizes.count - 1)).map { index in
                LayerBlueprint(linear: .dense(inputs: sizes[index], outputs: sizes[index + 1]),
                               activation: index == sizes.count - 2 ? .identity : activation, inputPooling: nil)
            }
        case .layers(let specs):
            return try Self.resolve(specs, input: input, classCount: classCount, dataset: dataset)
        }
    }

    /// Hidden layers (every layer but the logits layer) of the model this builds.
    public var hiddenLayerCount: Int {
        switch self {
        case .hidden(let widths, _): widths.count
        case .layers(let specs): max(0, specs.filter(\.isLinear).count - 1)
        }
    }

    /// Walks the list once, tracking the tensor between items (image or vector), the pooling
    /// waiting for its layer and whether the last linear layer still lacks its activation.
    private static func resolve(_ specs: [LayerSpec], input: TensorShape, classCount: Int, dataset: String)
        throws(ArchitectureProblem) -> [LayerBlueprint]
    {
        guard let last = specs.last else {
            throw ArchitectureProblem(item: nil, message: "is empty; allowed: a list of \(LayerSpec.grammar), ending with dense \(classCount)")
        }
        var layers: [LayerBlueprint] = []
        var current = input
        var pending: (pooling: Pooling, item: Int)? = nil
        /// The item of the last conv/dense while it still lacks its activation.
        var needsActivation: Int? = nil
        let activations = Activation.allCases.map(\.rawValue).joined(separator: ", ")

        for (index, spec) in specs.enumerated() {
            func problem(_ message: String) -> ArchitectureProblem {
                ArchitectureProblem(item: index, message: "'\(spec)' \(message)")
            }
            /// The image a conv or avgpool reads; tabular inputs and flattened tensors have none.
            func image() throws(ArchitectureProblem) -> ImageShape {
                switch current {
                case .image(let image): return image
                case .vector(let count):
                    if case .vector = input {
                        throw problem("needs an image, but \(dataset) is a tabular dataset (\(count) features, no spatial layout); allowed: dense and activations")
                    }
                    throw problem("comes after flatten or a dense layer, where the tensor is a vector of \(count) values; allowed there: dense and activations")
                }
            }
            // Every conv/dense but the last names its activation; anything else after it is early.
            if case .activation = spec {} else if let open = needsActivation {
                throw problem("follows '\(specs[open])' (item \(open)), which has no activation; allowed: one of \(activations) right after every conv/dense but the last (identity for none)")
            }
            switch spec {
            case .activation(let activation):
                guard index > 0, !layers.isEmpty else {
                    throw problem("comes before any conv/dense; an activation applies to the conv or dense right before it")
                }
                let previous = specs[index - 1]
                if case .activation = previous {
                    throw problem("follows the activation '\(previous)': at most one activation per layer; allowed: one of \(activations) right after a conv/dense")
                }
                guard previous.isLinear else {
                    throw problem("follows '\(previous)'; an activation must come right after its conv/dense (a pooling or flatten belongs to the layer after it)")
                }
                if index == specs.count - 1 { break }  // reported below: the logits layer has none
                layers[layers.count - 1].activation = activation
                needsActivation = nil

            case let .conv(outputs, kh, kw, stride, padding):
                let input = try image()
                let convolution: Convolution
                do {
                    convolution = try Convolution(input: input, outputChannels: outputs, kernelHeight: kh,
                                                  kernelWidth: kw, stride: stride, padding: padding)
                } catch {
                    throw problem("does not fit its \(input) input: \((error as? GeometryError)?.description ?? "\(error)")")
                }
                try checkSize(rows: outputs, columns: convolution.kernelSize, convolution: convolution,
                              inputPooling: pending?.pooling, problem: problem)
                layers.append(LayerBlueprint(linear: .convolution(convolution), activation: .identity,
                                             inputPooling: pending?.pooling))
                current = .image(convolution.output)
                pending = nil
                needsActivation = index

            case .averagePool(let window):
                let input = try image()
                if let pending {
                    throw problem("follows '\(specs[pending.item])' (item \(pending.item)) with no conv/dense between; allowed: one avgpool per layer (a window of a·b pools like a then b)")
                }
                do {
                    let pooling = try Pooling(input: input, window: window)
                    pending = (pooling, index)
                    current = .image(pooling.output)
                } catch {
                    throw problem("does not fit its \(input) input: \((error as? GeometryError)?.description ?? "\(error)")")
                }

            case .flatten:
                switch current {
                case .image(let image):
                    // Channel-major tensors flatten to themselves: only the kind changes.
                    current = .vector(image.count)
                case .vector(let count):
                    if case .vector = input, layers.isEmpty {
                        throw problem("has nothing to flatten: \(dataset) is a tabular dataset, its input already a vector of \(count) features; allowed: dense and activations")
                    }
                    throw problem("comes where the tensor is already a vector of \(count) values; allowed: one flatten, between the image part (conv, avgpool) and the first dense")
                }

            case .dense(let outputs):
                guard case .vector(let count) = current else {
                    throw problem("reads a vector but the tensor here is a \(current) image; allowed: flatten before the first dense of an image")
                }
                try checkSize(rows: outputs, columns: count, convolution: nil, inputPooling: pending?.pooling, problem: problem)
                // `count` is already the pooled size when a pooling waits for this layer.
                layers.append(LayerBlueprint(linear: .dense(inputs: count, outputs: outputs), activation: .identity,
                                             inputPooling: pending?.pooling))
                current = .vector(outputs)
                pending = nil
                if index < specs.count - 1 { needsActivation = index }
            }
        }

        let lastIndex = specs.count - 1
        guard case .dense(let outputs) = last else {
            let reason: String
            switch last {
            case .averagePool: reason = "is the last item, but a pooling belongs to the conv/dense after it and none follows"
            case .activation: reason = "is the last item, but the logits layer has no activation (it is identity)"
            default: reason = "is the last item"
            }
            throw ArchitectureProblem(item: lastIndex, message: "'\(last)' \(reason); allowed last item: dense \(classCount) (the logits layer of \(dataset))")
        }
        guard outputs == classCount else {
            throw ArchitectureProblem(item: lastIndex, message: "'\(last)' is the logits layer but \(dataset) has \(classCount) classes; allowed: dense \(classCount)")
        }
        return layers
    }

    /// The limits a model file's layers obey (`Network.sizeProblem`), so a config never trains
    /// a network that could not be saved, reloaded or quantized.
    private static func checkSize(rows: Int, columns: Int, convolution: Convolution?, inputPooling: Pooling?,
                                  problem: (String) -> ArchitectureProblem) throws(ArchitectureProblem)
    {
        if let size = Network.sizeProblem(rows: rows, columns: columns, convolution: convolution, inputPooling: inputPooling) {
            throw problem(size)
        }
    }
}

extension TensorShape {
    /// A dataset's input: its image, or a vector of its features when it is tabular.
    public init(_ dataset: DatasetName, featureCount: Int) {
        if let image = dataset.imageShape {
            self = .image(image)
        } else {
            self = .vector(featureCount)
        }
    }
}

extension DatasetName {
    /// Channels × height × width of an image dataset's samples; nil for tabular data, whose
    /// features have no spatial layout (so a config may not convolve or pool them). Here, not in
    /// Datasets, because Datasets does not depend on NeuralNet, whose `ImageShape` this is.
    /// The feature vector is the image row-major, pixel (y, x) at index y·width + x: the sklearn
    /// digits CSV stores `images.reshape(n, 64)` of the 8×8 images (row 0 of the first sample
    /// is `0 0 5 13 9 1 0 0`, the top of a "0"), and IDX files store each 28×28 image row by
    /// row, read here in file order. With one channel that is exactly the channel-major layout
    /// convolutions read.
    public var imageShape: ImageShape? {
        switch self {
        case .digits: ImageShape(channels: 1, height: 8, width: 8)
        case .mnist, .fashionMNIST: ImageShape(channels: 1, height: 28, width: 28)
        case .iris, .breastCancer, .wine: nil
        }
    }
}

/// Why a `model.layers` list cannot be built: `item` is the index of the offending item (nil
/// for the whole list), `message` starts with its text and says what is allowed.
public struct ArchitectureProblem: Error, Equatable {
    public let item: Int?
    public let message: String
}

/// One layer to initialise: what `NetworkLayer`'s seeded initializers take.
public struct LayerBlueprint: Equatable, Sendable {
    public enum Linear: Equatable, Sendable {
        case dense(inputs: Int, outputs: Int)
        case convolution(Convolution)
    }

    public var linear: Linear
    public var activation: Activation
    public var inputPooling: Pooling?


    /// The seeded network: one generator drawn layer by layer in order, so a `.hidden`
    /// architecture gives exactly the weights of `Network(sizes:activation:seed:)`.
    public static func network(_ blueprints: [LayerBlueprint], seed: UInt64) -> Network {
        var generator = SeededGenerator(seed: seed)
        let layers = blueprints.map { blueprint -> NetworkLayer in
            switch blueprint.linear {
            case .convolution(let convolution):
                return NetworkLayer(convolution: convolution, activation: blueprint.activation,
                                    inputPooling: blueprint.inputPooling, generator: &generator)
            case .dense(let inputs, let outputs):
                let layer = NetworkLayer(inputCount: inputs, outputCount: outputs, activation: blueprint.activation,
                                         generator: &generator)
                guard let pooling = blueprint.inputPooling else { return layer }
                // The fully connected initializer takes no pooling; the weights are drawn the same.
                return NetworkLayer(weights: layer.weights, bias: layer.bias, activation: layer.activation,
                                    inputPooling: pooling)
            }
        }
        return Network(layers: layers)
    }
}
