extension ClientKey {
    /// Versioned binary form: header, parameters, seed provenance, small key, GLWE key.
    /// The encryption randomness is not stored; a loaded key draws fresh OS randomness.
    public func serialized() -> [UInt8] {
        var writer = BinaryWriter(kind: .clientKey, reservingCapacity: 8 * (smallKey.coefficients.count + glweKey.coefficients.count))
        writer.write(parameters)
        writeSecrets(to: &writer)
        return writer.finish()
    }

    /// Seed provenance, small key, GLWE key: the part after the parameters, shared with the
    /// deployment's client key file.
    package func writeSecrets(to writer: inout BinaryWriter) {
        writer.write(seedProvenance)
        writer.write(words: smallKey.coefficients)
        writer.write(words: glweKey.coefficients)
    }

    /// Reads what `writeSecrets` wrote, for keys of `parameters` (already read and checked).
    package convenience init(readingSecretsFrom reader: inout BinaryReader, parameters: ParameterSet) throws {
        let provenance = try reader.readString("seed provenance", maximumBytes: 256)
        let small = try reader.readWords("small LWE key", expectedCount: parameters.lweDimension.rawValue)
        let glwe = try reader.readWords("GLWE key", expectedCount: parameters.bigLWEDimension.rawValue)
        guard small.allSatisfy({ $0 <= 1 }), glwe.allSatisfy({ $0 <= 1 }) else {
            throw SerializationError("Client key for '\(parameters.name)' has a secret-key coefficient other than 0 or 1.")
        }
        self.init(parameters: parameters,
                  smallKey: LWESecretKey(dimension: parameters.lweDimension, coefficients: small),
                  glweKey: GLWESecretKey(glweDimension: parameters.glweDimension, polynomialSize: parameters.polynomialSize, coefficients: glwe),
                  randomness: EncryptionRandomness(seed: .operatingSystem), seedProvenance: provenance)
    }

    /// A key whose set is under the 128-bit curve loads only when that set is among
    /// `trustedInsecureSets` (tests); the file's own insecure label is not trusted.
    public convenience init(serialized bytes: [UInt8], trustedInsecureSets: [ParameterSet] = []) throws {
        var reader = try BinaryReader(bytes, expecting: .clientKey)
        let parameters = try reader.readSecureParameterSet(trustedInsecureSets: trustedInsecureSets)
        try self.init(readingSecretsFrom: &reader, parameters: parameters)
        try reader.finish()
    }
}

extension ServerKey {
    /// Versioned binary form: header, parameters, the Fourier bootstrapping key (IEEE-754
    /// bit patterns), the keyswitching key.
    public func serialized() -> [UInt8] {
        var writer = BinaryWriter(kind: .serverKey, reservingCapacity: 8 * bootstrapKey.storage.count + 4 * keyswitchKey.storage.count)
        writer.write(parameters)
        writer.write(doubles: bootstrapKey.storage)
        writer.write(halfWords: keyswitchKey.storage)
        return writer.finish()
    }

    /// See `ClientKey.init(serialized:trustedInsecureSets:)`.
    public convenience init(serialized bytes: [UInt8], trustedInsecureSets: [ParameterSet] = []) throws {
        var reader = try BinaryReader(bytes, expecting: .serverKey)
        let parameters = try reader.readSecureParameterSet(trustedInsecureSets: trustedInsecureSets)
        let bootstrap = try Self.readBootstrapKey(from: &reader, parameters: parameters)
        let keyswitch = try Self.readKeyswitchKey(from: &reader, parameters: parameters)
        try reader.finish()
        self.init(parameters: parameters, bootstrapKey: bootstrap, keyswitchKey: keyswitch)
    }

    /// Server keys of a plan (`FHEPlan.generateKeys`), in order, of one or more key pairs
    /// (`ParameterSet.keyPairs(of:)`): each pair's keyswitching key once, in pair order (the
    /// first pair's from its own big key; another pair's, a cross key, from the first pair's
    /// big key), then every bootstrapping key in order. The deployment's server key file.
    package static func writeBundle(_ keys: [ServerKey], to writer: inout BinaryWriter) {
        let pairs = ParameterSet.keyPairs(of: keys.map(\.parameters))
        let pairKeys = pairs.map { pair in keys.filter { $0.parameters.sharesKeys(with: pair) } }
        precondition(!keys.isEmpty && pairKeys.allSatisfy { own in own.allSatisfy { $0.keyswitchKey.storage == own[0].keyswitchKey.storage } },
                     "A server key bundle holds keys that share one keyswitching key per key pair.")
        for own in pairKeys { writer.write(halfWords: own[0].keyswitchKey.storage) }
        for key in keys { writer.write(doubles: key.bootstrapKey.storage) }
    }

