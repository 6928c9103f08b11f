#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the randomness of key generation and encryption comes from.
public enum RandomSeed: Sendable, Hashable {
    /// 32 fresh bytes from the operating system (/dev/urandom).
    case operatingSystem
    /// An explicit 32-byte seed: reproducible, and therefore not for production secrets.
    case fixed([UInt8])

    /// Expands a 64-bit integer into a fixed 32-byte seed (little-endian, zero-padded).
    public static func fixed(_ value: UInt64) -> RandomSeed {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i)) }
        return .fixed(bytes)
    }

    /// The seed of a plan's key pair `pair` (`FHEPlan.keyPairs`): pair 0 keeps this seed, so a
    /// one-pair plan's keys are those it always had; another pair of a fixed seed gets the seed
    /// with its last 8 bytes XORed with the pair number, an independent ChaCha20 key; the
    /// operating system gives fresh bytes every time.
    public func forKeyPair(_ pair: Int) -> RandomSeed {
        guard pair > 0, case .fixed(var bytes) = self, bytes.count == 32 else { return self }
        for i in 0..<8 { bytes[24 + i] ^= UInt8(truncatingIfNeeded: UInt64(pair) >> UInt64(8 * i)) }
        return .fixed(bytes)
    }

    /// The wording a manifest records for this seed.
    public var provenance: String {
        switch self {
        case .operatingSystem: return "operating system (/dev/urandom)"
        case .fixed: return "seeded (not for production secrets)"
        }
    }

    /// The 32-byte ChaCha20 key all streams derive from.
    func seedBytes() -> [UInt8] {
        switch self {
        case .operatingSystem: return OperatingSystemEntropy.bytes(32)
        case .fixed(let bytes):
            precondition(bytes.count == 32, "a fixed seed must be 32 bytes, got \(bytes.count)")
            return bytes
        }
    }
}

enum OperatingSystemEntropy {
    static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let descriptor = open("/dev/urandom", O_RDONLY)
        precondition(descriptor >= 0, "cannot open /dev/urandom (errno \(errno)); no secure seed is available")
        defer { close(descriptor) }
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + filled, count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            precondition(got > 0, "reading /dev/urandom failed (errno \(errno))")
            filled += got
        }
        return bytes
    }
}

/// The three independent streams of DESIGN §4: secret-key bits, uniform masks and Gaussian
/// noise. They share one seed and differ by nonce, so no stream can predict another.
public struct EncryptionRandomness: Sendable {
    public var secrets: ChaCha20Generator
    public var masks: ChaCha20Generator
    public var noise: ChaCha20Generator

    enum Stream: UInt8 { case secrets = 1, masks = 2, noise = 3 }

    public init(seed: RandomSeed) {
        let key = seed.seedBytes()
        func nonce(_ stream: Stream) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 12)
            bytes[4] = stream.rawValue   // word 0 stays free for the generator's nonce rollover
            return bytes
        }
        secrets = ChaCha20Generator(key: key, nonce: nonce(.secrets))
        masks = ChaCha20Generator(key: key, nonce: nonce(.masks))
        noise = ChaCha20Generator(key: key, nonce: nonce(.noise))
    }
}
