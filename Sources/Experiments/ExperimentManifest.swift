import Circuit
import Foundation

/// `results/<experiment>/manifest.json`: what ran, with which inputs, where, and when.
/// It is written last, so its presence (with a matching fingerprint) marks a finished experiment.
public struct ExperimentManifest: Codable, Sendable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var experiment: String
    /// `ExperimentConfig.fingerprint` of `config`.
    public var configFingerprint: String
    /// Fingerprint of what determines the float model (dataset, model and training sections).
    public var floatModelFingerprint: String
    public var config: ExperimentConfig
    public var configFile: String?
    public var seeds: Seeds
    public var dataset: DatasetInfo
    public var model: ModelInfo
    public var circuit: CircuitInfo
    public var timings: Timings
    public var results: Results
    public var fhe: FHEInfo
    public var environment: RunEnvironment
    public var startedAt: Date
    public var finishedAt: Date

    public struct Seeds: Codable, Sendable, Equatable {
        public var announced: UInt64
        public var datasetSplit: UInt64
        public var modelInitialisation: UInt64
        public var trainingShuffle: UInt64
        public var fheSubset: UInt64
    }

    public struct DatasetInfo: Codable, Sendable, Equatable {
        public var name: String
        public var dataDirectory: String
        public var split: String
        public var trainSamples: Int
        public var testSamples: Int
        public var featureCount: Int
        public var classCount: Int
        public var classNames: [String]
    }

    public struct ModelInfo: Codable, Sendable, Equatable {
        /// `trained`, `loaded from <path>` or `reused <path>`.
        public var source: String
        public var layerSizes: [Int]
        public var savedWeights: String
    }

    public struct CircuitInfo: Codable, Sendable, Equatable {
        public var maxTLUBits: Int
        public var tluPrecision: Int
        public var pbsPerSample: Int
        public var layers: [LayerStatistics]
    }

    public struct Timings: Codable, Sendable, Equatable {
        public var loadDataSeconds: Double
        /// nil when the float model was loaded or reused.
        public var trainSeconds: Double?
        public var trainSecondsPerEpoch: Double?
        public var quantizeSeconds: Double
        public var lowerSeconds: Double
        public var floatEvaluationSeconds: Double
        public var quantizedEvaluationSeconds: Double
        public var totalSeconds: Double
    }

    public struct Results: Codable, Sendable, Equatable {
        public var floatAccuracy: Double
        public var quantizedAccuracy: Double
        public var floatQuantizedAgreement: Double
        /// Training accuracy of the final epoch as measured during training (nil if not trained).
        public var finalEpochTrainAccuracy: Double?
    }

    public struct FHEInfo: Codable, Sendable, Equatable {
        /// `not run` until the encrypted executor runs the FHE subset.
        public var status: String
        public var requestedSamples: Int
        public var reason: String?
    }
}
