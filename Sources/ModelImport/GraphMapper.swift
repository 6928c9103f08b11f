import Foundation
import NeuralNet

/// The ops an imported graph may hold. A Lockstep layer is `activation(linear(pool(x)) + bias)`,
/// so the graph must be one chain that reads as a sequence of such layers:
///
///   [AveragePool] [Flatten|Reshape] (Gemm | MatMul [Add] | Conv [Add]) [Flatten|Reshape] [Relu|Sigmoid|Tanh]
///
/// A linear op without an activation is a layer with `.identity` (the logits layer). Flatten and
/// Reshape to [batch, features] are the identity on Lockstep's flat, channel-major tensors, as
/// they are on ONNX's NCHW ones. A final Softmax or LogSoftmax is dropped: Lockstep's networks
/// end in logits (softmax lives in the loss), and the argmax is the same.
enum Op: String, CaseIterable {
    case gemm = "Gemm", matMul = "MatMul", add = "Add", conv = "Conv", averagePool = "AveragePool"
    case relu = "Relu", sigmoid = "Sigmoid", tanh = "Tanh"
    case flatten = "Flatten", reshape = "Reshape", softmax = "Softmax", logSoftmax = "LogSoftmax"
    case constant = "Constant"

    static let allowed = "Gemm, MatMul (+ Add), Conv (+ Add), AveragePool, Relu, Sigmoid, Tanh, Flatten, Reshape (to [batch, features]), Constant, and Softmax or LogSoftmax as the last op"

    var activation: Activation? {
        switch self {
        case .relu: .relu
        case .sigmoid: .sigmoid
        case .tanh: .tanh
        default: nil
        }
    }
}

/// Walks a graph's nodes in file order (ONNX requires topological order), tracking the one
/// tensor the chain has reached, its shape, a pooling waiting for the layer that reads it, and
/// the linear op still waiting for its bias and activation.
struct GraphMapper {
    let path: String
    let graph: Onnx_GraphProto
    /// Initializers and the outputs of Constant nodes, by name.
    private var stored: [String: Onnx_TensorProto]

    private var current = ""
    private var shape = ONNXModel.Input.vector(1)
    private var pendingPooling: (pooling: Pooling, node: NodeReference)? = nil
    private var open: OpenLayer? = nil
    private var layers: [NetworkLayer] = []
    /// The final Softmax, after which no op may follow.
    private var finalSoftmax: NodeReference? = nil

    private struct OpenLayer {
        var weights: Matrix
        var bias: [Float]
        var convolution: Convolution?
        var pooling: Pooling?
        let node: NodeReference
    }

