import Testing
@testable import TFHE

@Suite struct BatchBootstrapTests {
    /// A batch KS→PBS returns exactly what one PBS per ciphertext returns (same phases up to
    /// FFT rounding, same decryptions), for batches smaller than, equal to and with mixed tables.
    @Test(arguments: [1, 3, 5])
    func batchEqualsOneByOne(batchSize: Int) {
        let (clientKey, serverKey) = TestParameterSets.standardKeys
        let encoding = Encoding(precision: 3)
        var generator = SystemRandomNumberGenerator()
        let messages = (0..<batchSize).map { _ in Int.random(in: 0..<8, using: &generator) }
        let tables = (0..<batchSize).map { _ in
            LookupTable(values: (0..<8).map { _ in Int.random(in: 0..<8, using: &generator) },
                        inputEncoding: encoding, outputEncoding: encoding)
        }
        let inputs = messages.map { clientKey.encrypt($0, encoding: encoding) }
        let workspaces = (0..<5).map { _ in serverKey.makeWorkspace() }
        var outputs = [LWECiphertext](repeating: LWECiphertext(dimension: LWEDimension(1)), count: batchSize)
        inputs.withUnsafeBufferPointer { i in
            tables.withUnsafeBufferPointer { t in
                outputs.withUnsafeMutableBufferPointer { o in
                    workspaces.withUnsafeBufferPointer { w in
                        serverKey.programmableBootstrap(batch: i, tables: t, into: o, workspaces: w)
                    }
                }
            }
        }
        for b in 0..<batchSize {
            let single = serverKey.programmableBootstrap(inputs[b], table: tables[b], workspace: workspaces[4])
            #expect(clientKey.decrypt(outputs[b], encoding: encoding) == tables[b][messages[b]])
            #expect(clientKey.decrypt(single, encoding: encoding) == tables[b][messages[b]])
            // Same key, same operations in the same order: identical up to FFT rounding.
            #expect(torusDistance(clientKey.phase(outputs[b]), clientKey.phase(single)) < 0x1p-20)
        }
    }
}
