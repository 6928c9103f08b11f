import Foundation
/// The per-experiment schemas of `results/<experiment>/`: summary.csv, samples.csv, layers.csv.
/// Optional fields belong to stages that may not have run (FHE); they print as `not run`.

/// One row of `summary.csv`: the experiment side by side (float, clear quantized, FHE).
public struct SummaryRecord: ReportRecord, Equatable {
    public var experiment: String
    public var dataset: String
    public var trainSamples: Int
    public var testSamples: Int
    public var quantizationMethod: String
    public var inputBits: Int
    public var weightBits: Int
    public var activationBits: Int
    public var floatAccuracy: Double
    public var quantizedAccuracy: Double
    public var floatQuantizedAgreement: Double
    public var maxTLUBits: Int
    public var maxAccumulatorBits: Int
    /// Every KS→PBS of one encrypted inference: table lookups plus exact-rounding PBSs (the
    /// latter from the FHE plan; table lookups alone when no plan exists).
    public var pbsPerSample: Int
    public var tablePBSPerSample: Int
    /// nil when no parameter set fits the circuit (printed `no plan`).
    public var roundingPBSPerSample: Int?
    public var fheSamples: Int?
    public var fheAccuracy: Double?
    public var quantizedAccuracyOnFHESamples: Double?
    public var fheMismatches: Int?
    public var fheLatencyMillisecondsMedian: Double?
    public var fheLatencyMillisecondsP90: Double?
    public var keygenSeconds: Double?
    public var epochs: Int
    /// nil when the model was loaded instead of trained.
    public var trainSeconds: Double?
    public var trainSecondsPerEpoch: Double?
    public var quantizeSeconds: Double
    public var floatEvaluationSeconds: Double
    public var quantizedEvaluationSeconds: Double
    public var buildConfiguration: String
    /// Why the quantized model means nothing (a dead layer, constant predictions, chance-level
    /// accuracy, non-finite weights); empty when none applies.
    public var collapseReasons: [String] = []

    public init(
        experiment: String, dataset: String, trainSamples: Int, testSamples: Int, quantizationMethod: String,
        inputBits: Int, weightBits: Int, activationBits: Int, floatAccuracy: Double, quantizedAccuracy: Double,
        floatQuantizedAgreement: Double, maxTLUBits: Int, maxAccumulatorBits: Int, tablePBSPerSample: Int,
        roundingPBSPerSample: Int?, fheSamples: Int? = nil, fheAccuracy: Double? = nil, quantizedAccuracyOnFHESamples: Double? = nil,
        fheMismatches: Int? = nil, fheLatencyMillisecondsMedian: Double? = nil,
        fheLatencyMillisecondsP90: Double? = nil, keygenSeconds: Double? = nil, epochs: Int, trainSeconds: Double?,
        trainSecondsPerEpoch: Double?, quantizeSeconds: Double, floatEvaluationSeconds: Double,
        quantizedEvaluationSeconds: Double, buildConfiguration: String, collapseReasons: [String] = []
    ) {
        self.experiment = experiment
        self.dataset = dataset
        self.trainSamples = trainSamples
        self.testSamples = testSamples
        self.quantizationMethod = quantizationMethod
        self.inputBits = inputBits
        self.weightBits = weightBits
        self.activationBits = activationBits
        self.floatAccuracy = floatAccuracy
        self.quantizedAccuracy = quantizedAccuracy
        self.floatQuantizedAgreement = floatQuantizedAgreement
        self.maxTLUBits = maxTLUBits
        self.maxAccumulatorBits = maxAccumulatorBits
        self.pbsPerSample = tablePBSPerSample + (roundingPBSPerSample ?? 0)
        self.tablePBSPerSample = tablePBSPerSample
        self.roundingPBSPerSample = roundingPBSPerSample
        self.fheSamples = fheSamples
        self.fheAccuracy = fheAccuracy
        self.quantizedAccuracyOnFHESamples = quantizedAccuracyOnFHESamples
        self.fheMismatches = fheMismatches
        self.fheLatencyMillisecondsMedian = fheLatencyMillisecondsMedian
        self.fheLatencyMillisecondsP90 = fheLatencyMillisecondsP90
        self.keygenSeconds = keygenSeconds
        self.epochs = epochs
        self.trainSeconds = trainSeconds
        self.trainSecondsPerEpoch = trainSecondsPerEpoch
        self.quantizeSeconds = quantizeSeconds
        self.floatEvaluationSeconds = floatEvaluationSeconds
        self.quantizedEvaluationSeconds = quantizedEvaluationSeconds
        self.buildConfiguration = buildConfiguration
        self.collapseReasons = collapseReasons
    }