    init(path: String, graph: Onnx_GraphProto) {
        self.path = path
        self.graph = graph
        stored = Dictionary(graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func fileError(_ kind: ONNXImportError.Kind, _ reason: String) -> ONNXImportError {
        ONNXImportError(path: path, kind: kind, reason: reason)
    }

    private func error(_ node: NodeReference, _ kind: ONNXImportError.Kind, _ reason: String) -> ONNXImportError {
        ONNXImportError(path: path, node: node.label, op: node.op, kind: kind, reason: reason)
    }

    mutating func map() throws -> ONNXModel {
        let (name, input) = try graphInput()
        (current, shape) = (name, input)
        for (index, node) in graph.node.enumerated() {
            try step(node, NodeReference(node, index: index), isLast: index == graph.node.count - 1)
        }
        if let open { try close(open, activation: .identity) }
        if let pendingPooling {
            throw error(pendingPooling.node, .unsupportedOperator,
                        "pools the graph's output, which no layer reads; allowed: AveragePool before a Conv, Gemm or MatMul")
        }
        guard !layers.isEmpty else {
            throw fileError(.unsupportedOperator, "has no Gemm, MatMul or Conv; allowed: a graph of \(Op.allowed)")
        }
        let outputs = graph.output.map(\.name)
        guard outputs == [current] else {
            let names = outputs.map { "'\(printable($0))'" }.joined(separator: ", ")
            throw fileError(.notAChain, "has graph outputs [\(names)], but its chain of ops ends at '\(printable(current))'; allowed: one output, the last op's (the logits)")
        }
        for index in layers.indices.dropFirst() where layers[index].inputCount != layers[index - 1].outputCount {
            throw fileError(.shapeMismatch, "layer \(index) reads \(layers[index].inputCount) values but layer \(index - 1) produces \(layers[index - 1].outputCount)")
        }
        return ONNXModel(network: Network(layers: layers), input: input)
    }

    /// The one graph input that is not an initializer: [batch, features] or [batch, C, H, W],
    /// FLOAT, with every dim but the batch fixed.
    private func graphInput() throws -> (name: String, shape: ONNXModel.Input) {
        let inputs = graph.input.filter { stored[$0.name] == nil }
        guard inputs.count == 1 else {
            let names = inputs.prefix(5).map { "'\(printable($0.name))'" }.joined(separator: ", ")
            throw fileError(.notAChain, "has \(inputs.count) graph inputs besides its initializers [\(names)]; allowed: exactly one, the batch of samples")
        }
        let input = inputs[0]
        let name = printable(input.name)
        guard case .tensorType(let tensor)? = input.type.value else {
            throw fileError(.malformed, "graph input '\(name)' is not a tensor; allowed: a FLOAT tensor [batch, features] or [batch, C, H, W]")
        }
        guard tensor.elemType == Onnx_TensorProto.floatType else {
            throw fileError(.unsupportedTensor, "graph input '\(name)' has element type \(tensor.elemType); allowed: FLOAT (1)")
        }
        guard tensor.hasShape else {
            throw fileError(.malformed, "graph input '\(name)' has no shape; allowed: [batch, features] or [batch, C, H, W] with fixed sizes after the batch")
        }
        var sizes = [Int]()
        for (axis, dim) in tensor.shape.dim.enumerated().dropFirst() {
            guard case .dimValue(let value)? = dim.value, value >= 1, value <= Int64(Network.maximumLayerWidth) else {
                throw fileError(.shapeMismatch, "graph input '\(name)' has axis \(axis) of size \(dim.value.map { "\($0)" } ?? "unknown"); allowed: fixed sizes 1...\(Network.maximumLayerWidth) after the batch axis")
            }
            sizes.append(Int(value))
        }
        switch sizes.count + 1 {
        case 2:
            return (input.name, .vector(sizes[0]))
        case 4:
            let image = ImageShape(channels: sizes[0], height: sizes[1], width: sizes[2])
            guard sizes.allSatisfy({ $0 <= Convolution.maximumExtent }), image.count <= Network.maximumLayerWidth else {
                throw fileError(.sizeLimit, "graph input '\(name)' is \(image); allowed: sides of at most \(Convolution.maximumExtent) and at most \(Network.maximumLayerWidth) values")
            }
            return (input.name, .image(image))
        default:
            throw fileError(.shapeMismatch, "graph input '\(name)' has rank \(tensor.shape.dim.count); allowed: [batch, features] or [batch, C, H, W]")
        }
    }

    // MARK: Ops

    private mutating func step(_ node: Onnx_NodeProto, _ reference: NodeReference, isLast: Bool) throws {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw error(reference, .unsupportedOperator, "is in domain '\(printable(node.domain))'; allowed: the default ONNX domain: \(Op.allowed)")
        }
        guard let op = Op(rawValue: node.opType) else {
            throw error(reference, .unsupportedOperator, "is not supported; allowed: \(Op.allowed)")
        }
        guard node.output.count == 1, !node.output[0].isEmpty else {
            throw error(reference, .malformed, "has \(node.output.count) outputs; allowed: one")
        }
        if op == .constant {
            try constant(node, reference)
            return
        }
        if let finalSoftmax {
            throw error(reference, .unsupportedOperator, "follows \(finalSoftmax.op) '\(finalSoftmax.label)'; allowed: \(finalSoftmax.op) only as the last op")
        }
        // Add may take the chain's tensor on either side; every other op reads it first.
        let dataPosition = op == .add ? (node.input.firstIndex(of: current) ?? 0) : 0
        guard node.input.indices.contains(dataPosition), node.input[dataPosition] == current else {
            let read = node.input.first.map { "'\(printable($0))'" } ?? "nothing"
            throw error(reference, .notAChain, "reads \(read), not '\(printable(current))' (the previous op's output); allowed: one chain of ops, each reading the one before it (no residual or parallel branches)")
        }
        let parameters = node.input.enumerated().filter { $0.offset != dataPosition }.map(\.element)
        let attributes = try NodeAttributes(node, reference, path: path, allowed: Self.attributes(op))
        switch op {
        case .gemm, .matMul: try dense(op, parameters, attributes, reference)
        case .conv: try convolution(parameters, attributes, reference)
        case .add: try add(parameters, reference)
        case .relu, .sigmoid, .tanh: try activate(op, parameters, reference)
        case .averagePool: try averagePool(parameters, attributes, reference)
        case .flatten: try flatten(parameters, attributes, reference)
        case .reshape: try reshape(parameters, attributes, reference)
        case .softmax, .logSoftmax: try softmax(parameters, attributes, reference, isLast: isLast)
        case .constant: break
        }
        current = node.output[0]
    }

    private static func attributes(_ op: Op) -> [String] {
        switch op {
        case .gemm: ["alpha", "beta", "transA", "transB"]
        case .conv: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]
        case .averagePool: ["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"]
        case .flatten, .softmax, .logSoftmax: ["axis"]
        case .reshape: ["allowzero"]
        case .constant: ["value"]
        case .matMul, .add, .relu, .sigmoid, .tanh: []
        }
    }

