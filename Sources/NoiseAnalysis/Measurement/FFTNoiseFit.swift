import GSLStatistics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One measurement of the FFT error of an external product: the variance (torus units, per
/// output coefficient) of FFT result − exact result, for (k+1)·l decomposed digits of base B.
public struct FFTErrorMeasurement: Sendable, Hashable, Codable {
    public let polynomialSize: Int
    public let glweDimension: Int
    public let baseLog: Int
    public let levels: Int
    public let sampleCount: Int
    public let measuredVariance: Double
    public let varianceInterval: ConfidenceInterval
    /// Largest |error| seen, torus units (to show the error never reaches a message bit).
    public let maximumAbsoluteError: Double

    public init(polynomialSize: Int, glweDimension: Int, baseLog: Int, levels: Int,
                errors: [Double], confidenceLevel: Double = 0.99) throws {
        self.polynomialSize = polynomialSize
        self.glweDimension = glweDimension
        self.baseLog = baseLog
        self.levels = levels
        self.sampleCount = errors.count
        let moments = try SampleMoments(errors)
        // Mean-free by construction (rounding errors), so the raw second moment is the variance.
        self.measuredVariance = moments.variance
        self.varianceInterval = try varianceConfidenceInterval(
            sampleVariance: moments.variance, sampleCount: errors.count, confidenceLevel: confidenceLevel)
        self.maximumAbsoluteError = errors.map(abs).max() ?? 0
    }

    /// x = 2^(2·(64−53)) · l · B² · N² · (k+1) / q²: the regressor of the concrete-cpu model
    /// Var_FFT = c·x (TFHE_FACTS §3.6 (A)), in torus units.
    public var modelRegressor: Double {
        FFTNoiseModel.regressor(polynomialSize: polynomialSize, glweDimension: glweDimension,
                                baseLog: baseLog, levels: levels)
    }
}

/// Var_FFT = 2^log2Constant · 2^(2·(64−53)) · l · B² · N^exponent · (k+1) / q², per external
/// product (one CMUX). `exponent` is 2 in the concrete-cpu model; the fit may free it.
public struct FFTNoiseModel: Sendable, Hashable, Codable {
    public let log2Constant: Double
    public let polynomialSizeExponent: Double

    public init(log2Constant: Double, polynomialSizeExponent: Double = 2) {
        self.log2Constant = log2Constant
        self.polynomialSizeExponent = polynomialSizeExponent
    }

    /// Zama's fit for its own f64 FFT (concrete-cpu `FFT_SCALING_WEIGHT`), for comparison only.
    public static let concreteCPU = FFTNoiseModel(log2Constant: -2.57722494)

    public func variance(polynomialSize: Int, glweDimension: Int, baseLog: Int, levels: Int) -> Double {
        let n = Double(polynomialSize)
        return exp2(log2Constant) * pow(n, polynomialSizeExponent - 2)
            * Self.regressor(polynomialSize: polynomialSize, glweDimension: glweDimension, baseLog: baseLog, levels: levels)
    }

    static func regressor(polynomialSize: Int, glweDimension: Int, baseLog: Int, levels: Int) -> Double {
        let n = Double(polynomialSize)
        return exp2(2.0 * (64 - 53) + 2.0 * Double(baseLog) - 128) * Double(levels) * n * n * Double(glweDimension + 1)
    }
}

/// The fitted FFT model and how well it explains each measurement.
public struct FFTNoiseFit: Sendable, Hashable, Codable {
    /// c with the model's N² law: log2 c = mean over measurements of log2(measured / x).
    public let fixedExponentModel: FFTNoiseModel
    /// Spread (sample sd) of log2(measured / x) across measurements: how well one constant fits.
    public let log2ConstantSpread: Double
    /// Free exponent: log2(measured / x·N^−2) = log2 c + e·log2 N by least squares (nil with
    /// fewer than 3 distinct N).
    public let freeExponentModel: FFTNoiseModel?
    public let freeExponentStandardError: Double?
    public let measurements: [FFTErrorMeasurement]

    public init(measurements: [FFTErrorMeasurement]) throws {
        precondition(!measurements.isEmpty, "an FFT noise fit needs at least one measurement")
        self.measurements = measurements
        let logRatios = measurements.map { log2($0.measuredVariance / $0.modelRegressor) }
        let meanLogRatio = logRatios.reduce(0, +) / Double(logRatios.count)
        fixedExponentModel = FFTNoiseModel(log2Constant: meanLogRatio)
        log2ConstantSpread = logRatios.count >= 2 ? try SampleMoments(logRatios).standardDeviation : 0
        if Set(measurements.map(\.polynomialSize)).count >= 3 {
            let x = measurements.map { log2(Double($0.polynomialSize)) }
            let y = measurements.map { log2($0.measuredVariance / $0.modelRegressor) + 2 * log2(Double($0.polynomialSize)) }
            let line = try LinearFit(x: x, y: y)
            freeExponentModel = FFTNoiseModel(log2Constant: line.intercept, polynomialSizeExponent: line.slope)
            freeExponentStandardError = line.slopeStandardError
        } else {
            freeExponentModel = nil
            freeExponentStandardError = nil
        }
    }
}
