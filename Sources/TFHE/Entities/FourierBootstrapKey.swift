/// The bootstrapping key in the Fourier domain: for each small-key coefficient sᵢ a GGSW
/// encryption of sᵢ under the GLWE key, every polynomial stored as its N/2 complex values
/// (torus coefficients read as signed·2^-64). Layout: GGSW i, row r ((k+1)·l rows),
/// column c (k+1 polynomials), N/2 interleaved complex values.
public struct FourierBootstrapKey: Sendable {
    public let inputDimension: LWEDimension
    public let glweDimension: GLWEDimension
    public let polynomialSize: PolynomialSize
    public let baseLog: DecompositionBaseLog
    public let levels: DecompositionLevelCount
    let storage: [Double]

    init(
        inputDimension: LWEDimension, glweDimension: GLWEDimension, polynomialSize: PolynomialSize,
        baseLog: DecompositionBaseLog, levels: DecompositionLevelCount, storage: [Double]
    ) {
        let expected = Self.doubleCount(inputDimension, glweDimension, polynomialSize, levels)
        precondition(storage.count == expected,
                     "Fourier bootstrapping key (n = \(inputDimension), k = \(glweDimension), N = \(polynomialSize), l = \(levels)) needs \(expected) doubles, got \(storage.count)")
        self.inputDimension = inputDimension
        self.glweDimension = glweDimension
        self.polynomialSize = polynomialSize
        self.baseLog = baseLog
        self.levels = levels
        self.storage = storage
    }

    static func doubleCount(_ n: LWEDimension, _ k: GLWEDimension, _ size: PolynomialSize, _ l: DecompositionLevelCount) -> Int {
        n.rawValue * ggswDoubleCount(k, size, l)
    }

    static func ggswDoubleCount(_ k: GLWEDimension, _ size: PolynomialSize, _ l: DecompositionLevelCount) -> Int {
        k.glweSize * l.rawValue * k.glweSize * size.rawValue   // N/2 complex = N doubles per polynomial
    }
}
