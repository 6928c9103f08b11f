import Foundation
import Testing

@testable import Experiments

/// Writes `files` (name → YAML) into a fresh directory and returns it.
func configDirectory(_ files: [String: String]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-configs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, text) in files {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
    return url
}

let exampleYAML = """
    name: digits-mlp-3bit
    dataset: {name: digits, test_fraction: 0.2, seed: 7}
    model: {hidden: [32], activation: relu}
    training: {epochs: 40, batch_size: 32, optimizer: adam, learning_rate: 0.005, seed: 7}
    quantization: {method: qat, input_bits: 4, weight_bits: 3, activation_bits: 3, per_channel: false, max_tlu_bits: 7}
    fhe: {samples: 20, p_error: 2^-40, parameters: auto, threads: 2}
    """

@Suite struct ConfigTests {
    @Test func theIssueExampleResolvesWithEveryDefaultFilled() throws {
        let configs = try ConfigLoader.load(yaml: exampleYAML, file: "example.yaml")
        #expect(configs.count == 1)
        let config = configs[0]
        #expect(config.name == "digits-mlp-3bit")
        #expect(config.dataset.name == .digits && config.dataset.testFraction == 0.2 && config.dataset.seed == 7)
        #expect(config.model.architecture == .hidden([32], activation: .relu) && config.model.load == nil)
        #expect(config.training.epochs == 40 && config.training.batchSize == 32 && config.training.optimizer == .adam)
        #expect(config.training.learningRate == 0.005 && config.training.learningRateDecay == 1)
        #expect(config.quantization.method == .qat)
        #expect(config.quantization.inputBits == 4 && config.quantization.weightBits == 3)
        #expect(config.quantization.activationBits == 3 && config.quantization.maxTLUBits == 7)
        #expect(config.fhe.samples == 20 && config.fhe.pError == 0x1p-40 && config.fhe.threads == 2)
        #expect(config.fhe.parameters == .automatic)
        #expect(config.seed == 0 && config.model.seed == 0, "unset seeds default to the announced seed")
    }

    @Test func fingerprintFollowsMeaningNotSpelling() throws {
        let a = try ConfigLoader.load(yaml: exampleYAML, file: "a.yaml")[0]
        let reordered = """
            fhe: {threads: 2, p_error: 2**-40, samples: 20}
            name: digits-mlp-3bit
            quantization: {input_bits: 4, method: qat, activation_bits: 3, weight_bits: 3, per_channel: false}
            training: {epochs: 40, learning_rate: 0.005, seed: 7}
            dataset: {name: digits, seed: 7}
            model: {hidden: [32]}
            """
        let b = try ConfigLoader.load(yaml: reordered, file: "b.yaml")[0]
        #expect(a == b)
        #expect(a.fingerprint == b.fingerprint)
        var c = a
        c.quantization.weightBits = 4
        #expect(c.fingerprint != a.fingerprint)
        #expect(a.fingerprint.count == 64)
    }