    public var collapsed: Bool { !collapseReasons.isEmpty }

    /// What `collapse_reasons` says for a model that did not collapse.
    public static let noCollapseText = "none"

    /// The columns before `collapsed` and `collapse_reasons` were added (summary files written
    /// by earlier versions; readers that only need these still accept them).
    public static let columnsBeforeCollapse = Array(columns.dropLast(2))

    public static let columns = [
        "experiment", "dataset", "train_samples", "test_samples", "quantization_method", "input_bits", "weight_bits",
        "activation_bits", "float_accuracy", "quantized_accuracy", "float_quantized_agreement",
        "accuracy_drop_points", "max_tlu_bits", "max_accumulator_bits", "pbs_per_sample", "table_pbs_per_sample",
        "rounding_pbs_per_sample", "fhe_samples",
        "fhe_accuracy", "quantized_accuracy_on_fhe_samples", "fhe_mismatches", "fhe_latency_ms_median",
        "fhe_latency_ms_p90", "keygen_s", "epochs", "train_s", "train_s_per_epoch", "quantize_s", "float_eval_s",
        "quantized_eval_s", "build_configuration", "collapsed", "collapse_reasons",
    ]

    /// What `rounding_pbs_per_sample` says when no parameter set fits the circuit.
    public static let noPlanText = "no plan"

    public var values: [ReportValue] {
        func fraction(_ value: Double?) -> ReportValue { value.map(ReportValue.fraction) ?? .notRun }
        func decimal(_ value: Double?, _ decimals: Int) -> ReportValue {
            value.map { .decimal($0, decimals: decimals) } ?? .notRun
        }
        return [
            .text(experiment), .text(dataset), .integer(trainSamples), .integer(testSamples),
            .text(quantizationMethod), .integer(inputBits), .integer(weightBits), .integer(activationBits),
            .fraction(floatAccuracy), .fraction(quantizedAccuracy), .fraction(floatQuantizedAgreement),
            // Percentage points lost by quantization (negative when quantization helped).
            .decimal((floatAccuracy - quantizedAccuracy) * 100, decimals: 2),
            .integer(maxTLUBits), .integer(maxAccumulatorBits), .integer(pbsPerSample), .integer(tablePBSPerSample),
            roundingPBSPerSample.map(ReportValue.integer) ?? .text(Self.noPlanText), fheSamples.reportValue,
            fraction(fheAccuracy), fraction(quantizedAccuracyOnFHESamples), fheMismatches.reportValue,
            decimal(fheLatencyMillisecondsMedian, 3), decimal(fheLatencyMillisecondsP90, 3), decimal(keygenSeconds, 3),
            .integer(epochs), trainSeconds.map { .decimal($0, decimals: 3) } ?? .text("loaded"),
            trainSecondsPerEpoch.map { .decimal($0, decimals: 3) } ?? .text("loaded"),
            .decimal(quantizeSeconds, decimals: 3), .decimal(floatEvaluationSeconds, decimals: 3),
            .decimal(quantizedEvaluationSeconds, decimals: 3), .text(buildConfiguration),
            .flag(collapsed), .text(collapsed ? collapseReasons.joined(separator: "; ") : Self.noCollapseText),
        ]
    }
}

