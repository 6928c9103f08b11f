extension ClientKey {
    /// Versioned binary form: header, parameters, seed provenance, small key, GLWE key.
    /// The encryption randomness is not stored; a loaded key draws fresh OS randomness.
    public func serialized() -> [UInt8] {
        var writer = BinaryWriter(kind: .clientKey, reservingCapacity: 8 * (smallKey.coefficients.count + glweKey.coefficients.count))
        writer.write(parameters)
        writer.write(seedProvenance)
        writer.write(words: smallKey.coefficients)
        writer.write(words: glweKey.coefficients)
        return writer.finish()
    }

    /// A key whose set is under the 128-bit curve loads only when that set is among
    /// `trustedInsecureSets` (tests); the file's own insecure label is not trusted.
    public convenience init(serialized bytes: [UInt8], trustedInsecureSets: [ParameterSet] = []) throws {
        var reader = try BinaryReader(bytes, expecting: .clientKey)
        let parameters = try reader.readSecureParameterSet(trustedInsecureSets: trustedInsecureSets)
        let provenance = try reader.readString("seed provenance", maximumBytes: 256)
        let small = try reader.readWords("small LWE key", expectedCount: parameters.lweDimension.rawValue)
        let glwe = try reader.readWords("GLWE key", expectedCount: parameters.bigLWEDimension.rawValue)
        try reader.finish()
        guard small.allSatisfy({ $0 <= 1 }), glwe.allSatisfy({ $0 <= 1 }) else {
            throw SerializationError("Client key for '\(parameters.name)' has a secret-key coefficient other than 0 or 1.")
        }
        self.init(parameters: parameters,
                  smallKey: LWESecretKey(dimension: parameters.lweDimension, coefficients: small),
                  glweKey: GLWESecretKey(glweDimension: parameters.glweDimension, polynomialSize: parameters.polynomialSize, coefficients: glwe),
                  randomness: EncryptionRandomness(seed: .operatingSystem), seedProvenance: provenance)
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
        let bootstrapCount = FourierBootstrapKey.doubleCount(parameters.lweDimension, parameters.glweDimension,
                                                             parameters.polynomialSize, parameters.pbsLevels)
        let bootstrap = try reader.readDoubles("Fourier bootstrapping key", expectedCount: bootstrapCount)
        let keyswitchCount = KeyswitchKey.wordCount(parameters.bigLWEDimension, parameters.lweDimension, parameters.ksLevels)
        let keyswitch = try reader.readHalfWords("keyswitching key", expectedCount: keyswitchCount)
        try reader.finish()
        guard bootstrap.allSatisfy({ $0.isFinite }) else {
            throw SerializationError("Server key for '\(parameters.name)' has a non-finite value in its Fourier bootstrapping key.")
        }
        self.init(
            parameters: parameters,
            bootstrapKey: FourierBootstrapKey(inputDimension: parameters.lweDimension, glweDimension: parameters.glweDimension,
                                              polynomialSize: parameters.polynomialSize, baseLog: parameters.pbsBaseLog,
                                              levels: parameters.pbsLevels, storage: bootstrap),
            keyswitchKey: KeyswitchKey(inputDimension: parameters.bigLWEDimension, outputDimension: parameters.lweDimension,
                                       baseLog: parameters.ksBaseLog, levels: parameters.ksLevels, storage: keyswitch))
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
