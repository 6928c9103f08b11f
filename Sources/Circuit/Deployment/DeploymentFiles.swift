import Foundation
import TFHE

// The files of a deployment (README, "Deployment: client and server files"). Each is the
// TFHE container (magic, kind, version, payload, checksum) whose payload starts with the
// `DeploymentBinding`. Reading one checks, in order: kind (from the 11-byte header, before
// anything else), container (version, checksum), fields (ranges, sizes against the
// parameters), then the binding against the circuit or the other file.

/// Opens the container of `bytes` (read from `file`) as `expected`, turning every problem into
/// a `DeploymentFileError` naming the file.
func openContainer(_ bytes: [UInt8], expecting expected: BinaryFormat.Kind, file: String) throws -> BinaryReader {
    try checkKind(of: bytes, expecting: expected, file: file)
    return try damaged(file) { try BinaryReader(bytes, expecting: expected) }
}

/// The kind check alone; `header` may be just the file's first `BinaryFormat.headerSize` bytes.
func checkKind(of header: [UInt8], expecting expected: BinaryFormat.Kind, file: String) throws {
    guard header.starts(with: BinaryFormat.magic.prefix(header.count)) else {
        throw DeploymentFileError(file: file, .notALockstepFile)
    }
    guard header.count >= BinaryFormat.headerSize else {
        throw DeploymentFileError(file: file, .damaged("truncated: \(header.count) bytes, less than the \(BinaryFormat.headerSize)-byte header"))
    }
    guard let kind = BinaryFormat.kind(ofHeader: header) else {
        throw DeploymentFileError(file: file, .unknownKind(header[BinaryFormat.magic.count]))
    }
    guard kind == expected else {
        throw DeploymentFileError(file: file, .wrongKind(found: LockstepFileKind(kind), expected: LockstepFileKind(expected)))
    }
}

/// `checkKind` for a file the server reads: a client key is refused as such (not as a mere
/// wrong kind) so the message says why the server must not have it.
func checkServerSideHeader(_ header: [UInt8], expecting expected: BinaryFormat.Kind, file: String) throws {
    if let kind = BinaryFormat.kind(ofHeader: header), kind.holdsSecretKey {
        throw DeploymentFileError(file: file, .secretKeyRefused)
    }
    try checkKind(of: header, expecting: expected, file: file)
}

/// Runs `body`, reporting a malformed field as a damaged `file` and a refused parameter set
/// as insecure.
func damaged<T>(_ file: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SerializationError {
        throw DeploymentFileError(file: file, .damaged(error.message))
    } catch let error as ParameterError {
        throw DeploymentFileError(file: file, .insecureParameters(error.description))
    }
}

/// The client's secret: the client keys of a deployment, one per key pair of its binding
/// (`DeploymentBinding.keyPairs`). Never given to server-side code.
public struct ClientKeyFile: Sendable {
    public let binding: DeploymentBinding
    /// In the order of `binding.keyPairs`: the first encrypts the inputs.
    public let clientKeys: [ClientKey]
    /// The first pair's, which encrypts the inputs.
    public var clientKey: ClientKey { clientKeys[0] }

    public init(binding: DeploymentBinding, clientKeys: [ClientKey]) {
        precondition(clientKeys.map(\.parameters) == binding.keyPairs,
                     "Client keys for \(clientKeys.map(\.parameters.name)), binding for \(binding.keyPairs.map(\.name)).")
        self.binding = binding
        self.clientKeys = clientKeys
    }

    /// Binding, then each pair's key as `ClientKey.serialized` stores it after its parameters
    /// (the parameters are the binding's).
    public func serialized() -> [UInt8] {
        var writer = BinaryWriter(kind: .clientKeyFile)
        binding.write(to: &writer)
        for key in clientKeys { key.writeSecrets(to: &writer) }
        return writer.finish()
    }