/// One row of `samples.csv`: one test sample through every model.
public struct SampleRecord: ReportRecord, Equatable {
    /// Position in the test split.
    public var testIndex: Int
    public var label: Int
    public var floatPrediction: Int
    public var quantizedPrediction: Int
    /// nil when the sample was not run encrypted.
    public var fhePrediction: Int?

    public init(testIndex: Int, label: Int, floatPrediction: Int, quantizedPrediction: Int, fhePrediction: Int? = nil) {
        self.testIndex = testIndex
        self.label = label
        self.floatPrediction = floatPrediction
        self.quantizedPrediction = quantizedPrediction
        self.fhePrediction = fhePrediction
    }

    public static let columns = [
        "test_index", "label", "float_pred", "quantized_pred", "fhe_pred", "float_quantized_agree",
        "fhe_quantized_agree",
    ]

    public var values: [ReportValue] {
        [
            .integer(testIndex), .integer(label), .integer(floatPrediction), .integer(quantizedPrediction),
            fhePrediction.reportValue, .flag(floatPrediction == quantizedPrediction),
            fhePrediction.map { .flag($0 == quantizedPrediction) } ?? .notRun,
        ]
    }
}

/// One row of `layers.csv`: an integer circuit layer, its sound bounds and what the test set reached.
/// Ranges are over all neurons of the layer; "bits" columns are the widest single-neuron range,
/// which is what sizes that neuron's table.
public struct LayerRecord: ReportRecord, Equatable {
    public var layerIndex: Int
    public var inputs: Int
    public var neurons: Int
    public var inputBits: Int
    /// Sound worst-case accumulator range from the weights and the input ranges.
    public var accumulatorBoundLow: Int64
    public var accumulatorBoundHigh: Int64
    public var accumulatorBoundBits: Int
    /// Low bits removed before the table (0 = exact accumulators).
    public var roundingShift: Int
    /// Bits of the largest value held before the table (or decrypted, for the output layer):
    /// what sizes this layer's FHE message space.
    public var messageBits: Int
    /// Precision of the table lookup; nil for the last layer, which is decrypted without a table.
    public var tluBits: Int?
    public var maxWeightL2Norm: Double
    /// Table lookups per sample: one per neuron with a table, 0 for the output layer. The
    /// rounding PBSs depend on the parameter set; they are in the `fhe_` columns.
    public var pbsCount: Int
    public var seenAccumulatorLow: Int64
    public var seenAccumulatorHigh: Int64
    public var seenAccumulatorBits: Int
    /// Every neuron's seen accumulators stayed inside its own sound bound.
    public var boundRespected: Bool
    /// The encrypted run of this layer; nil when FHE did not run.
    public var fhe: FHELayerFigures? = nil

    public init(
        layerIndex: Int, inputs: Int, neurons: Int, inputBits: Int, accumulatorBoundLow: Int64,
        accumulatorBoundHigh: Int64, accumulatorBoundBits: Int, roundingShift: Int, messageBits: Int, tluBits: Int?,
        maxWeightL2Norm: Double, pbsCount: Int, seenAccumulatorLow: Int64, seenAccumulatorHigh: Int64,
        seenAccumulatorBits: Int, boundRespected: Bool
    ) {
        self.layerIndex = layerIndex
        self.inputs = inputs
        self.neurons = neurons
        self.inputBits = inputBits
        self.accumulatorBoundLow = accumulatorBoundLow
        self.accumulatorBoundHigh = accumulatorBoundHigh
        self.accumulatorBoundBits = accumulatorBoundBits
        self.roundingShift = roundingShift
        self.messageBits = messageBits
        self.tluBits = tluBits
        self.maxWeightL2Norm = maxWeightL2Norm
        self.pbsCount = pbsCount
        self.seenAccumulatorLow = seenAccumulatorLow
        self.seenAccumulatorHigh = seenAccumulatorHigh
        self.seenAccumulatorBits = seenAccumulatorBits
        self.boundRespected = boundRespected
    }

