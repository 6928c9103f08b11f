import Foundation
import Testing
@testable import Circuit
@testable import NeuralNet
@testable import Quantization
import TFHE
import Verification

/// A direct integer convolution with zero padding, written out loop by loop as a reference that
/// shares nothing with `Convolution.forEachTap`.
func directConvolution(_ x: [Int64], _ g: Convolution, kernel: IntegerMatrix) -> [Int64] {
    let out = g.output, input = g.input
    var result = [Int64](repeating: 0, count: out.count)
    for o in 0..<out.channels {
        for y in 0..<out.height {
            for xx in 0..<out.width {
                var sum: Int64 = 0
                for c in 0..<input.channels {
                    for ky in 0..<g.kernelHeight {
                        for kx in 0..<g.kernelWidth {
                            let iy = y * g.stride + ky - g.padding, ix = xx * g.stride + kx - g.padding
                            if iy < 0 || iy >= input.height || ix < 0 || ix >= input.width { continue }
                            let w = kernel.values[o * g.kernelSize + (c * g.kernelHeight + ky) * g.kernelWidth + kx]
                            sum += w * x[(c * input.height + iy) * input.width + ix]
                        }
                    }
                }
                result[(o * out.height + y) * out.width + xx] = sum
            }
        }
    }
    return result
}

