/// A GLWE ciphertext (A_0 … A_{k−1}, B) of polynomials in T[X]/(X^N + 1); its phase is
/// B − Σ A_c·S_c. Storage: k+1 polynomials of N coefficients, the body last.
public struct GLWECiphertext: Hashable, Sendable {
    public let glweDimension: GLWEDimension
    public let polynomialSize: PolynomialSize
    public var storage: [UInt64]

    public init(glweDimension: GLWEDimension, polynomialSize: PolynomialSize) {
        self.glweDimension = glweDimension
        self.polynomialSize = polynomialSize
        storage = [UInt64](repeating: 0, count: glweDimension.glweSize * polynomialSize.rawValue)
    }

    public init(glweDimension: GLWEDimension, polynomialSize: PolynomialSize, storage: [UInt64]) {
        precondition(storage.count == glweDimension.glweSize * polynomialSize.rawValue,
                     "GLWE ciphertext (k = \(glweDimension), N = \(polynomialSize)) needs \(glweDimension.glweSize * polynomialSize.rawValue) words, got \(storage.count)")
        self.glweDimension = glweDimension
        self.polynomialSize = polynomialSize
        self.storage = storage
    }

    /// Coefficients of polynomial `index` (0..<k masks, k the body).
    public func polynomial(_ index: Int) -> ArraySlice<UInt64> {
        let n = polynomialSize.rawValue
        return storage[index * n ..< (index + 1) * n]
    }
}
