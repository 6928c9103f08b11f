// Geometry of convolutional layers. Every tensor in Lockstep is a flat vector; an image-like
// tensor is laid out channel-major, element (c, y, x) at index c·H·W + y·W + x, so a
// "flatten" between a convolution and a fully connected layer is the identity and needs no op.
//
// The only place that maps an output position to the input values it reads is
// `Convolution.forEachTap`; training (im2col), the integer reference and the circuit's sparse
// rows all go through it, so they agree on padding and stride by construction.

/// The shape of an image-like tensor (channels × height × width), flattened channel-major.
public struct ImageShape: Codable, Sendable, Equatable, CustomStringConvertible {
    public let channels: Int
    public let height: Int
    public let width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// channels · height · width.
    public var count: Int { channels * height * width }
    public var positions: Int { height * width }
    public var description: String { "\(channels)×\(height)×\(width)" }

    @inline(__always)
    public func index(channel: Int, y: Int, x: Int) -> Int { (channel * height + y) * width + x }

    /// Every extent in 1...`Convolution.maximumExtent` (so `count` cannot overflow).
    func check(_ what: String) throws {
        for (name, value) in [("channels", channels), ("height", height), ("width", width)]
        where !(1...Convolution.maximumExtent).contains(value) {
            throw GeometryError(description: "\(what) \(name) is \(value); allowed: 1...\(Convolution.maximumExtent)")
        }
    }
}

/// Why a layer geometry cannot be built; the message names the numbers involved.
public struct GeometryError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// A 2-D convolution: `outputChannels` kernels of `input.channels × kernelHeight × kernelWidth`,
/// moved by `stride`, over an input zero-padded by `padding` on every side. The layer's weights
/// are a matrix `outputChannels × kernelSize`, column (c, ky, kx) at c·kh·kw + ky·kw + kx; its
/// bias has one value per output channel.
public struct Convolution: Codable, Sendable, Equatable {
    public let input: ImageShape
    public let outputChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    public let padding: Int

    /// Largest kernel side, stride, padding and channel count a layer may declare: far above any
    /// network that runs under FHE, small enough that every product of them fits `Int`.
    public static let maximumExtent = 1 << 12

    /// Checks every extent, so a geometry from a file or config can never make a count
    /// overflow or an output empty.
    public init(input: ImageShape, outputChannels: Int, kernelHeight: Int, kernelWidth: Int,
                stride: Int = 1, padding: Int = 0) throws {
        let limit = Self.maximumExtent
        try input.check("convolution input")
        for (name, value, low) in [("output channels", outputChannels, 1),
                                   ("kernel height", kernelHeight, 1), ("kernel width", kernelWidth, 1),
                                   ("stride", stride, 1), ("padding", padding, 0)]
        where !(low...limit).contains(value) {
            throw GeometryError(description: "convolution \(name) is \(value); allowed: \(low)...\(limit)")
        }
        guard input.height + 2 * padding >= kernelHeight, input.width + 2 * padding >= kernelWidth else {
            throw GeometryError(description: "a \(kernelHeight)×\(kernelWidth) kernel does not fit the \(input) input with padding \(padding)")
        }
        self.input = input
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    /// Re-checks a decoded geometry (a model or circuit file) with the initializer's rules.
    public init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case input, outputChannels, kernelHeight, kernelWidth, stride, padding }
        let c = try decoder.container(keyedBy: Keys.self)
        do {
            try self.init(input: try c.decode(ImageShape.self, forKey: .input),
                          outputChannels: try c.decode(Int.self, forKey: .outputChannels),
                          kernelHeight: try c.decode(Int.self, forKey: .kernelHeight),
                          kernelWidth: try c.decode(Int.self, forKey: .kernelWidth),
                          stride: try c.decode(Int.self, forKey: .stride),
                          padding: try c.decode(Int.self, forKey: .padding))
        } catch let error as GeometryError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public var output: ImageShape {
        ImageShape(channels: outputChannels,
                   height: (input.height + 2 * padding - kernelHeight) / stride + 1,
                   width: (input.width + 2 * padding - kernelWidth) / stride + 1)
    }

    /// Columns of the weight matrix: input.channels · kernelHeight · kernelWidth.
    public var kernelSize: Int { input.channels * kernelHeight * kernelWidth }

