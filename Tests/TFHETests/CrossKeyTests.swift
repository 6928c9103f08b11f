import Testing

@testable import TFHE

/// A server key that reads one key pair's ciphertexts and bootstraps them under another's
/// (`ClientKey.serverKey(readingFrom:bootstrappingWith:)`): the step that lets a plan round
/// under a small N and look tables up under a larger one.
@Suite struct CrossKeyTests {
    /// The source pair: N = 512. The target: N = 1024, its own small key (INSECURE test sets).
    static let source = TestParameterSets.standard
    static let target = TestParameterSets.make(name: "insecure-test-n128-N1024", modulusSwitch: .standard, polynomialSize: 1024)

    @Test func tablesLookedUpUnderTheOtherKeyPairDecryptUnderIt() {
        let (sourceClient, _) = TestParameterSets.standardKeys
        let (targetClient, targetServer) = ClientKey.generate(parameters: Self.target, seed: .fixed(0x5EED_0C05))
        let cross = targetClient.serverKey(readingFrom: sourceClient, bootstrappingWith: targetServer)
        #expect(cross.inputDimension == Self.source.bigLWEDimension && cross.readsAnotherKeyPair)
        #expect(!targetServer.readsAnotherKeyPair)

        let encoding = Encoding(precision: 4)
        let table = LookupTable(values: (0..<16).map { ($0 * 5 + 3) % 16 }, inputEncoding: encoding, outputEncoding: encoding)
        let workspace = cross.makeWorkspace()
        for message in 0..<16 {
            let input = sourceClient.encrypt(message, encoding: encoding)
            let output = cross.programmableBootstrap(input, table: table, workspace: workspace)
            #expect(output.dimension == Self.target.bigLWEDimension)
            #expect(targetClient.decrypt(output, encoding: encoding) == (message * 5 + 3) % 16, "message \(message)")
        }
    }

    /// The cross keyswitch's noise follows the formula with the source's big dimension: it is
    /// smaller than the target's own keyswitch when the source's k·N is.
    @Test func crossKeyswitchNoiseUsesTheSourceDimension() {
        let model = NoiseModel(parameters: Self.target)
        let cross = model.keyswitch(from: Self.source.bigLWEDimension)
        #expect(cross.value < model.keyswitch.value)
        #expect(abs(cross.value / model.keyswitch.value - 512.0 / 1024.0) < 0.01)
    }
}
