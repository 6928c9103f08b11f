import SeededRandom
import Testing
import TFHE
@testable import NoiseAnalysis

@Suite("Report rows and key-conditioned predictions")
struct ReportAndModelTests {
    private let set4 = ParameterCatalog.named("concrete-p40-b4")!

    /// At the population-average key weights (n/2 and k·N/2) the key-conditioned formulas must
    /// reduce to NoiseModel's; a heavier small key raises only the MS and rounding terms.
    @Test func keyConditionedFormulasReduceToThePopulationModel() {
        let model = NoiseModel(parameters: set4, fft: .concreteCPUFit)
        let average = KeyConditionedNoise(parameters: set4, weights: KeyWeights(
            small: set4.lweDimension.rawValue / 2, big: set4.bigLWEDimension.rawValue / 2))
        // n = 771 is odd: n/2 rounds down by 1/2, a 1/771 relative change of the MS term.
        #expect(abs(average.modulusSwitch.value / model.modulusSwitch.value - 1) < 2e-3)
        #expect(abs(average.keyswitch.value / model.keyswitch.value - 1) < 1e-9)
        #expect(abs(average.pbsOutput(fft: .concreteCPUFit).value / model.pbsOutput.value - 1) < 2e-3)
        let input = model.freshEncryption
        #expect(abs(average.beforeBlindRotation(inputVariance: input).value / model.beforeBlindRotation(inputVariance: input).value - 1) < 2e-3)
        let heavy = KeyConditionedNoise(parameters: set4, weights: KeyWeights(small: 420, big: 1024))
        #expect(heavy.modulusSwitch.value > average.modulusSwitch.value * 1.08)
    }

    @Test func csvRowFollowsTheHeaderAndQuotes() throws {
        let samples = (0..<100).map { Double($0 % 7) - 3 }
        let check = try NoiseCheck(step: "keyswitch, fresh inputs", samples: samples, predictedVariance: 4)
        var row = NoiseReportRow(parameterSet: "set", check: check, method: "a \"quoted\" method")
        #expect(row.csvLine.split(separator: ",", omittingEmptySubsequences: false).count
                >= NoiseReportRow.csvHeader.split(separator: ",").count)
        #expect(row.csvLine.hasPrefix("set,\"keyswitch, fresh inputs\",100,4.0,"))
        #expect(row.csvLine.contains("\"a \"\"quoted\"\" method\""))
        #expect(row.observedFailures == nil)
        let failures = try FailureRateCheck(observedFailures: 150, trials: 2000, predictedRate: 0.07)
        try row.attach(failureRate: failures, precision: 6, productionPrecision: 4, predictedProductionLog2FailureRate: -40)
        #expect(row.verdict == failures.verdict)
        #expect(row.expectedFailures == 140)
        // 0.075 at 6 bits is z = 1.78; at 4 bits z = 7.12, log2 p ≈ −39.8.
        #expect(abs(try #require(row.productionLog2FailureRate) + 39.8) < 0.3)
        #expect(NoiseReportRow.csvHeader.hasPrefix("params,step,samples,predicted_variance,"))
    }

    /// A run measures one key pair: noise that follows this key's prediction (5 % above the
    /// key average, as a heavy small key gives the modulus switch) agrees with it, while the
    /// key-averaged prediction is rejected, and the row keeps both verdicts.
    @Test func verdictJudgesTheRunsOwnKeys() throws {
        let keyVariance = 1.05
        let samples = SyntheticSamples.gaussian(count: 40_000, standardDeviation: keyVariance.squareRoot(), seed: 44)
        let check = try NoiseCheck(step: "modulus switch", samples: samples, predictedVariance: 1, testNormality: false)
        let row = NoiseReportRow(parameterSet: "set", check: check, predictedForTheseKeys: Variance(keyVariance), method: "m")
        #expect(row.verdict == .agrees)
        #expect(row.populationVerdict == .disagrees)
        #expect(row.predictedVariance == 1, "the printed prediction stays the key-averaged one")
        let keyFree = NoiseReportRow(parameterSet: "set", check: check, method: "m")
        #expect(keyFree.verdict == .disagrees && keyFree.populationVerdict == .disagrees)
    }
}
