import Testing
@testable import TFHE

/// σ values that tfhe-rs published, which were read off these curves (TFHE_FACTS §2). Published
/// σ are printed to ~16 digits; 1e-9 relative leaves room only for exp2 rounding.
@Test func curvesReproducePublishedStandardDeviations() {
    let cases: [(SecurityCurve, Int, Double)] = [
        (.concrete128Pre2023, 742, 7.069849454709433e-06),
        (.concrete128Jan2023, 761, 6.36835566258815e-06),
        (.concrete132, 866, 2.046151696979124e-06),
        (.concrete132, 2048, 2.845267479601915e-15),
        (.concrete132, 1006, 1.8277101294215978e-07),
    ]
    for (curve, n, published) in cases {
        let sigma = curve.minimalStandardDeviation(for: LWEDimension(n)).value
        #expect(abs(sigma / published - 1) < 1e-8, "\(curve) at n=\(n): \(sigma) vs published \(published)")
    }
}

@Test func curveHasFloorAndMinimalDimension() {
    let curve = SecurityCurve.concrete128
    // 4 integer units = 2^-62 torus for large dimensions.
    #expect(curve.minimalStandardDeviation(for: LWEDimension(8192)).value == 2.168404344971009e-19)
    // Below 450 no Gaussian noise counts as secure: σ is the whole torus.
    #expect(curve.minimalStandardDeviation(for: LWEDimension(449)).value == 1)
    #expect(curve.minimalLog2StandardDeviation(for: LWEDimension(450)) < -8)
}

@Test func everyCatalogSetPassesThe128BitCurve() throws {
    #expect(ParameterCatalog.all.count >= 34)
    for set in ParameterCatalog.all {
        let check = try SecurityCheck.enforce(set)
        #expect(check.passes, "\(set.name) margin \(check.marginBits)")
        #expect(!set.isInsecureTestSet)
    }
}

@Test func tfheRsSetsSitOnThe132BitCurveWithPositiveMarginAt128() throws {
    let set = try #require(ParameterCatalog.named("tfhe-rs-v1_4-2_2-2m128"))
    let at132 = SecurityCheck(parameters: set, curve: .concrete132)
    #expect(abs(at132.lweMarginBits) < 1e-6 && abs(at132.glweMarginBits) < 1e-6)
    let at128 = SecurityCheck(parameters: set)
    #expect(at128.lweMarginBits > 0.5, "128-bit margin \(at128.lweMarginBits)")
}

private func weakSet(insecureTestSet: Bool) -> ParameterSet {
    ParameterSet(
        name: "weak-n600", precision: 4,
        lweDimension: LWEDimension(600), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(2048),
        lweNoise: StandardDeviation(0x1p-20), glweNoise: StandardDeviation(0x1p-62),
        pbsBaseLog: DecompositionBaseLog(23), pbsLevels: DecompositionLevelCount(1),
        ksBaseLog: DecompositionBaseLog(3), ksLevels: DecompositionLevelCount(5),
        isInsecureTestSet: insecureTestSet)
}

@Test func setBelowTheCurveIsRefused() {
    let weak = weakSet(insecureTestSet: false)
    #expect(throws: ParameterError.self) { try SecurityCheck.enforce(weak) }
    do {
        try SecurityCheck.enforce(weak)
    } catch {
        let message = "\(error)"
        #expect(message.contains("weak-n600") && message.contains("below"), "\(message)")
    }
    let check = SecurityCheck(parameters: weak)
    #expect(!check.passes)
    // curve at n=600: log2σ = 2.676 − 0.025697·600 = −12.742; the set has −20.
    #expect(abs(check.lweMarginBits - (-20 + 12.7421)) < 0.001)
    #expect(check.glweMarginBits < 0)
}

@Test func labelledInsecureTestSetIsAllowedButReportedFailing() throws {
    let check = try SecurityCheck.enforce(weakSet(insecureTestSet: true))
    #expect(!check.passes)
}