    private mutating func constant(_ node: Onnx_NodeProto, _ reference: NodeReference) throws {
        let attributes = try NodeAttributes(node, reference, path: path, allowed: Self.attributes(.constant))
        guard node.input.isEmpty, let tensor = attributes.tensor("value") else {
            throw error(reference, .unsupportedAttribute, "has no tensor 'value'; allowed: a Constant holding one tensor")
        }
        stored[node.output[0]] = tensor
    }

    /// Closes an open layer that gets no activation: a linear op followed by another linear op
    /// or a pool is a layer with `.identity`.
    private mutating func closeOpenLayer() throws {
        if let open { try close(open, activation: .identity) }
        open = nil
    }

    private mutating func dense(_ op: Op, _ parameters: [String], _ attributes: NodeAttributes, _ node: NodeReference) throws {
        try closeOpenLayer()
        guard case .vector(let inputs) = shape else {
            throw error(node, .shapeMismatch, "reads a \(shape.batchDescription) tensor; allowed: a [batch, features] tensor (add Flatten before \(node.op))")
        }
        let transposed: Bool
        let bias: String?
        switch op {
        case .gemm:
            let alpha = try attributes.float("alpha", default: 1), beta = try attributes.float("beta", default: 1)
            let transA = try attributes.int("transA", default: 0), transB = try attributes.int("transB", default: 0)
            guard alpha == 1, beta == 1, transA == 0, transB == 0 || transB == 1 else {
                throw error(node, .unsupportedAttribute, "has alpha \(alpha), beta \(beta), transA \(transA), transB \(transB); allowed: alpha 1, beta 1, transA 0, transB 0 or 1")
            }
            guard (1...2).contains(parameters.count) else {
                throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: A, B and an optional C")
            }
            transposed = transB == 1
            bias = parameters.count == 2 && !parameters[1].isEmpty ? parameters[1] : nil
        default:
            guard parameters.count == 1 else {
                throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: A and B")
            }
            transposed = false
            bias = nil
        }
        let weights = try floatTensor(parameters[0], role: "weights B", node)
        guard weights.dims.count == 2 else {
            throw error(node, .shapeMismatch, "has weights B of rank \(weights.dims.count); allowed: a matrix")
        }
        // Lockstep's rows are neurons (out × in); ONNX's B is in × out unless transB = 1.
        let (rows, columns) = transposed ? (weights.dims[0], weights.dims[1]) : (weights.dims[1], weights.dims[0])
        guard columns == inputs else {
            throw error(node, .shapeMismatch, "has weights B of shape \(weights.dims) for \(columns) inputs, but reads \(inputs) values; allowed: B \(transposed ? "[outputs, \(inputs)]" : "[\(inputs), outputs]")")
        }
        if let problem = Network.sizeProblem(rows: rows, columns: columns, convolution: nil, inputPooling: pendingPooling?.pooling) {
            throw error(node, .sizeLimit, problem)
        }
        var matrix = Matrix(rows: rows, columns: columns)
        for row in 0..<rows {
            for column in 0..<columns {
                matrix.values[row * columns + column] = transposed ? weights.values[row * columns + column] : weights.values[column * rows + row]
            }
        }
        var biasValues = [Float](repeating: 0, count: rows)
        if let bias {
            let tensor = try floatTensor(bias, role: "bias C", node)
            guard tensor.dims == [rows] || tensor.dims == [1, rows] else {
                throw error(node, .shapeMismatch, "has bias C of shape \(tensor.dims); allowed: [\(rows)] or [1, \(rows)], one per output")
            }
            biasValues = tensor.values
        }
        open = OpenLayer(weights: matrix, bias: biasValues, convolution: nil, pooling: pendingPooling?.pooling, node: node)
        pendingPooling = nil
        shape = .vector(rows)
    }

