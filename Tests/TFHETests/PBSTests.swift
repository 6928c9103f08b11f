import Testing
@testable import TFHE

@Suite struct PBSTests {
    static let keys = TestParameterSets.standardKeys
    static var parameters: ParameterSet { keys.clientKey.parameters }

    static func randomTable(count: Int, outputBits: Int, seed: UInt64) -> [Int] {
        var randomness = EncryptionRandomness(seed: .fixed(seed))
        return (0..<count).map { _ in Int(randomness.masks.nextUInt64() % UInt64(1 << outputBits)) }
    }

    @Test func encryptDecryptEveryMessage() {
        let client = Self.keys.clientKey
        for precision in 1...6 {
            let encoding = Encoding(precision: precision)
            for message in 0..<encoding.messageCount {
                let ciphertext = client.encrypt(message, encoding: encoding)
                #expect(ciphertext.dimension == Self.parameters.bigLWEDimension)
                #expect(client.decrypt(ciphertext, encoding: encoding) == message)
            }
        }
        // Noise is really there: the phase is not exactly m·Δ.
        let phases = (0..<8).map { _ in client.phase(client.encrypt(1, encoding: Encoding(precision: 3))) }
        #expect(phases.contains { $0 != Encoding(precision: 3).encode(1) })
    }

    @Test func linearOperationsFollowTheIntegers() {
        let client = Self.keys.clientKey
        let encoding = Encoding(precision: 6)
        let a = client.encrypt(5, encoding: encoding), b = client.encrypt(3, encoding: encoding)
        #expect(client.decrypt(a + b, encoding: encoding) == 8)
        #expect(client.decrypt(a - b, encoding: encoding) == 2)
        #expect(client.decrypt(b - a, encoding: encoding) == -2)
        #expect(client.decrypt(a * 3, encoding: encoding) == 15)
        #expect(client.decrypt(-2 * b, encoding: encoding) == -6)
        var accumulator = a
        accumulator.addScaled(b, by: -4)
        accumulator.addPlaintext(encoding.encode(20))
        #expect(client.decrypt(accumulator, encoding: encoding) == 13)
        // A wider Δ-free encoding: Δ = 2^40 holds large signed values.
        let wide = Encoding(precision: 20, delta: 1 << 40)
        #expect(client.decrypt(client.encrypt(-70_000, encoding: wide) * 7, encoding: wide) == -490_000)
    }

    @Test func keyswitchPreservesThePhase() {
        let (client, server) = Self.keys
        let encoding = Encoding(precision: 3)
        for message in 0..<8 {
            let big = client.encrypt(message, encoding: encoding)
            let small = server.keyswitch(big)
            #expect(small.dimension == Self.parameters.lweDimension)
            #expect(client.decrypt(small, encoding: encoding) == message)
            // KS noise for this set: σ ≈ 2^-9.8 (rounding to 12 bits over 512 inputs); 2^-6 is > 10σ.
            #expect(torusDistance(client.phase(small), client.phase(big)) < 0x1p-6)
        }
    }

    /// Switched phase ≈ 2N·phase/q; the error is the rounding of n + 1 coefficients,
    /// σ ≈ √(n/24 + 1/12) ≈ 2.3 steps; 16 steps is a 7σ bound.
    @Test(arguments: [ModulusSwitchKind.standard, .centered])
    func modulusSwitchKeepsThePhaseOnThe2NGrid(kind: ModulusSwitchKind) {
        let (client, server) = kind == .standard ? TestParameterSets.standardKeys : TestParameterSets.centeredKeys
        let twoN = server.switchedModulus
        for message in 0..<8 {
            let small = client.encryptUnderSmallKey(plaintext: Encoding(precision: 3).encode(message))
            let switched = server.modulusSwitch(small)
            #expect(switched.storage.allSatisfy { $0 >= 0 && $0 < twoN })
            let expected = Double(client.phase(small)) * Double(twoN) * 0x1p-64
            var difference = Double(client.phase(switched)) - expected
            difference -= Double(twoN) * (difference / Double(twoN)).rounded()
            #expect(abs(difference) < 16, "message \(message): switched phase off by \(difference) steps")
        }
    }