    public static let columns = [
        "layer_index", "inputs", "neurons", "input_bits", "accumulator_bound_low", "accumulator_bound_high",
        "accumulator_bound_bits", "rounding_shift", "message_bits", "tlu_bits", "max_weight_2norm", "pbs_count",
        "seen_accumulator_low", "seen_accumulator_high", "seen_accumulator_bits", "max_abs_accumulator_bound",
        "max_abs_accumulator_seen", "bound_respected",
    ] + FHELayerFigures.columns

    public var values: [ReportValue] {
        [
            .integer(layerIndex), .integer(inputs), .integer(neurons), .integer(inputBits),
            .text(String(accumulatorBoundLow)), .text(String(accumulatorBoundHigh)), .integer(accumulatorBoundBits),
            .integer(roundingShift), .integer(messageBits), tluBits.map(ReportValue.integer) ?? .text("none (decrypted)"),
            .decimal(maxWeightL2Norm, decimals: 3), .integer(pbsCount), .text(String(seenAccumulatorLow)),
            .text(String(seenAccumulatorHigh)), .integer(seenAccumulatorBits),
            .text(String(max(accumulatorBoundLow.magnitude, accumulatorBoundHigh.magnitude))),
            .text(String(max(seenAccumulatorLow.magnitude, seenAccumulatorHigh.magnitude))), .flag(boundRespected),
        ] + (fhe?.values ?? FHELayerFigures.columns.map { _ in .notRun })
    }
}

/// One layer of an encrypted run: the PBS work, the predicted failure probability and noise,
/// and what the client key measured (noise of every output ciphertext, mismatches).
public struct FHELayerFigures: Sendable, Equatable {
    /// Bits of the message space the layer's table PBS (or, for the output layer, the decryption) reads.
    public var precisionBits: Int
    /// Every KS→PBS of the layer per sample: table lookups plus exact-rounding PBSs.
    public var pbsPerSample: Int
    public var tablePBSPerSample: Int
    public var roundingPBSPerSample: Int
    /// Low bits removed by digit extraction before the table, and the group sizes from the
    /// least significant up (e.g. "5+3"; "none").
    public var roundingExtractedBits: Int
    public var roundingGroups: String
    /// log2 p_error of one output value: every PBS of its chain (or its decryption).
    public var log2PredictedPError: Double
    /// σ of the output ciphertexts' noise on the torus: predicted, measured, and the 99 % χ² interval.
    public var predictedSigma: Double
    public var measuredSigma: Double
    public var measuredSigmaLow: Double
    public var measuredSigmaHigh: Double
    /// Largest |noise| seen, in units of Δ/2 (≥ 1 means a wrong decryption).
    public var maxNoiseHalfDeltas: Double
    public var ciphertexts: Int
    public var mismatches: Int
    /// Rounded values (v >> e) that differ from the clear model's.
    public var roundingMismatches: Int

    public init(precisionBits: Int, pbsPerSample: Int, tablePBSPerSample: Int, roundingPBSPerSample: Int,
                roundingExtractedBits: Int, roundingGroups: String, log2PredictedPError: Double, predictedSigma: Double,
                measuredSigma: Double, measuredSigmaLow: Double, measuredSigmaHigh: Double,
                maxNoiseHalfDeltas: Double, ciphertexts: Int, mismatches: Int, roundingMismatches: Int) {
        self.precisionBits = precisionBits
        self.pbsPerSample = pbsPerSample
        self.tablePBSPerSample = tablePBSPerSample
        self.roundingPBSPerSample = roundingPBSPerSample
        self.roundingExtractedBits = roundingExtractedBits
        self.roundingGroups = roundingGroups
        self.roundingMismatches = roundingMismatches
        self.log2PredictedPError = log2PredictedPError
        self.predictedSigma = predictedSigma
        self.measuredSigma = measuredSigma
        self.measuredSigmaLow = measuredSigmaLow
        self.measuredSigmaHigh = measuredSigmaHigh
        self.maxNoiseHalfDeltas = maxNoiseHalfDeltas
        self.ciphertexts = ciphertexts
        self.mismatches = mismatches
    }

