/// The secret side: the small LWE key s (n), the GLWE key S (k, N) whose coefficients form
/// the big LWE key s' (k·N), and the encryption randomness. Ciphertexts rest under s'.
/// Thread-safe: encryption draws from the mask and noise streams under a lock.
public final class ClientKey: @unchecked Sendable {
    public let parameters: ParameterSet
    /// How the randomness was seeded, for the manifest ("seeded (not for production secrets)"
    /// for a fixed seed).
    public let seedProvenance: String
    let smallKey: LWESecretKey
    let glweKey: GLWESecretKey
    let bigKey: LWESecretKey
    private let randomnessLock = Lock()
    private var randomness: EncryptionRandomness

    init(parameters: ParameterSet, smallKey: LWESecretKey, glweKey: GLWESecretKey,
         randomness: EncryptionRandomness, seedProvenance: String) {
        precondition(smallKey.dimension == parameters.lweDimension,
                     "small key dimension \(smallKey.dimension) does not match parameters \(parameters.name) (n = \(parameters.lweDimension))")
        precondition(glweKey.glweDimension == parameters.glweDimension && glweKey.polynomialSize == parameters.polynomialSize,
                     "GLWE key (k = \(glweKey.glweDimension), N = \(glweKey.polynomialSize)) does not match parameters \(parameters.name)")
        precondition(parameters.lweDimension != parameters.bigLWEDimension,
                     "parameters \(parameters.name) have n = k·N = \(parameters.lweDimension): small- and big-key ciphertexts would be indistinguishable")
        self.parameters = parameters
        self.smallKey = smallKey
        self.glweKey = glweKey
        self.bigKey = glweKey.asLWESecretKey
        self.randomness = randomness
        self.seedProvenance = seedProvenance
    }

    /// Fresh keys for a parameter set. With `.fixed` the keys and every later encryption are
    /// reproducible; `seedProvenance` then says so. A set under the 128-bit curve that is not
    /// labelled `isInsecureTestSet` is refused: sets from user input are checked (and refused
    /// with a thrown error) by `SecurityCheck.enforce` where they are read; reaching keygen
    /// with one is a programmer error.
    public static func generate(parameters: ParameterSet, seed: RandomSeed = .operatingSystem) -> (clientKey: ClientKey, serverKey: ServerKey) {
        do {
            try SecurityCheck.enforce(parameters)
        } catch {
            preconditionFailure("Key generation refused: \(error)")
        }
        var randomness = EncryptionRandomness(seed: seed)
        let smallKey = LWESecretKey.generate(dimension: parameters.lweDimension, randomness: &randomness)
        let glweKey = GLWESecretKey.generate(glweDimension: parameters.glweDimension,
                                             polynomialSize: parameters.polynomialSize, randomness: &randomness)
        let keyswitchKey = KeyswitchKey.generate(from: glweKey.asLWESecretKey, to: smallKey,
                                                 baseLog: parameters.ksBaseLog, levels: parameters.ksLevels,
                                                 noise: parameters.lweNoise, randomness: &randomness)
        let bootstrapKey = FourierBootstrapKey.generate(inputKey: smallKey, glweKey: glweKey,
                                                        baseLog: parameters.pbsBaseLog, levels: parameters.pbsLevels,
                                                        noise: parameters.glweNoise, randomness: &randomness)
        let clientKey = ClientKey(parameters: parameters, smallKey: smallKey, glweKey: glweKey,
                                  randomness: randomness, seedProvenance: seed.provenance)
        let serverKey = ServerKey(parameters: parameters, bootstrapKey: bootstrapKey, keyswitchKey: keyswitchKey)
        return (clientKey, serverKey)
    }

    /// A server key for `variant`, a set that differs from this key's parameters only in the
    /// bootstrapping-key decomposition (`ParameterSet.sharesKeys`): a new bootstrapping key of
    /// the same secret keys, and `base`'s keyswitching key. Lets one circuit bootstrap some
    /// values with a cheap one-level key and others with a quieter two-level one.
    public func serverKey(for variant: ParameterSet, sharing base: ServerKey) -> ServerKey {
        precondition(variant.sharesKeys(with: parameters) && base.parameters.sharesKeys(with: parameters),
                     "Server key variant \(variant.name) (from \(base.parameters.name)) does not share the keys of \(parameters.name).")
        let bootstrapKey = randomnessLock.withLock {
            FourierBootstrapKey.generate(inputKey: smallKey, glweKey: glweKey,
                                         baseLog: variant.pbsBaseLog, levels: variant.pbsLevels,
                                         noise: variant.glweNoise, randomness: &randomness)
        }
        return ServerKey(parameters: variant, bootstrapKey: bootstrapKey, keyswitchKey: base.keyswitchKey)
    }

