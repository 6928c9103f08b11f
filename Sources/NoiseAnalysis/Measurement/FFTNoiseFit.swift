import GSLStatistics
import TFHE

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The FFT rounding error of one external product (CMUX), estimated for one parameter set from
/// blind rotations: Var_FFT = (measured accumulator variance − n·Var_ext_theory) / n, with the
/// theory term conditioned on the actual keys (see `KeyConditionedNoise`).
public struct FFTTermEstimate: Sendable, Hashable, Codable {
    public let parameterSet: String
    public let polynomialSize: Int
    public let glweDimension: Int
    public let baseLog: Int
    public let levels: Int
    /// Var_FFT per CMUX, torus units, and its confidence interval.
    public let variance: Double
    public let interval: ConfidenceInterval
    /// Share of the FFT term in the blind-rotation variance; below a few percent the estimate
    /// is a difference of nearly equal numbers and says little.
    public let shareOfBlindRotationVariance: Double

    /// The FFT term is told apart from zero: its interval lies above 0. Only such estimates
    /// enter a fit.
    public var isResolved: Bool { interval.lower > 0 }

    public init(parameterSet: String, polynomialSize: Int, glweDimension: Int, baseLog: Int, levels: Int,
                variance: Double, interval: ConfidenceInterval, shareOfBlindRotationVariance: Double) {
        self.parameterSet = parameterSet
        self.polynomialSize = polynomialSize
        self.glweDimension = glweDimension
        self.baseLog = baseLog
        self.levels = levels
        self.variance = variance
        self.interval = interval
        self.shareOfBlindRotationVariance = shareOfBlindRotationVariance
    }

    /// 2^(2·(64−53)) · l · B² · N² · (k+1) / q² (TFHE_FACTS §3.6 (A)).
    public var modelShape: Double {
        FFTNoiseModel.measuredShape(k: Double(glweDimension), N: Double(polynomialSize), baseLog: baseLog, l: Double(levels))
    }

    /// c = Var_FFT / shape for this set alone.
    public var coefficient: Double { variance / modelShape }
}

/// The FFT model fitted to estimates from several sets.
public struct FFTNoiseFit: Sendable, Hashable, Codable {
    /// c of Var_FFT = c·2^22·l·B²·N²·(k+1)/q²: geometric mean of the per-set coefficients.
    public let coefficient: Double
    /// Sample sd of log2 c across sets (0 for one set).
    public let log2CoefficientSpread: Double
    /// With ≥ 3 distinct N: log2(Var_FFT/shape·N²) = log2 c′ + e·log2 N by least squares, to
    /// test the N² law (e = 2).
    public let polynomialSizeExponent: Double?
    public let polynomialSizeExponentStandardError: Double?
    public let estimates: [FFTTermEstimate]

    /// The measured model, ready for `NoiseModel(parameters:fft:)`.
    public var model: FFTNoiseModel { .measured(coefficient: coefficient) }

    /// Uses only resolved estimates: those whose interval lies above 0. Otherwise the FFT term
    /// is below the resolution of that set (e.g. 1 % of the blind-rotation variance at N = 512),
    /// and its point estimate, a difference of nearly equal numbers, would dominate the fit.
    public init(estimates all: [FFTTermEstimate]) throws {
        let estimates = all.filter(\.isResolved)
        guard !estimates.isEmpty else {
            throw NoiseAnalysisError.tooFewSamples(needed: 1, got: 0, purpose: "an FFT noise fit (sets whose FFT interval lies above 0)")
        }
        self.estimates = estimates
        let logCoefficients = estimates.map { log2($0.coefficient) }
        coefficient = exp2(logCoefficients.reduce(0, +) / Double(logCoefficients.count))
        log2CoefficientSpread = logCoefficients.count >= 2 ? try SampleMoments(logCoefficients).standardDeviation : 0
        if Set(estimates.map(\.polynomialSize)).count >= 3 {
            let x = estimates.map { log2(Double($0.polynomialSize)) }
            let y = estimates.map { log2($0.coefficient) + 2 * log2(Double($0.polynomialSize)) }
            let line = try LinearFit(x: x, y: y)
            polynomialSizeExponent = line.slope
            polynomialSizeExponentStandardError = line.slopeStandardError
        } else {
            polynomialSizeExponent = nil
            polynomialSizeExponentStandardError = nil
        }
    }
}

extension FFTNoiseFit {
    /// `fft.csv`: one row per parameter set's estimate, with the fitted coefficient repeated.
    public func csv() -> String {
        var lines = ["params,polynomial_size,glwe_dimension,base_log,levels,fft_variance_per_cmux,ci_low,ci_high,coefficient,share_of_blind_rotation_variance,fitted_coefficient"]
        for e in estimates {
            lines.append("\(e.parameterSet),\(e.polynomialSize),\(e.glweDimension),\(e.baseLog),\(e.levels),\(e.variance),"
                + "\(e.interval.lower),\(e.interval.upper),\(e.coefficient),\(e.shareOfBlindRotationVariance),\(coefficient)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
