import Testing
@testable import TFHE

@Suite struct CSPRNGTests {
    static let rfcKey: [UInt8] = Array(0..<32)

    static func hex(_ string: String) -> [UInt8] {
        let digits = Array(string.filter { $0.isHexDigit })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    /// RFC 8439 §2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, counter 1.
    @Test func rfc8439BlockFunctionVector() {
        let nonce = ChaCha20.words(littleEndian: Self.hex("000000090000004a00000000"))
        let block = ChaCha20.block(key: ChaCha20.words(littleEndian: Self.rfcKey), counter: 1, nonce: nonce)
        let expected = Self.hex("""
            10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4 c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e
            d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2 b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e
            """)
        #expect(ChaCha20.serialize(block) == expected)
    }

    /// RFC 8439 §2.4.2: the "sunscreen" plaintext encrypted with key 00..1f, nonce
    /// 00:00:00:00:00:00:00:4a:00:00:00:00 and initial counter 1.
    @Test func rfc8439KeystreamVector() {
        let plaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let expected = Self.hex("""
            6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81 e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b
            f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57 16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8
            07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e 52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36
            5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42 87 4d
            """)
        let key = ChaCha20.words(littleEndian: Self.rfcKey)
        let nonce = ChaCha20.words(littleEndian: Self.hex("000000000000004a00000000"))
        var keystream: [UInt8] = []
        var counter: UInt32 = 1
        while keystream.count < plaintext.count {
            keystream += ChaCha20.serialize(ChaCha20.block(key: key, counter: counter, nonce: nonce))
            counter += 1
        }
        let ciphertext = zip(plaintext, keystream).map { $0 ^ $1 }
        #expect(ciphertext == expected)
    }

    /// The generator's words are the keystream from counter 0, little-endian.
    @Test func generatorEmitsTheKeystream() {
        var generator = ChaCha20Generator(key: Self.rfcKey, nonce: Self.hex("000000000000004a00000000"))
        let key = ChaCha20.words(littleEndian: Self.rfcKey)
        let nonce = ChaCha20.words(littleEndian: Self.hex("000000000000004a00000000"))
        let blocks = ChaCha20.block(key: key, counter: 0, nonce: nonce) + ChaCha20.block(key: key, counter: 1, nonce: nonce)
        let first = generator.nextUInt64()
        #expect(first == UInt64(blocks[0]) | UInt64(blocks[1]) << 32)
        _ = generator.nextUInt32()   // misalign on purpose: fill must continue the same stream
        var rest = [UInt64](repeating: 0, count: 10)
        rest.withUnsafeMutableBufferPointer { generator.fill($0) }
        for (index, word) in rest.enumerated() {
            let low = 3 + 2 * index
            #expect(word == UInt64(blocks[low]) | UInt64(blocks[low + 1]) << 32)
        }
    }

    @Test func streamsAreSeparateAndSeedsReproducible() {
        var a = EncryptionRandomness(seed: .fixed(42))
        var b = EncryptionRandomness(seed: .fixed(42))
        var c = EncryptionRandomness(seed: .fixed(43))
        let secrets = a.secrets.nextUInt64(), masks = a.masks.nextUInt64(), noise = a.noise.nextUInt64()
        #expect(Set([secrets, masks, noise]).count == 3)
        #expect(b.secrets.nextUInt64() == secrets)
        #expect(c.secrets.nextUInt64() != secrets)
        var os1 = EncryptionRandomness(seed: .operatingSystem), os2 = EncryptionRandomness(seed: .operatingSystem)
        #expect(os1.masks.nextUInt64() != os2.masks.nextUInt64())
        #expect(RandomSeed.fixed(1).provenance == "seeded (not for production secrets)")
    }

    /// 20,000 samples: the sample variance's relative standard error is √(2/20000) ≈ 1%,
    /// so 5% tolerance is a 5σ bound; the mean's standard error is σ/141, bound 5σ/141.
    @Test func gaussianNoiseHasTheRequestedDeviation() {
        var generator = ChaCha20Generator(key: Array(repeating: 7, count: 32), nonce: Array(repeating: 0, count: 12))
        let sigma = StandardDeviation(0x1p-20)
        let count = 20_000
        var samples = [UInt64](repeating: 0, count: count)
        samples.withUnsafeMutableBufferPointer { generator.addGaussianNoise(standardDeviation: sigma, to: $0) }
        let values = samples.map { Double(Int64(bitPattern: $0)) * 0x1p-64 }
        let mean = values.reduce(0, +) / Double(count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count - 1)
        #expect(abs(mean) < 5 * sigma.value / Double(count).squareRoot())
        #expect(abs(variance / sigma.variance.value - 1) < 0.05)
    }

    /// 64,000 bits: the count of ones has standard deviation 126; allow 6σ.
    @Test func binaryKeysAreBalanced() {
        var generator = ChaCha20Generator(key: Array(repeating: 9, count: 32), nonce: Array(repeating: 0, count: 12))
        var bits = [UInt64](repeating: 7, count: 64_000)
        bits.withUnsafeMutableBufferPointer { generator.fillBinary($0) }
        #expect(bits.allSatisfy { $0 <= 1 })
        #expect(abs(Double(bits.reduce(0, +)) - 32_000) < 6 * 126.5)
    }
}
