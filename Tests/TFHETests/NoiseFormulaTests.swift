import Testing
import Glibc
@testable import TFHE

/// The published log2 p_fail of every tfhe-rs set in the catalog (TFHE_FACTS §0), predicted with
/// the FFT fit of the tools that produced it, must agree within half a bit.
@Test(arguments: ParameterCatalog.all.filter { ParameterCatalog.publishedReference(for: $0.name) != nil })
func publishedFailureProbabilityIsReproduced(set: ParameterSet) {
    let reference = ParameterCatalog.publishedReference(for: set.name)!
    let model = NoiseModel(parameters: set, fft: reference.sourceFFTModel)
    let predicted = model.log2PError(precision: set.precision, weightTwoNorm: Double(reference.maxNoiseLevel))
    print("\(set.name): predicted \(predicted), published \(reference.log2PFail)")
    #expect(abs(predicted - reference.log2PFail) < 0.5,
            "\(set.name): predicted log2 p_fail \(predicted), published \(reference.log2PFail)")
}

/// TFHE_FACTS §0: the 2^-128 sets rely on the centered modulus switch; with the standard one
/// 2_2 GAUSSIAN gives only 2^-74.3.
@Test func standardModulusSwitchWeakensThe2M128Sets() throws {
    var set = try #require(ParameterCatalog.named("tfhe-rs-v1_4-2_2-2m128"))
    set.modulusSwitch = .standard
    let log2P = NoiseModel(parameters: set).log2PError(precision: 4, weightTwoNorm: 5)
    #expect(abs(log2P - (-74.3)) < 0.1, "\(log2P)")
}

/// The worked variances of TFHE_FACTS §3.6 for 2_2 G2M128.
@Test func workedVariancesOfTwoTwo() throws {
    let model = NoiseModel(parameters: try #require(ParameterCatalog.named("tfhe-rs-v1_4-2_2-2m128")))
    #expect(abs(model.pbsOutput.log2 - (-29.99)) < 0.01)
    #expect(abs(model.pbsFFTPart.log2 - (-31.95)) < 0.01)
    #expect(abs(model.keyswitch.log2 - (-21.60)) < 0.01)
    #expect(abs(model.modulusSwitch.log2 - (-19.83)) < 0.01)
    #expect(abs(model.beforeBlindRotation(weightTwoNorm: 5).log2 - (-19.43)) < 0.01)
    #expect(model.freshEncryption.value == 2.845267479601915e-15 * 2.845267479601915e-15)
}

@Test func log2ErfcStaysFiniteAndContinuous() {
    // Where erfc is still representable, the asymptotic branch must agree with it.
    for x in [20.5, 22.0, 25.0] {
        let direct = log2(erfc(x))
        #expect(abs(NoiseFormulas.log2Erfc(x) - direct) < 1e-9, "x=\(x)")
    }
    // Beyond underflow it keeps going: log2 erfc(40) = −2314.4602 (mpmath, 50 digits).
    let far = NoiseFormulas.log2Erfc(40)
    #expect(far.isFinite && abs(far - (-2314.4602)) < 0.001, "\(far)")
    #expect(NoiseFormulas.log2Erfc(19.999) > NoiseFormulas.log2Erfc(20.001))
}

/// κ = √2·erfc⁻¹(p) table of TFHE_FACTS §3.7, through the maximal-variance inverse.
@Test func maximalVarianceInvertsThePError() {
    let kappas: [(Double, Double)] = [(-40, 7.144), (-64, 9.155), (-128, 13.109), (log2(1e-5), 4.417)]
    for (target, kappa) in kappas {
        let v = NoiseFormulas.maximalVariance(precision: 4, log2PErrorTarget: target)
        let measuredKappa = NoiseFormulas.halfStep(precision: 4) / v.squareRoot()
        #expect(abs(measuredKappa - kappa) < 0.001, "target 2^\(target): κ \(measuredKappa) vs \(kappa)")
        #expect(abs(NoiseFormulas.log2PError(variance: v, precision: 4) - target) < 1e-6)
    }
}

@Test func globalPErrorIsStableForTinyProbabilities() {
    let p = 1e-20
    let global = NoiseFormulas.globalPError(Array(repeating: p, count: 1000))
    #expect(abs(global / 1e-17 - 1) < 1e-12, "\(global)")
    #expect(abs(NoiseFormulas.repeatedPError(p, count: 1000) - global) < 1e-30)
    #expect(abs(NoiseFormulas.globalPError([0.5, 0.5]) - 0.75) < 1e-15)
}

@Test func dotProductVarianceSumsWeightedSquares() {
    let v = NoiseFormulas.dotProduct(weights: [2, -3, 0], variances: [Variance(1), Variance(2), Variance(100)])
    #expect(v.value == 4 + 18)
}

/// A measured FFT constant plugs in through the same shape as concrete-cpu's fit.
@Test func measuredFFTModelMatchesConcreteShape() throws {
    let set = try #require(ParameterCatalog.named("concrete-p40-b4"))
    let cpu = NoiseModel(parameters: set, fft: .concreteCPUFit).pbsFFTPart.value
    let measured = NoiseModel(parameters: set, fft: .measured(coefficient: exp2(-2.57722494))).pbsFFTPart.value
    #expect(abs(measured / cpu - 1) < 1e-12)
    let quadrupled = NoiseModel(parameters: set, fft: .measured(coefficient: 4 * exp2(-2.57722494))).pbsFFTPart.value
    #expect(abs(quadrupled / cpu - 4) < 1e-9)
}

@Test func beforeBlindRotationCombinesItsParts() throws {
    let model = NoiseModel(parameters: try #require(ParameterCatalog.named("concrete-p40-b4")))
    let nu = 3.0
    let expected = model.pbsOutput.value * nu * nu + model.keyswitch.value + model.modulusSwitch.value
    #expect(abs(model.beforeBlindRotation(weightTwoNorm: nu).value / expected - 1) < 1e-14)
    let fresh = model.freshEncryption * (nu * nu)
    #expect(model.log2PError(precision: 4, inputVariance: fresh) < model.log2PError(precision: 4, weightTwoNorm: nu))
    #expect(abs(model.pError(precision: 4, weightTwoNorm: 1) - exp2(model.log2PError(precision: 4, weightTwoNorm: 1))) < 1e-25)
    // Centered MS halves the dominant n/(24·(2N)²) term.
    var centered = model.parameters
    centered.modulusSwitch = .centered
    let ratio = NoiseModel(parameters: centered).modulusSwitch.value / model.modulusSwitch.value
    #expect(abs(ratio - 0.5) < 0.01, "\(ratio)")
}
