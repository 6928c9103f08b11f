import Testing
import TFHE

@Suite struct CustomParameterSetTests {
    static let good = "n=600,k=1,N=2048,pbs_base_log=23,pbs_levels=1,ks_base_log=3,ks_levels=5,precision=4"

    /// `good` with `key`'s value replaced, or the key removed when `value` is nil.
    static func replacing(_ key: String, with value: String?) -> String {
        good.split(separator: ",").compactMap { item -> String? in
            guard item.hasPrefix(key + "=") else { return String(item) }
            return value.map { "\(key)=\($0)" }
        }.joined(separator: ",")
    }

    @Test func goodInputGivesTheTypedSetWithCurveNoiseByDefault() throws {
        let set = try CustomParameterSet.parse(" n = 600 ," + Self.good.dropFirst(6) + ",glwe_sigma=\t3e-15", modulusSwitch: .centered)
        #expect(set.lweDimension == LWEDimension(600))
        #expect(set.glweDimension == GLWEDimension(1))
        #expect(set.polynomialSize == PolynomialSize(2048))
        #expect(set.pbsBaseLog == DecompositionBaseLog(23) && set.pbsLevels == DecompositionLevelCount(1))
        #expect(set.ksBaseLog == DecompositionBaseLog(3) && set.ksLevels == DecompositionLevelCount(5))
        #expect(set.precision == 4)
        #expect(set.modulusSwitch == .centered)
        #expect(set.lweNoise == SecurityCurve.concrete128.minimalStandardDeviation(for: LWEDimension(600)))
        #expect(set.glweNoise == StandardDeviation(3e-15))
        #expect(!set.isInsecureTestSet)
    }

    @Test(arguments: CustomParameterSet.requiredKeys)
    func missingKeyIsNamed(key: String) {
        #expect(throws: CustomParameterSetError.missingKey(key)) {
            try CustomParameterSet.parse(Self.replacing(key, with: nil), modulusSwitch: .standard)
        }
    }

    /// Each integer key just outside its range, and not a number at all: refused with the key,
    /// the value and the range in the message.
    @Test(arguments: [
        ("n", "0", 1...65536), ("n", "65537", 1...65536), ("k", "17", 1...16), ("N", "1", 2...1_048_576),
        ("pbs_base_log", "64", 1...63), ("pbs_levels", "0", 1...64), ("ks_base_log", "0", 1...63),
        ("ks_levels", "65", 1...64), ("precision", "31", 1...30), ("k", "one", 1...16), ("n", "6e2", 1...65536),
    ])
    func integerOutsideItsRangeIsNamed(key: String, value: String, allowed: ClosedRange<Int>) throws {
        let error = #expect(throws: CustomParameterSetError.self) {
            try CustomParameterSet.parse(Self.replacing(key, with: value), modulusSwitch: .standard)
        }
        #expect(error == .integerOutOfRange(key: key, value: value, allowed: allowed))
        #expect(error?.description == "\(key)=\(value) must be an integer in \(allowed.lowerBound)...\(allowed.upperBound).")
    }

    @Test func polynomialSizeMustBeAPowerOfTwo() {
        #expect(throws: CustomParameterSetError.notPowerOfTwo(key: "N", value: 3000)) {
            try CustomParameterSet.parse(Self.replacing("N", with: "3000"), modulusSwitch: .standard)
        }
    }

    @Test(arguments: [("pbs", "pbs_base_log=32,pbs_levels=3", 96), ("ks", "ks_base_log=13,ks_levels=5", 65)])
    func decompositionWiderThanTheTorusIsNamed(prefix: String, values: String, bits: Int) throws {
        let text = Self.replacing("\(prefix)_base_log", with: nil).split(separator: ",")
            .filter { !$0.hasPrefix("\(prefix)_levels=") }.joined(separator: ",") + "," + values
        let error = #expect(throws: CustomParameterSetError.self) { try CustomParameterSet.parse(text, modulusSwitch: .standard) }
        #expect(error == .decompositionTooWide(prefix: prefix, bits: bits))
        #expect(error?.description.contains("\(prefix)_base_log·\(prefix)_levels = \(bits)") == true)
    }

    @Test(arguments: [("lwe_sigma", "0"), ("lwe_sigma", "1"), ("glwe_sigma", "nan"), ("glwe_sigma", "-1e-9"), ("lwe_sigma", "small")])
    func standardDeviationOutsideTheTorusIsNamed(key: String, value: String) throws {
        let error = #expect(throws: CustomParameterSetError.self) {
            try CustomParameterSet.parse(Self.good + ",\(key)=\(value)", modulusSwitch: .standard)
        }
        #expect(error == .notAStandardDeviation(key: key, value: value))
        #expect(error?.description == "\(key)=\(value) must be a torus standard deviation in (0, 1).")
    }

    @Test(arguments: ["m=3", "n600", "lwe-sigma=1e-6"])
    func unknownOrMalformedItemListsTheKeys(item: String) throws {
        let error = #expect(throws: CustomParameterSetError.self) {
            try CustomParameterSet.parse(Self.good + "," + item, modulusSwitch: .standard)
        }
        #expect(error == .notKeyValue(item: item))
        for key in CustomParameterSet.requiredKeys + CustomParameterSet.optionalKeys {
            #expect(error?.description.contains(key) == true)
        }
    }
}