    /// Centered MS removes the key-dependent mean: over many ciphertexts its error mean is
    /// −1/2 step (the deliberate half-step shift), while the standard MS error mean is
    /// ≈ −Σ(rounding errors)/2, and its variance is smaller.
    @Test func centeredModulusSwitchHasSmallerVariance() {
        func errorVariance(_ keys: (clientKey: ClientKey, serverKey: ServerKey), shift: Double) -> Double {
            let (client, server) = keys
            let twoN = Double(server.switchedModulus)
            var sumSquares = 0.0
            let count = 300
            for _ in 0..<count {
                let small = client.encryptUnderSmallKey(plaintext: 0)
                let switched = server.modulusSwitch(small)
                var difference = Double(client.phase(switched)) - Double(Int64(bitPattern: client.phase(small))) * twoN * 0x1p-64
                difference -= twoN * (difference / twoN).rounded()
                sumSquares += (difference + shift) * (difference + shift)
            }
            return sumSquares / Double(count)
        }
        let standard = errorVariance(TestParameterSets.standardKeys, shift: 0)
        let centered = errorVariance(TestParameterSets.centeredKeys, shift: 0.5)
        // Predicted (TFHE_FACTS §3.3/§3.4, in 2N steps): standard 1/12 + n/24 ≈ 5.4,
        // centered n/48 ≈ 2.7. 300 samples give ±16% standard error; require a clear drop.
        #expect(standard > 3.5 && standard < 8, "standard MS variance \(standard)")
        #expect(centered < 0.75 * standard, "centered \(centered) vs standard \(standard)")
    }