    /// Reads what `writeBundle` wrote for `sets` (already read and checked). The tables land
    /// in key-table memory, like generated ones.
    package static func readBundle(from reader: inout BinaryReader, sets: [ParameterSet]) throws -> [ServerKey] {
        guard let first = sets.first else {
            throw SerializationError("A server key bundle needs one or more parameter sets.")
        }
        let pairs = ParameterSet.keyPairs(of: sets)
        let keyswitch = try pairs.map { pair in
            try readKeyswitchKey(from: &reader, parameters: pair, readingFrom: first.bigLWEDimension)
        }
        return try sets.map { set in
            let pair = pairs.firstIndex { $0.sharesKeys(with: set) } ?? 0
            return ServerKey(parameters: set, bootstrapKey: try readBootstrapKey(from: &reader, parameters: set), keyswitchKey: keyswitch[pair])
        }
    }

    static func readBootstrapKey(from reader: inout BinaryReader, parameters: ParameterSet) throws -> FourierBootstrapKey {
        let count = FourierBootstrapKey.doubleCount(parameters.lweDimension, parameters.glweDimension,
                                                    parameters.polynomialSize, parameters.pbsLevels)
        let storage = try reader.readKeyTableDoubles("Fourier bootstrapping key (\(parameters.name))", expectedCount: count)
        guard storage.allSatisfy({ $0.isFinite }) else {
            throw SerializationError("Server key for '\(parameters.name)' has a non-finite value in its Fourier bootstrapping key.")
        }
        return FourierBootstrapKey(inputDimension: parameters.lweDimension, glweDimension: parameters.glweDimension,
                                   polynomialSize: parameters.polynomialSize, baseLog: parameters.pbsBaseLog,
                                   levels: parameters.pbsLevels, storage: storage)
    }

    /// A keyswitching key to `parameters`' small key, from its own big key or, for a cross
    /// key, from `source` (another pair's big key).
    static func readKeyswitchKey(from reader: inout BinaryReader, parameters: ParameterSet,
                                 readingFrom source: LWEDimension? = nil) throws -> KeyswitchKey {
        let input = source ?? parameters.bigLWEDimension
        let count = KeyswitchKey.wordCount(input, parameters.lweDimension, parameters.ksLevels)
        let storage = try reader.readKeyTableHalfWords("keyswitching key (\(parameters.name))", expectedCount: count)
        return KeyswitchKey(inputDimension: input, outputDimension: parameters.lweDimension,
                            baseLog: parameters.ksBaseLog, levels: parameters.ksLevels, storage: storage)
    }

    /// The key tables' bytes (keyswitching key, then bootstrapping key), for a digest that
    /// identifies a key pair in the deployment files. Public material only.
    package func withKeyTableBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
        keyswitchKey.storage.withUnsafeBytes(body)
        bootstrapKey.storage.withUnsafeBytes(body)
    }
}

extension LWECiphertext {
    /// Versioned binary form with the parameter set it belongs to.
    public func serialized(parameters: ParameterSet) -> [UInt8] {
        precondition(storage.count == parameters.bigLWEDimension.lweSize || storage.count == parameters.lweDimension.lweSize,
                     "Ciphertext of dimension \(storage.count - 1) does not belong to \(parameters.name) (big \(parameters.bigLWEDimension), small \(parameters.lweDimension)).")
        var writer = BinaryWriter(kind: .lweCiphertext, reservingCapacity: 8 * storage.count)
        writer.write(parameters)
        writer.write(UInt32(storage.count - 1))
        writer.write(words: storage)
        return writer.finish()
    }

    /// Reads a ciphertext and checks that it was made for `parameters`.
    public init(serialized bytes: [UInt8], parameters expected: ParameterSet) throws {
        var reader = try BinaryReader(bytes, expecting: .lweCiphertext)
        let parameters = try reader.readParameterSet()
        guard parameters == expected else {
            throw SerializationError("Ciphertext was made for parameter set '\(parameters.name)', expected '\(expected.name)' (or the sets differ in a value).")
        }
        let dimension = Int(try reader.readUInt32("ciphertext dimension"))
        guard dimension == parameters.bigLWEDimension.rawValue || dimension == parameters.lweDimension.rawValue else {
            throw SerializationError("Ciphertext dimension \(dimension) is neither the big (\(parameters.bigLWEDimension)) nor the small (\(parameters.lweDimension)) dimension of '\(parameters.name)'.")
        }
        let words = try reader.readWords("ciphertext", expectedCount: dimension + 1)
        try reader.finish()
        self.init(storage: words)
    }
}