    /// `trustedInsecureSets`: sets under the 128-bit curve that may load (tests only).
    public init(bytes: [UInt8], file: String, trustedInsecureSets: [ParameterSet] = []) throws {
        var reader = try openContainer(bytes, expecting: .clientKeyFile, file: file)
        (binding, clientKeys) = try damaged(file) {
            let binding = try DeploymentBinding.read(from: &reader, trustedInsecureSets: trustedInsecureSets)
            let keys = try binding.keyPairs.map { try ClientKey(readingSecretsFrom: &reader, parameters: $0) }
            try reader.finish()
            return (binding, keys)
        }
    }
}

/// What the server holds: one server key per parameter set of the plan; the keys of a pair
/// share its keyswitching key (the second pair's reads the first pair's big key). Reading it
/// never touches a client key: a file whose header says "client key" is refused before its
/// body is read (`checkHeader`).
public struct ServerKeyFile: Sendable {
    public let binding: DeploymentBinding
    /// In the order of `binding.parameterSets` (`FHEPlan.bootstrapParameterSets`).
    public let serverKeys: [ServerKey]

    public init(binding: DeploymentBinding, serverKeys: [ServerKey]) {
        precondition(serverKeys.map(\.parameters) == binding.parameterSets, "Server keys and binding name different sets.")
        self.binding = binding
        self.serverKeys = serverKeys
    }

    /// Binding, then each pair's keyswitching key once and every bootstrapping key (`ServerKey.writeBundle`).
    public func serialized() -> [UInt8] {
        var writer = BinaryWriter(kind: .serverKeyFile)
        binding.write(to: &writer)
        ServerKey.writeBundle(serverKeys, to: &writer)
        return writer.finish()
    }

    /// Checks the first `BinaryFormat.headerSize` bytes of `file`: a client key (of either
    /// kind) is refused here, so a server never reads one further.
    public static func checkHeader(_ header: [UInt8], file: String) throws {
        try checkServerSideHeader(header, expecting: .serverKeyFile, file: file)
    }

    public static var headerSize: Int { BinaryFormat.headerSize }

    /// The key tables are checked against the binding's key-pair fingerprint.
    public init(bytes: [UInt8], file: String, trustedInsecureSets: [ParameterSet] = []) throws {
        try Self.checkHeader(Array(bytes.prefix(BinaryFormat.headerSize)), file: file)
        var reader = try openContainer(bytes, expecting: .serverKeyFile, file: file)
        (binding, serverKeys) = try damaged(file) {
            let binding = try DeploymentBinding.read(from: &reader, trustedInsecureSets: trustedInsecureSets)
            let keys = try ServerKey.readBundle(from: &reader, sets: binding.parameterSets)
            try reader.finish()
            return (binding, keys)
        }
        let tables = serverKeys.keyPairFingerprint
        guard tables == binding.keyPair else {
            throw DeploymentFileError(file: file, .damaged("its key tables digest to \(tables.short)…, its header names key pair \(binding.keyPair.short)…"))
        }
    }
}

/// Encrypted samples: the client's inputs, or the server's results (some or all ops).
/// Layout after the binding: role (UInt8: 1 inputs, 2 outputs) · block count (UInt32) · per
/// block: op index (UInt32; 0xFFFFFFFF = the circuit's inputs) and value count (UInt32) ·
/// sample count (UInt32) · sample ids (UInt64 count + words) · ciphertext dimension (UInt32:
/// k·N of the first key pair) · every ciphertext, sample by sample, block by block (UInt64
/// count + words). A block of an op under the plan's second key pair (`FHEPlan.keyPair(ofOp:)`)
/// holds ciphertexts of that pair's k·N; the reader takes it from the plan.
public struct CiphertextFile: Sendable {
    public enum Role: UInt8, Sendable, CustomStringConvertible {
        case inputs = 1, outputs = 2
        public var description: String { self == .inputs ? "encrypted inputs" : "evaluated outputs" }
    }

    /// What a block of values is: the circuit's inputs, or op i's values of the plan's circuit.
    public enum Block: Hashable, Sendable, CustomStringConvertible {
        case inputs
        case op(Int)
        static let inputsMarker = UInt32.max
        public var description: String {
            switch self {
            case .inputs: return "inputs"
            case .op(let i): return "op \(i)"
            }
        }
    }

