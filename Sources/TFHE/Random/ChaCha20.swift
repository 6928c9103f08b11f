/// The ChaCha20 block function of RFC 8439 §2.3: 20 rounds over a 512-bit state made of the
/// constant "expand 32-byte k", a 256-bit key, a 32-bit block counter and a 96-bit nonce.
public enum ChaCha20 {
    /// Key words are the 32 key bytes read little-endian; nonce words likewise.
    public static func block(key: [UInt32], counter: UInt32, nonce: [UInt32]) -> [UInt32] {
        precondition(key.count == 8, "ChaCha20 key must be 8 words (32 bytes), got \(key.count)")
        precondition(nonce.count == 3, "ChaCha20 nonce must be 3 words (12 bytes), got \(nonce.count)")
        var output = [UInt32](repeating: 0, count: 16)
        output.withUnsafeMutableBufferPointer { out in
            key.withUnsafeBufferPointer { k in
                nonce.withUnsafeBufferPointer { n in
                    block(key: k.baseAddress!, counter: counter, nonce: n.baseAddress!, into: out.baseAddress!)
                }
            }
        }
        return output
    }

    /// Serializes a block as RFC 8439 does: each word little-endian.
    public static func serialize(_ words: [UInt32]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(words.count * 4)
        for word in words {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return bytes
    }

    /// Reads 4·count bytes as little-endian words.
    public static func words(littleEndian bytes: [UInt8]) -> [UInt32] {
        precondition(bytes.count % 4 == 0, "byte count \(bytes.count) is not a multiple of 4")
        return stride(from: 0, to: bytes.count, by: 4).map { (i: Int) -> UInt32 in
            var word: UInt32 = 0
            for offset in 0..<4 { word |= UInt32(bytes[i + offset]) << UInt32(8 * offset) }
            return word
        }
    }

    @inline(__always)
    static func block(
        key k: UnsafePointer<UInt32>, counter: UInt32, nonce n: UnsafePointer<UInt32>,
        into out: UnsafeMutablePointer<UInt32>
    ) {
        let s0: UInt32 = 0x6170_7865, s1: UInt32 = 0x3320_646e, s2: UInt32 = 0x7962_2d32, s3: UInt32 = 0x6b20_6574
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3
        var x4 = k[0], x5 = k[1], x6 = k[2], x7 = k[3]
        var x8 = k[4], x9 = k[5], x10 = k[6], x11 = k[7]
        var x12 = counter, x13 = n[0], x14 = n[1], x15 = n[2]

        @inline(__always) func rotl(_ v: UInt32, _ c: UInt32) -> UInt32 { (v << c) | (v >> (32 - c)) }
        @inline(__always) func quarter(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
            a &+= b; d ^= a; d = rotl(d, 16)
            c &+= d; b ^= c; b = rotl(b, 12)
            a &+= b; d ^= a; d = rotl(d, 8)
            c &+= d; b ^= c; b = rotl(b, 7)
        }
        for _ in 0..<10 {
            quarter(&x0, &x4, &x8, &x12)
            quarter(&x1, &x5, &x9, &x13)
            quarter(&x2, &x6, &x10, &x14)
            quarter(&x3, &x7, &x11, &x15)
            quarter(&x0, &x5, &x10, &x15)
            quarter(&x1, &x6, &x11, &x12)
            quarter(&x2, &x7, &x8, &x13)
            quarter(&x3, &x4, &x9, &x14)
        }
        out[0] = x0 &+ s0; out[1] = x1 &+ s1; out[2] = x2 &+ s2; out[3] = x3 &+ s3
        out[4] = x4 &+ k[0]; out[5] = x5 &+ k[1]; out[6] = x6 &+ k[2]; out[7] = x7 &+ k[3]
        out[8] = x8 &+ k[4]; out[9] = x9 &+ k[5]; out[10] = x10 &+ k[6]; out[11] = x11 &+ k[7]
        out[12] = x12 &+ counter; out[13] = x13 &+ n[0]; out[14] = x14 &+ n[1]; out[15] = x15 &+ n[2]
    }
}

/// A ChaCha20 keystream used as a CSPRNG: 64-bit words are consecutive 8-byte little-endian
/// chunks of the RFC 8439 keystream for (key, nonce), block counter starting at 0.
public struct ChaCha20Generator: Sendable {
    private var key: [UInt32]
    private var nonce: [UInt32]
    private var counter: UInt32 = 0
    private var buffer = [UInt32](repeating: 0, count: 16)
    private var position = 16   // index of the next unused word in `buffer`

    public init(key: [UInt8], nonce: [UInt8]) {
        precondition(key.count == 32, "ChaCha20 key must be 32 bytes, got \(key.count)")
        precondition(nonce.count == 12, "ChaCha20 nonce must be 12 bytes, got \(nonce.count)")
        self.key = ChaCha20.words(littleEndian: key)
        self.nonce = ChaCha20.words(littleEndian: nonce)
    }

    private mutating func refill() {
        // 2^32 blocks of one nonce are 256 GiB of keystream; move to the next nonce rather
        // than ever repeating a (key, nonce, counter) triple.
        let currentCounter = counter
        key.withUnsafeBufferPointer { k in
            nonce.withUnsafeBufferPointer { n in
                buffer.withUnsafeMutableBufferPointer { out in
                    ChaCha20.block(key: k.baseAddress!, counter: currentCounter, nonce: n.baseAddress!, into: out.baseAddress!)
                }
            }
        }
        if counter == UInt32.max {
            counter = 0
            nonce[0] &+= 1
            precondition(nonce[0] != 0, "ChaCha20 generator exhausted its nonce space")
        } else {
            counter += 1
        }
        position = 0
    }

    public mutating func nextUInt32() -> UInt32 {
        if position == 16 { refill() }
        defer { position += 1 }
        return buffer[position]
    }

    public mutating func nextUInt64() -> UInt64 {
        let low = UInt64(nextUInt32())
        let high = UInt64(nextUInt32())
        return low | high << 32
    }

    /// Fills the buffer with uniform 64-bit words, a block at a time.
    public mutating func fill(_ destination: UnsafeMutableBufferPointer<UInt64>) {
        var index = 0
        while index < destination.count {
            if position == 16 { refill() }
            if position % 2 == 1 {   // finish a half-consumed word pair
                destination[index] = nextUInt64()
                index += 1
                continue
            }
            while position < 16 && index < destination.count {
                destination[index] = UInt64(buffer[position]) | UInt64(buffer[position + 1]) << 32
                position += 2
                index += 1
            }
        }
    }

    /// A uniform Double in (0, 1]: 53 random bits, never 0 so that log() is finite.
    public mutating func nextUnitIntervalOpenAtZero() -> Double {
        Double((nextUInt64() >> 11) + 1) * 0x1p-53
    }
}