/// A seeded float CNN (conv → relu, then [pool] conv → relu, then dense logits) and its
/// quantization with fixed quantizers: `Calibration.assemble` needs no float forward pass, so
/// this exercises the integer side (pooling folded into the next layer) on its own.
func randomConvolutionalModel(seed: UInt64, input: ImageShape, firstChannels: Int, pool: Int?, secondChannels: Int,
                              classes: Int, bits: (input: Int, weight: Int, activation: Int)) throws -> QuantizedModel {
    var generator = SeededGenerator(seed: seed)
    let first = try Convolution(input: input, outputChannels: firstChannels, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
    var layers = [NetworkLayer(convolution: first, activation: .relu, generator: &generator)]
    var secondInput = first.output
    var pooling: Pooling?
    if let pool {
        pooling = try Pooling(input: first.output, window: pool)
        secondInput = pooling!.output
    }
    let second = try Convolution(input: secondInput, outputChannels: secondChannels, kernelHeight: 2, kernelWidth: 2, stride: 1, padding: 0)
    layers.append(NetworkLayer(convolution: second, activation: .relu, inputPooling: pooling, generator: &generator))
    layers.append(NetworkLayer(inputCount: second.output.count, outputCount: classes, activation: .identity, generator: &generator))
    for l in layers.indices {
        for j in layers[l].bias.indices { layers[l].bias[j] = 0.2 * generator.nextGaussian() }
    }
    let configuration = QuantizationConfiguration(method: .ptq, inputBits: bits.input, weightBits: bits.weight,
                                                  activationBits: bits.activation, perChannel: true, symmetricWeights: true)
    let inputQuantizer = Quantizer(bitWidth: bits.input, signed: false, symmetric: false, minimum: 0, maximum: 1)
    let activations = (0..<2).map { _ in
        Quantizer(bitWidth: bits.activation, signed: false, symmetric: true, minimum: 0, maximum: 1.5)
    }
    return try Calibration.assemble(model: Network(layers: layers), inputQuantizer: inputQuantizer,
                                    activationQuantizers: activations, configuration: configuration)
}

@Suite struct ConvolutionCircuitTests {
    struct Geometry: Sendable, CustomTestStringConvertible {
        let channels: Int, height: Int, width: Int, outputs: Int, kernel: (Int, Int), stride: Int, padding: Int
        var testDescription: String { "\(channels)×\(height)×\(width) → \(outputs)×\(kernel.0)×\(kernel.1) s\(stride) p\(padding)" }
    }

    static let geometries: [Geometry] = [
        Geometry(channels: 1, height: 8, width: 8, outputs: 3, kernel: (3, 3), stride: 1, padding: 1),
        Geometry(channels: 2, height: 7, width: 5, outputs: 4, kernel: (3, 2), stride: 2, padding: 1),   // non-square input and kernel
        Geometry(channels: 3, height: 6, width: 6, outputs: 2, kernel: (2, 2), stride: 2, padding: 0),
        Geometry(channels: 2, height: 5, width: 9, outputs: 1, kernel: (5, 5), stride: 3, padding: 2),
        Geometry(channels: 1, height: 4, width: 4, outputs: 2, kernel: (1, 1), stride: 1, padding: 0),
    ]

    /// The sparse rows of a convolution (what the circuit and the integer reference run) equal
    /// a direct convolution with zero padding, for random kernels and inputs.
    @Test(arguments: geometries)
    func convolutionRowsEqualADirectConvolution(geometry g: Geometry) throws {
        let convolution = try Convolution(input: ImageShape(channels: g.channels, height: g.height, width: g.width),
                                          outputChannels: g.outputs, kernelHeight: g.kernel.0, kernelWidth: g.kernel.1,
                                          stride: g.stride, padding: g.padding)
        var generator = SeededGenerator(seed: UInt64(g.channels * 100 + g.height * 10 + g.stride))
        func draw(_ range: ClosedRange<Int64>) -> Int64 { range.lowerBound + Int64(generator.next() % UInt64(range.count)) }
        let kernel = IntegerMatrix(rows: g.outputs, columns: convolution.kernelSize,
                                   values: (0..<(g.outputs * convolution.kernelSize)).map { _ in draw(-7...7) })
        let rows = try #require(LinearRows(convolution: convolution, kernel: kernel))
        #expect(rows.outputCount == convolution.output.count && rows.inputCount == convolution.input.count)
        for _ in 0..<5 {
            let x = (0..<convolution.input.count).map { _ in draw(0...15) }
            #expect(rows.apply(x) == directConvolution(x, convolution, kernel: kernel))
        }
        // A kernel of the wrong shape has no rows (a decoded file gets an error, not a trap).
        let wide = convolution.kernelSize + 1
        #expect(LinearRows(convolution: convolution, kernel: IntegerMatrix(rows: g.outputs, columns: wide,
                                                                           values: Array(repeating: 1, count: g.outputs * wide))) == nil)
    }

    /// Folding an average pooling into the next layer: the folded integer map on the codes
    /// equals summing each k × k block of codes and applying the layer's own codes, and the
    /// folded scale is the per-channel scale over k² — for a convolution and a dense layer.
    @Test(arguments: [false, true])
    func poolingFoldsIntoTheNextLinearMap(convolutional: Bool) throws {
        var generator = SeededGenerator(seed: convolutional ? 5 : 6)
        let input = ImageShape(channels: 2, height: 6, width: 4)
        let pooling = try Pooling(input: input, window: 2)
        let layer: NetworkLayer
        if convolutional {
            let convolution = try Convolution(input: pooling.output, outputChannels: 3, kernelHeight: 2, kernelWidth: 2, stride: 1, padding: 1)
            layer = NetworkLayer(convolution: convolution, activation: .relu, inputPooling: pooling, generator: &generator)
        } else {
            var fc = NetworkLayer(inputCount: pooling.output.count, outputCount: 4, activation: .relu, generator: &generator)
            fc.inputPooling = pooling
            layer = fc
        }
        let codesQuantizer = Quantizer(bitWidth: 3, signed: false, symmetric: false, minimum: 0, maximum: 1)
        let configuration = QuantizationConfiguration(method: .ptq, inputBits: 3, weightBits: 4, activationBits: 3,
                                                      perChannel: true, symmetricWeights: true)
        let folded = try Calibration.quantizeLinear(layer, weights: layer.weights, inputQuantizer: codesQuantizer,
                                                    configuration: configuration, isOutputLayer: false)
        let own = layer.convolution.map { LinearRows(convolution: $0, kernel: folded.codes) } ?? LinearRows(dense: folded.codes)
        let unfolded = try #require(own)
        for _ in 0..<5 {
            let x = (0..<input.count).map { _ in Int64(generator.next() % 8) }
            let pooledSums = (0..<pooling.output.count).map { p in
                (0..<2).reduce(Int64(0)) { sum, a in sum + (0..<2).reduce(Int64(0)) { $0 + x[pooling.inputIndex(pooledIndex: p, a: a, b: $1)] } }
            }
            #expect(folded.rows.apply(x) == unfolded.apply(pooledSums))
        }
        for (scaled, original) in zip(folded.scaledQuantizers, folded.quantizers) {
            #expect(scaled.scale == original.scale / 4)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let seed: UInt64, pool: Int?, bits: (input: Int, weight: Int, activation: Int), maxTLUBits: Int
        var testDescription: String { "seed \(seed) pool \(pool.map(String.init) ?? "none") bits \(bits) tlu≤\(maxTLUBits)" }
    }

    static let cases: [Case] = [
        Case(seed: 31, pool: 2, bits: (2, 3, 2), maxTLUBits: 16),
        Case(seed: 32, pool: nil, bits: (3, 4, 3), maxTLUBits: 5),   // forces rounding
        Case(seed: 33, pool: 2, bits: (4, 4, 3), maxTLUBits: 4),     // forces rounding after the pooled layer
    ]

    /// The lowered CNN runs in clear exactly as the integer reference, value for value, within
    /// its sound bounds; the ops are conv2d, conv2d (the pooling folded in), dense; the file
    /// round trip keeps the circuit.
    @Test(arguments: cases)
    func loweredCNNMatchesTheReference(testCase: Case) throws {
        let model = try randomConvolutionalModel(seed: testCase.seed, input: ImageShape(channels: 1, height: 6, width: 6),
                                                 firstChannels: 2, pool: testCase.pool, secondChannels: 3, classes: 3, bits: testCase.bits)
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: testCase.maxTLUBits))
        #expect(circuit.stages.map { circuit.ops[$0.linear].kind } == [.conv2d, .conv2d, .dense])
        #expect(circuit.layerStatistics.map(\.kind) == [.conv2d, .conv2d, .dense])
        if testCase.maxTLUBits < 6 { #expect(circuit.stages.contains { $0.round != nil }) }
        var generator = SeededGenerator(seed: testCase.seed)
        let evaluator = ClearEvaluator(circuit)
        for sample in 0..<20 {
            let codes = sampleCodes(circuit, sample: sample, generator: &generator)
            expectIdentical(try evaluator.evaluate(codes), model.forward(codes: codes, accumulatorShifts: circuit.roundingShifts),
                            circuit: circuit)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-cnn-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try circuit.save(to: url)
        #expect(try IntegerCircuit.load(from: url) == circuit)
    }

    /// Encrypted and clear agree on every op's every value for a random CNN with pooling and
    /// rounding (insecure test parameters), including the inputs that reach the sound bounds.
    @Test func encryptedCNNMatchesClearOpByOp() throws {
        let model = try randomConvolutionalModel(seed: 41, input: ImageShape(channels: 1, height: 4, width: 4),
                                                 firstChannels: 2, pool: 2, secondChannels: 2, classes: 3, bits: (2, 3, 2))
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 4))
        let evaluator = makeEvaluator(circuit, parameters: insecureCircuitTestSet())
        var generator = SeededGenerator(seed: 41)
        for sample in 0..<3 {
            let codes = sampleCodes(circuit, sample: sample, generator: &generator)
            let result = try DifferentialChecker.check(evaluator, sample: sample, codes: codes)
            #expect(result.divergences.isEmpty, "\(result.divergences.map(\.description))")
            #expect(result.fhePrediction == result.clearPrediction)
            #expect(result.clear.outputs == (try ClearEvaluator(circuit).evaluate(codes)).outputs)
        }
    }

    /// A conv2d op whose kernel does not fit its geometry, or whose geometry reads more values
    /// than the previous op produces, is refused with a message naming the op.
    @Test func inconsistentConvolutionFilesAreRefused() throws {
        let model = try randomConvolutionalModel(seed: 51, input: ImageShape(channels: 1, height: 6, width: 6),
                                                 firstChannels: 2, pool: nil, secondChannels: 2, classes: 3, bits: (2, 3, 2))
        let circuit = try CircuitCompiler.lower(model, options: CircuitOptions(maxTLUBits: 16))
        let json = String(decoding: try JSONEncoder().encode(circuit), as: UTF8.self)
        // The first conv reads 1×6×6; claim 7 rows instead (both the input size and output size change).
        let broken = json.replacingOccurrences(of: "\"height\":6", with: "\"height\":7")
        #expect(broken != json)
        let error = try #require(throws: CircuitFileError.self) { try IntegerCircuit.load(data: Data(broken.utf8), path: "cnn.json") }
        #expect(error.description.contains("op 0 (conv2d, layer 0)"), "\(error)")
    }

    /// A small circuit file can declare a convolution whose rows would hold hundreds of millions
    /// of terms (4225 outputs × 65,536 taps here, with a one-value kernel): refused before the
    /// rows are built, naming the op and the limit.
    @Test func convolutionsWithTooManyTermsAreRefused() throws {
        let convolution = try Convolution(input: ImageShape(channels: 16, height: 64, width: 64), outputChannels: 1,
                                          kernelHeight: 64, kernelWidth: 64, padding: 32)
        let outputs = convolution.output.count
        let op = CircuitOp(.conv2d(convolution: convolution, kernel: IntegerMatrix(rows: 1, columns: 1, values: [1])),
                           layer: 0, low: Array(repeating: 0, count: outputs), high: Array(repeating: 4096, count: outputs))
        #expect(op.linear == nil)
        let circuit = IntegerCircuit(inputCount: 65536, inputBits: 1, inputLow: 0, inputHigh: 1, ops: [op],
                                     outputDecoding: OutputDecoding(scales: [], zeroPointCorrections: [], biases: [], activation: .identity),
                                     maxTLUBits: 4)
        let error = try #require(throws: CircuitFileError.self) { try circuit.validate() }
        #expect(error.description.contains("op 0 (conv2d, layer 0) has 4225 outputs × 65536 kernel values; allowed: at most \(CircuitOp.maximumLinearTerms) terms"), "\(error)")
    }

}