    /// A server key whose KS→PBS reads ciphertexts under `source`'s big key and returns them
    /// under this key pair's, bootstrapped with `base` (this pair's bootstrapping key, or one of
    /// its decomposition variants): a new keyswitching key from `source`'s big key to this
    /// pair's small key, in this set's keyswitch decomposition and LWE noise. A circuit can then
    /// round under a key pair with a small N and look its wide tables up under one with a
    /// larger N, without a keyswitch between the two big keys. The new key encrypts `source`'s
    /// big key under this small key exactly as this pair's own keyswitching key encrypts its
    /// own, so it rests on the same LWE instance (n, σ_LWE).
    public func serverKey(readingFrom source: ClientKey, bootstrappingWith base: ServerKey) -> ServerKey {
        precondition(base.parameters.sharesKeys(with: parameters) && !base.readsAnotherKeyPair,
                     "Cross server key: \(base.parameters.name) is not a bootstrapping key of \(parameters.name).")
        let sourceKey = source.bigKey
        let keyswitchKey = randomnessLock.withLock {
            KeyswitchKey.generate(from: sourceKey, to: smallKey, baseLog: parameters.ksBaseLog, levels: parameters.ksLevels,
                                  noise: parameters.lweNoise, randomness: &randomness)
        }
        return ServerKey(parameters: base.parameters, bootstrapKey: base.bootstrapKey, keyswitchKey: keyswitchKey)
    }

    /// A fresh encryption of m·Δ under the big key with the GLWE noise σ.
    public func encrypt(_ message: Int, encoding: Encoding) -> LWECiphertext {
        encrypt(plaintext: encoding.encode(message))
    }

    /// A fresh big-key encryption of a raw torus plaintext.
    public func encrypt(plaintext: UInt64) -> LWECiphertext {
        randomnessLock.withLock {
            bigKey.encrypt(plaintext: plaintext, noise: parameters.glweNoise, randomness: &randomness)
        }
    }

    /// A fresh encryption under the small key with the LWE noise σ (for tests of the
    /// post-keyswitch stages).
    public func encryptUnderSmallKey(plaintext: UInt64) -> LWECiphertext {
        randomnessLock.withLock {
            smallKey.encrypt(plaintext: plaintext, noise: parameters.lweNoise, randomness: &randomness)
        }
    }

    public func decrypt(_ ciphertext: LWECiphertext, encoding: Encoding) -> Int {
        encoding.decode(phase(ciphertext))
    }

    /// b − ⟨a, s⟩ under the key the ciphertext is under, told by its dimension: k·N for the
    /// big key (fresh and bootstrapped ciphertexts), n for the small key (after keyswitch).
    public func phase(_ ciphertext: LWECiphertext) -> UInt64 {
        switch ciphertext.dimension {
        case parameters.bigLWEDimension: return bigKey.phase(ciphertext)
        case parameters.lweDimension: return smallKey.phase(ciphertext)
        default:
            preconditionFailure("Ciphertext of dimension \(ciphertext.dimension) is under neither key of \(parameters.name) (big \(parameters.bigLWEDimension), small \(parameters.lweDimension)).")
        }
    }

    /// b̃ − Σ ãᵢ·sᵢ mod 2N: the rotation the blind rotation will apply.
    public func phase(_ switched: ModulusSwitchedCiphertext) -> Int {
        precondition(switched.storage.count == parameters.lweDimension.lweSize,
                     "Mismatched switched ciphertext: \(switched.storage.count - 1) mask coefficients, small key has \(parameters.lweDimension).")
        var value = switched.body
        for i in 0..<parameters.lweDimension.rawValue where smallKey.coefficients[i] == 1 {
            value -= switched.storage[i]
        }
        let modulus = switched.modulus
        return ((value % modulus) + modulus) % modulus
    }

    /// The phase polynomial of a GLWE ciphertext (e.g. a blind-rotation accumulator).
    public func phase(_ glwe: GLWECiphertext) -> [UInt64] { glweKey.phase(glwe) }
}

extension ClientKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "ClientKey(parameters: \(parameters.name), keys: <secret>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["parameters": parameters.name]) }
}