    private mutating func convolution(_ parameters: [String], _ attributes: NodeAttributes, _ node: NodeReference) throws {
        try closeOpenLayer()
        guard case .image(let image) = shape else {
            throw error(node, .shapeMismatch, "reads a \(shape.batchDescription) tensor; allowed: a [batch, C, H, W] image")
        }
        guard (1...2).contains(parameters.count) else {
            throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: X, W and an optional B")
        }
        let weights = try floatTensor(parameters[0], role: "weights W", node, limit: Convolution.maximumExtent)
        guard weights.dims.count == 4 else {
            throw error(node, .shapeMismatch, "has weights W of rank \(weights.dims.count); allowed: 2-D convolutions, W [M, C, kH, kW]")
        }
        let (kernels, channels, kernelHeight, kernelWidth) = (weights.dims[0], weights.dims[1], weights.dims[2], weights.dims[3])
        let group = try attributes.int("group", default: 1)
        guard group == 1 else {
            throw error(node, .unsupportedAttribute, "has group \(group); allowed: group 1 (grouped and depthwise convolutions are not supported)")
        }
        guard channels == image.channels else {
            throw error(node, .shapeMismatch, "has weights W of shape \(weights.dims) for \(channels) input channels, but reads \(image); allowed: W [M, \(image.channels), kH, kW]")
        }
        if let kernelShape = try attributes.ints("kernel_shape"), kernelShape != [kernelHeight, kernelWidth] {
            throw error(node, .shapeMismatch, "has kernel_shape \(kernelShape) but weights W of shape \(weights.dims); allowed: kernel_shape [\(kernelHeight), \(kernelWidth)]")
        }
        if let dilations = try attributes.ints("dilations"), dilations.contains(where: { $0 != 1 }) {
            throw error(node, .unsupportedAttribute, "has dilations \(dilations); allowed: 1")
        }
        let strides = try attributes.ints("strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1] else {
            throw error(node, .unsupportedAttribute, "has strides \(strides); allowed: the same stride on both axes, [s, s]")
        }
        let pads = try attributes.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, Set(pads).count == 1 else {
            throw error(node, .unsupportedAttribute, "has pads \(pads); allowed: the same padding on all four sides, [p, p, p, p]")
        }
        try checkAutoPad(attributes, node, padded: pads[0] != 0)
        let convolution: Convolution
        do {
            convolution = try Convolution(input: image, outputChannels: kernels, kernelHeight: kernelHeight,
                                          kernelWidth: kernelWidth, stride: strides[0], padding: pads[0])
        } catch let geometry as GeometryError {
            throw error(node, .sizeLimit, geometry.description)
        }
        let pooling = pendingPooling?.pooling
        if let problem = Network.sizeProblem(rows: kernels, columns: convolution.kernelSize, convolution: convolution, inputPooling: pooling) {
            throw error(node, .sizeLimit, problem)
        }
        // ONNX's W [M, C, kH, kW] row-major is Lockstep's kernel matrix, column (c, ky, kx) at c·kH·kW + ky·kW + kx.
        let matrix = Matrix(rows: kernels, columns: convolution.kernelSize, values: weights.values)
        var biasValues = [Float](repeating: 0, count: kernels)
        if parameters.count == 2, !parameters[1].isEmpty {
            let tensor = try floatTensor(parameters[1], role: "bias B", node)
            guard tensor.dims == [kernels] else {
                throw error(node, .shapeMismatch, "has bias B of shape \(tensor.dims); allowed: [\(kernels)], one per output channel")
            }
            biasValues = tensor.values
        }
        open = OpenLayer(weights: matrix, bias: biasValues, convolution: convolution, pooling: pooling, node: node)
        pendingPooling = nil
        shape = .image(convolution.output)
    }

