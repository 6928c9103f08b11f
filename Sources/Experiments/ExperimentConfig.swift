import Circuit
import Datasets
import Foundation
import NeuralNet
import Quantization
import Reporting
import TFHE

/// A fully resolved experiment: every default filled in, every value validated. Two configs that
/// mean the same experiment are equal and have the same `fingerprint`, which is how a batch
/// recognises an experiment it has already finished.
public struct ExperimentConfig: Codable, Hashable, Sendable {
    /// Bumped when the meaning of a field changes, so old results are not mistaken for new ones.
    public static let schemaVersion = 1

    public var name: String
    /// The announced seed: the default of every other seed.
    public var seed: UInt64
    public var dataset: DatasetSection
    public var model: ModelSection
    public var training: TrainingSection
    public var quantization: QuantizationSection
    public var fhe: FHESection
    /// Data folder (relative to the working directory); nil = `--data` or the default search.
    public var dataDirectory: String?

    public struct DatasetSection: Codable, Hashable, Sendable {
        public var name: DatasetName
        /// Used only by datasets without an official split.
        public var testFraction: Double
        public var seed: UInt64
    }

    public struct ModelSection: Codable, Hashable, Sendable {
        /// `model.hidden` + `model.activation` or `model.layers`; the input and output sizes
        /// come from the dataset. A loaded model keeps `.hidden([], activation: .relu)`, as it
        /// always has (its fingerprint must not change).
        public var architecture: Architecture
        /// Seed of the weight initialisation.
        public var seed: UInt64
        /// A weight file to load instead of training (path relative to the working directory).
        public var load: String?
        /// An ONNX float model to import instead of training: the config's path resolved against
        /// the config file, relative to the working directory when inside it.
        public var onnx: String? = nil

        public init(architecture: Architecture, seed: UInt64, load: String?, onnx: String? = nil) {
            self.architecture = architecture
            self.seed = seed
            self.load = load
            self.onnx = onnx
        }

        /// The model comes from a file (`load` or `onnx`), not from training.
        public var isImported: Bool { load != nil || onnx != nil }

        /// The section as fingerprints see it. A loaded model's path says where its file lies
        /// (relative to the working directory inside it, absolute outside), not what it is:
        /// `ExperimentRunner.Inputs` holds the file's sha256. With the path in the fingerprint,
        /// moving a checkout or running from another folder made finished results look stale.
        public var fingerprintIdentity: ModelSection {
            var identity = self
            if load != nil { identity.load = Self.pathInInputs }
            if onnx != nil { identity.onnx = Self.pathInInputs }
            return identity
        }

        static let pathInInputs = "(file content: inputs fingerprint)"

