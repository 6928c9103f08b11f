/// The exactness checks of `lockstep selftest`: fresh keys from the OS, every input of a range
/// through the encrypted operation, each decrypted result compared with the clear one. Nothing
/// is retried: a mismatch is reported as it came out.
public enum SelfCheck {
    /// One input whose decrypted result differs from the clear one.
    public struct Mismatch: Sendable, Equatable {
        public let input: Int
        public let got: Int
        public let expected: Int
    }

    public struct LookupTableResult: Sendable {
        /// Encrypt→KS→PBS→decrypt round trips done: 2^p messages × repetitions.
        public let checked: Int
        public let mismatches: [Mismatch]
        public let keygenSeconds: Double
        /// Wall time of one round trip (encryption and decryption included).
        public let millisecondsPerPBS: Double
    }

    /// Fresh keys for `parameters` and a random table: every message m in [0, 2^p) through
    /// KS→PBS must decrypt to table[m], `repetitions` times over.
    public static func lookupTable(parameters: ParameterSet, repetitions: Int) -> LookupTableResult {
        let keygenStart = ContinuousClock.now
        let (clientKey, serverKey) = ClientKey.generate(parameters: parameters, seed: .operatingSystem)
        let keygenSeconds = keygenStart.duration(to: .now).inSeconds
        let encoding = Encoding(precision: parameters.precision)
        var generator = SystemRandomNumberGenerator()
        let values = (0..<encoding.messageCount).map { _ in Int.random(in: 0..<encoding.messageCount, using: &generator) }
        let table = LookupTable(values: values, inputEncoding: encoding, outputEncoding: encoding)
        let workspace = serverKey.makeWorkspace()
        var output = LWECiphertext(dimension: parameters.bigLWEDimension)
        var mismatches: [Mismatch] = []
        var checked = 0
        let pbsStart = ContinuousClock.now
        for _ in 0..<repetitions {
            for message in 0..<encoding.messageCount {
                serverKey.programmableBootstrap(clientKey.encrypt(message, encoding: encoding), table: table,
                                                into: &output, workspace: workspace)
                let result = clientKey.decrypt(output, encoding: encoding)
                checked += 1
                if result != values[message] { mismatches.append(Mismatch(input: message, got: result, expected: values[message])) }
            }
        }
        return LookupTableResult(checked: checked, mismatches: mismatches, keygenSeconds: keygenSeconds,
                                 millisecondsPerPBS: pbsStart.duration(to: .now).inSeconds * 1000 / Double(checked))
    }

    public struct RoundingResult: Sendable {
        public let rounding: ExactRounding
        /// Predicted log2 p_error per value (fresh input noise).
        public let log2PError: Double
        /// Values checked: all 2^w of them.
        public let checked: Int
        public let mismatches: [Mismatch]
        /// Wall time of the encrypted rounding alone (no encryption or decryption).
        public let seconds: Double
    }

    /// Values encrypted per block: memory stays at one block of big-key ciphertexts (2^16
    /// values × 128 KiB each would not fit).
    public static let valuesPerBlock = 1024

    /// Every `heldBits`-bit value v through exact rounding (`ExactRounding.forFreshValue`) must
    /// decrypt to v >> `removedBits`, on `threads` workers.
    public static func rounding(
        clientKey: ClientKey, serverKey: ServerKey, heldBits: Int, removing removedBits: Int, groupBits: Int?, threads: Int
    ) -> RoundingResult {
        let (rounding, log2PError) = ExactRounding.forFreshValue(heldBits: heldBits, removing: removedBits, groupBits: groupBits,
                                                                  parameters: serverKey.parameters)
        let encoding = Encoding(precision: heldBits)
        var seconds = 0.0
        var mismatches: [Mismatch] = []
        for blockStart in stride(from: 0, to: 1 << heldBits, by: valuesPerBlock) {
            let values = blockStart..<min(blockStart + valuesPerBlock, 1 << heldBits)
            let inputs = values.map { clientKey.encrypt($0, encoding: encoding) }
            let start = ContinuousClock.now
            let outputs = serverKey.removeLowBits(rounding, values: inputs, threads: threads)
            seconds += start.duration(to: .now).inSeconds
            for (v, output) in zip(values, outputs) {
                let got = clientKey.decrypt(output, encoding: rounding.outputEncoding)
                if got != v >> removedBits { mismatches.append(Mismatch(input: v, got: got, expected: v >> removedBits)) }
            }
        }
        return RoundingResult(rounding: rounding, log2PError: log2PError, checked: 1 << heldBits, mismatches: mismatches,
                              seconds: seconds)
    }
}
