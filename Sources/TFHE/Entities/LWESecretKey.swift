/// A uniform binary LWE secret key s ∈ {0,1}^n. Coefficients are stored as UInt64 0/1 so the
/// phase is a plain wrapping dot product. The key never prints its coefficients.
public struct LWESecretKey: Sendable {
    public let dimension: LWEDimension
    let coefficients: [UInt64]

    init(dimension: LWEDimension, coefficients: [UInt64]) {
        precondition(coefficients.count == dimension.rawValue,
                     "LWE secret key of dimension \(dimension) given \(coefficients.count) coefficients")
        self.dimension = dimension
        self.coefficients = coefficients
    }

    static func generate(dimension: LWEDimension, randomness: inout EncryptionRandomness) -> LWESecretKey {
        var coefficients = [UInt64](repeating: 0, count: dimension.rawValue)
        coefficients.withUnsafeMutableBufferPointer { randomness.secrets.fillBinary($0) }
        return LWESecretKey(dimension: dimension, coefficients: coefficients)
    }
}

extension LWESecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "LWESecretKey(dimension: \(dimension), coefficients: <secret>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["dimension": dimension]) }
}
