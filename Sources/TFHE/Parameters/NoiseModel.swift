#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Predicted noise of one KS→PBS parameter set (TFHE_FACTS §3, tfhe-rs (B) formulas), all in
/// torus units. The FFT term is pluggable so a measured FFTW constant can replace the fits.
public struct NoiseModel: Hashable, Sendable {
    public let parameters: ParameterSet
    public let fft: FFTNoiseModel

    public init(parameters: ParameterSet, fft: FFTNoiseModel = .tfheRsFit) {
        self.parameters = parameters
        self.fft = fft
    }

    /// A fresh encryption under the big key (dimension k·N) carries the GLWE noise.
    public var freshEncryption: Variance { parameters.glweNoise.variance }

    /// Keyswitch big key (k·N) → small key (n).
    public var keyswitch: Variance { keyswitch(from: parameters.bigLWEDimension) }

    /// Keyswitch from a big key of `inputDimension` to this set's small key, in this set's
    /// decomposition: another key pair's big key for a cross key
    /// (`ClientKey.serverKey(readingFrom:bootstrappingWith:)`); one term per input coefficient.
    public func keyswitch(from inputDimension: LWEDimension) -> Variance {
        Variance(NoiseFormulas.keyswitch(
            inputDimension: inputDimension.rawValue,
            keyswitchKeyVariance: parameters.lweNoise.variance.value,
            baseLog: parameters.ksBaseLog.rawValue, levels: parameters.ksLevels.rawValue))
    }

    /// Modulus switch q → 2N with the set's kind (standard or centered).
    public var modulusSwitch: Variance {
        Variance(NoiseFormulas.modulusSwitch(
            lweDimension: parameters.lweDimension.rawValue, polynomialSize: parameters.polynomialSize.rawValue,
            kind: parameters.modulusSwitch))
    }

    /// Output of a PBS, under the big key; independent of the input noise.
    public var pbsOutput: Variance {
        Variance(NoiseFormulas.pbsOutput(
            lweDimension: parameters.lweDimension.rawValue, glweDimension: parameters.glweDimension.rawValue,
            polynomialSize: parameters.polynomialSize.rawValue,
            bootstrapKeyVariance: parameters.glweNoise.variance.value,
            baseLog: parameters.pbsBaseLog.rawValue, levels: parameters.pbsLevels.rawValue, fft: fft))
    }

    /// The FFT part of `pbsOutput` (n external products' rounding error).
    public var pbsFFTPart: Variance {
        Variance(Double(parameters.lweDimension.rawValue) * fft.externalProductVariance(
            glweDimension: parameters.glweDimension.rawValue, polynomialSize: parameters.polynomialSize.rawValue,
            baseLog: parameters.pbsBaseLog.rawValue, levels: parameters.pbsLevels.rawValue))
    }

    /// Σ wᵢ²·Varᵢ of independent inputs.
    public func dotProduct(weights: [Double], variances: [Variance]) -> Variance {
        NoiseFormulas.dotProduct(weights: weights, variances: variances)
    }

    /// The phase noise the blind rotation sees: ν²·Var_PBS + Var_KS + Var_MS, for a linear
    /// combination of PBS outputs with weight 2-norm ν.
    public func beforeBlindRotation(weightTwoNorm nu: Double) -> Variance {
        beforeBlindRotation(inputVariance: pbsOutput * (nu * nu))
    }

    /// The same for an arbitrary input variance under the big key (e.g. fresh inputs·w²).
    public func beforeBlindRotation(inputVariance: Variance) -> Variance {
        inputVariance + keyswitch + modulusSwitch
    }

    /// log2 of the probability that one KS→PBS at `precision` bits lands in a neighbouring box.
    public func log2PError(precision: Int, weightTwoNorm nu: Double) -> Double {
        NoiseFormulas.log2PError(variance: beforeBlindRotation(weightTwoNorm: nu).value, precision: precision)
    }

    /// The same for an arbitrary input variance under the big key (a fresh encryption·w², …).
    public func log2PError(precision: Int, inputVariance: Variance) -> Double {
        NoiseFormulas.log2PError(variance: beforeBlindRotation(inputVariance: inputVariance).value, precision: precision)
    }

    /// Decrypting a PBS output directly (a circuit's last table): only Var_PBS counts.
    public func log2PErrorOfOutputDecryption(precision: Int) -> Double {
        NoiseFormulas.log2PError(variance: pbsOutput.value, precision: precision)
    }

    /// The failure probability itself; underflows to 0 below ~2^-1074: use `log2PError` there.
    public func pError(precision: Int, weightTwoNorm nu: Double) -> Double {
        exp2(log2PError(precision: precision, weightTwoNorm: nu))
    }
}
