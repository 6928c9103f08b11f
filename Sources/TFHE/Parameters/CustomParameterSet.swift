/// A parameter set described as comma-separated `key=value` pairs (`lockstep params --custom`):
/// every value is checked here, before the typed initializers' preconditions could see it.
public enum CustomParameterSet {
    public static let requiredKeys = ["n", "k", "N", "pbs_base_log", "pbs_levels", "ks_base_log", "ks_levels", "precision"]
    public static let optionalKeys = ["lwe_sigma", "glwe_sigma"]

    /// A σ left out is the 128-bit curve's minimum for its key's dimension. The result is not
    /// checked against the curve: a σ given below it is the caller's to refuse.
    public static func parse(_ text: String, modulusSwitch: ModulusSwitchKind) throws(CustomParameterSetError) -> ParameterSet {
        var values: [String: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(trimmingSpaces)
            guard parts.count == 2, requiredKeys.contains(parts[0]) || optionalKeys.contains(parts[0]) else {
                throw .notKeyValue(item: String(item))
            }
            values[parts[0]] = parts[1]
        }
        func integer(_ key: String, _ allowed: ClosedRange<Int>) throws(CustomParameterSetError) -> Int {
            guard let raw = values[key] else { throw .missingKey(key) }
            guard let v = Int(raw), allowed.contains(v) else { throw .integerOutOfRange(key: key, value: raw, allowed: allowed) }
            return v
        }
        let n = try integer("n", 1...1 << 16)
        let k = try integer("k", 1...16)
        let N = try integer("N", 2...1 << 20)
        guard N & (N - 1) == 0 else { throw .notPowerOfTwo(key: "N", value: N) }
        let pbsBase = try integer("pbs_base_log", 1...63), pbsLevels = try integer("pbs_levels", 1...64)
        let ksBase = try integer("ks_base_log", 1...63), ksLevels = try integer("ks_levels", 1...64)
        for (name, base, levels) in [("pbs", pbsBase, pbsLevels), ("ks", ksBase, ksLevels)] where base * levels > 64 {
            throw .decompositionTooWide(prefix: name, bits: base * levels)
        }
        let precision = try integer("precision", 1...30)
        let curve = SecurityCurve.concrete128
        func sigma(_ key: String, default value: StandardDeviation) throws(CustomParameterSetError) -> StandardDeviation {
            guard let raw = values[key] else { return value }
            guard let v = Double(raw), v.isFinite, v > 0, v < 1 else { throw .notAStandardDeviation(key: key, value: raw) }
            return StandardDeviation(v)
        }
        return ParameterSet(
            name: "custom", precision: precision,
            lweDimension: LWEDimension(n), glweDimension: GLWEDimension(k), polynomialSize: PolynomialSize(N),
            lweNoise: try sigma("lwe_sigma", default: curve.minimalStandardDeviation(for: LWEDimension(n))),
            glweNoise: try sigma("glwe_sigma", default: curve.minimalStandardDeviation(for: LWEDimension(k * N))),
            pbsBaseLog: DecompositionBaseLog(pbsBase), pbsLevels: DecompositionLevelCount(pbsLevels),
            ksBaseLog: DecompositionBaseLog(ksBase), ksLevels: DecompositionLevelCount(ksLevels),
            modulusSwitch: modulusSwitch)
    }

    /// Spaces and tabs around a key or value, as Foundation's `.whitespaces` (no newlines).
    private static func trimmingSpaces(_ text: Substring) -> String {
        let isSpace = { (c: Character) in c.isWhitespace && !c.isNewline }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}

/// Why a custom parameter set was refused; each case names the key and what it allows.
public enum CustomParameterSetError: Error, Equatable, Sendable, CustomStringConvertible {
    case notKeyValue(item: String)
    case missingKey(String)
    case integerOutOfRange(key: String, value: String, allowed: ClosedRange<Int>)
    case notPowerOfTwo(key: String, value: Int)
    /// base_log · levels of one decomposition (`prefix` pbs or ks) above the 64 torus bits.
    case decompositionTooWide(prefix: String, bits: Int)
    case notAStandardDeviation(key: String, value: String)

    public var description: String {
        switch self {
        case .notKeyValue(let item):
            "'\(item)' is not key=value with a key among "
                + (CustomParameterSet.requiredKeys + CustomParameterSet.optionalKeys).joined(separator: ", ") + "."
        case .missingKey(let key):
            "missing key '\(key)'; required: \(CustomParameterSet.requiredKeys.joined(separator: ", "))."
        case .integerOutOfRange(let key, let value, let allowed):
            "\(key)=\(value) must be an integer in \(allowed.lowerBound)...\(allowed.upperBound)."
        case .notPowerOfTwo(let key, let value):
            "\(key)=\(value) must be a power of two."
        case .decompositionTooWide(let prefix, let bits):
            "\(prefix)_base_log·\(prefix)_levels = \(bits) exceeds the 64 torus bits."
        case .notAStandardDeviation(let key, let value):
            "\(key)=\(value) must be a torus standard deviation in (0, 1)."
        }
    }
}
