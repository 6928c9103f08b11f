/// A GGSW encryption of a small integer μ in the standard (coefficient) domain: (k+1)·l GLWE
/// rows; row (c, j) (c ∈ 0...k, j ∈ 1...l) encrypts zero with μ·q/B^j added to the constant
/// coefficient of polynomial c. The external product with it multiplies a GLWE phase by μ.
/// Storage: row r = c·l + (j−1), each row k+1 polynomials of N coefficients.
public struct GGSWCiphertext: Sendable {
    public let glweDimension: GLWEDimension
    public let polynomialSize: PolynomialSize
    public let baseLog: DecompositionBaseLog
    public let levels: DecompositionLevelCount
    public var storage: [UInt64]

    public init(
        glweDimension: GLWEDimension, polynomialSize: PolynomialSize,
        baseLog: DecompositionBaseLog, levels: DecompositionLevelCount
    ) {
        self.glweDimension = glweDimension
        self.polynomialSize = polynomialSize
        self.baseLog = baseLog
        self.levels = levels
        storage = [UInt64](repeating: 0, count: Self.wordCount(glweDimension, polynomialSize, levels))
    }

    static func wordCount(_ k: GLWEDimension, _ n: PolynomialSize, _ l: DecompositionLevelCount) -> Int {
        k.glweSize * l.rawValue * k.glweSize * n.rawValue
    }

    public var rowCount: Int { glweDimension.glweSize * levels.rawValue }
}