    public static let columns = [
        "fhe_precision_bits", "fhe_pbs_per_sample", "fhe_table_pbs_per_sample", "fhe_rounding_pbs_per_sample",
        "fhe_rounding_extracted_bits", "fhe_rounding_groups", "fhe_log2_p_error_predicted", "fhe_sigma_predicted",
        "fhe_sigma_measured", "fhe_sigma_ci99_low", "fhe_sigma_ci99_high", "fhe_max_noise_half_deltas",
        "fhe_ciphertexts", "fhe_mismatches", "fhe_rounding_mismatches",
    ]

    var values: [ReportValue] {
        [
            .integer(precisionBits), .integer(pbsPerSample), .integer(tablePBSPerSample), .integer(roundingPBSPerSample),
            .integer(roundingExtractedBits), .text(roundingGroups), .log2Probability(log2PredictedPError),
            .scientific(predictedSigma, digits: 4), .scientific(measuredSigma, digits: 4),
            .scientific(measuredSigmaLow, digits: 4), .scientific(measuredSigmaHigh, digits: 4),
            .decimal(maxNoiseHalfDeltas, decimals: 4), .integer(ciphertexts), .integer(mismatches),
            .integer(roundingMismatches),
        ]
    }
}

/// One op of the circuit (`ops.csv`): what it computes, its sound range, and under FHE its
/// precision, PBS count, predicted p_error and the mismatches an encrypted run found.
public struct OpRecord: ReportRecord, Equatable {
    public var opIndex: Int
    public var layerIndex: Int
    /// "dense", "round" or "table".
    public var kind: String
    /// How many values the op produces.
    public var count: Int
    public var boundLow: Int64
    public var boundHigh: Int64
    public var boundBits: Int
    /// Round ops: the low bits removed.
    public var shift: Int?
    /// Table ops: ceil(log2(largest table)).
    public var tableBits: Int?
    /// nil when no FHE plan fits the circuit.
    public var fhe: FHEOpFigures? = nil

    public init(opIndex: Int, layerIndex: Int, kind: String, count: Int, boundLow: Int64, boundHigh: Int64, boundBits: Int,
                shift: Int?, tableBits: Int?) {
        self.opIndex = opIndex
        self.layerIndex = layerIndex
        self.kind = kind
        self.count = count
        self.boundLow = boundLow
        self.boundHigh = boundHigh
        self.boundBits = boundBits
        self.shift = shift
        self.tableBits = tableBits
    }

    public static let columns = [
        "op_index", "layer_index", "kind", "values", "bound_low", "bound_high", "bound_bits", "shift", "table_bits",
    ] + FHEOpFigures.columns

    public var values: [ReportValue] {
        [
            .integer(opIndex), .integer(layerIndex), .text(kind), .integer(count), .text(String(boundLow)),
            .text(String(boundHigh)), .integer(boundBits), shift.map(ReportValue.integer) ?? .text("-"),
            tableBits.map(ReportValue.integer) ?? .text("-"),
        ] + (fhe?.values ?? FHEOpFigures.columns.map { _ in .notRun })
    }
}