    public static let maximumSamples = 1 << 24

    /// For the server: checks the first `ServerKeyFile.headerSize` bytes of a file of
    /// inputs, refusing a client key before its body is read.
    public static func checkHeader(_ header: [UInt8], file: String) throws {
        try checkServerSideHeader(header, expecting: .ciphertextFile, file: file)
    }

    public let binding: DeploymentBinding
    public let role: Role
    public let blocks: [Block]
    /// Whatever the client numbered its samples with (e.g. test-split indices); public.
    public let sampleIDs: [Int]
    /// ciphertexts[sample][block][value], under the big key of the pair of the block's op
    /// (the inputs: the first pair).
    public let ciphertexts: [[[LWECiphertext]]]

    public init(binding: DeploymentBinding, role: Role, blocks: [Block], sampleIDs: [Int], ciphertexts: [[[LWECiphertext]]]) {
        precondition(sampleIDs.count == ciphertexts.count && ciphertexts.allSatisfy { $0.count == blocks.count },
                     "Ciphertext file: \(sampleIDs.count) ids, \(ciphertexts.count) samples, \(blocks.count) blocks.")
        self.binding = binding
        self.role = role
        self.blocks = blocks
        self.sampleIDs = sampleIDs
        self.ciphertexts = ciphertexts
    }

    public func serialized() -> [UInt8] {
        let dimension = binding.parameterSets[0].bigLWEDimension
        var writer = BinaryWriter(kind: .ciphertextFile)
        binding.write(to: &writer)
        writer.write(role.rawValue)
        writer.write(UInt32(blocks.count))
        let counts = ciphertexts.first?.map(\.count) ?? blocks.map { _ in 0 }
        for (block, count) in zip(blocks, counts) {
            switch block {
            case .inputs: writer.write(Block.inputsMarker)
            case .op(let i): writer.write(UInt32(i))
            }
            writer.write(UInt32(count))
        }
        writer.write(UInt32(sampleIDs.count))
        writer.write(words: sampleIDs.map { UInt64($0) })
        writer.write(UInt32(dimension.rawValue))
        // Each block's dimension is its first sample's; the reader derives it from the plan.
        let dimensions = ciphertexts.first?.map { $0.first?.dimension ?? dimension } ?? []
        var words = [UInt64]()
        words.reserveCapacity(ciphertexts.count * zip(counts, dimensions).reduce(0) { $0 + $1.0 * $1.1.lweSize })
        for sample in ciphertexts {
            for ((block, count), blockDimension) in zip(zip(sample, counts), dimensions) {
                precondition(block.count == count, "Every sample holds the same values per block.")
                for ciphertext in block {
                    precondition(ciphertext.dimension == blockDimension, "Ciphertext of dimension \(ciphertext.dimension) in a block of \(blockDimension).")
                    words += ciphertext.storage
                }
            }
        }
        writer.write(words: words)
        return writer.finish()
    }

