import Foundation
import Testing
import TFHE
@testable import NoiseAnalysis

/// A deliberately small, INSECURE parameter set (n = 128, N = 512: far below 128-bit
/// security), labelled as such, so real KS→PBS runs in a debug build within seconds.
private let insecureTestSet = ParameterSet(
    name: "insecure-test-noise-n128-N512", precision: 2,
    lweDimension: LWEDimension(128), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(512),
    lweNoise: StandardDeviation(0x1p-20), glweNoise: StandardDeviation(0x1p-35),
    pbsBaseLog: DecompositionBaseLog(10), pbsLevels: DecompositionLevelCount(2),
    ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(3),
    modulusSwitch: .standard, isInsecureTestSet: true)

@Suite("Noise experiment on a labelled insecure set (real encryption, KS, MS, PBS)")
struct NoiseExperimentTests {
    @Test func keyWeightsReadThroughThePhaseAgreeWithBounds() {
        let (clientKey, _) = ClientKey.generate(parameters: insecureTestSet, seed: .fixed(7))
        let weights = KeyWeights(clientKey: clientKey)
        // Binomial(128, 1/2) and Binomial(512, 1/2) lie within 6 sd of their means.
        #expect(abs(weights.small - 64) < 6 * 6)
        #expect(abs(weights.big - 256) < 6 * 12)
    }

    /// Why experiments leave all-zero tables out of the PBS-output noise statistics: their test
    /// polynomial is 0, every CMUX adds BSK ⊡ 0, and the output is an exact encryption of 0.
    @Test func allZeroTableGivesANoiselessOutputAndOtherTablesDoNot() {
        let (clientKey, serverKey) = ClientKey.generate(parameters: insecureTestSet, seed: .fixed(11))
        let encoding = Encoding(precision: insecureTestSet.precision)
        let workspace = serverKey.makeWorkspace()
        var output = LWECiphertext(dimension: insecureTestSet.bigLWEDimension)
        let zeros = LookupTable(values: [0, 0, 0, 0], inputEncoding: encoding, outputEncoding: encoding)
        let ones = LookupTable(values: [1, 1, 1, 1], inputEncoding: encoding, outputEncoding: encoding)
        var nonzeroNoise = 0
        for message in 0..<4 {
            let input = clientKey.encrypt(message, encoding: encoding)
            serverKey.programmableBootstrap(input, table: zeros, into: &output, workspace: workspace)
            #expect(clientKey.phase(output) == 0, "message \(message)")
            serverKey.programmableBootstrap(input, table: ones, into: &output, workspace: workspace)
            if clientKey.phase(output) != encoding.encode(1) { nonzeroNoise += 1 }
        }
        #expect(nonzeroNoise == 4, "a constant non-zero table still collects blind-rotation noise")
    }

    @Test func rotatedCoefficientIsNegacyclic() {
        let v: [UInt64] = [10, 20, 30, 40]
        #expect(rotatedCoefficient(v, by: 0, at: 1) == 20)
        #expect(rotatedCoefficient(v, by: 3, at: 0) == 40)
        #expect(rotatedCoefficient(v, by: 3, at: 1) == 0 &- 10)
        #expect(rotatedCoefficient(v, by: 7, at: 2) == 20)
    }

    /// Every cheap step must agree with its prediction at 99 % (fixed seed; the tolerance is the
    /// χ² interval itself), the pre-blind-rotation failure rule must match real PBS decryption
    /// exactly, and the observed failure count must lie in the Clopper–Pearson interval.
    @Test func stepsAgreeAndFailureRuleMatchesRealPBS() throws {
        let configuration = NoiseExperiment.Configuration(
            parameters: insecureTestSet, samples: 3000, blindRotations: 12, inflateBits: 6,
            expectedFailures: 100, threads: 2, seed: 2026)
        let result = try NoiseExperiment.run(configuration)
        try expectNothingDerivedFromTheKeys(result)
        let steps = Dictionary(uniqueKeysWithValues: result.rows.map { ($0.step, $0) })
        for step in ["fresh", "keyswitch", "modulus switch", "before blind rotation"] {
            let row = try #require(steps[step])
            #expect(row.verdict == .agrees, "\(step): measured \(row.measuredVariance), predicted \(row.predictedVariance), CI [\(row.ciLow), \(row.ciHigh)]")
            #expect(row.samples == 3000)
        }
        let pbs = try #require(steps["pbs output"])
        // 12 rotations give a wide interval; the check here is that the PBS is not broken
        // (an off-by-rotation expectation gives variances near 1/12).
        #expect(pbs.measuredVariance < 100 * pbs.predictedVariance)
        let failure = try #require(result.rows.last)
        #expect(failure.observedFailures != nil)
        #expect(result.predicateMismatches == 0)
        #expect(failure.verdict == .agrees, "observed \(failure.observedFailures!) of \(failure.samples), CP [\(failure.cpLow!), \(failure.cpHigh!)], predicted rate \(failure.predictedFailureRate!)")
        #expect(try #require(failure.expectedFailures) >= 100)
    }

    @Test func invalidConfigurationsAreRefused() {
        #expect(throws: NoiseAnalysisError.self) {
            try NoiseExperiment.run(.init(parameters: insecureTestSet, samples: 2))
        }
        #expect(throws: NoiseAnalysisError.self) {
            try NoiseExperiment.run(.init(parameters: insecureTestSet, samples: 100, inflateBits: 8))
        }
        #expect(throws: NoiseAnalysisError.self) {
            try NoiseExperiment.run(.init(parameters: insecureTestSet, samples: 100, expectedFailures: 10))
        }
    }
}

/// What `lockstep noise` prints, as table, JSON or CSV, comes from `Result`: it must hold no
/// key weight (the keys' Hamming weights used to be printed) and no prediction conditioned on
/// the keys (which gives the weights back).
private func expectNothingDerivedFromTheKeys(_ result: NoiseExperiment.Result) throws {
    func holdsKeyWeights(_ value: Any) -> Bool {
        if value is KeyWeights || value is KeyConditionedNoise { return true }
        return Mirror(reflecting: value).children.contains { holdsKeyWeights($0.value) }
    }
    #expect(!holdsKeyWeights(result))
    #expect(!NoiseReportRow.csvHeader.contains("this_key"))
    let encoder = JSONEncoder()
    for row in result.rows {
        let json = String(decoding: try encoder.encode(row), as: UTF8.self)
        #expect(!json.contains("this_key"), "\(json)")
    }
}
