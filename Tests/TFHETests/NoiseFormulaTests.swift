import Testing
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
