/// A malformed, truncated or mismatched serialized object. The message names the field,
/// the offset and what was expected.
public struct SerializationError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The container every serialized TFHE object shares:
/// "LOCKSTEP" · kind (UInt8) · format version (UInt16) · payload · checksum (UInt64) over
/// everything before it. Integers are little-endian. `package`: the deployment files of
/// Circuit (keys and ciphertexts bound to a circuit) share the container.
package enum BinaryFormat {
    package static let magic: [UInt8] = Array("LOCKSTEP".utf8)
    /// 2: the Fourier bootstrapping key is stored in split format (real parts, then
    /// imaginary parts, per polynomial); version 1 files held it interleaved.
    package static let version: UInt16 = 2
    package static let trailerSize = 8
    /// Magic, kind byte, version: what `kind(ofHeader:)` needs.
    package static let headerSize = magic.count + 3

    /// Kinds 4–6 are the deployment files (Circuit/Deployment): each adds the circuit and
    /// parameter-set binding to the objects of kinds 1–3.
    package enum Kind: UInt8, CustomStringConvertible, Sendable {
        case clientKey = 1, serverKey = 2, lweCiphertext = 3
        case clientKeyFile = 4, serverKeyFile = 5, ciphertextFile = 6
        package var description: String {
            switch self {
            case .clientKey: return "client key"
            case .serverKey: return "server key"
            case .lweCiphertext: return "LWE ciphertext"
            case .clientKeyFile: return "client key file"
            case .serverKeyFile: return "server key file"
            case .ciphertextFile: return "ciphertext file"
            }
        }
        /// Holds a secret key: never to be read by server-side code.
        package var holdsSecretKey: Bool { self == .clientKey || self == .clientKeyFile }
    }

    /// The kind a file's first `headerSize` bytes announce, read before anything else, so a
    /// server can refuse a secret key without reading it. nil: not a Lockstep object (or too
    /// short, or an unknown kind byte).
    package static func kind(ofHeader header: [UInt8]) -> Kind? {
        guard header.count >= headerSize, Array(header[0..<magic.count]) == magic else { return nil }
        return Kind(rawValue: header[magic.count])
    }

    /// A 64-bit word-wise hash: every step is a bijection of the running state, so any
    /// single changed word changes the result. Detects corruption, not tampering.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        @inline(__always) func mix(_ word: UInt64) {
            state ^= word &* 0xBF58_476D_1CE4_E5B9
            state = (state << 27) | (state >> 37)
            state = state &* 0x94D0_49BB_1331_11EB &+ 0x2545_F491_4F6C_DD1D
        }
        while offset + 8 <= bytes.count {
            mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        mix(tail)
        return state
    }
}

package struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    package init(kind: BinaryFormat.Kind, reservingCapacity: Int = 0) {
        bytes.reserveCapacity(reservingCapacity + 64)
        bytes += BinaryFormat.magic
        write(kind.rawValue)
        write(BinaryFormat.version)
    }

    package mutating func write(_ value: UInt8) { bytes.append(value) }
    package mutating func write(_ value: UInt16) { appendLittleEndian(UInt64(value), byteCount: 2) }
    package mutating func write(_ value: UInt32) { appendLittleEndian(UInt64(value), byteCount: 4) }
    package mutating func write(_ value: UInt64) { appendLittleEndian(value, byteCount: 8) }
    package mutating func write(_ value: Double) { write(value.bitPattern) }

    package mutating func write(_ string: String) {
        let utf8 = Array(string.utf8)
        write(UInt32(utf8.count))
        bytes += utf8
    }

    /// Element count (UInt64) then the words, little-endian.
    package mutating func write(words: [UInt64]) {
        write(UInt64(words.count))
        #if _endian(little)
        words.withUnsafeBytes { bytes += $0 }
        #else
        for word in words { appendLittleEndian(word, byteCount: 8) }
        #endif
    }

    /// Element count (UInt64) then 32-bit words, little-endian.
    package mutating func write(halfWords: [UInt32]) {
        write(UInt64(halfWords.count))
        #if _endian(little)
        halfWords.withUnsafeBytes { bytes += $0 }
        #else
        for word in halfWords { appendLittleEndian(UInt64(word), byteCount: 4) }
        #endif
    }

    /// Element count (UInt64) then the IEEE-754 bit patterns, little-endian.
    package mutating func write(doubles: [Double]) {
        write(UInt64(doubles.count))
        #if _endian(little)
        // Memory already holds the file's byte order: one copy instead of a byte loop, which
        // dominated writing a 300 MB server key in debug builds.
        doubles.withUnsafeBytes { bytes += $0 }
        #else
        for value in doubles { appendLittleEndian(value.bitPattern, byteCount: 8) }
        #endif
    }

    /// Raw bytes without a count (fixed-size fields such as a SHA-256 digest).
    package mutating func write(rawBytes: [UInt8]) { bytes += rawBytes }

    private mutating func appendLittleEndian(_ value: UInt64, byteCount: Int) {
        for index in 0..<byteCount { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * index))) }
    }

    /// Appends the checksum and returns the finished bytes.
    package mutating func finish() -> [UInt8] {
        let sum = bytes.withUnsafeBytes { BinaryFormat.checksum($0) }
        write(sum)
        return bytes
    }
}