        // Encoded as the config spells it: `hidden` and `activation`, exactly the keys of the
        // section before `model.layers` existed (so earlier fingerprints, results and reusable
        // float models still match), or `layers` as canonical item texts.
        private enum Keys: String, CodingKey { case hidden, activation, layers, seed, load, onnx }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            if let layers = try container.decodeIfPresent([LayerSpec].self, forKey: .layers) {
                architecture = .layers(layers)
            } else {
                architecture = .hidden(try container.decode([Int].self, forKey: .hidden),
                                       activation: try container.decode(Activation.self, forKey: .activation))
            }
            seed = try container.decode(UInt64.self, forKey: .seed)
            load = try container.decodeIfPresent(String.self, forKey: .load)
            onnx = try container.decodeIfPresent(String.self, forKey: .onnx)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            switch architecture {
            case .hidden(let widths, let activation):
                try container.encode(widths, forKey: .hidden)
                try container.encode(activation, forKey: .activation)
            case .layers(let specs):
                try container.encode(specs, forKey: .layers)
            }
            try container.encode(seed, forKey: .seed)
            try container.encodeIfPresent(load, forKey: .load)
            try container.encodeIfPresent(onnx, forKey: .onnx)
        }
    }

    public enum OptimizerName: String, Codable, Hashable, Sendable, CaseIterable {
        case sgd, momentum, adam
    }

    public struct TrainingSection: Codable, Hashable, Sendable {
        public var epochs: Int
        public var batchSize: Int
        public var optimizer: OptimizerName
        public var learningRate: Double
        /// Learning-rate factor applied after each epoch (1 = constant).
        public var learningRateDecay: Double
        /// Only for `optimizer: momentum`.
        public var momentum: Double
        public var seed: UInt64
    }

    public struct QuantizationSection: Codable, Hashable, Sendable {
        public var method: QuantizationMethod
        public var inputBits: Int
        public var weightBits: Int
        public var activationBits: Int
        /// Per-output-channel weight scales instead of one scale per layer.
        public var perChannel: Bool
        /// Signed weights with zero point 0 (true) or asymmetric with the zero point folded in.
        public var symmetricWeights: Bool
        /// Activation ranges clip at this percentile of the calibration values; 100 = min/max.
        public var calibrationPercentile: Double
        /// Fit each hidden neuron's integer weights (during QAT and at the end) so its sound
        /// accumulator range fits this many bits; nil = no budget. The output layer has no
        /// table and is never constrained.
        public var accumulatorBitsBudget: Int?
        /// Weight bits of the output layer (decrypted without a table, so it can be wider);
        /// nil = `weightBits`.
        public var outputWeightBits: Int? = nil
        /// Largest table-lookup precision the circuit may use.
        public var maxTLUBits: Int
        /// `automatic` rounds accumulators wider than `maxTLUBits`; `disabled` refuses them.
        public var rounding: RoundingPolicy
        /// QAT fine-tuning epochs after float training (QAT only).
        public var qatEpochs: Int
        /// QAT fine-tuning learning rate (QAT only).
        public var qatLearningRate: Double
        /// true: hidden tables for a `maxTLUBits` PBS whose padding bit holds values (nearly
        /// twice the entries, each neuron's table index held to a window; `CircuitOptions`).
        /// Stored only when true, so configs without it keep their fingerprints.
        public var tablesUsePaddingBit: Bool? = nil
        public var usesPaddingBitTables: Bool { tablesUsePaddingBit ?? false }

        /// How the circuit is lowered from the quantized model.
        public var circuitOptions: CircuitOptions {
            CircuitOptions(maxTLUBits: maxTLUBits, rounding: rounding, tablesUsePaddingBit: usesPaddingBitTables)
        }

        /// Why `accumulatorBitsBudget` zeroes every weight of some hidden layer of a model with
        /// `hiddenLayers` hidden layers (the arithmetic, then what is allowed); nil when every
        /// hidden neuron keeps at least one nonzero weight code. A hidden neuron's sound
        /// accumulator range is Σ|W|·span with span = 2^b − 1 for b-bit unsigned input codes,
        /// so the budget allows Σ|W| ≤ ⌊(2^budget − 1)/span⌋, which is 0 when budget < b.
        public func impossibleBudget(hiddenLayers: Int) -> String? {
            guard let budget = accumulatorBitsBudget, hiddenLayers > 0 else { return nil }
            // Layer 0 reads the input codes, every later hidden layer the previous activations.
            let widest = hiddenLayers > 1 ? max(inputBits, activationBits) : inputBits
            guard budget < widest else { return nil }
            let layer = inputBits == widest ? 0 : 1
            let what = layer == 0 ? "\(inputBits)-bit inputs" : "\(activationBits)-bit activations"
            let span = (1 << widest) - 1, room = (1 << budget) - 1
            return "is \(budget), but hidden layer \(layer) reads \(what): its sound accumulator range Σ|W|·\(span) must fit 2^\(budget) − 1 = \(room), so Σ|W| ≤ ⌊\(room)/\(span)⌋ = \(room / span) and every weight of the layer would be zero; allowed: none, or a budget ≥ \(widest)"
        }

        /// The same settings as the Quantization module's configuration type.
        public var quantizationConfiguration: QuantizationConfiguration {
            QuantizationConfiguration(
                method: method, inputBits: inputBits, weightBits: weightBits, activationBits: activationBits,
                perChannel: perChannel, symmetricWeights: symmetricWeights,
                activationCalibration: calibrationPercentile >= 100 ? .minMax : .percentile(calibrationPercentile),
                accumulatorBitsBudget: accumulatorBitsBudget, outputWeightBits: outputWeightBits,
                roundedTableBits: rounding == .automatic ? maxTLUBits : nil, tablesUsePaddingBit: usesPaddingBitTables)
        }
    }

    public struct FHESection: Codable, Hashable, Sendable {
        /// Test samples run encrypted (a seeded subset); 0 = no FHE run.
        public var samples: Int
        /// Target failure probability per PBS.
        public var pError: Double
        /// `auto` (the planner's choice) or a named parameter set; written as the word.
        public var parameters: ParameterChoice
        /// Worker threads for PBS; 0 = all cores.
        public var threads: Int
        /// Seed of the FHE subset choice (and of the simulated noise).
        public var seed: UInt64
        /// Which executors run: nil is `encrypt` (stored as nil so configs written before the
        /// key keep their fingerprints).
        public var mode: FHEMode? = nil
        /// Test samples the simulator runs (the first ones of the test split); nil = all.
        public var simulatedSamples: Int? = nil

        public var runsEncrypted: Bool { (mode ?? .encrypt) != .simulate && samples > 0 }
        public var runsSimulated: Bool { (mode ?? .encrypt) != .encrypt }
    }

    /// `encrypt`: real TFHE on `fhe.samples` seeded test samples; `simulate`: the noise-faithful
    /// simulator (`SimulatedEvaluator`) on the test split, no keys; `both`.
    public enum FHEMode: String, Codable, Hashable, Sendable, CaseIterable {
        case encrypt, simulate, both
    }

    /// sha256 of the canonical JSON of this config (sorted keys) and the schema version; a
    /// loaded model's path enters as `ModelSection.fingerprintIdentity` spells it.
    public var fingerprint: String {
        var identity = self
        identity.model = model.fingerprintIdentity
        // Encoding plain Codable structs cannot fail.
        let json = try! JSONManifest.encode(identity)
        return sha256Hex(Data("lockstep-config-v\(Self.schemaVersion)\n".utf8) + json)
    }
}
