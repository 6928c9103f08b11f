import COpenSSL
import Foundation

/// SHA-256 through OpenSSL's libcrypto (the system's, like FFTW and GSL): data checksums,
/// config and deployment fingerprints. It replaced swift-crypto, whose bundled BoringSSL was
/// compiled twice in every CI run (the test build and the fuzz build) for this one function.
///
/// Noncopyable: the OpenSSL context it owns must not be shared by two hashers.
public struct SHA256: ~Copyable {
    public static let byteCount = 32
    private let context: OpaquePointer

    public init() {
        // Allocation and EVP_sha256 initialisation fail only when memory is exhausted.
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { fatalError("OpenSSL could not start SHA-256") }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        guard let base = bufferPointer.baseAddress, bufferPointer.count > 0 else { return }
        guard EVP_DigestUpdate(context, base, bufferPointer.count) == 1 else { fatalError("OpenSSL SHA-256 update failed") }
    }

    public mutating func update(data: some DataProtocol) {
        for region in data.regions { region.withUnsafeBytes { update(bufferPointer: $0) } }
    }

    /// The 32-byte digest; the hasher is used up.
    public consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Self.byteCount)
        var length: UInt32 = 0
        let status = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        guard status == 1, length == UInt32(Self.byteCount) else { fatalError("OpenSSL SHA-256 finalisation failed") }
        return digest
    }

    public static func hash(data: some DataProtocol) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: data)
        return hasher.finalize()
    }
}
