extension BinaryWriter {
    package mutating func write(_ parameters: ParameterSet) {
        write(parameters.name)
        write(UInt32(parameters.precision))
        write(UInt32(parameters.lweDimension.rawValue))
        write(UInt32(parameters.glweDimension.rawValue))
        write(UInt32(parameters.polynomialSize.rawValue))
        write(parameters.lweNoise.value)
        write(parameters.glweNoise.value)
        write(UInt32(parameters.pbsBaseLog.rawValue))
        write(UInt32(parameters.pbsLevels.rawValue))
        write(UInt32(parameters.ksBaseLog.rawValue))
        write(UInt32(parameters.ksLevels.rawValue))
        write(parameters.modulusSwitch == .centered ? UInt8(1) : UInt8(0))
        write(parameters.isInsecureTestSet ? UInt8(1) : UInt8(0))
    }
}

extension BinaryReader {
    /// `readParameterSet`, then the 128-bit security check on what was read. The file's
    /// insecure-test-set byte is not trusted (anyone can set it): a set under the curve loads
    /// only when it equals one of `trustedInsecureSets`, which the caller (a test) supplies.
    package mutating func readSecureParameterSet(trustedInsecureSets: [ParameterSet]) throws -> ParameterSet {
        let parameters = try readParameterSet()
        var claimedSecure = parameters
        claimedSecure.isInsecureTestSet = false
        if !SecurityCheck(parameters: claimedSecure).passes && !trustedInsecureSets.contains(parameters) {
            try SecurityCheck.enforce(claimedSecure)
        }
        return parameters
    }

    /// Reads and validates a parameter header; every value is range-checked before a typed
    /// parameter (whose initializers trap on nonsense) is built from it.
    package mutating func readParameterSet() throws -> ParameterSet {
        let name = try readString("parameter name", maximumBytes: 256)
        func bounded(_ field: String, _ value: UInt32, _ range: ClosedRange<Int>) throws -> Int {
            guard range.contains(Int(value)) else {
                throw SerializationError("Parameter '\(field)' of set '\(name)' is \(value); allowed: \(range.lowerBound)...\(range.upperBound).")
            }
            return Int(value)
        }
        func noise(_ field: String, _ value: Double) throws -> StandardDeviation {
            guard value.isFinite && value >= 0 && value < 1 else {
                throw SerializationError("Parameter '\(field)' of set '\(name)' is \(value); a torus standard deviation must be finite and in [0, 1).")
            }
            return StandardDeviation(value)
        }
        let precision = try bounded("precision", try readUInt32("precision"), 0...62)
        let n = try bounded("lweDimension", try readUInt32("lweDimension"), 1...65_536)
        let k = try bounded("glweDimension", try readUInt32("glweDimension"), 1...16)
        let size = try bounded("polynomialSize", try readUInt32("polynomialSize"), 2...131_072)
        guard size & (size - 1) == 0 else {
            throw SerializationError("Parameter 'polynomialSize' of set '\(name)' is \(size); it must be a power of two.")
        }
        let lweNoise = try noise("lweNoise", try readDouble("lweNoise"))
        let glweNoise = try noise("glweNoise", try readDouble("glweNoise"))
        let pbsBaseLog = try bounded("pbsBaseLog", try readUInt32("pbsBaseLog"), 1...63)
        let pbsLevels = try bounded("pbsLevels", try readUInt32("pbsLevels"), 1...64)
        let ksBaseLog = try bounded("ksBaseLog", try readUInt32("ksBaseLog"), 1...63)
        let ksLevels = try bounded("ksLevels", try readUInt32("ksLevels"), 1...64)
        guard pbsBaseLog * pbsLevels <= 64, ksBaseLog * ksLevels <= 64 else {
            throw SerializationError("Set '\(name)': base log × levels must be ≤ 64 (PBS \(pbsBaseLog)×\(pbsLevels), KS \(ksBaseLog)×\(ksLevels)).")
        }
        guard n != k * size else {
            throw SerializationError("Set '\(name)': n = k·N = \(n) is not a KS→PBS parameter set.")
        }
        let switchByte = try readUInt8("modulusSwitch")
        guard switchByte <= 1 else {
            throw SerializationError("Parameter 'modulusSwitch' of set '\(name)' is \(switchByte); allowed: 0 (standard), 1 (centered).")
        }
        let insecureByte = try readUInt8("isInsecureTestSet")
        guard insecureByte <= 1 else {
            throw SerializationError("Parameter 'isInsecureTestSet' of set '\(name)' is \(insecureByte); allowed: 0 or 1.")
        }
        return ParameterSet(
            name: name, precision: precision,
            lweDimension: LWEDimension(n), glweDimension: GLWEDimension(k), polynomialSize: PolynomialSize(size),
            lweNoise: lweNoise, glweNoise: glweNoise,
            pbsBaseLog: DecompositionBaseLog(pbsBaseLog), pbsLevels: DecompositionLevelCount(pbsLevels),
            ksBaseLog: DecompositionBaseLog(ksBaseLog), ksLevels: DecompositionLevelCount(ksLevels),
            modulusSwitch: switchByte == 1 ? .centered : .standard, isInsecureTestSet: insecureByte == 1
        )
    }
}

extension ParameterSet {
    /// The set's fields exactly as a serialized object stores them (no container header): what
    /// the deployment files' parameter fingerprints digest.
    package var canonicalEncoding: [UInt8] {
        var writer = BinaryWriter(kind: .lweCiphertext)
        let header = writer.bytes.count
        writer.write(self)
        return Array(writer.bytes[header...])
    }
}
