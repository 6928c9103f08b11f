import TFHE

/// A deployment file (client key, server key, ciphertexts) that cannot be used: which file,
/// and what is wrong with it.
public struct DeploymentFileError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        /// Could not be read at all (missing, unreadable).
        case unreadable(String)
        /// Does not start with "LOCKSTEP".
        case notALockstepFile
        case unknownKind(UInt8)
        case wrongKind(found: LockstepFileKind, expected: LockstepFileKind)
        /// A client key given to server-side code, refused after its 11-byte header.
        case secretKeyRefused
        /// Truncated, corrupted (checksum), another format version, or a field out of range.
        case damaged(String)
        /// A parameter set under the 128-bit security curve (and not trusted by a test).
        case insecureParameters(String)
        case otherCircuit(file: Fingerprint, circuit: Fingerprint)
        /// The circuit matches but the plan rebuilt from it differs (another build's planner).
        case otherPlan(file: Fingerprint, rebuilt: Fingerprint)
        /// `other` names the file it was compared with.
        case otherParameters(file: [String], other: [String], otherFile: String)
        case otherKeyPair(file: Fingerprint, other: Fingerprint, otherFile: String)
        /// Same circuit and sets, but the two files' plans differ (made by different builds).
        case otherFilePlan(file: Fingerprint, other: Fingerprint, otherFile: String)
        case otherTarget(file: Double, other: Double, otherFile: String)
        /// The file holds ciphertexts of the wrong role (inputs where outputs are needed, …).
        case wrongContent(String)
    }

    public let file: String
    public let problem: Problem

    public init(file: String, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .unreadable(let reason):
            return "\(file): cannot be read (\(reason))."
        case .notALockstepFile:
            return "\(file): not a Lockstep file (it does not start with \"LOCKSTEP\")."
        case .unknownKind(let byte):
            return "\(file): unknown Lockstep object kind \(byte) (this build reads kinds 1–6)."
        case let .wrongKind(found, expected):
            return "\(file): is a \(found), expected a \(expected)."
        case .secretKeyRefused:
            return "\(file): is a client key (it holds the secret key); the server side reads only a server key file and refuses client keys. Give evaluate the server key file from `lockstep keygen --out-server`."
        case .damaged(let reason):
            return "\(file): damaged or truncated: \(reason)"
        case .insecureParameters(let reason):
            return "\(file): refused: \(reason)"
        case let .otherCircuit(stored, circuit):
            return "\(file): made for another circuit (circuit fingerprint \(stored.short)…, the given circuit has \(circuit.short)…). Use the circuit file the keys were generated for."
        case let .otherPlan(stored, rebuilt):
            return "\(file): its FHE plan (fingerprint \(stored.short)…) differs from the plan this build makes for the circuit (\(rebuilt.short)…); regenerate the keys with this build."
        case let .otherParameters(stored, other, otherFile):
            return "\(file): made for parameter sets \(stored.joined(separator: ", ")), but \(otherFile) is for \(other.joined(separator: ", "))."
        case let .otherKeyPair(stored, other, otherFile):
            return "\(file): belongs to key pair \(stored.short)…, but \(otherFile) belongs to key pair \(other.short)…; both must come from the same `lockstep keygen` run."
        case let .otherFilePlan(stored, other, otherFile):
            return "\(file): made for FHE plan \(stored.short)…, but \(otherFile) for plan \(other.short)…; regenerate both with one build."
        case let .otherTarget(stored, other, otherFile):
            return "\(file): planned for p_error 2^\(stored), but \(otherFile) for 2^\(other)."
        case .wrongContent(let reason):
            return "\(file): \(reason)"
        }
    }
}

/// What a Lockstep file says it holds: its kind byte (`BinaryFormat.Kind`, which TFHE keeps
/// package-internal) as a public value.
public struct LockstepFileKind: Sendable, Equatable, CustomStringConvertible {
    let kind: BinaryFormat.Kind

    init(_ kind: BinaryFormat.Kind) { self.kind = kind }

    public static let clientKey = Self(.clientKey), serverKey = Self(.serverKey), lweCiphertext = Self(.lweCiphertext)
    public static let clientKeyFile = Self(.clientKeyFile), serverKeyFile = Self(.serverKeyFile), ciphertextFile = Self(.ciphertextFile)

    public var description: String { kind.description }
}