/// One op under the FHE plan; `mismatches` only when an encrypted run checked it.
public struct FHEOpFigures: Sendable, Equatable {
    /// Dense: bits its ciphertexts are held at; round: the held width it extracts from; table:
    /// the precision its PBS reads.
    public var precisionBits: Int
    public var pbsPerSample: Int
    /// The parameter set whose bootstrapping key the op's PBSs use (nil for dense ops): a
    /// plan's tables may use another decomposition of the same keys than its rounding.
    public var pbsParameters: String?
    public var log2PredictedPError: Double
    public var mismatches: Int?

    public init(precisionBits: Int, pbsPerSample: Int, pbsParameters: String?, log2PredictedPError: Double, mismatches: Int?) {
        self.precisionBits = precisionBits
        self.pbsPerSample = pbsPerSample
        self.pbsParameters = pbsParameters
        self.log2PredictedPError = log2PredictedPError
        self.mismatches = mismatches
    }

    public static let columns = ["fhe_precision_bits", "fhe_pbs_per_sample", "fhe_pbs_parameters", "fhe_log2_p_error_predicted",
                                 "fhe_mismatches"]

    var values: [ReportValue] {
        [.integer(precisionBits), .integer(pbsPerSample), .text(pbsParameters ?? "-"), .log2Probability(log2PredictedPError),
         mismatches.map(ReportValue.integer) ?? .notRun]
    }
}

/// `simulation.csv`: the noise-faithful simulator's figures for one experiment, a file of
/// their own so no table mixes them with the encrypted executor's (`executor` says which).
public struct SimulationRecord: ReportRecord, Equatable {
    public var experiment: String
    /// The sets whose keys the plan simulates (`FHEPlan.keysDescription`).
    public var parameters: String
    public var log2PErrorTarget: Double
    /// Union over every PBS and decryption of one inference.
    public var log2PredictedGlobalPError: Double
    public var pbsPerSample: Int
    public var samples: Int
    public var accuracy: Double
    /// The clear quantized accuracy on the same samples.
    public var quantizedAccuracy: Double
    /// Samples whose class differs from the clear model's.
    public var changedPredictions: Int
    /// Samples with any op's value different from the clear model, and all such values.
    public var mismatchedSamples: Int
    public var wrongValues: Int
    public var seed: UInt64
    public var samplesPerSecond: Double

    public init(experiment: String, parameters: String, log2PErrorTarget: Double, log2PredictedGlobalPError: Double,
                pbsPerSample: Int, samples: Int, accuracy: Double, quantizedAccuracy: Double, changedPredictions: Int,
                mismatchedSamples: Int, wrongValues: Int, seed: UInt64, samplesPerSecond: Double) {
        self.experiment = experiment
        self.parameters = parameters
        self.log2PErrorTarget = log2PErrorTarget
        self.log2PredictedGlobalPError = log2PredictedGlobalPError
        self.pbsPerSample = pbsPerSample
        self.samples = samples
        self.accuracy = accuracy
        self.quantizedAccuracy = quantizedAccuracy
        self.changedPredictions = changedPredictions
        self.mismatchedSamples = mismatchedSamples
        self.wrongValues = wrongValues
        self.seed = seed
        self.samplesPerSecond = samplesPerSecond
    }

    public static let columns = [
        "experiment", "executor", "parameters", "log2_p_error_target", "log2_p_error_predicted_global", "pbs_per_sample",
        "samples", "sim_accuracy", "quantized_accuracy_on_sim_samples", "sim_changed_predictions",
        "sim_mismatched_samples", "sim_wrong_values", "noise_seed", "sim_samples_per_s",
    ]

    public var values: [ReportValue] {
        [
            .text(experiment), .text("simulated"), .text(parameters), .decimal(log2PErrorTarget, decimals: 2),
            .decimal(log2PredictedGlobalPError, decimals: 2), .integer(pbsPerSample), .integer(samples),
            .fraction(accuracy), .fraction(quantizedAccuracy), .integer(changedPredictions), .integer(mismatchedSamples),
            .integer(wrongValues), .text(String(seed)), .decimal(samplesPerSecond, decimals: 1),
        ]
    }
}
