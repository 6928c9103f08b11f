import Testing
@testable import TFHE

@Suite struct SerializationTests {
    /// A header whose parameters ask for a huge key table, followed by no data, is refused
    /// before the table is allocated (2^40 doubles would be 8 TiB: a trap, not an error).
    @Test(arguments: [UInt64(1) << 40, 3])
    func hugeArraysAreRefusedBeforeTheyAreAllocated(storedCount: UInt64) throws {
        var writer = BinaryWriter(kind: .serverKey)
        writer.write(storedCount)
        var reader = try BinaryReader(writer.finish(), expecting: .serverKey)
        let error = try #require(throws: SerializationError.self) {
            try reader.readKeyTableDoubles("bootstrapping key", expectedCount: Int(storedCount))
        }
        #expect(error.message.contains("truncated"), "\(error.message)")
    }

    static let keys = TestParameterSets.standardKeys
    /// The test keys' set is under the 128-bit curve: loading it needs the caller's word.
    static let trusted = [TestParameterSets.standard]

    @Test func clientKeyRoundTrip() throws {
        let client = Self.keys.clientKey
        let restored = try ClientKey(serialized: client.serialized(), trustedInsecureSets: Self.trusted)
        #expect(restored.parameters == client.parameters)
        #expect(restored.smallKey.coefficients == client.smallKey.coefficients)
        #expect(restored.glweKey.coefficients == client.glweKey.coefficients)
        #expect(restored.seedProvenance == "seeded (not for production secrets)")
        let encoding = Encoding(precision: 3)
        #expect(client.decrypt(restored.encrypt(6, encoding: encoding), encoding: encoding) == 6)
    }

    @Test func serverKeyRoundTripBootstraps() throws {
        let (client, server) = Self.keys
        let restored = try ServerKey(serialized: server.serialized(), trustedInsecureSets: Self.trusted)
        #expect(restored.parameters == server.parameters)
        #expect(restored.keyswitchKey.storage == server.keyswitchKey.storage)
        #expect(restored.bootstrapKey.storage == server.bootstrapKey.storage)
        let encoding = Encoding(precision: 2)
        let table = LookupTable(values: [3, 2, 1, 0], inputEncoding: encoding, outputEncoding: encoding)
        let result = restored.programmableBootstrap(client.encrypt(1, encoding: encoding), table: table, workspace: restored.makeWorkspace())
        #expect(client.decrypt(result, encoding: encoding) == 2)
    }

    @Test func ciphertextRoundTripAndParameterCheck() throws {
        let client = Self.keys.clientKey
        let parameters = client.parameters
        let ciphertext = client.encrypt(5, encoding: Encoding(precision: 3))
        let bytes = ciphertext.serialized(parameters: parameters)
        #expect(try LWECiphertext(serialized: bytes, parameters: parameters) == ciphertext)
        #expect(throws: SerializationError.self) {
            try LWECiphertext(serialized: bytes, parameters: TestParameterSets.centered)
        }
    }

    /// Every truncation of a serialized ciphertext and client key is a thrown error.
    @Test func truncationIsAnErrorAtEveryLength() {
        let client = Self.keys.clientKey
        let ciphertextBytes = client.encrypt(1, encoding: Encoding(precision: 3)).serialized(parameters: client.parameters)
        for length in 0..<ciphertextBytes.count {
            #expect(throws: SerializationError.self) {
                try LWECiphertext(serialized: Array(ciphertextBytes[0..<length]), parameters: client.parameters)
            }
        }
        let keyBytes = client.serialized()
        for length in stride(from: 0, to: keyBytes.count, by: 97) {
            #expect(throws: SerializationError.self) { try ClientKey(serialized: Array(keyBytes[0..<length]), trustedInsecureSets: Self.trusted) }
        }
        let serverBytes = Self.keys.serverKey.serialized()
        for length in [0, 11, 19, 100, serverBytes.count / 2, serverBytes.count - 1] {
            #expect(throws: SerializationError.self) { try ServerKey(serialized: Array(serverBytes[0..<length]), trustedInsecureSets: Self.trusted) }
        }
    }

    @Test func corruptionIsAnErrorThatSaysWhat() throws {
        let client = Self.keys.clientKey
        let bytes = client.encrypt(2, encoding: Encoding(precision: 3)).serialized(parameters: client.parameters)
        for position in stride(from: 0, to: bytes.count, by: 5) {
            var corrupted = bytes
            corrupted[position] ^= 0x40
            #expect(throws: SerializationError.self) {
                try LWECiphertext(serialized: corrupted, parameters: client.parameters)
            }
        }
        var wrongKind = bytes
        wrongKind[8] = 2
        do {
            _ = try LWECiphertext(serialized: wrongKind, parameters: client.parameters)
            Issue.record("a server-key header was accepted as a ciphertext")
        } catch let error as SerializationError {
            #expect(error.message.contains("server key"))
        }
        do {
            _ = try ServerKey(serialized: Array(bytes.prefix(30)))
            Issue.record("truncated bytes were accepted")
        } catch let error as SerializationError {
            #expect(error.message.contains("LWE ciphertext") || error.message.contains("truncated"))
        }
        #expect(throws: SerializationError.self) { try ClientKey(serialized: Array("not a key at all, clearly".utf8)) }
    }

    /// The insecure-test-set byte comes from the file, so anyone can set it: a key for a set
    /// under the 128-bit curve is refused on load, whatever its label says, unless the caller
    /// names that exact set as trusted.
    @Test func aFilesInsecureLabelDoesNotSkipTheSecurityCheck() throws {
        let (client, server) = Self.keys
        #expect(client.parameters.isInsecureTestSet, "the file says: insecure test set")
        let clientError = try #require(throws: ParameterError.self) { try ClientKey(serialized: client.serialized()) }
        #expect(clientError.description.contains(TestParameterSets.standard.name))
        #expect(clientError.description.contains("below"))
        #expect(throws: ParameterError.self) { try ServerKey(serialized: server.serialized()) }
        // Trusting a different weak set does not let this one through.
        #expect(throws: ParameterError.self) {
            try ClientKey(serialized: client.serialized(), trustedInsecureSets: [TestParameterSets.centered])
        }
        #expect(throws: Never.self) { try ClientKey(serialized: client.serialized(), trustedInsecureSets: Self.trusted) }
    }
}
