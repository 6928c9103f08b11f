import Circuit
import Datasets
import FileInput
import Foundation
import ModelImport
import NeuralNet
import Quantization
import TFHE

/// Reads experiment configs: YAML → `base:` composition → sweep expansion → validated,
/// fully resolved `ExperimentConfig`s.
public enum ConfigLoader {
    /// Keys whose value may be a list to sweep over, in the order their labels are joined into
    /// the experiment name (`name-ptq-b4`). `model.hidden` and `model.layers` sweep when they
    /// are lists of lists (labels `h128x64` and `l` + a hash of the layer list, see
    /// `Architecture.label`).
    static let sweepKeys: [(path: [String], label: @Sendable (String) -> String)] = [
        (["dataset", "name"], { $0 }),
        (["model", "hidden"], { $0 }),
        (["model", "layers"], { $0 }),
        (["model", "activation"], { $0 }),
        (["training", "epochs"], { "e\($0)" }),
        (["training", "learning_rate"], { "lr\($0)" }),
        (["training", "seed"], { "s\($0)" }),
        (["quantization", "method"], { $0 }),
        (["quantization", "bits"], { "b\($0)" }),
        (["quantization", "input_bits"], { "ib\($0)" }),
        (["quantization", "weight_bits"], { "wb\($0)" }),
        (["quantization", "activation_bits"], { "ab\($0)" }),
        (["quantization", "max_tlu_bits"], { "tlu\($0)" }),
        (["quantization", "per_channel"], { $0 == "true" ? "pc" : "pt" }),
        // 2^-40 → p2m40 (folder names without ^ or *).
        (["fhe", "p_error"], { "p" + $0.replacingOccurrences(of: "**", with: "^").replacingOccurrences(of: "^-", with: "m")
            .replacingOccurrences(of: "^", with: "p") }),
    ]

    /// Every experiment of the config file at `path` (more than one when it sweeps).
    public static func load(path: String) throws -> [ExperimentConfig] {
        try expand(compose(path: path, chain: []))
    }

    /// Every experiment of YAML `text`; `file` names it in errors and anchors relative `base:` paths.
    public static func load(yaml text: String, file: String) throws -> [ExperimentConfig] {
        try expand(compose(text: text, file: file, chain: []))
    }

    // MARK: Composition

