import Datasets
import Foundation
import NeuralNet
import Reporting
import Testing
import Circuit

@testable import Experiments

/// `model.layers`: parsing, geometry against the dataset's input, and the errors.
@Suite struct LayerConfigTests {
    func load(_ layers: String, dataset: String = "digits", extra: String = "", file: String = "cnn.yaml") throws
        -> [ExperimentConfig]
    {
        try ConfigLoader.load(
            yaml: "name: cnn\ndataset: {name: \(dataset)}\nmodel:\n  layers: \(layers)\n\(extra)", file: file)
    }

    func blueprints(_ config: ExperimentConfig) throws -> [LayerBlueprint] {
        let dataset = config.dataset.name
        return try config.model.architecture.blueprint(
            input: TensorShape(dataset, featureCount: dataset.featureCount), classCount: dataset.classCount,
            dataset: dataset.rawValue)
    }

    func convolution(_ blueprint: LayerBlueprint) -> Convolution? {
        if case .convolution(let convolution) = blueprint.linear { convolution } else { nil }
    }

    @Test func theDigitsCNNChainsItsShapes() throws {
        let configs = try load("[conv 8x3x3 p1, relu, avgpool 2, conv 16x3x3 p1, relu, flatten, dense 10]")
        #expect(configs.count == 1 && configs[0].name == "cnn", "a plain layer list is not a sweep")
        let config = configs[0]
        #expect(config.model.architecture == .layers([
            .conv(outputChannels: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), .activation(.relu),
            .averagePool(window: 2),
            .conv(outputChannels: 16, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), .activation(.relu),
            .flatten, .dense(outputs: 10),
        ]))
        let layers = try blueprints(config)
        try #require(layers.count == 3)
        let first = try #require(convolution(layers[0]))
        #expect(first.input == ImageShape(channels: 1, height: 8, width: 8))
        #expect(first.output == ImageShape(channels: 8, height: 8, width: 8))
        #expect(layers[0].inputPooling == nil && layers[0].activation == .relu)
        let second = try #require(convolution(layers[1]))
        #expect(layers[1].inputPooling?.input == ImageShape(channels: 8, height: 8, width: 8))
        #expect(layers[1].inputPooling?.output == ImageShape(channels: 8, height: 4, width: 4))
        #expect(second.input == ImageShape(channels: 8, height: 4, width: 4))
        #expect(second.output == ImageShape(channels: 16, height: 4, width: 4))
        #expect(layers[1].activation == .relu)
        #expect(layers[2].linear == .dense(inputs: 256, outputs: 10) && layers[2].activation == .identity)
        #expect(layers[2].inputPooling == nil)

        // The runner builds exactly this network, seeded.
        let network = try ExperimentRunner.initialModel(config, featureCount: 64, classCount: 10)
        #expect(network.layerSizes == [64, 512, 256, 10])
        #expect(network.layers.map(\.convolution) == [first, second, nil])
        #expect(network.layers[1].inputPooling?.window == 2)
        #expect(network.layers.map(\.activation) == [.relu, .relu, .identity])
        #expect(network == (try ExperimentRunner.initialModel(config, featureCount: 64, classCount: 10)), "seeded")
    }

    @Test func theMNISTCNNStridesHalveTheImage() throws {
        let config = try load("[conv 8x3x3 s2 p1, relu, conv 16x3x3 s2 p1, relu, flatten, dense 10]", dataset: "mnist")[0]
        let layers = try blueprints(config)
        #expect(layers.compactMap(convolution).map(\.output) == [
            ImageShape(channels: 8, height: 14, width: 14), ImageShape(channels: 16, height: 7, width: 7),
        ])
        #expect(layers.last?.linear == .dense(inputs: 784, outputs: 10))
        #expect(config.model.architecture.hiddenLayerCount == 2)
    }

    /// A pooling belongs to the layer that reads it, across a flatten too, and may pool the input.
    @Test func poolingAttachesToTheNextLayer() throws {
        let pooledDense = try blueprints(load("[conv 4x3x3 p1, relu, avgpool 2, flatten, dense 10]")[0])
        #expect(pooledDense.count == 2)
        #expect(pooledDense[1].linear == .dense(inputs: 64, outputs: 10))
        #expect(pooledDense[1].inputPooling?.input == ImageShape(channels: 4, height: 8, width: 8))

        let config = try load("[avgpool 2, flatten, dense 10]")[0]
        let pooledInput = try blueprints(config)
        #expect(pooledInput.count == 1 && pooledInput[0].linear == .dense(inputs: 16, outputs: 10))
        #expect(pooledInput[0].inputPooling?.input == ImageShape(channels: 1, height: 8, width: 8))
        let network = try ExperimentRunner.initialModel(config, featureCount: 64, classCount: 10)
        #expect(network.inputCount == 64 && network.layers[0].linearInputCount == 16)
    }

    /// `hidden` and a dense-only layer list go through the same builder; `hidden` still gives
    /// the weights `Network(sizes:activation:seed:)` gave, and its section encodes as before
    /// (so fingerprints, finished results and reusable float models still match).
    @Test func hiddenAndDenseLayersBuildTheSameSeededNetwork() throws {
        let hidden = try ConfigLoader.load(
            yaml: "name: h\ndataset: {name: iris}\nmodel: {hidden: [8], activation: tanh, seed: 3}\n", file: "h.yaml")[0]
        let layers = try ConfigLoader.load(
            yaml: "name: h\ndataset: {name: iris}\nmodel: {layers: [dense 8, tanh, dense 3], seed: 3}\n", file: "l.yaml")[0]
        let expected = Network(sizes: [4, 8, 3], activation: .tanh, seed: 3)
        #expect(try ExperimentRunner.initialModel(hidden, featureCount: 4, classCount: 3) == expected)
        #expect(try ExperimentRunner.initialModel(layers, featureCount: 4, classCount: 3) == expected)
        #expect(hidden.fingerprint != layers.fingerprint, "different spellings of the config are different experiments")

        let json = try #require(try JSONSerialization.jsonObject(with: JSONManifest.encode(hidden.model)) as? [String: Any])
        #expect(Set(json.keys) == ["hidden", "activation", "seed"])
        #expect(json["hidden"] as? [Int] == [8] && json["activation"] as? String == "tanh")
        let decoded = try JSONDecoder().decode(ExperimentConfig.ModelSection.self, from: JSONManifest.encode(layers.model))
        #expect(decoded == layers.model)
    }

    @Test func layersEncodeCanonicallySoSpellingsFingerprintAlike() throws {
        let short = try load("[conv 8x3x3, relu, flatten, dense 10]")[0]
        let long = try load("[ conv  8x3x3 s1 p0 , relu, flatten, dense 10]")[0]
        #expect(short.fingerprint == long.fingerprint)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONManifest.encode(long.model)) as? [String: Any])
        #expect(json["layers"] as? [String] == ["conv 8x3x3", "relu", "flatten", "dense 10"])
        #expect(json["hidden"] == nil && json["activation"] == nil)
        #expect(LayerSpec.conv(outputChannels: 8, kernelHeight: 3, kernelWidth: 5, stride: 2, padding: 1).description
                == "conv 8x3x5 s2 p1")
    }

    @Test func layerListsSweepWithAShortStableLabel() throws {
        let configs = try load("[[flatten, dense 10], [conv 4x3x3 p1, relu, flatten, dense 10]]")
        #expect(configs.count == 2)
        let labels = configs.map { String($0.name.dropFirst("cnn-".count)) }
        #expect(labels.allSatisfy { $0.count == 9 && $0.hasPrefix("l") }, "\(labels)")
        #expect(labels[0] != labels[1])
        #expect(labels[0] == configs[0].model.architecture.label)
        #expect(Architecture.layers([.flatten, .dense(outputs: 10)]).label == labels[0], "from the canonical list")

        let twice = try #require(throws: ConfigError.self) {
            try load("[[conv 4x3x3, relu, flatten, dense 10], [conv 4x3x3 s1, relu, flatten, dense 10]]")
        }
        #expect(twice.description.contains("twice"), "\(twice)")
    }

    @Test func datasetsDeclareTheirImageShape() {
        #expect(DatasetName.digits.imageShape == .init(channels: 1, height: 8, width: 8))
        #expect(DatasetName.mnist.imageShape == .init(channels: 1, height: 28, width: 28))
        #expect(DatasetName.fashionMNIST.imageShape == .init(channels: 1, height: 28, width: 28))
        for name in DatasetName.allCases {
            if let image = name.imageShape {
                #expect(image.count == name.featureCount, "\(name)")
            }
        }
        #expect([DatasetName.iris, .breastCancer, .wine].allSatisfy { $0.imageShape == nil })
    }

    /// The declared sizes the config loader checks layer lists against are those of the files
    /// (the small datasets; MNIST's 28×28 is checked by the runner when it loads the images).
    @Test func declaredSizesMatchTheLoadedData() throws {
        let loader = DatasetLoader(dataDirectory: repositoryRoot.appendingPathComponent("data"))
        for name in [DatasetName.digits, .iris, .breastCancer, .wine] {
            let split = try loader.load(name)
            #expect(split.featureCount == name.featureCount && split.classCount == name.classCount, "\(name)")
        }
    }

    /// Each error names the file, the line, the key (with the item index) and the item's text,
    /// and says what is allowed.
    @Test(arguments: [
        // Combinations of keys.
        ("{hidden: [8], layers: [flatten, dense 10]}", "model.layers: and model.hidden are both set"),
        ("{load: m.json, layers: [flatten, dense 10]}", "model.load: and model.layers are both set"),
        ("{activation: tanh, layers: [flatten, dense 10]}", "model.activation: is set but model.layers gives each layer its own activation"),
        ("{layers: flatten}", "model.layers: must be a list of layer items"),
        ("{layers: []}", "model.layers: is empty; allowed"),
        ("{layers: [flatten, {dense: 10}]}", "model.layers[1]: is a mapping"),
        ("{layers: [flatten, [dense 10]]}", "model.layers: holds a list, so it is a sweep over layer lists, but it also holds the item 'flatten'"),
        // Syntax.
        ("{layers: [conv 8x3, relu, flatten, dense 10]}", "model.layers[0]: 'conv 8x3': allowed: conv OUTxKHxKW [sS] [pP]"),
        ("{layers: [conv 8x3x3 s2 s1, relu, flatten, dense 10]}", "each of s and p at most once"),
        ("{layers: [maxpool 2, flatten, dense 10]}", "model.layers[0]: 'maxpool 2': 'maxpool' is not a layer; allowed: conv"),
        ("{layers: [flatten, dense 0, relu, dense 10]}", "model.layers[1]: 'dense 0': allowed: dense N with N an integer from 1 to 8192"),
        // Order.
        ("{layers: [relu, flatten, dense 10]}", "model.layers[0]: 'relu' comes before any conv/dense"),
        ("{layers: [conv 8x3x3 p1, relu, relu, flatten, dense 10]}", "model.layers[2]: 'relu' follows the activation 'relu': at most one activation per layer"),
        ("{layers: [conv 8x3x3 p1, flatten, dense 10]}", "model.layers[1]: 'flatten' follows 'conv 8x3x3 p1' (item 0), which has no activation; allowed: one of relu, sigmoid, tanh, identity"),
        ("{layers: [conv 8x3x3 p1, relu, avgpool 2, relu, flatten, dense 10]}", "model.layers[3]: 'relu' follows 'avgpool 2'; an activation must come right after its conv/dense"),
        ("{layers: [conv 8x3x3 p1, relu, avgpool 2]}", "model.layers[2]: 'avgpool 2' is the last item, but a pooling belongs to the conv/dense after it and none follows; allowed last item: dense 10"),
        ("{layers: [avgpool 2, avgpool 2, flatten, dense 10]}", "model.layers[1]: 'avgpool 2' follows 'avgpool 2' (item 0) with no conv/dense between; allowed: one avgpool per layer"),
        ("{layers: [flatten, conv 8x3x3, relu, flatten, dense 10]}", "model.layers[1]: 'conv 8x3x3' comes after flatten or a dense layer"),
        ("{layers: [conv 8x3x3 p1, relu, flatten, flatten, dense 10]}", "model.layers[3]: 'flatten' comes where the tensor is already a vector of 512 values"),
        ("{layers: [conv 8x3x3 p1, relu, dense 10]}", "model.layers[2]: 'dense 10' reads a vector but the tensor here is a 8×8×8 image; allowed: flatten before the first dense"),
        ("{layers: [flatten, dense 10, relu]}", "model.layers[2]: 'relu' is the last item, but the logits layer has no activation (it is identity); allowed last item: dense 10"),
        ("{layers: [flatten, dense 7]}", "model.layers[1]: 'dense 7' is the logits layer but digits has 10 classes; allowed: dense 10"),
        // Geometry (GeometryError, with the key and the item).
        ("{layers: [avgpool 3, flatten, dense 10]}", "model.layers[0]: 'avgpool 3' does not fit its 1×8×8 input: pooling window 3 does not divide the 1×8×8 input"),
        ("{layers: [conv 8x9x9, relu, flatten, dense 10]}", "model.layers[0]: 'conv 8x9x9' does not fit its 1×8×8 input: a 9×9 kernel does not fit"),
        ("{layers: [conv 8x3x3 s0, relu, flatten, dense 10]}", "model.layers[0]: 'conv 8x3x3 s0' does not fit its 1×8×8 input: convolution stride is 0; allowed: 1...4096"),
    ])
    func layerErrorsNameTheItemAndWhatIsAllowed(model: String, expected: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: "name: cnn\ndataset: {name: digits}\nmodel: \(model)\n", file: "bad.yaml")
        }
        #expect(error.description.hasPrefix("bad.yaml:3: "), "\(error)")
        #expect(error.description.contains(expected), "\(error)")
    }

    @Test func tabularDatasetsHaveNoImageToConvolve() throws {
        for (layers, dataset, expected) in [
            ("[conv 4x1x1, relu, flatten, dense 3]", "iris", "model.layers[0]: 'conv 4x1x1' needs an image, but iris is a tabular dataset (4 features, no spatial layout); allowed: dense and activations"),
            ("[avgpool 2, dense 3]", "wine", "model.layers[0]: 'avgpool 2' needs an image, but wine is a tabular dataset (13 features"),
            ("[flatten, dense 2]", "breast_cancer", "model.layers[0]: 'flatten' has nothing to flatten: breast_cancer is a tabular dataset"),
        ] {
            let error = try #require(throws: ConfigError.self) { try load(layers, dataset: dataset) }
            #expect(error.description.hasPrefix("cnn.yaml:4: "), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
        }
        #expect(try load("[dense 8, relu, dense 3]", dataset: "iris").count == 1, "dense layers read the feature vector")
    }

    @Test func oversizedLayersAndMissingHiddenLayersAreRefusedAtLoad() throws {
        let huge = try #require(throws: ConfigError.self) {
            try load("[conv 4096x3x3 p1, relu, flatten, dense 8192, relu, dense 10]", dataset: "mnist")
        }
        #expect(huge.description.contains("model.layers[0]: 'conv 4096x3x3 p1' convolution output is 4096×28×28 = 3211264 values; allowed: at most 1048576"), "\(huge)")
        // The same limits as a model file's (`Network.sizeProblem`), the pooled fold included:
        // a config never trains what could not be saved, reloaded or quantized.
        let folded = try #require(throws: ConfigError.self) {
            try load("[conv 64x3x3 p1, relu, avgpool 14, conv 4096x2x2, relu, flatten, dense 10]", dataset: "mnist")
        }
        #expect(folded.description.contains("model.layers[3]: 'conv 4096x2x2' folds a 14×14 input pooling into 4096×256 weights"), "\(folded)")

        let linear = try #require(throws: ConfigError.self) {
            try load("[flatten, dense 10]", extra: "fhe: {samples: 3}\n")
        }
        #expect(linear.description.contains("fhe.samples: is 3 but model.layers has only the logits layer"), "\(linear)")

        let budget = try #require(throws: ConfigError.self) {
            try load("[conv 4x3x3 p1, relu, flatten, dense 10]", extra: "quantization: {bits: 6, accumulator_bits_budget: 5}\n")
        }
        #expect(budget.description.contains("hidden layer 0 reads 6-bit inputs"), "\(budget)")
    }

    /// A CNN config goes through the runner's stages: trained, quantized (the pooling folded
    /// into the next layer) and lowered to conv2d ops.
    @Test func aCNNConfigIsTrainedQuantizedAndLowered() throws {
        let config = try load("[conv 2x3x3 p1, relu, avgpool 2, conv 3x2x2, relu, flatten, dense 10]",
                              extra: "training: {epochs: 1}\nquantization: {bits: 4}\n")[0]
        let results = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-cnn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: results) }
        let runner = ExperimentRunner(options: RunOptions(
            dataDirectory: repositoryRoot.appendingPathComponent("data").path, resultsDirectory: results))
        let prepared = try runner.prepare(config)
        #expect(prepared.model.layers.map(\.outputCount) == [128, 27, 10])
        #expect(prepared.quantized.layers[1].convolution?.kernelHeight == 4)
        #expect(prepared.circuit.stages.map { prepared.circuit.ops[$0.linear].kind } == [.conv2d, .conv2d, .dense])
    }

    @Test func theCommittedCNNConfigsLoad() throws {
        let root = repositoryRoot.appendingPathComponent("configs/experiments")
        let digits = try ConfigLoader.load(path: root.appendingPathComponent("encrypted-digits-cnn.yaml").path)
        #expect(digits.count == 1 && digits[0].fhe.samples == 100)
        guard case .layers = digits[0].model.architecture else {
            Issue.record("encrypted-digits-cnn.yaml is not a layer list")
            return
        }
        let mnist = try ConfigLoader.load(path: root.appendingPathComponent("encrypted-mnist-cnn.yaml").path)
        #expect(mnist.count == 1 && mnist[0].fhe.samples == 50 && mnist[0].dataset.name == .mnist)
        let sweep = try ConfigLoader.load(path: root.appendingPathComponent("digits-cnn-bits.yaml").path)
        #expect(sweep.count >= 6 && sweep.allSatisfy { $0.fhe.samples == 0 && $0.model == sweep[0].model })
    }
}
