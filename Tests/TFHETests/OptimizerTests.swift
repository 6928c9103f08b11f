import Testing
@testable import TFHE

@Test(arguments: 2...6)
func optimizerMeetsTargetOnTheCurve(precision: Int) throws {
    let result = try ParameterOptimizer.optimize(precision: precision, weightTwoNorm: 1, log2PErrorTarget: -40)
    let set = result.parameters
    #expect(set.name == "opt-p\(precision)-nu1-2m40")
    #expect(set.precision == precision)
    #expect(try SecurityCheck.enforce(set).passes)
    #expect(result.log2PError <= -40, "\(set.name): 2^\(result.log2PError)")
    #expect(NoiseModel(parameters: set).log2PError(precision: precision, weightTwoNorm: 1) == result.log2PError)
    #expect(abs(result.costMillions - CostModel.millions(set)) < 1e-9)
    // Concrete's choice for this precision, judged by the same model: if it meets the target,
    // the optimizer's answer cannot cost more.
    let concrete = try #require(ParameterCatalog.named("concrete-p40-b\(precision)"))
    if NoiseModel(parameters: concrete).log2PError(precision: precision, weightTwoNorm: 1) <= -40 {
        #expect(result.costMillions <= CostModel.millions(concrete) + 1e-9,
                "\(set.name) costs \(result.costMillions), Concrete's \(CostModel.millions(concrete))")
    }
}

@Test func largerNormCostsMore() throws {
    let one = try ParameterOptimizer.optimize(precision: 4, weightTwoNorm: 1, log2PErrorTarget: -40)
    let many = try ParameterOptimizer.optimize(precision: 4, weightTwoNorm: 64, log2PErrorTarget: -40)
    #expect(many.costMillions >= one.costMillions)
    #expect(many.log2PError <= -40)
    #expect(many.parameters.name == "opt-p4-nu64-2m40")
}

@Test func impossiblePrecisionThrowsNamingIt() {
    #expect(throws: ParameterError.self) {
        try ParameterOptimizer.optimize(precision: 14, weightTwoNorm: 1, log2PErrorTarget: -40)
    }
    do {
        _ = try ParameterOptimizer.optimize(precision: 14, weightTwoNorm: 1, log2PErrorTarget: -40)
    } catch {
        let message = "\(error)"
        #expect(message.contains("precision 14") && message.contains("2^-40"), "\(message)")
    }
}

/// Concrete optimizes `x → f(x)` on a fresh input with concrete-cpu's noise model; searched the
/// same way, the optimizer must land on exactly the sets concrete-python chose on this machine.
@Test(arguments: 2...7)
func freshInputWithConcreteModelFindsConcretesChoice(precision: Int) throws {
    let result = try ParameterOptimizer.optimize(
        precision: precision, weightTwoNorm: 1, log2PErrorTarget: -40, fft: .concreteCPUFit, input: .freshEncryption)
    let found = result.parameters
    let concrete = try #require(ParameterCatalog.named("concrete-p40-b\(precision)"))
    #expect(found.name == "opt-p\(precision)-nu1-2m40-fresh")
    #expect(found.lweDimension == concrete.lweDimension && found.glweDimension == concrete.glweDimension
            && found.polynomialSize == concrete.polynomialSize, "\(found) vs \(concrete)")
    #expect(found.pbsBaseLog == concrete.pbsBaseLog && found.pbsLevels == concrete.pbsLevels)
    #expect(found.ksBaseLog == concrete.ksBaseLog && found.ksLevels == concrete.ksLevels)
    #expect(found.lweNoise == concrete.lweNoise && found.glweNoise == concrete.glweNoise)
    #expect(result.log2PError <= -40)
    let model = NoiseModel(parameters: found, fft: .concreteCPUFit)
    #expect(model.log2PErrorOfOutputDecryption(precision: precision) <= -40)
}

/// tfhe-rs Gaussian sets were optimized on the 132-bit curve, with their own modulus switch and
/// the FFT fit of their generation; searched that way, the optimizer lands on each of them. The
/// PBS base may differ only where two bases cost the same (cost does not depend on it) and ours
/// has no more noise.
@Test(arguments: ParameterCatalog.all.filter { ParameterCatalog.publishedReference(for: $0.name) != nil })
func onThe132BitCurveTheOptimizerFindsTfheRsSets(published: ParameterSet) throws {
    let reference = try #require(ParameterCatalog.publishedReference(for: published.name))
    let result = try ParameterOptimizer.optimize(
        precision: published.precision, weightTwoNorm: Double(reference.maxNoiseLevel),
        log2PErrorTarget: reference.log2PFailTarget,
        fft: reference.sourceFFTModel, modulusSwitch: published.modulusSwitch, curve: .concrete132)
    let found = result.parameters
    let same = found.lweDimension == published.lweDimension && found.glweDimension == published.glweDimension
        && found.polynomialSize == published.polynomialSize && found.pbsLevels == published.pbsLevels
        && found.ksBaseLog == published.ksBaseLog && found.ksLevels == published.ksLevels
    #expect(same, "\(published.name): found n=\(found.lweDimension) k=\(found.glweDimension) N=\(found.polynomialSize) PBS \(found.pbsBaseLog),\(found.pbsLevels) KS \(found.ksBaseLog),\(found.ksLevels), cost \(result.costMillions) vs \(CostModel.millions(published))")
    #expect(abs(result.costMillions - CostModel.millions(published)) < 1e-9)
    if found.pbsBaseLog != published.pbsBaseLog {
        let ours = NoiseModel(parameters: found, fft: reference.sourceFFTModel).pbsOutput
        let theirs = NoiseModel(parameters: published, fft: reference.sourceFFTModel).pbsOutput
        #expect(ours <= theirs, "\(published.name): PBS base \(found.pbsBaseLog) vs \(published.pbsBaseLog)")
    }
}