    /// Blind rotation of a switched phase μ̃ gives X^{−μ̃}·v; sample extraction reads its
    /// constant coefficient, which decrypts to table[m].
    @Test func blindRotationAndSampleExtraction() {
        let (client, server) = Self.keys
        let encoding = Encoding(precision: 3)
        let table = LookupTable(values: [3, 1, 4, 1, 5, 2, 6, 7], inputEncoding: encoding, outputEncoding: encoding)
        let workspace = server.makeWorkspace()
        let testPolynomial = table.testPolynomial(polynomialSize: Self.parameters.polynomialSize)
        for message in [0, 5, 7] {
            let switched = server.modulusSwitch(server.keyswitch(client.encrypt(message, encoding: encoding)))
            let rotation = client.phase(switched)
            let accumulator = server.blindRotate(switched, table: table, workspace: workspace)
            let phase = client.phase(accumulator)
            // Every coefficient t of X^{−μ̃}·v is ±v[(t + μ̃) mod N] up to the PBS noise.
            let size = Self.parameters.polynomialSize.rawValue
            for t in stride(from: 0, to: size, by: 37) {
                let index = (t + rotation) % (2 * size)
                let expected = index < size ? testPolynomial[index] : 0 &- testPolynomial[index - size]
                #expect(torusDistance(phase[t], expected) < 0x1p-12)
            }
            let extracted = server.sampleExtract(accumulator)
            #expect(client.phase(extracted) == phase[0])
            #expect(client.decrypt(extracted, encoding: encoding) == table[message])
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func bootstrapReturnsTheTableForEveryMessage(precision: Int) {
        let (client, server) = Self.keys
        let encoding = Encoding(precision: precision)
        let values = Self.randomTable(count: encoding.messageCount, outputBits: precision, seed: UInt64(precision))
        let table = LookupTable(values: values, inputEncoding: encoding, outputEncoding: encoding)
        let workspace = server.makeWorkspace()
        var output = LWECiphertext(dimension: Self.parameters.bigLWEDimension)
        for message in 0..<encoding.messageCount {
            server.programmableBootstrap(client.encrypt(message, encoding: encoding), table: table, into: &output, workspace: workspace)
            #expect(client.decrypt(output, encoding: encoding) == values[message], "m = \(message)")
        }
    }

    @Test(arguments: [ModulusSwitchKind.centered, .standard])
    func otherSetsBootstrapEveryMessage(variant: ModulusSwitchKind) {
        // centered: the centered modulus switch; standard: the single-level (k = 1, l = 1) set.
        let (client, server) = variant == .centered ? TestParameterSets.centeredKeys : TestParameterSets.singleLevelKeys
        let encoding = Encoding(precision: 3)
        let values = Self.randomTable(count: 8, outputBits: 3, seed: 99)
        let table = LookupTable(values: values, inputEncoding: encoding, outputEncoding: encoding)
        let workspace = server.makeWorkspace()
        for message in 0..<8 {
            let output = server.programmableBootstrap(client.encrypt(message, encoding: encoding), table: table, workspace: workspace)
            #expect(client.decrypt(output, encoding: encoding) == values[message])
        }
    }

    /// A 3-bit input re-encoded as a signed 4-bit output (another Δ), and the result used by
    /// a second PBS after a linear step: the layer-to-layer pattern.
    @Test func bootstrapReencodesForTheNextLayer() {
        let (client, server) = Self.keys
        let input = Encoding(precision: 3), output = Encoding(precision: 4), last = Encoding(precision: 2)
        let values = [-5, 7, 0, 3, -8, 6, 2, -1]
        let table = LookupTable(values: values, inputEncoding: input, outputEncoding: output)
        let second = LookupTable(values: (0..<16).map { ($0 * 7) % 3 }, inputEncoding: output, outputEncoding: last)
        let workspace = server.makeWorkspace()
        for message in 0..<8 {
            var result = server.programmableBootstrap(client.encrypt(message, encoding: input), table: table, workspace: workspace)
            #expect(client.decrypt(result, encoding: output) == values[message])
            result.addPlaintext(output.encode(8))   // shift [−8, 8) into [0, 16) for the next table
            let next = server.programmableBootstrap(result, table: second, workspace: workspace)
            #expect(client.decrypt(next, encoding: last) == ((values[message] + 8) * 7) % 3)
        }
    }

    @Test func testPolynomialCentresEveryBox() {
        let encoding = Encoding(precision: 2)
        let table = LookupTable(values: [1, 2, 3, 0], inputEncoding: encoding, outputEncoding: encoding)
        let v = table.testPolynomial(polynomialSize: PolynomialSize(16))
        // Box size 16/4 = 4, half box 2: positions 0,1 → f(0); 2..5 → f(1); 6..9 → f(2);
        // 10..13 → f(3); 14,15 → −f(0).
        let expected = [1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 0, 0, 0, 0, -1, -1].map { encoding.encode($0) }
        #expect(v == expected)
    }

    /// A set under the 128-bit curve is refused unless it is labelled as a test set: the
    /// check keygen runs first throws for it, and a serialized key for it does not load.
    @Test func weakParametersAreRefused() throws {
        var weak = TestParameterSets.standard
        weak.name = "weak-not-labelled"
        weak.isInsecureTestSet = false
        #expect(throws: ParameterError.self) { try SecurityCheck.enforce(weak) }
        #expect(throws: Never.self) { try SecurityCheck.enforce(TestParameterSets.standard) }
        // Relabel a serialized test key's header as not-a-test-set: loading must refuse it.
        var bytes = Self.keys.clientKey.serialized()
        let nameBytes = Array(TestParameterSets.standard.name.utf8)
        let insecureFlagOffset = 8 + 1 + 2 + 4 + nameBytes.count + 4 * 4 + 8 * 2 + 4 * 4 + 1
        #expect(bytes[insecureFlagOffset] == 1)
        bytes[insecureFlagOffset] = 0
        var body = Array(bytes.dropLast(8))
        let checksum = body.withUnsafeBytes { BinaryFormat.checksum($0) }
        for index in 0..<8 { body.append(UInt8(truncatingIfNeeded: checksum >> UInt64(8 * index))) }
        #expect(throws: ParameterError.self) { try ClientKey(serialized: body) }
    }

    @Test func secretsNeverPrint() {
        let client = Self.keys.clientKey
        let printed = "\(client) \(String(reflecting: client)) \(client.smallKey) \(client.glweKey) \(String(reflecting: client.bigKey))"
        #expect(printed.contains("<secret>"))
        #expect(!printed.contains("coefficients: ["))
    }

    @Test func serverKeyIsUsableFromManyThreadsAtOnce() async {
        let (client, server) = Self.keys
        let encoding = Encoding(precision: 2)
        let table = LookupTable(values: [2, 3, 0, 1], inputEncoding: encoding, outputEncoding: encoding)
        let inputs = (0..<4).map { client.encrypt($0, encoding: encoding) }
        let results = await withTaskGroup(of: (Int, LWECiphertext).self) { group in
            for (message, ciphertext) in inputs.enumerated() {
                group.addTask {
                    (message, server.programmableBootstrap(ciphertext, table: table, workspace: server.makeWorkspace()))
                }
            }
            var collected: [(Int, LWECiphertext)] = []
            for await result in group { collected.append(result) }
            return collected
        }
        for (message, ciphertext) in results {
            #expect(client.decrypt(ciphertext, encoding: encoding) == table[message])
        }
    }
}

extension PBSTests {
    @Test func batchBootstrapMatchesOneByOne() {
        let (client, server) = Self.keys
        let encoding = Encoding(precision: 3)
        let tables = (0..<3).map { shift in
            LookupTable(values: (0..<8).map { ($0 + shift) % 8 }, inputEncoding: encoding, outputEncoding: encoding)
        }
        let messages = [0, 3, 5, 7, 1, 6]
        let inputs = messages.map { client.encrypt($0, encoding: encoding) }
        let results = server.programmableBootstrap(inputs, tables: (0..<6).map { tables[$0 % 3] }, threads: 2)
        for (index, message) in messages.enumerated() {
            #expect(client.decrypt(results[index], encoding: encoding) == (message + index % 3) % 8)
        }
        let single = server.programmableBootstrap(inputs, tables: [tables[1]], threads: 3)
        #expect(single.map { client.decrypt($0, encoding: encoding) } == messages.map { ($0 + 1) % 8 })
    }
}
