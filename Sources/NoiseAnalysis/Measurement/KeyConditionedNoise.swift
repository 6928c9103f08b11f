import TFHE

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hamming weights of a client key's secret keys, read through the public phase functions:
/// the phase of a ciphertext with an all-ones mask and a zero body is −Σ sᵢ.
public struct KeyWeights: Sendable, Hashable, Codable {
    /// Ones in the small LWE key s (n coefficients).
    public let small: Int
    /// Ones in the big key s′ (k·N coefficients, the GLWE key flattened).
    public let big: Int

    public init(small: Int, big: Int) {
        self.small = small
        self.big = big
    }

    public init(clientKey: ClientKey) {
        let parameters = clientKey.parameters
        let n = parameters.lweDimension.rawValue
        let twoN = 2 * parameters.polynomialSize.rawValue
        precondition(n < twoN, "the small key's weight is read modulo 2N = \(twoN), which needs n = \(n) < 2N")
        let smallProbe = ModulusSwitchedCiphertext(modulus: twoN, storage: [Int](repeating: 1, count: n) + [0])
        small = (twoN - clientKey.phase(smallProbe)) % twoN
        var bigProbe = LWECiphertext(dimension: parameters.bigLWEDimension)
        for i in 0..<parameters.bigLWEDimension.rawValue { bigProbe.storage[i] = 1 }
        big = Int(0 &- clientKey.phase(bigProbe))
    }
}

/// The noise formulas of `NoiseModel` with the key-dependent terms evaluated for the actual
/// keys instead of their average (E[s²] = 1/2 → weight/dimension). Every term whose rounding
/// error is multiplied by the key changes:
/// - standard modulus switch: (1 + h)/(12·(2N)²) instead of (1 + n/2)/(12·(2N)²);
/// - keyswitch rounding: h′·B^(−2l)/12 instead of k·N·B^(−2l)/24;
/// - blind rotation rounding: it enters only the CMUXes with sᵢ = 1, each with
///   (1 + h′)·B^(−2l)/12, instead of n·(1 + k·N/2)·B^(−2l)/24.
/// The centered modulus switch multiplies its errors by sᵢ − 1/2, whose square is 1/4 for
/// either bit, so it does not depend on the key.
/// A single key's weight deviates from n/2 by ≈ √n/2: 3.6 % of the MS term for n = 771, the
/// size of the χ² interval at 10,000 samples. The verdicts use the population formulas; these
/// explain a disagreement when one appears.
public struct KeyConditionedNoise: Sendable, Hashable {
    public let parameters: ParameterSet
    public let weights: KeyWeights

    public init(parameters: ParameterSet, weights: KeyWeights) {
        self.parameters = parameters
        self.weights = weights
    }

    private var twoNSquared: Double { 4.0 * Double(parameters.polynomialSize.rawValue) * Double(parameters.polynomialSize.rawValue) }

    public var modulusSwitch: Variance {
        switch parameters.modulusSwitch {
        case .standard: Variance((1 + Double(weights.small)) / (12 * twoNSquared))
        case .centered: NoiseModel(parameters: parameters).modulusSwitch
        }
    }

    public var keyswitch: Variance {
        let population = NoiseModel(parameters: parameters).keyswitch.value
        let dropped = exp2(-2.0 * Double(parameters.ksBaseLog.rawValue * parameters.ksLevels.rawValue))
        let bigDimension = Double(parameters.bigLWEDimension.rawValue)
        return Variance(population - bigDimension * dropped / 24 + Double(weights.big) * dropped / 12)
    }

    /// The blind-rotation (= PBS output) variance without the FFT term.
    public var blindRotationWithoutFFT: Variance {
        let n = Double(parameters.lweDimension.rawValue)
        let size = Double(parameters.polynomialSize.rawValue)
        let k = Double(parameters.glweDimension.rawValue)
        let l = Double(parameters.pbsLevels.rawValue)
        let b2 = exp2(2.0 * Double(parameters.pbsBaseLog.rawValue))
        let dropped = exp2(-2.0 * Double(parameters.pbsBaseLog.rawValue * parameters.pbsLevels.rawValue))
        let keyNoise = n * l * size * parameters.glweNoise.variance.value * (b2 / 12 + 1.0 / 6) * (k + 1)
        let rounding = Double(weights.small) * (1 + Double(weights.big)) * dropped / 12
        return Variance(keyNoise + rounding)
    }

    /// `NoiseModel.beforeBlindRotation(inputVariance:)` with this key's keyswitch and
    /// modulus-switch terms.
    public func beforeBlindRotation(inputVariance: Variance) -> Variance {
        inputVariance + keyswitch + modulusSwitch
    }

    public func pbsOutput(fft: FFTNoiseModel) -> Variance {
        let perCMUX = fft.externalProductVariance(
            glweDimension: parameters.glweDimension.rawValue, polynomialSize: parameters.polynomialSize.rawValue,
            baseLog: parameters.pbsBaseLog.rawValue, levels: parameters.pbsLevels.rawValue)
        return blindRotationWithoutFFT + Variance(Double(parameters.lweDimension.rawValue) * perCMUX)
    }
}
