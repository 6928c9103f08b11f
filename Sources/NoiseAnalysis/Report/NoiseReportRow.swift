import TFHE

/// One line of `lockstep noise` output (table, JSON object, noise.csv row): a pipeline step's
/// predicted and measured noise, or a failure-rate run. Variances in torus units.
///
/// Two verdicts, because a run measures one key pair: `verdict` judges the measurement
/// against the prediction for the run's own keys (the formulas with the keys' Hamming weights
/// in place of their averages, `KeyConditionedNoise`), which is what a fixed key's noise
/// follows; `populationVerdict` against the key-averaged formula of `predictedVariance`. A
/// single key's weight moves the standard modulus-switch term by ≈ 3.6 % on n = 771, the
/// width of the χ² interval at 10,000 samples, so the key-averaged verdict can reject a
/// correct formula. The key-conditioned prediction itself is not reported: it would give
/// away the keys' Hamming weights; the verdict reveals at most whether it lies in the interval.
public struct NoiseReportRow: Sendable, Hashable, Codable {
    public var parameterSet: String
    public var step: String
    public var samples: Int
    public var predictedVariance: Double
    public var measuredVariance: Double
    /// χ² interval on the measured variance.
    public var ciLow: Double
    public var ciHigh: Double
    public var confidenceLevel: Double
    /// Variance rows: the prediction for the run's keys inside [ciLow, ciHigh]. Failure-rate
    /// rows: predicted rate inside [cpLow, cpHigh].
    public var verdict: Verdict
    /// Variance rows: `predictedVariance` (key-averaged) inside [ciLow, ciHigh].
    public var populationVerdict: Verdict?
    public var expectedMean: Double
    public var measuredMean: Double
    public var meanCILow: Double
    public var meanCIHigh: Double
    /// Expected mean inside the Gaussian interval of the measured mean.
    public var meanVerdict: Verdict?
    public var normalityPValue: Double?
    public var normalityVerdict: String?
    /// How the samples were produced (inputs, keys, grid units), for the reader of the CSV.
    public var method: String

    // Failure-rate runs only.
    public var precision: Int?
    public var expectedFailures: Double?
    public var observedFailures: Int?
    public var predictedFailureRate: Double?
    public var cpLow: Double?
    public var cpHigh: Double?
    /// The observed rate and its interval mapped back to the production precision.
    public var productionPrecision: Int?
    public var productionLog2FailureRate: Double?
    public var productionLog2CPLow: Double?
    public var productionLog2CPHigh: Double?
    public var predictedProductionLog2FailureRate: Double?

    /// `predictedForTheseKeys`: the step's prediction for the run's keys, when its formula
    /// depends on them (nil: the key-averaged prediction is exact for every key).
    public init(parameterSet: String, check: NoiseCheck, predictedForTheseKeys: Variance? = nil, method: String) {
        self.parameterSet = parameterSet
        self.step = check.step
        self.samples = check.sampleCount
        self.predictedVariance = check.predictedVariance
        self.measuredVariance = check.measuredVariance
        self.ciLow = check.varianceInterval.lower
        self.ciHigh = check.varianceInterval.upper
        self.confidenceLevel = check.varianceInterval.confidenceLevel
        self.verdict = predictedForTheseKeys.map { Verdict(predicted: $0.value, interval: check.varianceInterval) } ?? check.verdict
        self.populationVerdict = check.verdict
        self.expectedMean = check.expectedMean
        self.measuredMean = check.measuredMean
        self.meanVerdict = check.meanVerdict
        self.meanCILow = check.meanInterval.lower
        self.meanCIHigh = check.meanInterval.upper
        self.normalityPValue = check.normality?.pValue
        self.normalityVerdict = check.normality.map { $0.isConsistentWithNormal ? "normal" : "not normal" }
        self.method = method
    }

