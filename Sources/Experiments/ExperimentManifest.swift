import GSLStatistics
import Verification
import TFHE
import Circuit
import Foundation

/// `results/<experiment>/manifest.json`: what ran, with which inputs, where, and when.
/// It is written last, so its presence (with a matching fingerprint) marks a finished experiment.
public struct ExperimentManifest: Codable, Sendable {
    /// 2: FHE plan layers carry exact-rounding groups; summary PBS counts split into table and rounding.
    /// 3: circuits are op sequences (format 2): `ops.csv` per experiment, divergences name their op,
    /// message bits count the held value of the op sequence (round offsets aligned to the bits removed);
    /// `inputsFingerprint`; summary.csv ends with `collapsed` and `collapse_reasons`.
    public static let currentSchemaVersion = 3

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
    /// `ExperimentRunner.Inputs.fingerprint`: the data files' digests and a loaded model's
    /// content digest. nil in manifests written before it existed.
    public var inputsFingerprint: String? = nil
    /// The simulator's run (`fhe.mode: simulate | both`); nil otherwise and in older manifests.
    public var simulation: SimulationInfo? = nil

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

    public struct SimulationInfo: Codable, Sendable, Equatable {
        public var parameters: String
        public var layers: [FHEPlan.Layer]
        public var log2PErrorTarget: Double
        public var log2PredictedGlobalPError: Double
        public var noiseSeed: UInt64
        public var samples: Int
        public var seconds: Double

        public init(_ simulated: SimulatedEvaluation) {
            parameters = simulated.plan.keysDescription
            layers = simulated.plan.layers
            log2PErrorTarget = simulated.plan.log2PErrorTarget
            log2PredictedGlobalPError = simulated.plan.log2GlobalPError
            noiseSeed = simulated.seed
            samples = simulated.samples
            seconds = simulated.seconds
        }
    }

    public struct FHEInfo: Codable, Sendable, Equatable {
        /// `ran`, or `not run` (with the reason).
        public var status: String
        public var requestedSamples: Int
        public var reason: String?
        public var parameters: ParameterSet? = nil
        /// `named` or `optimizer`.
        public var parameterSelection: String? = nil
        /// log2 of how far σ sits above the 128-bit curve's minimum (≥ 0 passes).
        public var securityMarginBits: Double? = nil
        public var securityCurve: String? = nil
        public var log2PErrorTarget: Double? = nil
        public var log2PredictedGlobalPError: Double? = nil
        public var layers: [FHEPlan.Layer]? = nil
        /// How the keys were drawn: OS entropy, or a recorded fixed seed.
        public var keys: String? = nil
        public var keygenSeconds: Double? = nil
        public var serverKeyBytes: Int? = nil
        public var threads: Int? = nil
        public var testIndices: [Int]? = nil
        public var latencySeconds: [Double]? = nil
        public var encryptSecondsMedian: Double? = nil
        public var evaluateSecondsMedian: Double? = nil
        public var decryptSecondsMedian: Double? = nil
        public var mismatchedSamples: Int? = nil
        /// At most the first 20 divergences; the count of all is `divergenceCount`.
        public var divergences: [Divergence]? = nil
        public var divergenceCount: Int? = nil

        public init(status: String, requestedSamples: Int, reason: String?) {
            self.status = status
            self.requestedSamples = requestedSamples
            self.reason = reason
        }

        public init(_ evaluation: EncryptedEvaluation, requestedSamples: Int) {
            let check = SecurityCheck(parameters: evaluation.plan.parameters)
            self.init(status: "ran", requestedSamples: requestedSamples, reason: nil)
            parameters = evaluation.plan.parameters
            parameterSelection = evaluation.plan.selection.rawValue
            securityMarginBits = check.marginBits
            securityCurve = check.curve.description
            log2PErrorTarget = evaluation.plan.log2PErrorTarget
            log2PredictedGlobalPError = evaluation.plan.log2GlobalPError
            layers = evaluation.plan.layers
            keys = evaluation.keySeedDescription
            keygenSeconds = evaluation.keygenSeconds
            serverKeyBytes = evaluation.serverKeyBytes
            threads = evaluation.threads
            testIndices = evaluation.sampleIndices
            latencySeconds = evaluation.latenciesSeconds
            encryptSecondsMedian = SampleQuantile.median(evaluation.encryptSeconds)
            evaluateSecondsMedian = SampleQuantile.median(evaluation.evaluateSeconds)
            decryptSecondsMedian = SampleQuantile.median(evaluation.decryptSeconds)
            mismatchedSamples = evaluation.mismatchedSamples
            divergences = Array(evaluation.divergences.prefix(20))
            divergenceCount = evaluation.divergences.count
        }
    }
}
