import Digest
import Foundation
import TFHE

/// A SHA-256 digest that names what a deployment file belongs to: a circuit, a plan, a
/// parameter set, a key pair. Equal digests mean equal inputs; printed as 64 hex digits.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]

    init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "a SHA-256 fingerprint has 32 bytes, got \(bytes.count)")
        self.bytes = bytes
    }

    public static func sha256(_ data: some DataProtocol) -> Fingerprint {
        Fingerprint(bytes: SHA256.hash(data: data))
    }

    public var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
    /// The first 12 hex digits, enough to tell two fingerprints apart in a message.
    public var short: String { String(description.prefix(12)) }
}

extension IntegerCircuit {
    /// The circuit file's bytes as `save` writes them (JSON, sorted keys), whatever spacing the
    /// file on disk has: what the circuit fingerprint digests.
    public func canonicalJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw CircuitFileError(description: "the circuit cannot be encoded as JSON (\(error))")
        }
    }

    /// SHA-256 of `canonicalJSON()`: every deployment file records it, so keys and
    /// ciphertexts are only ever used with the circuit they were made for.
    public func fingerprint() throws -> Fingerprint { .sha256(try canonicalJSON()) }
}

extension ParameterSet {
    /// SHA-256 of every field as serialized objects store it (name included).
    public var fingerprint: Fingerprint { .sha256(canonicalEncoding) }
}

extension FHEPlan {
    /// SHA-256 of the plan's choices (parameters, target, per-layer rounding and table sets)
    /// as JSON: a deployment file rebuilds its plan from the circuit and checks this, so a
    /// planner that changed between keygen and evaluation is an error, not wrong ciphertexts.
    public func fingerprint() throws -> Fingerprint {
        struct Choices: Encodable {
            let parameters: ParameterSet, selection: FHEPlan.Selection, log2PErrorTarget: Double, layers: [FHEPlan.Layer]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(Choices(parameters: parameters, selection: selection,
                                              log2PErrorTarget: log2PErrorTarget, layers: layers))
        return .sha256(data)
    }
}

extension Array where Element == ServerKey {
    /// Identifies a key pair: SHA-256 of the server keys' tables (public material, so the
    /// client key file can carry it too). Ciphertexts record it, so a ciphertext of one key
    /// pair given to another pair's key is refused rather than decrypted to noise.
    public var keyPairFingerprint: Fingerprint {
        var hasher = SHA256()
        for key in self { key.withKeyTableBytes { hasher.update(bufferPointer: $0) } }
        return Fingerprint(bytes: hasher.finalize())
    }
}
