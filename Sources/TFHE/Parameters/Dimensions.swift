// Typed parameters. A bare Int never stands for a dimension, a base or a level count: the
// unit and the off-by-one (LWE size = dimension + 1) live in the type.

/// n: the number of mask coefficients of an LWE ciphertext (the secret key's length).
public struct LWEDimension: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) {
        precondition(rawValue > 0, "LWE dimension must be positive, got \(rawValue)")
        self.rawValue = rawValue
    }
    /// Mask plus body.
    public var lweSize: Int { rawValue + 1 }
    public var description: String { "\(rawValue)" }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// k: the number of mask polynomials of a GLWE ciphertext.
public struct GLWEDimension: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) {
        precondition(rawValue > 0, "GLWE dimension must be positive, got \(rawValue)")
        self.rawValue = rawValue
    }
    /// Mask polynomials plus the body polynomial.
    public var glweSize: Int { rawValue + 1 }
    public var description: String { "\(rawValue)" }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// N: the number of coefficients of a polynomial in Z[X]/(X^N + 1). Always a power of two.
public struct PolynomialSize: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) {
        precondition(rawValue >= 2 && rawValue & (rawValue - 1) == 0,
                     "polynomial size must be a power of two ≥ 2, got \(rawValue)")
        self.rawValue = rawValue
    }
    public var log2: Int { rawValue.trailingZeroBitCount }
    /// The negacyclic product runs through an N/2-point complex FFT.
    public var fourierSize: Int { rawValue / 2 }
    public var description: String { "\(rawValue)" }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// log2 of the decomposition base B.
public struct DecompositionBaseLog: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) {
        precondition(rawValue > 0 && rawValue < 64, "decomposition base log must be in 1...63, got \(rawValue)")
        self.rawValue = rawValue
    }
    public var description: String { "2^\(rawValue)" }
}

/// l: the number of levels of a gadget decomposition.
public struct DecompositionLevelCount: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int
    public init(_ rawValue: Int) {
        precondition(rawValue > 0, "decomposition level count must be positive, got \(rawValue)")
        self.rawValue = rawValue
    }
    public var description: String { "\(rawValue)" }
}

/// A variance in torus units (the integer variance divided by 2^128).
public struct Variance: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public var standardDeviation: StandardDeviation { StandardDeviation(value.squareRoot()) }
    public var log2: Double { Foundation_log2(value) }
    public static func + (a: Self, b: Self) -> Self { Variance(a.value + b.value) }
    public static func * (a: Self, w: Double) -> Self { Variance(a.value * w) }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
    public static let zero = Variance(0)
    public var description: String { "\(value)" }
}

/// A standard deviation in torus units.
public struct StandardDeviation: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public var variance: Variance { Variance(value * value) }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
    public var description: String { "\(value)" }
}

/// Which modulus switch maps the keyswitched ciphertext to the 2N grid (TFHE_FACTS §3.3–3.4).
public enum ModulusSwitchKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Plain rounding of every coefficient.
    case standard
    /// Key-free mean correction before rounding; needed by the 2^-128 sets.
    case centered
}

// TFHE has no Foundation; the few libm calls it needs go through here.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@inline(__always) func Foundation_log2(_ x: Double) -> Double { log2(x) }