    /// A bias added after MatMul (which has none) or Conv: one value per output channel.
    private mutating func add(_ parameters: [String], _ node: NodeReference) throws {
        guard parameters.count == 1 else {
            throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: two")
        }
        // First, so that a residual (an addend the graph computes) is named as one.
        let addend = try floatTensor(parameters[0], role: "addend", node)
        guard var layer = open else {
            throw error(node, .unsupportedOperator, "adds to a tensor that no Gemm, MatMul or Conv produced just before; allowed: Add of a stored bias right after a linear op")
        }
        let outputs = layer.weights.rows
        let allowed: [[Int]]
        switch (layer.convolution, shape) {
        case (nil, _): allowed = [[outputs], [1, outputs]]
        case (.some, .image): allowed = [[outputs, 1, 1], [1, outputs, 1, 1]]
        case (.some, .vector): allowed = []
        }
        guard allowed.contains(addend.dims) else {
            let shapes = allowed.isEmpty ? "none after a Conv's output is flattened (add before Flatten)" : allowed.map { "\($0)" }.joined(separator: " or ")
            throw error(node, .shapeMismatch, "adds a tensor of shape \(addend.dims); allowed: one value per output channel, \(shapes)")
        }
        for index in layer.bias.indices { layer.bias[index] += addend.values[index] }
        open = layer
    }

    private mutating func activate(_ op: Op, _ parameters: [String], _ node: NodeReference) throws {
        guard parameters.isEmpty else {
            throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: one")
        }
        guard let layer = open, let activation = op.activation else {
            let pooled = pendingPooling.map { " (AveragePool '\($0.node.label)' comes between them: pool after the activation, before the next layer)" } ?? ""
            throw error(node, .unsupportedOperator, "has no Gemm, MatMul or Conv right before it\(pooled); allowed: one activation after each linear op (Lockstep's layer is activation(linear(pool(x)) + bias))")
        }
        try close(layer, activation: activation)
        open = nil
    }

