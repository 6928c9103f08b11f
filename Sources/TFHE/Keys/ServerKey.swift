/// Everything a server needs to evaluate: the Fourier bootstrapping key, the keyswitching
/// key and the parameters. No secret key is reachable from it. Immutable and Sendable: any
/// number of threads may bootstrap with it at once, each with its own `PBSWorkspace`.
///
/// The keyswitching key reads the big key of `parameters` (k·N), or, for a key made by
/// `ClientKey.serverKey(readingFrom:bootstrappingWith:)`, the big key of another key pair
/// (`inputDimension`): its PBS takes ciphertexts of that pair and returns them under this one's.
public final class ServerKey: Sendable {
    public let parameters: ParameterSet
    public let bootstrapKey: FourierBootstrapKey
    public let keyswitchKey: KeyswitchKey
    let fft: NegacyclicFFT

    init(parameters: ParameterSet, bootstrapKey: FourierBootstrapKey, keyswitchKey: KeyswitchKey) {
        precondition(bootstrapKey.inputDimension == parameters.lweDimension
                        && bootstrapKey.glweDimension == parameters.glweDimension
                        && bootstrapKey.polynomialSize == parameters.polynomialSize,
                     "bootstrapping key (n = \(bootstrapKey.inputDimension), k = \(bootstrapKey.glweDimension), N = \(bootstrapKey.polynomialSize)) does not match parameters \(parameters.name)")
        precondition(keyswitchKey.outputDimension == parameters.lweDimension
                        && keyswitchKey.baseLog == parameters.ksBaseLog && keyswitchKey.levels == parameters.ksLevels,
                     "keyswitching key \(keyswitchKey.inputDimension)→\(keyswitchKey.outputDimension) (B = 2^\(keyswitchKey.baseLog), l = \(keyswitchKey.levels)) does not match parameters \(parameters.name) (→\(parameters.lweDimension), B = 2^\(parameters.ksBaseLog), l = \(parameters.ksLevels))")
        self.parameters = parameters
        self.bootstrapKey = bootstrapKey
        self.keyswitchKey = keyswitchKey
        fft = NegacyclicFFT.shared(parameters.polynomialSize)
    }

    /// Scratch memory for one worker; reuse it for every bootstrap on that worker.
    public func makeWorkspace() -> PBSWorkspace { PBSWorkspace(parameters: parameters) }

    /// The dimension of the ciphertexts this key keyswitches and bootstraps: k·N of its own
    /// parameters, or of the key pair a cross key reads from.
    public var inputDimension: LWEDimension { keyswitchKey.inputDimension }

    /// `base`'s bootstrapping key behind this key's keyswitching key: another decomposition of
    /// this pair reading the same big key, so a pair's sets share one (cross) keyswitching key.
    public func withBootstrapKey(of base: ServerKey) -> ServerKey {
        precondition(base.parameters.sharesKeys(with: parameters), "\(base.parameters.name) is not a set of \(parameters.name)'s key pair.")
        return ServerKey(parameters: base.parameters, bootstrapKey: base.bootstrapKey, keyswitchKey: keyswitchKey)
    }

    /// Whether the keyswitching key reads another key pair's big key.
    public var readsAnotherKeyPair: Bool { keyswitchKey.inputDimension != parameters.bigLWEDimension }

    /// 2N, the modulus of the switched ciphertext.
    public var switchedModulus: Int { 2 * parameters.polynomialSize.rawValue }

    func checkBigInput(_ ciphertext: LWECiphertext, operation: String) {
        precondition(ciphertext.storage.count == inputDimension.lweSize,
                     "Mismatched input LWE dimension for \(operation). Server key (\(parameters.name)) expects \(inputDimension), ciphertext: \(ciphertext.storage.count - 1).")
    }
}

/// Preallocated buffers for one KS→PBS at a time (one per worker thread; not shareable).
public final class PBSWorkspace {
    let parameters: ParameterSet
    let smallCiphertext: UnsafeMutablePointer<UInt64>   // n + 1
    let keyswitchAccumulator: UnsafeMutablePointer<UInt32> // n + 1
    let switched: UnsafeMutablePointer<Int>              // n + 1
    let accumulator: UnsafeMutablePointer<UInt64>       // (k+1)·N
    let rotated: UnsafeMutablePointer<UInt64>           // (k+1)·N
    let testPolynomial: UnsafeMutablePointer<UInt64>    // N
    let realScratch: UnsafeMutablePointer<Double>        // N: digits, then untwisted products
    let keyswitchDigits: UnsafeMutablePointer<Int64>    // KS levels
    let staging: FourierBuffer                           // PBS levels × N/2: twisted digit inputs
    let fourierDigits: FourierBuffer                     // (k+1)·l × N/2
    let fourierAccumulators: FourierBuffer               // (k+1) × N/2
    let inverseOutput: FourierBuffer                     // N/2

    init(parameters: ParameterSet) {
        self.parameters = parameters
        let n = parameters.lweDimension.rawValue
        let size = parameters.polynomialSize.rawValue, m = size / 2
        let k1 = parameters.glweDimension.glweSize, l = parameters.pbsLevels.rawValue
        smallCiphertext = .allocate(capacity: n + 1); smallCiphertext.initialize(repeating: 0, count: n + 1)
        keyswitchAccumulator = .allocate(capacity: n + 1); keyswitchAccumulator.initialize(repeating: 0, count: n + 1)
        switched = .allocate(capacity: n + 1); switched.initialize(repeating: 0, count: n + 1)
        accumulator = .allocate(capacity: k1 * size); accumulator.initialize(repeating: 0, count: k1 * size)
        rotated = .allocate(capacity: k1 * size); rotated.initialize(repeating: 0, count: k1 * size)
        testPolynomial = .allocate(capacity: size); testPolynomial.initialize(repeating: 0, count: size)
        realScratch = .allocate(capacity: size); realScratch.initialize(repeating: 0, count: size)
        keyswitchDigits = .allocate(capacity: parameters.ksLevels.rawValue)
        keyswitchDigits.initialize(repeating: 0, count: parameters.ksLevels.rawValue)
        staging = FourierBuffer(complexCount: l * m)
        fourierDigits = FourierBuffer(complexCount: k1 * l * m)
        fourierAccumulators = FourierBuffer(complexCount: k1 * m)
        inverseOutput = FourierBuffer(complexCount: m)
    }

    deinit {
        smallCiphertext.deallocate(); keyswitchAccumulator.deallocate(); switched.deallocate(); accumulator.deallocate()
        rotated.deallocate(); testPolynomial.deallocate(); realScratch.deallocate(); keyswitchDigits.deallocate()
    }

    func check(_ serverKey: ServerKey) {
        precondition(parameters == serverKey.parameters,
                     "Workspace made for parameters \(parameters.name) used with a server key for \(serverKey.parameters.name).")
    }
}