    private static func compose(path: String, chain: [String]) throws -> ConfigNode {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConfigError(file: path, message: "does not exist")
        }
        let data: Data
        do {
            data = try BoundedFile.read(url, maximumBytes: maximumFileBytes)
        } catch {
            throw ConfigError(file: path, message: error.reason)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError(file: path, message: "cannot be read as UTF-8 text") }
        return try compose(text: text, file: path, chain: chain)
    }

    private static func compose(text: String, file: String, chain: [String]) throws -> ConfigNode {
        let tree = try ConfigNode.parse(yaml: text, file: file)
        guard case .mapping = tree else {
            throw ConfigError(file: file, message: "must be a mapping of keys (name, dataset, model, …), got \(tree.kindDescription)")
        }
        guard let baseNode = tree["base"] else { return tree }
        guard case .scalar(let basePath, let location) = baseNode else {
            throw ConfigError(
                file: file, line: baseNode.location.line, keyPath: "base",
                message: "must be the path of another config file, got \(baseNode.kindDescription)")
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        let resolved = URL(fileURLWithPath: basePath, relativeTo: directory).standardizedFileURL.path
        let here = URL(fileURLWithPath: file).standardizedFileURL.path
        if chain.contains(resolved) || resolved == here {
            throw ConfigError(
                file: file, line: location.line, keyPath: "base",
                message: "'\(basePath)' leads back to a config already in this chain (\((chain + [here]).joined(separator: " → ")))")
        }
        guard FileManager.default.fileExists(atPath: resolved) else {
            throw ConfigError(
                file: file, line: location.line, keyPath: "base",
                message: "'\(basePath)' does not exist (resolved to \(resolved), relative to this file)")
        }
        var base = try compose(path: resolved, chain: chain + [here]).removing(key: "base")
        // `quantization.bits` here means all three widths, so it replaces the base's explicit ones.
        if let quantization = tree["quantization"], quantization["bits"] != nil, let baseQuantization = base["quantization"] {
            let overridden = ["input_bits", "weight_bits", "activation_bits"].filter { quantization[$0] == nil }
            base = base.replacing(
                ["quantization"], with: overridden.reduce(baseQuantization) { $0.removing(key: $1) })
        }
        return base.merged(with: tree.removing(key: "base"))
    }

    // MARK: Sweeps

    /// Most experiments one config may expand to.
    static let maximumExperiments = 1_000
    /// Largest config file read: real configs are a few kB.
    static let maximumFileBytes = 1 << 24

    private static func expand(_ tree: ConfigNode) throws -> [ExperimentConfig] {
        var variants: [(tree: ConfigNode, labels: [String])] = [(tree, [])]
        for (path, label) in sweepKeys {
            guard let value = lookup(tree, path), case .sequence(let options, let location) = value else { continue }
            // Both are lists themselves: only a list of lists sweeps.
            let isHiddenList = path == ["model", "hidden"], isLayerList = path == ["model", "layers"]
            if isHiddenList || isLayerList, !options.contains(where: { if case .sequence = $0 { true } else { false } }) {
                continue
            }
            guard !options.isEmpty else {
                throw ConfigError(
                    file: location.file, line: location.line, keyPath: path.joined(separator: "."),
                    message: "is an empty sweep list; give at least one value")
            }
            // Sweep lists multiply: a few long lists would expand without bound.
            guard variants.count * options.count <= maximumExperiments else {
                throw ConfigError(
                    file: location.file, line: location.line, keyPath: path.joined(separator: "."),
                    message: "makes the sweep \(variants.count) × \(options.count) = \(variants.count * options.count) experiments; allowed: at most \(maximumExperiments) per config")
            }
            variants = try variants.flatMap { variant in
                try options.map { option in
                    let text: String
                    switch option {
                    case .scalar(let scalar, _) where isLayerList:
                        // A layer item among layer lists: half a sweep, half an architecture.
                        throw ConfigError(
                            file: option.location.file, line: option.location.line, keyPath: path.joined(separator: "."),
                            message: "holds a list, so it is a sweep over layer lists, but it also holds the item '\(scalar)'; allowed: a list of layer items ([flatten, dense 10]) or a list of such lists")
                    case .scalar(let scalar, _):
                        text = scalar
                    case .sequence(let widths, _) where isHiddenList:
                        text = hiddenListLabel(widths)
                    case .sequence(let items, _) where isLayerList:
                        text = layerListLabel(items)
                    default:
                        throw ConfigError(
                            file: option.location.file, line: option.location.line,
                            keyPath: path.joined(separator: "."),
                            message: "sweep entries must be single values, got \(option.kindDescription)")
                    }
                    return (variant.tree.replacing(path, with: option), variant.labels + [label(text)])
                }
            }
        }
        let configs = try variants.map { variant in
            try decode(variant.tree, nameSuffix: variant.labels.map { "-" + $0 }.joined())
        }
        var seen: [String: Int] = [:]
        for config in configs {
            seen[config.name, default: 0] += 1
            if seen[config.name] == 2 {
                throw ConfigError(
                    file: tree.location.file, keyPath: "name",
                    message: "the sweep produces the experiment name '\(config.name)' twice; sweep lists must not repeat values")
            }
        }
        var meanings: [String: String] = [:]
        for config in configs {
            var unnamed = config
            unnamed.name = ""
            if let twin = meanings[unnamed.fingerprint] {
                throw ConfigError(
                    file: tree.location.file, keyPath: "name",
                    message: "the sweep makes '\(twin)' and '\(config.name)' the same experiment; a swept value has no effect (is it overridden by a more specific key?)")
            }
            meanings[unnamed.fingerprint] = config.name
        }
        return configs
    }

    /// `Architecture.label` of a hidden-width list; decoding reports a width that is not an
    /// integer, so its label only has to be a name.
    private static func hiddenListLabel(_ items: [ConfigNode]) -> String {
        var widths: [Int] = []
        for item in items {
            guard case .scalar(let text, _) = item, let width = Int(text) else { return "h-unparsed" }
            widths.append(width)
        }
        return Architecture.hiddenLabel(widths)
    }

    /// The name label of one `model.layers` sweep entry: from the canonical spelling, so two
    /// spellings of one list are one experiment (and the duplicate check below catches them).
    /// An item that does not parse is reported by `decode` with its key path; its raw text
    /// keeps the label defined until then.
    private static func layerListLabel(_ items: [ConfigNode]) -> String {
        var specs: [LayerSpec] = []
        for item in items {
            guard case .scalar(let text, _) = item, case .success(let spec) = LayerSpec.parse(text) else {
                return "l-unparsed"
            }
            specs.append(spec)
        }
        return Architecture.layers(specs).label
    }

    private static func lookup(_ tree: ConfigNode, _ path: [String]) -> ConfigNode? {
        path.reduce(Optional(tree)) { node, key in node?[key] }
    }

    // MARK: Decoding

    static let experimentNamePattern = "letters, digits, '-', '_' and '.', starting with a letter or digit"

    static func isValidExperimentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        } && name.count <= 120
    }

    private static func decode(_ tree: ConfigNode, nameSuffix: String) throws -> ExperimentConfig {
        var root = try ConfigReader(tree, path: [])
        guard let (baseName, nameNode) = try root.scalar("name") else {
            throw ConfigError(file: tree.location.file, keyPath: "name", message: "is required (the experiment's results folder name)")
        }
        let name = baseName + nameSuffix
        guard isValidExperimentName(name) else {
            throw root.error("name", nameNode, "is '\(name)'; allowed: \(experimentNamePattern)")
        }
        let seed = try root.seed("seed", default: 0)
        let dataDirectory = try root.text("data", default: nil)

        guard var datasetReader = try root.section("dataset") else {
            throw ConfigError(
                file: tree.location.file, keyPath: "dataset",
                message: "is required, e.g. {name: digits, test_fraction: 0.2}; names: \(DatasetName.allowedNames)")
        }
        guard datasetReader.value("name") != nil else {
            throw datasetReader.error("name", nil, "is required; allowed: \(DatasetName.allowedNames)")
        }
        let dataset = ExperimentConfig.DatasetSection(
            name: try datasetReader.choice("name", default: DatasetName.digits),
            testFraction: try datasetReader.real("test_fraction", default: 0.2, allowed: 0...0.9, exclusiveLower: true),
            seed: try datasetReader.seed("seed", default: seed))
        try datasetReader.finish()

        guard var modelReader = try root.section("model") else {
            throw ConfigError(
                file: tree.location.file, keyPath: "model",
                message: "is required: {hidden: [32], activation: relu}, {layers: [conv 8x3x3 p1, relu, flatten, dense 10]} or {load: path/to/model.json} or {onnx: path/to/model.onnx}")
        }
        let model = try modelSection(&modelReader, dataset: dataset.name, seed: seed)
        try modelReader.finish()
        let importsModel = model.isImported

        var trainingReader = try root.section("training") ?? ConfigReader(.mapping([], tree.location), path: ["training"])
        let optimizer = try trainingReader.choice("optimizer", default: ExperimentConfig.OptimizerName.adam)
        let training = ExperimentConfig.TrainingSection(
            epochs: try trainingReader.integer("epochs", default: 20, allowed: 1...100_000),
            batchSize: try trainingReader.integer("batch_size", default: 32, allowed: 1...1_000_000),
            optimizer: optimizer,
            learningRate: try trainingReader.real(
                "learning_rate", default: optimizer == .adam ? 0.001 : 0.01, allowed: 0...10, exclusiveLower: true),
            learningRateDecay: try trainingReader.real("learning_rate_decay", default: 1, allowed: 0...1, exclusiveLower: true),
            momentum: try trainingReader.real("momentum", default: 0.9, allowed: 0...0.999),
            seed: try trainingReader.seed("seed", default: seed))
        try trainingReader.finish()

        var quantizationReader =
            try root.section("quantization") ?? ConfigReader(.mapping([], tree.location), path: ["quantization"])
        let bits = try quantizationReader.integer("bits", default: 8, allowed: 2...16)
        let method = try quantizationReader.choice("method", default: QuantizationMethod.ptq)
        let quantization = ExperimentConfig.QuantizationSection(
            method: method,
            inputBits: try quantizationReader.integer("input_bits", default: bits, allowed: 1...16),
            weightBits: try quantizationReader.integer("weight_bits", default: bits, allowed: 2...16),
            activationBits: try quantizationReader.integer("activation_bits", default: bits, allowed: 1...16),
            perChannel: try quantizationReader.boolean("per_channel", default: true),
            symmetricWeights: try quantizationReader.boolean("symmetric_weights", default: true),
            calibrationPercentile: try quantizationReader.real(
                "calibration_percentile", default: 100, allowed: 50...100, exclusiveLower: true),
            accumulatorBitsBudget: try quantizationReader.optionalInteger("accumulator_bits_budget", allowed: 2...40),
            outputWeightBits: try quantizationReader.optionalInteger("output_weight_bits", allowed: 2...16),
            maxTLUBits: try quantizationReader.integer("max_tlu_bits", default: 7, allowed: 1...16),
            rounding: try quantizationReader.choice("rounding", default: RoundingPolicy.automatic),
            qatEpochs: try quantizationReader.integer("qat_epochs", default: 5, allowed: 1...100_000),
            qatLearningRate: try quantizationReader.real(
                "qat_learning_rate", default: training.learningRate, allowed: 0...10, exclusiveLower: true),
            tablesUsePaddingBit: try quantizationReader.boolean("tables_use_padding_bit", default: false) ? true : nil)
        if quantization.usesPaddingBitTables && quantization.maxTLUBits > 15 {
            throw quantizationReader.error("max_tlu_bits", nil, "is 16, but tables_use_padding_bit reads up to 2^(max_tlu_bits + 1) entries; allowed with it: 1...15")
        }
        try quantizationReader.finish()

        var fheReader = try root.section("fhe") ?? ConfigReader(.mapping([], tree.location), path: ["fhe"])
        let fhe = ExperimentConfig.FHESection(
            samples: try fheReader.integer("samples", default: 0, allowed: 0...1_000_000),
            pError: try pError(&fheReader),
            parameters: try parameterChoice(&fheReader),
            threads: try fheReader.integer("threads", default: 0, allowed: 0...1024),
            seed: try fheReader.seed("seed", default: seed),
            mode: try fheReader.optionalChoice("mode", type: ExperimentConfig.FHEMode.self),
            simulatedSamples: try fheReader.optionalInteger("simulated_samples", allowed: 1...10_000_000, nilWord: "all"))
        try fheReader.finish()
        try root.finish()

        if fhe.mode == .both, fhe.samples == 0 {
            let node = tree["fhe"]?["mode"]
            throw ConfigError(
                file: node?.location.file ?? tree.location.file, line: node?.location.line, keyPath: "fhe.mode",
                message: "is both but fhe.samples is 0, so nothing would run encrypted; allowed: fhe.samples 1 or more with both, or fhe.mode simulate")
        }
        if fhe.mode == .simulate, fhe.samples > 0 {
            let node = tree["fhe"]?["samples"]
            throw ConfigError(
                file: node?.location.file ?? tree.location.file, line: node?.location.line, keyPath: "fhe.samples",
                message: "is \(fhe.samples) but fhe.mode is simulate, which runs nothing encrypted; allowed: fhe.mode both (simulate and encrypt \(fhe.samples) samples), or fhe.samples 0")
        }
        // What the model lacks, in the config's own terms.
        let noHiddenLayer: String
        let addHiddenLayer: String
        switch model.architecture {
        case .hidden:
            (noHiddenLayer, addHiddenLayer) = ("model.hidden is []", "hidden: [16]")
        case .layers:
            (noHiddenLayer, addHiddenLayer) = ("model.layers has only the logits layer", "a conv or dense with its activation before it")
        }
        let hiddenLayers = model.architecture.hiddenLayerCount
        if fhe.runsSimulated, !importsModel, hiddenLayers == 0 {
            let node = tree["fhe"]?["mode"]
            throw ConfigError(
                file: node?.location.file ?? tree.location.file, line: node?.location.line, keyPath: "fhe.mode",
                message: "is \(fhe.mode?.rawValue ?? "") but \(noHiddenLayer): a model without hidden layers has no table lookup, so there is no PBS to simulate; allowed: fhe.mode encrypt, or at least one hidden layer such as \(addHiddenLayer)")
        }
        if fhe.runsEncrypted, !importsModel, hiddenLayers == 0 {
            let node = tree["fhe"]?["samples"]
            throw ConfigError(
                file: node?.location.file ?? tree.location.file, line: node?.location.line, keyPath: "fhe.samples",
                message: "is \(fhe.samples) but \(noHiddenLayer): a model without hidden layers has no table lookup, so there is no KS→PBS for the encrypted run to plan; allowed: fhe.samples 0, or at least one hidden layer such as \(addHiddenLayer)")
        }
        if !importsModel, let reason = quantization.impossibleBudget(hiddenLayers: hiddenLayers) {
            let node = tree["quantization"]?["accumulator_bits_budget"]
            throw ConfigError(
                file: node?.location.file ?? tree.location.file, line: node?.location.line,
                keyPath: "quantization.accumulator_bits_budget", message: reason)
        }

        return ExperimentConfig(
            name: name, seed: seed, dataset: dataset, model: model, training: training, quantization: quantization,
            fhe: fhe, dataDirectory: dataDirectory)
    }

    /// `model`: exactly one of `hidden` (with `activation`), `layers`, `load` and `onnx`. A layer
    /// list is parsed and its whole geometry built against the dataset's input here, and an ONNX
    /// model imported and checked against it, so a model that does not fit fails before any
    /// training or quantization.
    private static func modelSection(_ reader: inout ConfigReader, dataset: DatasetName, seed: UInt64) throws
        -> ExperimentConfig.ModelSection
    {
        if let onnx = try importedONNX(&reader, dataset: dataset, seed: seed) { return onnx }
        let hiddenNode = reader.value("hidden")
        let layersNode = reader.value("layers")
        let activationNode = reader.value("activation")
        let either = "give either an architecture (model.hidden or model.layers) or a file to load"
        if reader.value("load") != nil, hiddenNode != nil {
            throw reader.error("load", nil, "and model.hidden are both set; \(either)")
        }
        if reader.value("load") != nil, layersNode != nil {
            throw reader.error("load", nil, "and model.layers are both set; \(either)")
        }
        let load = try loadedModelPath(&reader, dataset: dataset)
        if let layersNode, hiddenNode != nil {
            throw reader.error(
                "layers", layersNode,
                "and model.hidden are both set; allowed: one of them (hidden: fully connected widths with model.activation, layers: a list of layer items)")
        }
        let modelSeed = try reader.seed("seed", default: seed)
        guard let layersNode else {
            if load == nil, hiddenNode == nil {
                throw reader.error(
                    "hidden", nil, "is required unless model.layers or model.load is given, e.g. hidden: [32]")
            }
            return ExperimentConfig.ModelSection(
                architecture: .hidden(
                    try reader.integerList("hidden", default: [], allowed: 1...LayerSpec.maximumDenseOutputs),
                    activation: try reader.choice("activation", default: Activation.relu)),
                seed: modelSeed, load: load)
        }
        if let activationNode {
            throw reader.error(
                "activation", activationNode,
                "is set but model.layers gives each layer its own activation; allowed: activation items in model.layers (e.g. conv 8x3x3 p1, relu)")
        }
        guard case .sequence(let items, _) = layersNode else {
            throw reader.error(
                "layers", layersNode,
                "must be a list of layer items such as [conv 8x3x3 p1, relu, flatten, dense 10], got \(layersNode.kindDescription); items: \(LayerSpec.grammar)")
        }
        func itemError(_ index: Int, _ message: String) -> ConfigError {
            reader.error("layers[\(index)]", items[index], message)
        }
        var specs: [LayerSpec] = []
        for (index, item) in items.enumerated() {
            guard case .scalar(let text, _) = item else {
                throw itemError(index, "is \(item.kindDescription); allowed: one layer item per entry: \(LayerSpec.grammar)")
            }
            switch LayerSpec.parse(text) {
            case .success(let spec): specs.append(spec)
            case .failure(let error): throw itemError(index, "'\(text)': \(error.reason)")
            }
        }
        let architecture = Architecture.layers(specs)
        do {
            _ = try architecture.blueprint(
                input: TensorShape(dataset, featureCount: dataset.featureCount), classCount: dataset.classCount,
                dataset: dataset.rawValue)
        } catch {
            guard let index = error.item else { throw reader.error("layers", layersNode, error.message) }
            throw itemError(index, error.message)
        }
        return ExperimentConfig.ModelSection(architecture: architecture, seed: modelSeed, load: nil)
    }

    /// `model.load`: a model file written by `lockstep run` (`model.json`), its path relative to
    /// the config file that names it, like `base:` and `model.onnx` (stored relative to the
    /// working directory, as the runner opens it). Read here and checked against the dataset's
    /// feature and class counts, so a wrong file fails before anything runs; nil when absent.
    private static func loadedModelPath(_ reader: inout ConfigReader, dataset: DatasetName) throws -> String? {
        guard let (path, node) = try reader.scalar("load") else { return nil }
        let url = try existingFile("load", path, node, reader)
        let network: Network
        do {
            network = try Network.load(from: url)
        } catch let error as ModelFileError {
            throw reader.error("load", node, error.description)
        }
        guard network.inputCount == dataset.featureCount, network.outputCount == dataset.classCount else {
            throw reader.error(
                "load", node,
                "'\(path)' has \(network.inputCount) inputs and \(network.outputCount) outputs, but \(dataset.rawValue) has \(dataset.featureCount) features and \(dataset.classCount) classes; allowed: a model trained on \(dataset.rawValue)")
        }
        return pathRelative(url)
    }

    /// The file at `path`, anchored at the folder of the config file that names it (absolute
    /// paths stay); an error naming `key` and the resolved path when it does not exist.
    private static func existingFile(_ key: String, _ path: String, _ node: ConfigNode, _ reader: ConfigReader) throws -> URL {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: node.location.file).deletingLastPathComponent())
            .standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw reader.error(key, node, "'\(path)' does not exist (resolved to \(url.path), relative to this file)")
        }
        return url
    }

    /// `model.onnx`: an ONNX float model, its path relative to the config file that names it (like
    /// `base:`). Imported here and checked against the dataset's input shape and class count;
    /// nil when the key is absent.
    private static func importedONNX(_ reader: inout ConfigReader, dataset: DatasetName, seed: UInt64) throws
        -> ExperimentConfig.ModelSection?
    {
        guard let (path, node) = try reader.scalar("onnx") else { return nil }
        for other in ["load", "hidden", "layers", "activation"] where reader.value(other) != nil {
            throw reader.error("onnx", node, "and model.\(other) are both set; allowed: model.onnx alone (the file gives the architecture and the weights)")
        }
        let url = try existingFile("onnx", path, node, reader)
        let imported: ONNXModel
        do {
            imported = try ONNXModel.load(from: url)
        } catch let error as ONNXImportError {
            throw reader.error("onnx", node, error.description)
        }
        let expected = TensorShape(dataset, featureCount: dataset.featureCount)
        let fits: Bool
        switch (imported.input, expected) {
        case (.image(let image), .image(let shape)): fits = image == shape
        // A flattened image is the same values in the same (channel-major) order.
        case (.vector(let count), _): fits = count == expected.count
        case (.image, .vector): fits = false
        }
        let classes = imported.network.outputCount
        guard fits, classes == dataset.classCount else {
            let allowedInput = if case .image = expected {
                "\(expected.batchDescription) or \(TensorShape.vector(expected.count).batchDescription)"
            } else {
                expected.batchDescription
            }
            throw reader.error(
                "onnx", node,
                "'\(path)' reads \(imported.input.batchDescription) and produces \(classes) outputs, but \(dataset.rawValue) samples are \(expected) with \(dataset.classCount) classes; allowed: a model reading \(allowedInput) and producing \(dataset.classCount) logits")
        }
        return ExperimentConfig.ModelSection(
            architecture: .hidden([], activation: .relu), seed: try reader.seed("seed", default: seed), load: nil,
            onnx: pathRelative(url))
    }

    /// `p_error` as `2^-40`, `2**-40` or a plain number in (0, 0.5].
    /// Checked here, not when the FHE stage plans after minutes of training.
    private static func parameterChoice(_ reader: inout ConfigReader) throws -> ParameterChoice {
        guard let (text, node) = try reader.scalar("parameters") else { return .automatic }
        guard let choice = ParameterChoice(text) else {
            throw reader.error("parameters", node, "unknown parameter set '\(text)'; allowed: \(ParameterChoice.allowed)")
        }
        return choice
    }

    private static func pError(_ reader: inout ConfigReader) throws -> Double {
        let defaultValue = 0x1p-40
        guard let (text, node) = try reader.scalar("p_error") else { return defaultValue }
        guard let value = ProbabilityText.parse(text) else {
            throw reader.error("p_error", node, "is '\(text)'; allowed: \(ProbabilityText.allowed)")
        }
        return value
    }
}