    /// Adds the failure-rate columns; the row's verdict becomes the failure-rate verdict.
    public mutating func attach(
        failureRate: FailureRateCheck, precision: Int,
        productionPrecision: Int, predictedProductionLog2FailureRate: Double
    ) throws {
        self.precision = precision
        self.expectedFailures = failureRate.expectedFailures
        self.observedFailures = failureRate.observedFailures
        self.predictedFailureRate = failureRate.predictedRate
        self.cpLow = failureRate.interval.lower
        self.cpHigh = failureRate.interval.upper
        self.verdict = failureRate.verdict
        self.populationVerdict = nil
        self.productionPrecision = productionPrecision
        self.predictedProductionLog2FailureRate = predictedProductionLog2FailureRate
        func mapped(_ rate: Double) throws -> Double {
            try equivalentFailureProbability(rate, measuredPrecision: precision, targetPrecision: productionPrecision).log2Value
        }
        self.productionLog2FailureRate = try mapped(failureRate.observedRate)
        self.productionLog2CPLow = try mapped(failureRate.interval.lower)
        self.productionLog2CPHigh = try mapped(failureRate.interval.upper)
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case parameterSet = "params"
        case step, samples
        case predictedVariance = "predicted_variance"
        case measuredVariance = "measured_variance"
        case ciLow = "ci_low"
        case ciHigh = "ci_high"
        case confidenceLevel = "confidence_level"
        case verdict
        case populationVerdict = "population_verdict"
        case expectedMean = "expected_mean"
        case measuredMean = "measured_mean"
        case meanCILow = "mean_ci_low"
        case meanCIHigh = "mean_ci_high"
        case meanVerdict = "mean_verdict"
        case normalityPValue = "normality_p_value"
        case normalityVerdict = "normality"
        case method
        case precision
        case expectedFailures = "expected_failures"
        case observedFailures = "observed_failures"
        case predictedFailureRate = "predicted_failure_rate"
        case cpLow = "cp_low"
        case cpHigh = "cp_high"
        case productionPrecision = "production_precision"
        case productionLog2FailureRate = "production_log2_failure_rate"
        case productionLog2CPLow = "production_log2_cp_low"
        case productionLog2CPHigh = "production_log2_cp_high"
        case predictedProductionLog2FailureRate = "predicted_production_log2_failure_rate"
    }

    /// The CSV header: every column, always, in `CodingKeys` order (a fixed schema).
    public static var csvHeader: String { CodingKeys.allCases.map(\.rawValue).joined(separator: ",") }

    /// The row in `csvHeader` order; empty cells for columns this row does not have.
    public var csvLine: String {
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        func integer(_ x: Int?) -> String { x.map { "\($0)" } ?? "" }
        let cells: [String] = CodingKeys.allCases.map { key in
            switch key {
            case .parameterSet: csvQuoted(parameterSet)
            case .step: csvQuoted(step)
            case .samples: "\(samples)"
            case .predictedVariance: number(predictedVariance)
            case .measuredVariance: number(measuredVariance)
            case .ciLow: number(ciLow)
            case .ciHigh: number(ciHigh)
            case .confidenceLevel: number(confidenceLevel)
            case .verdict: verdict.rawValue
            case .populationVerdict: populationVerdict?.rawValue ?? ""
            case .expectedMean: number(expectedMean)
            case .measuredMean: number(measuredMean)
            case .meanCILow: number(meanCILow)
            case .meanCIHigh: number(meanCIHigh)
            case .meanVerdict: meanVerdict?.rawValue ?? ""
            case .normalityPValue: number(normalityPValue)
            case .normalityVerdict: normalityVerdict ?? ""
            case .method: csvQuoted(method)
            case .precision: integer(precision)
            case .expectedFailures: number(expectedFailures)
            case .observedFailures: integer(observedFailures)
            case .predictedFailureRate: number(predictedFailureRate)
            case .cpLow: number(cpLow)
            case .cpHigh: number(cpHigh)
            case .productionPrecision: integer(productionPrecision)
            case .productionLog2FailureRate: number(productionLog2FailureRate)
            case .productionLog2CPLow: number(productionLog2CPLow)
            case .productionLog2CPHigh: number(productionLog2CPHigh)
            case .predictedProductionLog2FailureRate: number(predictedProductionLog2FailureRate)
            }
        }
        return cells.joined(separator: ",")
    }
}

/// RFC 4180 quoting when a cell holds a comma, quote or line break.
func csvQuoted(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}