    private mutating func averagePool(_ parameters: [String], _ attributes: NodeAttributes, _ node: NodeReference) throws {
        try closeOpenLayer()
        guard parameters.isEmpty else {
            throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: one")
        }
        guard case .image(let image) = shape else {
            throw error(node, .shapeMismatch, "reads a \(shape.batchDescription) tensor; allowed: a [batch, C, H, W] image")
        }
        if let earlier = pendingPooling {
            throw error(node, .unsupportedOperator, "follows AveragePool '\(earlier.node.label)' with no layer between them; allowed: one AveragePool before each Conv, Gemm or MatMul")
        }
        guard let kernel = try attributes.ints("kernel_shape"), kernel.count == 2, kernel[0] == kernel[1] else {
            throw error(node, .unsupportedAttribute, "has kernel_shape \(try attributes.ints("kernel_shape").map { "\($0)" } ?? "missing"); allowed: a square window [k, k]")
        }
        let strides = try attributes.ints("strides") ?? [1, 1]
        guard strides == kernel else {
            throw error(node, .unsupportedAttribute, "has kernel_shape \(kernel) and strides \(strides); allowed: strides equal to the kernel (non-overlapping windows)")
        }
        if let pads = try attributes.ints("pads"), pads.contains(where: { $0 != 0 }) {
            throw error(node, .unsupportedAttribute, "has pads \(pads); allowed: no padding")
        }
        if let dilations = try attributes.ints("dilations"), dilations.contains(where: { $0 != 1 }) {
            throw error(node, .unsupportedAttribute, "has dilations \(dilations); allowed: 1")
        }
        try checkAutoPad(attributes, node, padded: false)
        // ceil_mode and count_include_pad change nothing when the windows tile the input without padding.
        _ = try attributes.int("ceil_mode", default: 0)
        _ = try attributes.int("count_include_pad", default: 0)
        let pooling: Pooling
        do {
            pooling = try Pooling(input: image, window: kernel[0])
        } catch let geometry as GeometryError {
            throw error(node, .shapeMismatch, geometry.description)
        }
        pendingPooling = (pooling, node)
        shape = .image(pooling.output)
    }

    private mutating func flatten(_ parameters: [String], _ attributes: NodeAttributes, _ node: NodeReference) throws {
        guard parameters.isEmpty else {
            throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: one")
        }
        let axis = try attributes.int("axis", default: 1)
        let rank = if case .image = shape { 4 } else { 2 }
        guard axis == 1 || axis == 1 - rank else {
            throw error(node, .unsupportedAttribute, "has axis \(axis); allowed: 1 (keep the batch axis, flatten the rest)")
        }
        shape = .vector(shape.count)
    }

    private mutating func reshape(_ parameters: [String], _ attributes: NodeAttributes, _ node: NodeReference) throws {
        guard parameters.count == 1 else {
            throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: data and a stored shape")
        }
        let allowZero = try attributes.int("allowzero", default: 0)
        guard let tensor = stored[parameters[0]] else {
            throw error(node, .unsupportedOperator, "takes its shape from '\(printable(parameters[0]))', which the graph computes; allowed: a shape stored as an initializer or Constant (torch: flatten(1) or reshape(-1, features))")
        }
        let count = shape.count
        let allowed = "a shape [-1, \(count)], [0, -1] or [0, \(count)] (flatten to [batch, features])"
        guard tensor.storageProblem == nil, tensor.dataType == Onnx_TensorProto.int64Type,
              tensor.dims.count == 1, tensor.dims[0] == 2, let target = tensor.int64Values(count: 2) else {
            throw error(node, .unsupportedTensor, "has a shape tensor that is not two stored INT64 values; allowed: \(allowed)")
        }
        let keepsBatch = target[0] == -1 || (target[0] == 0 && allowZero == 0)
        let flattens = target[1] == Int64(count) || (target[1] == -1 && target[0] != -1)
        guard keepsBatch, flattens else {
            throw error(node, .shapeMismatch, "reshapes \(shape.batchDescription) to \(target); allowed: \(allowed)")
        }
        shape = .vector(count)
    }

