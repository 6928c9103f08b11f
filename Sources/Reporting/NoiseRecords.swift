/// The noise files of an encrypted run: `noise.csv` (one row per encrypted layer: predicted vs
/// measured noise with its statistics) and `noise-histogram.csv` (the measured noise binned
/// beside the predicted Gaussian). Noise is on the torus, of each layer's output ciphertexts;
/// every interval is at 99 %.

/// One row of `noise.csv`.
public struct LayerNoiseRecord: ReportRecord, Equatable {
    public var layerIndex: Int
    /// Output ciphertexts of the layer (samples × neurons); flips and the largest noise count all.
    public var ciphertexts: Int
    /// Of those, outputs of constant tables (zero test polynomial: noiseless trivial encryptions), left out of
    /// the σ, mean and normality statistics and of the histogram.
    public var zeroTableCiphertexts: Int
    public var precisionBits: Int
    public var pbsPerSample: Int
    /// What the prediction models: `PBS output`, or the output layer's weighted-sum bound.
    public var predictedFrom: String
    /// The key-averaged prediction (the planner's, behind the predicted p_error).
    public var predictedSigma: Double
    /// The same prediction with the key-dependent terms evaluated for this run's keys (their
    /// Hamming weights); the verdict and the histogram use it. Equal to `predictedSigma` for
    /// the output layer's bound.
    public var predictedSigmaThisKey: Double
    public var log2PredictedPError: Double
    public var measuredSigma: Double
    /// χ² interval on σ (square roots of the variance interval).
    public var measuredSigmaLow: Double
    public var measuredSigmaHigh: Double
    /// `agrees` when this key's predicted variance lies in the χ² interval, else `disagrees`.
    public var verdict: String
    public var measuredMean: Double
    public var meanLow: Double
    public var meanHigh: Double
    /// Shapiro–Francia p-value on the first ≤ 5000 values; nil below 5 ciphertexts.
    public var normalityPValue: Double?
    /// Decrypted values that differ from the clear model (flips), the count the predicted
    /// p_error expects, and the Clopper–Pearson interval on the flip rate.
    public var flips: Int
    public var expectedFlips: Double
    public var flipRateLow: Double
    public var flipRateHigh: Double
    /// `agrees` when the predicted p_error lies in the Clopper–Pearson interval.
    public var flipVerdict: String
    /// Largest |noise| in units of Δ/2 (1 = a wrong decryption): the smallest margin left.
    public var maxNoiseHalfDeltas: Double

    public init(
        layerIndex: Int, ciphertexts: Int, zeroTableCiphertexts: Int, precisionBits: Int, pbsPerSample: Int, predictedFrom: String,
        predictedSigma: Double, predictedSigmaThisKey: Double, log2PredictedPError: Double, measuredSigma: Double, measuredSigmaLow: Double,
        measuredSigmaHigh: Double, verdict: String, measuredMean: Double, meanLow: Double, meanHigh: Double,
        normalityPValue: Double?, flips: Int, expectedFlips: Double, flipRateLow: Double, flipRateHigh: Double,
        flipVerdict: String, maxNoiseHalfDeltas: Double
    ) {
        self.layerIndex = layerIndex
        self.ciphertexts = ciphertexts
        self.zeroTableCiphertexts = zeroTableCiphertexts
        self.precisionBits = precisionBits
        self.pbsPerSample = pbsPerSample
        self.predictedFrom = predictedFrom
        self.predictedSigma = predictedSigma
        self.predictedSigmaThisKey = predictedSigmaThisKey
        self.log2PredictedPError = log2PredictedPError
        self.measuredSigma = measuredSigma
        self.measuredSigmaLow = measuredSigmaLow
        self.measuredSigmaHigh = measuredSigmaHigh
        self.verdict = verdict
        self.measuredMean = measuredMean
        self.meanLow = meanLow
        self.meanHigh = meanHigh
        self.normalityPValue = normalityPValue
        self.flips = flips
        self.expectedFlips = expectedFlips
        self.flipRateLow = flipRateLow
        self.flipRateHigh = flipRateHigh
        self.flipVerdict = flipVerdict
        self.maxNoiseHalfDeltas = maxNoiseHalfDeltas
    }

    public static let columns = [
        "layer_index", "ciphertexts", "zero_table_ciphertexts", "precision_bits", "pbs_per_sample", "predicted_from", "sigma_predicted",
        "sigma_predicted_this_key", "log2_p_error_predicted", "sigma_measured", "sigma_ci99_low", "sigma_ci99_high", "verdict", "mean_measured",
        "mean_ci99_low", "mean_ci99_high", "normality_p_value", "flips_observed", "flips_expected",
        "flip_rate_cp99_low", "flip_rate_cp99_high", "flip_verdict", "max_noise_half_deltas",
    ]

    public var values: [ReportValue] {
        [
            .integer(layerIndex), .integer(ciphertexts), .integer(zeroTableCiphertexts), .integer(precisionBits), .integer(pbsPerSample),
            .text(predictedFrom), .scientific(predictedSigma, digits: 4), .scientific(predictedSigmaThisKey, digits: 4),
            .decimal(log2PredictedPError, decimals: 2),
            .scientific(measuredSigma, digits: 4), .scientific(measuredSigmaLow, digits: 4),
            .scientific(measuredSigmaHigh, digits: 4), .text(verdict), .scientific(measuredMean, digits: 3),
            .scientific(meanLow, digits: 3), .scientific(meanHigh, digits: 3),
            normalityPValue.map { .decimal($0, decimals: 4) } ?? .text("too few"), .integer(flips),
            .scientific(expectedFlips, digits: 3), .scientific(flipRateLow, digits: 3),
            .scientific(flipRateHigh, digits: 3), .text(flipVerdict), .decimal(maxNoiseHalfDeltas, decimals: 4),
        ]
    }
}

/// One row of `noise-histogram.csv`: a bin [bin_low, bin_high) of a layer's measured noise
/// (torus), its count, and the count a centred Gaussian with the predicted σ expects.
public struct NoiseHistogramRecord: ReportRecord, Equatable {
    public var layerIndex: Int
    public var binLow: Double
    public var binHigh: Double
    public var observed: Int
    public var expected: Double

    public init(layerIndex: Int, binLow: Double, binHigh: Double, observed: Int, expected: Double) {
        self.layerIndex = layerIndex
        self.binLow = binLow
        self.binHigh = binHigh
        self.observed = observed
        self.expected = expected
    }

    public static let columns = ["layer_index", "bin_low", "bin_high", "observed", "expected_from_predicted_gaussian"]

    public var values: [ReportValue] {
        [
            .integer(layerIndex), .scientific(binLow, digits: 6), .scientific(binHigh, digits: 6), .integer(observed),
            .decimal(expected, decimals: 3),
        ]
    }
}