    /// Reads a ciphertext file that must belong with `key` (the binding of `keyFile`) and
    /// hold values of `plan`'s circuit (the plan `key` rebuilt).
    public init(bytes: [UInt8], file: String, matching key: DeploymentBinding, keyFile: String, plan: FHEPlan) throws {
        var reader = try openContainer(bytes, expecting: .ciphertextFile, file: file)
        binding = try damaged(file) { try DeploymentBinding.read(from: &reader, trustedInsecureSets: nil) }
        try binding.requireSame(as: key, file: file, otherFile: keyFile)
        let circuit = plan.circuit
        (role, blocks, sampleIDs, ciphertexts) = try damaged(file) {
            let roleByte = try reader.readUInt8("role")
            guard let role = Role(rawValue: roleByte) else {
                throw SerializationError("Field 'role' is \(roleByte); allowed: 1 (inputs), 2 (outputs).")
            }
            let blockCount = try reader.readUInt32("block count")
            guard blockCount >= 1, blockCount <= circuit.ops.count else {
                throw SerializationError("Field 'block count' is \(blockCount); allowed: 1...\(circuit.ops.count).")
            }
            var blocks = [Block](), counts = [Int](), dimensions = [Int]()
            let pairs = plan.keyPairs
            for index in 0..<Int(blockCount) {
                let marker = try reader.readUInt32("block \(index) op")
                let count = try reader.readUInt32("block \(index) value count")
                let block: Block, expected: Int
                if marker == Block.inputsMarker {
                    (block, expected) = (.inputs, circuit.inputCount)
                } else {
                    guard marker < circuit.ops.count else {
                        throw SerializationError("Block \(index) names op \(marker); the circuit has ops 0..<\(circuit.ops.count).")
                    }
                    (block, expected) = (.op(Int(marker)), plan.ciphertextCount(ofOp: Int(marker)))
                }
                guard count == expected else {
                    throw SerializationError("Block \(index) (\(block)) holds \(count) ciphertexts; the plan has \(expected) there.")
                }
                blocks.append(block)
                counts.append(expected)
                let pair = if case .op(let i) = block { plan.keyPair(ofOp: i) } else { 0 }
                dimensions.append(pairs[pair].bigLWEDimension.rawValue)
            }
            switch role {
            case .inputs:
                guard blocks == [.inputs] else {
                    throw SerializationError("A file of encrypted inputs holds exactly the circuit's inputs; this one holds \(blocks).")
                }
            case .outputs:
                let ops = blocks.compactMap { if case .op(let i) = $0 { i } else { nil } }
                guard ops.count == blocks.count, zip(ops, ops.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw SerializationError("A file of evaluated outputs holds ops in increasing order; this one holds \(blocks).")
                }
            }
            let sampleCount = Int(try reader.readUInt32("sample count"))
            guard sampleCount <= Self.maximumSamples else {
                throw SerializationError("Field 'sample count' is \(sampleCount); at most \(Self.maximumSamples) are allowed.")
            }
            let ids = try reader.readWords("sample ids", expectedCount: sampleCount)
            guard ids.allSatisfy({ $0 <= UInt64(Int32.max) }) else {
                throw SerializationError("A sample id exceeds \(Int32.max).")
            }
            let dimension = Int(try reader.readUInt32("ciphertext dimension"))
            let expectedDimension = pairs[0].bigLWEDimension.rawValue
            guard dimension == expectedDimension else {
                throw SerializationError("Ciphertext dimension is \(dimension); parameter set '\(pairs[0].name)' has k·N = \(expectedDimension).")
            }
            // Counts are bounded by the circuit and the parameters; the product is still checked
            // before anything is sized by it.
            var perSample = (partialValue: 0, overflow: false)
            for (count, blockDimension) in zip(counts, dimensions) where !perSample.overflow {
                let block = count.multipliedReportingOverflow(by: blockDimension + 1)
                perSample = block.overflow ? block : perSample.partialValue.addingReportingOverflow(block.partialValue)
            }
            let total = perSample.partialValue.multipliedReportingOverflow(by: sampleCount)
            guard !perSample.overflow, !total.overflow, total.partialValue <= reader.remaining / 8 else {
                throw SerializationError("\(sampleCount) samples of \(counts.reduce(0, +)) ciphertexts of dimension \(Set(dimensions).sorted()) need more bytes than the file holds (\(reader.remaining) remain).")
            }
            let words = try reader.readWords("ciphertexts", expectedCount: total.partialValue)
            try reader.finish()
            var position = 0
            let samples = (0..<sampleCount).map { _ in
                zip(counts, dimensions).map { count, blockDimension in
                    (0..<count).map { _ in
                        defer { position += blockDimension + 1 }
                        return LWECiphertext(storage: Array(words[position ..< position + blockDimension + 1]))
                    }
                }
            }
            return (role, blocks, ids.map { Int($0) }, samples)
        }
    }
}