    private mutating func softmax(_ parameters: [String], _ attributes: NodeAttributes, _ node: NodeReference, isLast: Bool) throws {
        guard isLast else {
            throw error(node, .unsupportedOperator, "is not the last op; allowed: \(node.op) only as the graph's last op (it is dropped: Lockstep's networks end in logits)")
        }
        guard parameters.isEmpty else {
            throw error(node, .malformed, "has \(parameters.count + 1) inputs; allowed: one")
        }
        let axis = try attributes.int("axis", default: -1)
        guard case .vector = shape, axis == 1 || axis == -1 else {
            throw error(node, .unsupportedAttribute, "normalises axis \(axis) of a \(shape.batchDescription) tensor; allowed: the class axis of [batch, classes]")
        }
        try closeOpenLayer()
        finalSoftmax = node
    }

    private func checkAutoPad(_ attributes: NodeAttributes, _ node: NodeReference, padded: Bool) throws {
        let autoPad = try attributes.string("auto_pad") ?? "NOTSET"
        guard autoPad == "NOTSET" || (autoPad == "VALID" && !padded) else {
            throw error(node, .unsupportedAttribute, "has auto_pad \(printable(autoPad)); allowed: NOTSET with explicit pads, or VALID")
        }
    }

    // MARK: Layers and tensors

    private mutating func close(_ layer: OpenLayer, activation: Activation) throws {
        let node = layer.node
        for (kind, values) in [("weight", layer.weights.values), ("bias", layer.bias)] {
            if let position = values.firstIndex(where: { !($0.magnitude <= Network.maximumParameterMagnitude) }) {
                throw error(node, .unsupportedTensor, "\(kind) \(position) is \(values[position]); allowed: finite values of magnitude ≤ \(Network.maximumParameterMagnitude)")
            }
        }
        // Built to fit by the ops above; checked again because NetworkLayer's initializer traps on a mismatch.
        let linearInputs = layer.convolution?.input.count ?? layer.weights.columns
        guard layer.bias.count == layer.weights.rows, layer.weights.values.count == layer.weights.rows * layer.weights.columns,
              layer.convolution.map({ $0.outputChannels == layer.weights.rows && $0.kernelSize == layer.weights.columns }) ?? true,
              layer.pooling.map({ $0.output.count == linearInputs && (layer.convolution == nil || $0.output == layer.convolution?.input) }) ?? true
        else {
            throw error(node, .shapeMismatch, "weights \(layer.weights.rows)×\(layer.weights.columns), \(layer.bias.count) biases and the tensor it reads do not fit together")
        }
        let built = NetworkLayer(weights: layer.weights, bias: layer.bias, activation: activation,
                                 convolution: layer.convolution, inputPooling: layer.pooling)
        if let previous = layers.last, previous.outputCount != built.inputCount {
            throw error(node, .shapeMismatch, "reads \(built.inputCount) values, the layer before produces \(previous.outputCount)")
        }
        layers.append(built)
    }

    /// A stored FLOAT tensor named by a node input: dims each in 0...`limit`, values all present.
    private func floatTensor(_ name: String, role: String, _ node: NodeReference, limit: Int = Network.maximumLayerWidth) throws -> StoredTensor {
        guard let tensor = stored[name] else {
            throw error(node, .notAChain, "reads \(role) '\(printable(name))', which is computed by the graph, not stored; allowed: \(role) stored as an initializer (no residual or parallel branches)")
        }
        if let problem = tensor.storageProblem {
            throw error(node, .unsupportedTensor, "\(role) '\(printable(name))' \(problem)")
        }
        guard tensor.dataType == Onnx_TensorProto.floatType else {
            throw error(node, .unsupportedTensor, "\(role) '\(printable(name))' is \(tensor.typeName); allowed: FLOAT (float32) weights (export the float model, before any quantization)")
        }
        let dims: [Int], count: Int
        switch tensor.checkedDims(limit: limit) {
        case .dims(let checked, let total): (dims, count) = (checked, total)
        case .problem(let problem): throw error(node, .sizeLimit, "\(role) '\(printable(name))' \(problem)")
        }
        guard let values = tensor.floatValues(count: count) else {
            throw error(node, .malformed, "\(role) '\(printable(name))' declares dims \(dims) but does not hold \(count) FLOAT values")
        }
        return StoredTensor(dims: dims, values: values)
    }
}