    @Test func resolvedConfigRoundTripsThroughJSON() throws {
        let config = try ConfigLoader.load(yaml: exampleYAML, file: "a.yaml")[0]
        let decoded = try JSONDecoder().decode(ExperimentConfig.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
    }

    @Test(arguments: [
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8]}\nquantization: {weight_bitz: 3}\n",
         "x.yaml:4: quantization.weight_bitz: is not a known key; allowed here: bits, method, input_bits, weight_bits, activation_bits, per_channel, symmetric_weights, calibration_percentile, accumulator_bits_budget, output_weight_bits, max_tlu_bits, rounding, qat_epochs, qat_learning_rate, tables_use_padding_bit"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8]}\nquantization: {weight_bits: 1}\n",
         "x.yaml:4: quantization.weight_bits: is '1'; allowed: an integer from 2 to 16"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8]}\nquantization: {weight_bits: three}\n",
         "x.yaml:4: quantization.weight_bits: is 'three'; allowed: an integer from 2 to 16"),
        ("name: x\ndataset: {name: cifar}\nmodel: {hidden: [8]}\n",
         "x.yaml:2: dataset.name: is 'cifar'; allowed: digits, iris, breast_cancer, wine, mnist, fashion_mnist"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8], activation: gelu}\n",
         "x.yaml:3: model.activation: is 'gelu'; allowed: relu, sigmoid, tanh, identity"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8]}\ntraining: {optimizer: rmsprop}\n",
         "x.yaml:4: training.optimizer: is 'rmsprop'; allowed: sgd, momentum, adam"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8]}\nfhe: {p_error: 0.7}\n",
         "x.yaml:4: fhe.p_error: is '0.7'; allowed: a probability in (0, 0.5] written as 2^-40, 2**-40 or 1e-12"),
        ("name: x\ndataset: {name: digits, test_fraction: 0}\nmodel: {hidden: [8]}\n",
         "x.yaml:2: dataset.test_fraction: is '0'; allowed: a number greater than 0.0 up to 0.9"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8, 0]}\n",
         "x.yaml:3: model.hidden: has the value '0'; allowed: integers from 1 to 8192"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8]}\nextra: 1\n",
         "x.yaml:4: extra: is not a known key; allowed here: name, seed, data, dataset, model, training, quantization, fhe"),
        ("dataset: {name: digits}\nmodel: {hidden: [8]}\n",
         "x.yaml: name: is required (the experiment's results folder name)"),
        ("name: x\nmodel: {hidden: [8]}\n",
         "x.yaml: dataset: is required, e.g. {name: digits, test_fraction: 0.2}; names: digits, iris, breast_cancer, wine, mnist, fashion_mnist"),
        ("name: x\ndataset: {name: digits}\nmodel: {activation: relu}\n",
         "x.yaml:3: model.hidden: is required unless model.layers or model.load is given, e.g. hidden: [32]"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8], load: m.json}\n",
         "x.yaml:3: model.load: and model.hidden are both set; give either an architecture (model.hidden or model.layers) or a file to load"),
        ("name: x/y\ndataset: {name: digits}\nmodel: {hidden: [8]}\n",
         "x.yaml:1: name: is 'x/y'; allowed: letters, digits, '-', '_' and '.', starting with a letter or digit"),
        ("name: x\ndataset: digits\nmodel: {hidden: [8]}\n",
         "x.yaml:2: dataset: must be a mapping of keys to values, got the value 'digits'"),
        ("name: x\ndataset: {name: digits}\nmodel: {hidden: [8]}\nquantization: {bits: 4, bits: 5}\n",
         "x.yaml:4: quantization.bits: appears twice in the same mapping; give each key once"),
    ])
    func badConfigsNameFileLineKeyAndWhatIsAllowed(yaml: String, expected: String) {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: yaml, file: "x.yaml") }
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: "x.yaml")
        } catch {
            #expect("\(error)" == expected)
        }
    }

    @Test func invalidYAMLAndMissingFilesNameTheFile() throws {
        let broken = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: "name: x\ndataset: {name: digits\n", file: "broken.yaml")
        }
        #expect(broken.file == "broken.yaml")
        #expect(broken.description.hasPrefix("broken.yaml: is not valid YAML:"))

        let missing = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/c.yaml") }
        #expect(missing.description == "/nonexistent/c.yaml: does not exist")
        // A device named as a config would be read without end.
        let device = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: "/dev/zero") }
        #expect(device.description.hasPrefix("/dev/zero: is not a regular file"), "\(device)")

        let empty = try #require(throws: ConfigError.self) { try ConfigLoader.load(yaml: "", file: "e.yaml") }
        #expect(empty.description.contains("e.yaml: is empty"))
        let list = try #require(throws: ConfigError.self) { try ConfigLoader.load(yaml: "- a\n- b\n", file: "l.yaml") }
        #expect(list.description.contains("l.yaml: must be a mapping"))
    }

    @Test func baseFilesComposeAndErrorsNameTheFileHoldingTheKey() throws {
        let directory = try configDirectory([
            "defaults/mnist.yaml": "dataset: {name: mnist}\nmodel: {hidden: [128], activation: relu}\ntraining: {epochs: 3, batch_size: 64}\nquantization: {method: ptq, bits: 6}\n",
            "child.yaml": "base: defaults/mnist.yaml\nname: child\ntraining: {epochs: 5}\nquantization: {weight_bits: 4}\n",
            "bad-base.yaml": "base: child-with-typo.yaml\nname: b\n",
            "cycle-a.yaml": "base: cycle-b.yaml\nname: a\n",
            "cycle-b.yaml": "base: cycle-a.yaml\n",
            "typo-in-base.yaml": "base: defaults/typo.yaml\nname: t\n",
            "defaults/typo.yaml": "dataset: {name: mnist}\nmodel: {hidden: [8]}\ntraining: {epoch: 3}\n",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try ConfigLoader.load(path: directory.appendingPathComponent("child.yaml").path)[0]
        #expect(config.name == "child" && config.dataset.name == .mnist && config.model.architecture == .hidden([128], activation: .relu))
        #expect(config.training.epochs == 5 && config.training.batchSize == 64, "child overrides, base fills in")
        #expect(config.quantization.weightBits == 4 && config.quantization.inputBits == 6)

        let bitsChild = try configDirectory([
            "base.yaml": "dataset: {name: iris}\nmodel: {hidden: [4]}\nquantization: {input_bits: 4, weight_bits: 3, activation_bits: 3}\n",
            "sweep.yaml": "base: base.yaml\nname: s\nquantization: {bits: [5, 6], weight_bits: 2}\n",
            "same.yaml": "name: same\ndataset: {name: iris}\nmodel: {hidden: [4]}\nquantization: {bits: [5, 6], input_bits: 4, weight_bits: 3, activation_bits: 3}\n",
        ])
        defer { try? FileManager.default.removeItem(at: bitsChild) }
        let swept = try ConfigLoader.load(path: bitsChild.appendingPathComponent("sweep.yaml").path)
        #expect(swept.map(\.quantization.inputBits) == [5, 6], "a child's bits replaces the base's explicit widths")
        #expect(swept.map(\.quantization.weightBits) == [2, 2], "but not its own explicit ones")
        let ineffective = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: bitsChild.appendingPathComponent("same.yaml").path)
        }
        #expect(ineffective.description.contains("the sweep makes 'same-b5' and 'same-b6' the same experiment"))

        let missingBase = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: directory.appendingPathComponent("bad-base.yaml").path)
        }
        #expect(missingBase.keyPath == "base" && missingBase.description.contains("'child-with-typo.yaml' does not exist"))

        let cycle = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: directory.appendingPathComponent("cycle-a.yaml").path)
        }
        #expect(cycle.description.contains("leads back to a config already in this chain"))

        let typo = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(path: directory.appendingPathComponent("typo-in-base.yaml").path)
        }
        #expect(typo.file.hasSuffix("defaults/typo.yaml"), "the unknown key lives in the base file: \(typo)")
        #expect(typo.keyPath == "training.epoch" && typo.line == 3)
    }

    @Test func sweepsExpandIntoNamedExperimentsInAFixedOrder() throws {
        let yaml = """
            name: mnist-fc
            dataset: {name: mnist}
            model: {hidden: [[64], [128, 64]]}
            quantization: {method: [ptq, qat], bits: [2, 3, 4]}
            """
        let configs = try ConfigLoader.load(yaml: yaml, file: "s.yaml")
        #expect(configs.map(\.name) == [
            "mnist-fc-h64-ptq-b2", "mnist-fc-h64-ptq-b3", "mnist-fc-h64-ptq-b4",
            "mnist-fc-h64-qat-b2", "mnist-fc-h64-qat-b3", "mnist-fc-h64-qat-b4",
            "mnist-fc-h128x64-ptq-b2", "mnist-fc-h128x64-ptq-b3", "mnist-fc-h128x64-ptq-b4",
            "mnist-fc-h128x64-qat-b2", "mnist-fc-h128x64-qat-b3", "mnist-fc-h128x64-qat-b4",
        ])
        let last = configs.last!
        #expect(last.model.architecture == .hidden([128, 64], activation: .relu) && last.quantization.method == .qat)
        #expect(last.quantization.inputBits == 4 && last.quantization.weightBits == 4 && last.quantization.activationBits == 4)
        #expect(Set(configs.map(\.fingerprint)).count == configs.count)
    }

    @Test func aPlainHiddenListIsNotASweep() throws {
        let configs = try ConfigLoader.load(
            yaml: "name: n\ndataset: {name: iris}\nmodel: {hidden: [16, 8]}\nquantization: {weight_bits: [2, 3]}\n",
            file: "p.yaml")
        #expect(configs.map(\.name) == ["n-wb2", "n-wb3"])
        #expect(configs.allSatisfy { $0.model.architecture == .hidden([16, 8], activation: .relu) })
    }

    @Test func sweepValuesAreValidatedWithTheirKeyPath() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(
                yaml: "name: n\ndataset: {name: iris}\nmodel: {hidden: [4]}\nquantization: {weight_bits: [2, 99]}\n",
                file: "v.yaml")
        }
        #expect(error.keyPath == "quantization.weight_bits")
        #expect(error.description.contains("is '99'"))
        let repeated = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(
                yaml: "name: n\ndataset: {name: iris}\nmodel: {hidden: [4]}\nquantization: {bits: [3, 3]}\n",
                file: "r.yaml")
        }
        #expect(repeated.description.contains("'n-b3' twice"))
    }

    /// A budget below a hidden layer's input code width zeroes every weight of that layer
    /// (`digits-bits.yaml` at 6–8 bits with quickstart's budget of 5: accuracy 0.10). Refused
    /// at load with the arithmetic.
    @Test func impossibleAccumulatorBudgetsAreRefusedWithTheArithmetic() throws {
        func yaml(_ quantization: String, hidden: String = "[16]") -> String {
            """
            name: budget
            dataset: {name: digits}
            model: {hidden: \(hidden)}
            quantization: \(quantization)
            """
        }
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: yaml("{bits: [4, 6], accumulator_bits_budget: 5}"), file: "budget.yaml")
        }
        #expect(error.description.contains("quantization.accumulator_bits_budget"))
        #expect(error.description.contains("6-bit inputs"))
        #expect(error.description.contains("Σ|W| ≤ ⌊31/63⌋ = 0"), "\(error)")
        #expect(error.description.contains("allowed: none, or a budget ≥ 6"))

        // Activations feed the second hidden layer.
        let deep = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(
                yaml: yaml("{input_bits: 2, weight_bits: 3, activation_bits: 7, accumulator_bits_budget: 5}", hidden: "[16, 8]"),
                file: "deep.yaml")
        }
        #expect(deep.description.contains("hidden layer 1 reads 7-bit activations"), "\(deep)")

        // The budget exactly at the input width leaves one unit of L1 per neuron: allowed.
        #expect(try ConfigLoader.load(yaml: yaml("{bits: 5, accumulator_bits_budget: 5}"), file: "ok.yaml").count == 1)
        #expect(try ConfigLoader.load(yaml: yaml("{bits: 8, accumulator_bits_budget: 5}", hidden: "[]"), file: "none.yaml").count == 1,
                "no hidden layer, nothing to budget")
    }

    @Test func fheSamplesWithoutHiddenLayersAreRefusedAtLoad() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(
                yaml: "name: flat\ndataset: {name: iris}\nmodel: {hidden: []}\nfhe: {samples: 3}", file: "flat.yaml")
        }
        #expect(error.description.contains("flat.yaml"))
        #expect(error.description.contains("fhe.samples"))
        #expect(error.description.contains("model.hidden is []"))
        #expect(try ConfigLoader.load(yaml: "name: flat\ndataset: {name: iris}\nmodel: {hidden: []}", file: "clear.yaml").count == 1,
                "a clear-only run of a linear model is fine")
    }

    /// A misspelt parameter set is refused when the config loads, not after training.
    @Test func unknownParameterSetsAreRefusedAtLoad() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader.load(
                yaml: "name: typo\ndataset: {name: iris}\nmodel: {hidden: [8]}\nfhe: {samples: 3,\n  parameters: concrete-p40-b44}", file: "typo.yaml")
        }
        #expect(error.description.contains("typo.yaml:5"), "\(error)")
        #expect(error.description.contains("fhe.parameters") && error.description.contains("concrete-p40-b44"))
        #expect(error.description.contains("concrete-p40-b4,"), "names the allowed sets")
        for name in ["auto", "concrete-p40-b4", "concrete-p40-b4-pbs15x2"] {
            #expect(try ConfigLoader.load(yaml: "name: ok\ndataset: {name: iris}\nmodel: {hidden: [8]}\nfhe: {parameters: \(name)}", file: "ok.yaml").count == 1)
        }
    }

    /// Every committed config loads (the budget check must not refuse one), and the digits bit
    /// sweep no longer carries quickstart's 5-bit budget into its 6–8-bit experiments.
    @Test func everyCommittedConfigLoads() throws {
        let root = repositoryRoot.appendingPathComponent("configs")
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 10)
        for file in files {
            #expect(throws: Never.self, "\(file)") { try ConfigLoader.load(path: root.appendingPathComponent(file).path) }
        }
        let sweep = try ConfigLoader.load(path: root.appendingPathComponent("experiments/digits-bits.yaml").path)
        #expect(sweep.count == 14)
        #expect(sweep.allSatisfy { $0.quantization.impossibleBudget(hiddenLayers: $0.model.architecture.hiddenLayerCount) == nil })
    }

    /// "Billion laughs": nine levels of nine aliases are 9^9 values in 1 kB of YAML. The loader
    /// stops at its node limit instead of growing memory without bound.
    @Test func aliasBombsAreRefusedAtTheNodeLimit() throws {
        var yaml = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...8 {
            yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        yaml += "name: bomb\ndataset: {name: iris}\nmodel: {hidden: [4]}\n"
        let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(yaml: yaml, file: "bomb.yaml") }
        #expect(error.description.contains("bomb.yaml"))
        #expect(error.description.contains("more than \(ConfigNode.maximumNodes) values"), "\(error)")

        // Sweep lists multiply too.
        let sweep = """
            name: wide
            dataset: {name: iris}
            model: {hidden: [4]}
            training: {epochs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}
            quantization: {input_bits: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}
            """
        let sweepError = try #require(throws: ConfigError.self) { try ConfigLoader.load(yaml: sweep, file: "wide.yaml") }
        #expect(sweepError.description.contains("100 × 11 = 1100 experiments; allowed: at most 1000"), "\(sweepError)")
    }
}
