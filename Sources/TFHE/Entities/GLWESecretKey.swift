/// A uniform binary GLWE secret key: k polynomials of N coefficients in {0,1}. Read as one
/// vector of k·N coefficients (polynomial after polynomial) it is the big LWE key that
/// sample extraction produces ciphertexts under.
public struct GLWESecretKey: Sendable {
    public let glweDimension: GLWEDimension
    public let polynomialSize: PolynomialSize
    /// k·N coefficients, polynomial c at offset c·N.
    let coefficients: [UInt64]

    init(glweDimension: GLWEDimension, polynomialSize: PolynomialSize, coefficients: [UInt64]) {
        precondition(coefficients.count == glweDimension.rawValue * polynomialSize.rawValue,
                     "GLWE secret key (k = \(glweDimension), N = \(polynomialSize)) given \(coefficients.count) coefficients")
        self.glweDimension = glweDimension
        self.polynomialSize = polynomialSize
        self.coefficients = coefficients
    }

    static func generate(
        glweDimension: GLWEDimension, polynomialSize: PolynomialSize, randomness: inout EncryptionRandomness
    ) -> GLWESecretKey {
        var coefficients = [UInt64](repeating: 0, count: glweDimension.rawValue * polynomialSize.rawValue)
        coefficients.withUnsafeMutableBufferPointer { randomness.secrets.fillBinary($0) }
        return GLWESecretKey(glweDimension: glweDimension, polynomialSize: polynomialSize, coefficients: coefficients)
    }

    /// The same coefficients as an LWE key of dimension k·N.
    public var asLWESecretKey: LWESecretKey {
        LWESecretKey(dimension: LWEDimension(coefficients.count), coefficients: coefficients)
    }
}

extension GLWESecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "GLWESecretKey(k: \(glweDimension), N: \(polynomialSize), coefficients: <secret>)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["glweDimension": glweDimension, "polynomialSize": polynomialSize])
    }
}
