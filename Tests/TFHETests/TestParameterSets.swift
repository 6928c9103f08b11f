@testable import TFHE

/// Deliberately small, INSECURE parameter sets for unit tests in debug builds. They are far
/// below 128-bit security (n = 128, N = 512) and labelled `isInsecureTestSet: true`; noise is
/// chosen so KS→PBS at 3–4 bits fails with negligible probability.
enum TestParameterSets {
    static func make(name: String, modulusSwitch: ModulusSwitchKind, pbsBaseLog: Int = 10, pbsLevels: Int = 2,
                     polynomialSize: Int = 512) -> ParameterSet {
        ParameterSet(
            name: name, precision: 3,
            lweDimension: LWEDimension(128), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(polynomialSize),
            lweNoise: StandardDeviation(0x1p-25), glweNoise: StandardDeviation(0x1p-35),
            pbsBaseLog: DecompositionBaseLog(pbsBaseLog), pbsLevels: DecompositionLevelCount(pbsLevels),
            ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(3),
            modulusSwitch: modulusSwitch, isInsecureTestSet: true
        )
    }

    static let standard = make(name: "insecure-test-n128-N512-standard", modulusSwitch: .standard)
    static let centered = make(name: "insecure-test-n128-N512-centered", modulusSwitch: .centered)
    /// k = 1, l = 1: the specialised two-by-two Fourier multiply-accumulate path.
    static let singleLevel = make(name: "insecure-test-n128-N512-l1", modulusSwitch: .standard, pbsBaseLog: 15, pbsLevels: 1)

    /// Keys are generated once per set (fixed seeds: reproducible failures) and shared.
    static let standardKeys = ClientKey.generate(parameters: standard, seed: .fixed(0x5EED_0001))
    static let centeredKeys = ClientKey.generate(parameters: centered, seed: .fixed(0x5EED_0002))
    static let singleLevelKeys = ClientKey.generate(parameters: singleLevel, seed: .fixed(0x5EED_0003))
}

/// Distance between two torus values, in torus units.
func torusDistance(_ a: UInt64, _ b: UInt64) -> Double {
    abs(Double(Int64(bitPattern: a &- b))) * 0x1p-64
}
