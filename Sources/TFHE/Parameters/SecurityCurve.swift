#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A lattice-estimator security curve for binary-key LWE with q = 2^64 (TFHE_FACTS §2):
/// the smallest Gaussian noise that keeps an LWE problem of dimension n at the curve's security
/// level is log2 σ = max(slope·n + bias, 2 − log2 q), in torus units.
public struct SecurityCurve: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let securityBits: Int
    public let slope: Double
    public let bias: Double
    /// Below this dimension no amount of Gaussian noise is considered secure.
    public let minimalDimension: Int

    public init(name: String, securityBits: Int, slope: Double, bias: Double, minimalDimension: Int) {
        self.name = name
        self.securityBits = securityBits
        self.slope = slope
        self.bias = bias
        self.minimalDimension = minimalDimension
    }

    /// log2 of the ciphertext modulus; every set in this package uses the native 2^64.
    public static let ciphertextModulusLog2 = 64

    /// The noise floor of 4 integer units: log2 σ_torus ≥ 2 − 64.
    public static let log2StandardDeviationFloor = Double(2 - ciphertextModulusLog2)

    /// Concrete's current 128-bit curve (Jun-2024, MATZOV cost model): the project's security target.
    public static let concrete128 = SecurityCurve(
        name: "concrete-128-matzov-2024", securityBits: 128,
        slope: -0.025696778711484593, bias: 2.675931372549016, minimalDimension: 450)

    /// The 132-bit curve (Dec-2024) that every tfhe-rs ≥ 0.7 Gaussian parameter set sits on.
    public static let concrete132 = SecurityCurve(
        name: "concrete-132-2024", securityBits: 132,
        slope: -0.024891456582633045, bias: 2.65734593837534, minimalDimension: 450)

    /// The 128-bit curve before Jan-2023, kept because tfhe-rs 0.1–0.5 parameters sit on it.
    public static let concrete128Pre2023 = SecurityCurve(
        name: "concrete-128-pre-2023", securityBits: 128,
        slope: -0.026405028765226296, bias: 2.482642269104389, minimalDimension: 450)

    /// The 128-bit curve of Jan-2023 → Jun-2024 (tfhe-rs 0.6 parameters).
    public static let concrete128Jan2023 = SecurityCurve(
        name: "concrete-128-2023", securityBits: 128,
        slope: -0.026599462343105267, bias: 2.981543184145991, minimalDimension: 450)

    /// log2 of the minimal torus standard deviation. Below the minimal dimension the answer is
    /// 0 (σ = the whole torus): Concrete's curves return log2 q integer units there, i.e. no
    /// Gaussian noise is secure.
    public func minimalLog2StandardDeviation(for dimension: LWEDimension) -> Double {
        guard dimension.rawValue >= minimalDimension else { return 0 }
        return max(slope * Double(dimension.rawValue) + bias, Self.log2StandardDeviationFloor)
    }

    public func minimalStandardDeviation(for dimension: LWEDimension) -> StandardDeviation {
        StandardDeviation(exp2(minimalLog2StandardDeviation(for: dimension)))
    }

    public func minimalVariance(for dimension: LWEDimension) -> Variance {
        minimalStandardDeviation(for: dimension).variance
    }

    public var description: String { "\(name) (\(securityBits)-bit)" }
}

/// The result of checking both keys of a parameter set against a security curve. A margin is
/// log2 σ_set − log2 σ_min in bits; negative means the noise is below the curve.
public struct SecurityCheck: Hashable, Sendable {
    public let parameterSetName: String
    public let curve: SecurityCurve
    /// Small key (dimension n): the keyswitching key's noise.
    public let lweMarginBits: Double
    /// Big key (dimension k·N): the bootstrapping key's and fresh encryptions' noise.
    public let glweMarginBits: Double

    /// Published σ values are printed with 16–17 significant digits; a set placed exactly on the
    /// curve may land a few ulps under it after our own exp2 (seen: 4e-9 bits).
    public static let roundingToleranceBits = 1e-6

    public init(parameters: ParameterSet, curve: SecurityCurve = .concrete128) {
        parameterSetName = parameters.name
        self.curve = curve
        lweMarginBits = log2(parameters.lweNoise.value)
            - curve.minimalLog2StandardDeviation(for: parameters.lweDimension)
        glweMarginBits = log2(parameters.glweNoise.value)
            - curve.minimalLog2StandardDeviation(for: parameters.bigLWEDimension)
    }

    public var marginBits: Double { min(lweMarginBits, glweMarginBits) }
    public var passes: Bool { marginBits >= -Self.roundingToleranceBits }

    /// Checks `parameters` and refuses (throws) a set below the curve unless it is an explicitly
    /// labelled insecure test set.
    @discardableResult
    public static func enforce(_ parameters: ParameterSet, curve: SecurityCurve = .concrete128) throws -> SecurityCheck {
        let check = SecurityCheck(parameters: parameters, curve: curve)
        if !check.passes && !parameters.isInsecureTestSet {
            throw ParameterError.belowSecurityCurve(check: check, parameters: parameters)
        }
        return check
    }
}

public enum ParameterError: Error, CustomStringConvertible, Equatable {
    case belowSecurityCurve(check: SecurityCheck, parameters: ParameterSet)
    case noFeasibleParameters(precision: Int, weightTwoNorm: Double, log2PErrorTarget: Double, reason: String)
    case invalidRequest(String)

    public var description: String {
        switch self {
        case let .belowSecurityCurve(check, p):
            let curve = check.curve
            let lweMin = curve.minimalStandardDeviation(for: p.lweDimension).value
            let glweMin = curve.minimalStandardDeviation(for: p.bigLWEDimension).value
            return "parameter set '\(p.name)' is below the \(curve): "
                + "lwe σ \(p.lweNoise.value) at n=\(p.lweDimension) needs ≥ \(lweMin) (margin \(fmt(check.lweMarginBits)) bits), "
                + "glwe σ \(p.glweNoise.value) at k·N=\(p.bigLWEDimension) needs ≥ \(glweMin) (margin \(fmt(check.glweMarginBits)) bits). "
                + "Raise the noise or the dimension, or label the set isInsecureTestSet for tests only."
        case let .noFeasibleParameters(precision, norm, target, reason):
            return "no parameter set in the search space reaches p_error ≤ 2^\(fmt(target)) for precision \(precision) bits "
                + "with weight 2-norm \(fmt(norm)): \(reason)"
        case let .invalidRequest(sentence):
            return sentence
        }
    }

    private func fmt(_ x: Double) -> String {
        let scaled = (x * 1000).rounded() / 1000
        return scaled == scaled.rounded() && abs(scaled) < 0x1p53 ? "\(Int(scaled))" : "\(scaled)"
    }
}