package struct BinaryReader {
    private let bytes: [UInt8]
    private let end: Int         // start of the checksum trailer
    private(set) var offset = 0
    package let kind: BinaryFormat.Kind

    /// Checks magic, kind, version and checksum before any field is read.
    package init(_ bytes: [UInt8], expecting expectedKind: BinaryFormat.Kind) throws {
        let headerSize = BinaryFormat.headerSize
        guard bytes.count >= headerSize + BinaryFormat.trailerSize else {
            throw SerializationError("Serialized \(expectedKind) is truncated: \(bytes.count) bytes, less than the \(headerSize + BinaryFormat.trailerSize)-byte header and checksum.")
        }
        guard Array(bytes[0..<BinaryFormat.magic.count]) == BinaryFormat.magic else {
            throw SerializationError("Not a Lockstep TFHE object: the first 8 bytes are not \"LOCKSTEP\".")
        }
        let kindByte = bytes[BinaryFormat.magic.count]
        guard let kind = BinaryFormat.Kind(rawValue: kindByte) else {
            throw SerializationError("Unknown object kind \(kindByte) at offset 8; expected \(expectedKind.rawValue) (\(expectedKind)).")
        }
        guard kind == expectedKind else {
            throw SerializationError("Serialized object is a \(kind), expected a \(expectedKind).")
        }
        let version = UInt16(bytes[9]) | UInt16(bytes[10]) << 8
        guard version == BinaryFormat.version else {
            throw SerializationError("Unsupported \(expectedKind) format version \(version); this build reads version \(BinaryFormat.version).")
        }
        self.bytes = bytes
        self.end = bytes.count - BinaryFormat.trailerSize
        self.kind = kind
        var stored: UInt64 = 0
        for index in 0..<8 { stored |= UInt64(bytes[end + index]) << UInt64(8 * index) }
        let computed = bytes.withUnsafeBytes { BinaryFormat.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        guard stored == computed else {
            throw SerializationError("Serialized \(expectedKind) is corrupted or truncated: checksum mismatch over \(end) bytes (stored \(stored), computed \(computed)).")
        }
        offset = headerSize
    }

    private mutating func take(_ count: Int, field: String) throws -> Int {
        guard count >= 0, end - offset >= count else {
            throw SerializationError("Serialized \(kind) is truncated: field '\(field)' needs \(count) bytes at offset \(offset), only \(end - offset) remain.")
        }
        defer { offset += count }
        return offset
    }

    private mutating func readLittleEndian(_ byteCount: Int, field: String) throws -> UInt64 {
        let start = try take(byteCount, field: field)
        var value: UInt64 = 0
        for index in 0..<byteCount { value |= UInt64(bytes[start + index]) << UInt64(8 * index) }
        return value
    }

    package mutating func readUInt8(_ field: String) throws -> UInt8 { UInt8(try readLittleEndian(1, field: field)) }
    package mutating func readUInt32(_ field: String) throws -> UInt32 { UInt32(try readLittleEndian(4, field: field)) }
    package mutating func readUInt64(_ field: String) throws -> UInt64 { try readLittleEndian(8, field: field) }
    package mutating func readDouble(_ field: String) throws -> Double { Double(bitPattern: try readUInt64(field)) }

    package mutating func readString(_ field: String, maximumBytes: Int) throws -> String {
        let length = Int(try readUInt32("\(field) length"))
        guard length <= maximumBytes else {
            throw SerializationError("Field '\(field)' claims \(length) bytes; at most \(maximumBytes) are allowed.")
        }
        let start = try take(length, field: field)
        guard let string = String(validating: bytes[start ..< start + length], as: UTF8.self) else {
            throw SerializationError("Field '\(field)' at offset \(start) is not valid UTF-8.")
        }
        return string
    }

    /// A count-prefixed word array whose count must equal `expectedCount`.
    package mutating func readWords(_ field: String, expectedCount: Int) throws -> [UInt64] {
        try readArray(field, expectedCount: expectedCount) { [UInt64](repeating: 0, count: $0) }
    }

    package mutating func readHalfWords(_ field: String, expectedCount: Int) throws -> [UInt32] {
        try readArray(field, expectedCount: expectedCount) { [UInt32](repeating: 0, count: $0) }
    }

    package mutating func readDoubles(_ field: String, expectedCount: Int) throws -> [Double] {
        try readArray(field, expectedCount: expectedCount) { [Double](repeating: 0, count: $0) }
    }

    /// `readDoubles` into key-table memory (`KeyTableMemory`: huge pages on Linux), so a loaded
    /// bootstrapping key streams like a generated one.
    package mutating func readKeyTableDoubles(_ field: String, expectedCount: Int) throws -> [Double] {
        try readArray(field, expectedCount: expectedCount) { KeyTableMemory.zeroed(count: $0, zero: 0.0) }
    }

    /// `readHalfWords` into key-table memory (see `readKeyTableDoubles`).
    package mutating func readKeyTableHalfWords(_ field: String, expectedCount: Int) throws -> [UInt32] {
        try readArray(field, expectedCount: expectedCount) { KeyTableMemory.zeroed(count: $0, zero: UInt32(0)) }
    }

    /// The one reader of count-prefixed arrays: the count must equal `expectedCount` and fit
    /// what remains (compared before it is multiplied out, so a count read from a file cannot
    /// overflow the byte arithmetic); only then does `allocate` make the `expectedCount`
    /// elements (where the caller wants them), since a header alone can ask for terabytes, and
    /// the little-endian values are copied into them in one piece.
    private mutating func readArray<Element: BitwiseCopyable>(_ field: String, expectedCount: Int,
                                                              allocate: (Int) -> [Element]) throws -> [Element] {
        let count = try readUInt64("\(field) count")
        guard expectedCount >= 0, count == UInt64(expectedCount) else {
            throw SerializationError("Field '\(field)' holds \(count) values; the parameters require exactly \(expectedCount).")
        }
        let size = MemoryLayout<Element>.stride
        guard expectedCount <= (end - offset) / size else {
            throw SerializationError("Serialized \(kind) is truncated: field '\(field)' needs \(expectedCount) values of \(size) bytes at offset \(offset), only \(end - offset) bytes remain.")
        }
        let start = try take(expectedCount * size, field: field)
        // Uniquely referenced, so the caller's buffer (huge pages for key tables) is written in
        // place instead of being copied on write.
        var storage = allocate(expectedCount)
        bytes.withUnsafeBytes { raw in
            storage.withUnsafeMutableBytes { out in
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start ..< start + expectedCount * size]))
                #if _endian(big)
                for element in 0..<expectedCount { out[element * size ..< (element + 1) * size].reverse() }
                #endif
            }
        }
        return storage
    }

    /// `count` raw bytes (a fixed-size field).
    package mutating func readRawBytes(_ field: String, count: Int) throws -> [UInt8] {
        let start = try take(count, field: field)
        return Array(bytes[start ..< start + count])
    }

    /// Bytes not yet read before the checksum trailer.
    package var remaining: Int { end - offset }

    package func finish() throws {
        guard offset == end else {
            throw SerializationError("Serialized \(kind) has \(end - offset) unexpected bytes after its last field (offset \(offset)).")
        }
    }
}