    /// Calls `body(inputIndex, kernelColumn)` for every tap of output position (y, x) that
    /// lands inside the input; taps on the zero padding are skipped (they contribute 0).
    @inline(__always)
    public func forEachTap(y: Int, x: Int, _ body: (_ inputIndex: Int, _ kernelColumn: Int) -> Void) {
        let top = y * stride - padding, left = x * stride - padding
        for c in 0..<input.channels {
            for ky in 0..<kernelHeight {
                let iy = top + ky
                guard iy >= 0, iy < input.height else { continue }
                for kx in 0..<kernelWidth {
                    let ix = left + kx
                    guard ix >= 0, ix < input.width else { continue }
                    body(input.index(channel: c, y: iy, x: ix), (c * kernelHeight + ky) * kernelWidth + kx)
                }
            }
        }
    }

    /// The same convolution reading the input before a `window`-average pooling, as one
    /// convolution: kernel k·kh × k·kw, stride k·s, padding k·p. A pooled value is the mean of
    /// a k × k block, so a tap on pooled (c, py, px) becomes k² taps on the block, each with
    /// weight w/k² (the caller scales); zero padding of the pooled grid is zero padding of the
    /// original one because `Pooling` requires the sides to be multiples of k.
    public func readingBefore(_ pooling: Pooling) throws -> Convolution {
        let k = pooling.window
        return try Convolution(input: pooling.input, outputChannels: outputChannels,
                               kernelHeight: k * kernelHeight, kernelWidth: k * kernelWidth,
                               stride: k * stride, padding: k * padding)
    }

    /// Column of the expanded kernel (see `readingBefore`) that repeats column `column` of
    /// this kernel at block offset (a, b).
    public func expandedColumn(_ column: Int, window k: Int, a: Int, b: Int) -> Int {
        let kx = column % kernelWidth, ky = (column / kernelWidth) % kernelHeight, c = column / (kernelWidth * kernelHeight)
        return (c * (k * kernelHeight) + k * ky + a) * (k * kernelWidth) + k * kx + b
    }
}

/// Non-overlapping average pooling (window × window, stride = window) of a layer's input.
/// Lockstep attaches pooling to the layer that reads its result: a sum followed by a linear
/// map is one linear map, so the circuit keeps one linear op per layer and every output's
/// noise is a weighted sum of independent PBS outputs (DESIGN §3).
public struct Pooling: Codable, Sendable, Equatable {
    public let input: ImageShape
    public let window: Int

    public init(input: ImageShape, window: Int) throws {
        try input.check("pooling input")
        guard (2...Convolution.maximumExtent).contains(window) else {
            throw GeometryError(description: "pooling window is \(window); allowed: 2...\(Convolution.maximumExtent)")
        }
        guard input.height % window == 0, input.width % window == 0 else {
            throw GeometryError(description: "pooling window \(window) does not divide the \(input) input; allowed: windows that divide height and width (the pooled grid must tile the input exactly)")
        }
        self.input = input
        self.window = window
    }

    public init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case input, window }
        let c = try decoder.container(keyedBy: Keys.self)
        do {
            try self.init(input: try c.decode(ImageShape.self, forKey: .input), window: try c.decode(Int.self, forKey: .window))
        } catch let error as GeometryError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public var output: ImageShape {
        ImageShape(channels: input.channels, height: input.height / window, width: input.width / window)
    }

    /// The input index of element (a, b) of the block that pooled value `pooledIndex` averages.
    @inline(__always)
    public func inputIndex(pooledIndex: Int, a: Int, b: Int) -> Int {
        let out = output
        let px = pooledIndex % out.width, py = (pooledIndex / out.width) % out.height, c = pooledIndex / out.positions
        return input.index(channel: c, y: py * window + a, x: px * window + b)
    }
}

/// The tensor between two layers (or a network's input): an image, channel-major, or a vector.
/// Flattening keeps the values in order, so an image and a vector of its count hold the same data.
public enum TensorShape: Equatable, Sendable, CustomStringConvertible {
    case image(ImageShape)
    case vector(Int)

    public var count: Int {
        switch self {
        case .image(let image): image.count
        case .vector(let count): count
        }
    }

    public var description: String {
        switch self {
        case .image(let image): image.description
        case .vector(let count): "\(count)"
        }
    }

    /// The shape as a batch tensor, as ONNX and PyTorch write it: [batch, C, H, W] or [batch, n].
    public var batchDescription: String {
        switch self {
        case .image(let image): "[batch, \(image.channels), \(image.height), \(image.width)]"
        case .vector(let count): "[batch, \(count)]"
        }
    }
}
