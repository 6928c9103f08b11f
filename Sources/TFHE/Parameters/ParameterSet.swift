/// One complete KS→PBS parameter set (DESIGN §4): ciphertexts rest under the big key of
/// dimension k·N, a keyswitch takes them to the small key of dimension n, a modulus switch to
/// the 2N grid, and a blind rotation with a GLWE(k, N) accumulator brings them back.
public struct ParameterSet: Hashable, Sendable, Codable {
    /// Stable name used on the command line and in manifests, e.g. `concrete-p40-b4`.
    public var name: String
    /// Message bits carried by a PBS, not counting the padding bit.
    public var precision: Int
    /// n: small LWE key (keyswitch output, blind-rotation input).
    public var lweDimension: LWEDimension
    /// k.
    public var glweDimension: GLWEDimension
    /// N.
    public var polynomialSize: PolynomialSize
    /// Noise of the keyswitching key (encryptions under the small key).
    public var lweNoise: StandardDeviation
    /// Noise of the bootstrapping key and of fresh encryptions under the big key.
    public var glweNoise: StandardDeviation
    public var pbsBaseLog: DecompositionBaseLog
    public var pbsLevels: DecompositionLevelCount
    public var ksBaseLog: DecompositionBaseLog
    public var ksLevels: DecompositionLevelCount
    public var modulusSwitch: ModulusSwitchKind
    /// True only for deliberately small sets used by unit tests. They are never 128-bit
    /// secure and every report that uses one says so.
    public var isInsecureTestSet: Bool

    public init(
        name: String, precision: Int,
        lweDimension: LWEDimension, glweDimension: GLWEDimension, polynomialSize: PolynomialSize,
        lweNoise: StandardDeviation, glweNoise: StandardDeviation,
        pbsBaseLog: DecompositionBaseLog, pbsLevels: DecompositionLevelCount,
        ksBaseLog: DecompositionBaseLog, ksLevels: DecompositionLevelCount,
        modulusSwitch: ModulusSwitchKind = .standard, isInsecureTestSet: Bool = false
    ) {
        self.name = name
        self.precision = precision
        self.lweDimension = lweDimension
        self.glweDimension = glweDimension
        self.polynomialSize = polynomialSize
        self.lweNoise = lweNoise
        self.glweNoise = glweNoise
        self.pbsBaseLog = pbsBaseLog
        self.pbsLevels = pbsLevels
        self.ksBaseLog = ksBaseLog
        self.ksLevels = ksLevels
        self.modulusSwitch = modulusSwitch
        self.isInsecureTestSet = isInsecureTestSet
    }

    /// k·N: the dimension of the big LWE key that ciphertexts rest under.
    public var bigLWEDimension: LWEDimension {
        LWEDimension(glweDimension.rawValue * polynomialSize.rawValue)
    }
}

extension ParameterSet {
    /// The same keys' dimensions and noise with another bootstrapping-key decomposition, named
    /// `<name>-pbs<baseLog>x<levels>` (`ParameterCatalog.named` reads such names back).
    public func withPBSDecomposition(baseLog: Int, levels: Int) -> ParameterSet {
        var variant = self
        variant.pbsBaseLog = DecompositionBaseLog(baseLog)
        variant.pbsLevels = DecompositionLevelCount(levels)
        variant.name = "\(name)-pbs\(baseLog)x\(levels)"
        return variant
    }
}

extension ParameterSet {
    /// True when `other` has the same keys (dimensions, noise, keyswitch and modulus switch)
    /// and differs at most in the bootstrapping-key decomposition and name: one client key
    /// serves both, and their server keys share the keyswitching key (`ClientKey.serverKey(for:sharing:)`).
    public func sharesKeys(with other: ParameterSet) -> Bool {
        var normalized = other
        normalized.name = name
        normalized.pbsBaseLog = pbsBaseLog
        normalized.pbsLevels = pbsLevels
        return normalized == self
    }

    /// One representative per key pair among `sets`: each pair's first set, in order of
    /// first appearance (`sharesKeys`). A plan's pairs (`FHEPlan.keyPairs`), a deployment
    /// file's, and the grouping of a server key bundle.
    public static func keyPairs(of sets: [ParameterSet]) -> [ParameterSet] {
        var pairs = [ParameterSet]()
        for set in sets where !pairs.contains(where: { $0.sharesKeys(with: set) }) { pairs.append(set) }
        return pairs
    }
}
