import Foundation
import TFHE

/// What every deployment file records right after the container header, and what ties the
/// files of one deployment together: the circuit, the plan made for it (rebuilt from the
/// circuit and these fields, never read from the file), the parameter sets with their
/// fingerprints, and the key pair.
///
/// Layout (little-endian): circuit fingerprint (32 bytes) · plan fingerprint (32) · key-pair
/// fingerprint (32) · log2 p_error target (Float64) · plan selection (UInt32 length + UTF-8) ·
/// set count (UInt32, 1…16) · per set: the parameter set (`ParameterSet` serialization) and
/// its fingerprint (32). Sets are `FHEPlan.bootstrapParameterSets`: the plan's set first. They
/// belong to one key pair, or two when the last hidden layer's tables bootstrap under a
/// second pair (`FHEPlan.keyPairs`); the key and ciphertext files follow these pairs.
public struct DeploymentBinding: Sendable, Equatable {
    public let circuit: Fingerprint
    public let plan: Fingerprint
    public let keyPair: Fingerprint
    public let log2PErrorTarget: Double
    /// The plan's `selection`, needed to rebuild an equal plan.
    public let selection: FHEPlan.Selection
    public let parameterSets: [ParameterSet]

    public static let maximumParameterSets = 16
    /// A plan's key pairs are at most two (`FHEPlan.keyPairs`: only the last hidden layer's
    /// tables may bootstrap under a second pair).
    public static let maximumKeyPairs = 2

    /// One representative set per key pair, the first pair's first: as `FHEPlan.keyPairs`.
    public var keyPairs: [ParameterSet] { ParameterSet.keyPairs(of: parameterSets) }

    /// For keys generated for `plan` of the circuit `source` (the lowered circuit the plan
    /// was made from). Throws when the plan cannot be rebuilt from its sets: files are only
    /// written for plans every later command reproduces exactly.
    public init(plan: FHEPlan, source: IntegerCircuit, keyPair: Fingerprint) throws {
        circuit = try source.fingerprint()
        self.plan = try plan.fingerprint()
        self.keyPair = keyPair
        log2PErrorTarget = plan.log2PErrorTarget
        selection = plan.selection
        parameterSets = plan.bootstrapParameterSets
        try Self.requireRebuildable(plan, source: source)
    }

    /// Throws unless the later commands can rebuild `plan` from `source` and the fields of a
    /// binding; keygen asks before it generates any key.
    public static func requireRebuildable(_ plan: FHEPlan, source: IntegerCircuit) throws {
        guard plan.keyPairs.count <= maximumKeyPairs else {
            throw CircuitFileError(description: "the plan (\(plan.keysDescription)) uses \(plan.keyPairs.count) key pairs; deployment files hold at most \(maximumKeyPairs)")
        }
        let sets = plan.bootstrapParameterSets
        guard sets.count <= maximumParameterSets else {
            throw CircuitFileError(description: "the plan uses \(sets.count) bootstrapping keys; deployment files hold at most \(maximumParameterSets)")
        }
        guard rebuild(source, sets: sets, selection: plan.selection, target: plan.log2PErrorTarget) == plan else {
            throw CircuitFileError(description: "the plan (\(plan.keysDescription)) cannot be rebuilt from its parameter sets alone, so files made for it could not be checked; choose a named parameter set with --parameters")
        }
    }

    private init(circuit: Fingerprint, plan: Fingerprint, keyPair: Fingerprint, log2PErrorTarget: Double, selection: FHEPlan.Selection,
                 parameterSets: [ParameterSet]) {
        self.circuit = circuit
        self.plan = plan
        self.keyPair = keyPair
        self.log2PErrorTarget = log2PErrorTarget
        self.selection = selection
        self.parameterSets = parameterSets
    }

    /// Rounding and keyswitches use the first set; each layer's tables pick among all of them
    /// exactly as the planner picked among its wider candidate list (the chosen ones are in it).
    private static func rebuild(_ circuit: IntegerCircuit, sets: [ParameterSet], selection: FHEPlan.Selection, target: Double) -> FHEPlan {
        FHEPlanner.makePlan(circuit, parameters: sets[0], selection: selection, target: target, tableCandidates: sets)
    }

    /// The plan of this deployment for `circuit`, after checking that the file (`file`) was
    /// made for that circuit and that this build plans it the same way.
    public func plan(for circuit: IntegerCircuit, file: String) throws -> FHEPlan {
        let given = try circuit.fingerprint()
        guard given == self.circuit else {
            throw DeploymentFileError(file: file, .otherCircuit(file: self.circuit, circuit: given))
        }
        let plan = Self.rebuild(circuit, sets: parameterSets, selection: selection, target: log2PErrorTarget)
        let rebuilt = try plan.fingerprint()
        guard rebuilt == self.plan else { throw DeploymentFileError(file: file, .otherPlan(file: self.plan, rebuilt: rebuilt)) }
        // The keys in the file follow the binding's sets and pairs; a binding naming a set its
        // plan does not use would pair keys with the wrong bootstrapping steps.
        guard plan.bootstrapParameterSets == parameterSets else {
            throw DeploymentFileError(file: file, .damaged("its header names the parameter sets \(parameterSets.map(\.name)); the plan they rebuild uses \(plan.bootstrapParameterSets.map(\.name))"))
        }
        return plan
    }

    /// Throws, naming the first difference, unless `file`'s binding equals `other`'s (the
    /// binding of `otherFile`).
    public func requireSame(as other: DeploymentBinding, file: String, otherFile: String) throws {
        if circuit != other.circuit {
            throw DeploymentFileError(file: file, .otherCircuit(file: circuit, circuit: other.circuit))
        }
        if parameterSets != other.parameterSets {
            throw DeploymentFileError(file: file, .otherParameters(file: parameterSets.map(Self.label), other: other.parameterSets.map(Self.label),
                                                                   otherFile: otherFile))
        }
        if log2PErrorTarget != other.log2PErrorTarget {
            throw DeploymentFileError(file: file, .otherTarget(file: log2PErrorTarget, other: other.log2PErrorTarget, otherFile: otherFile))
        }
        if plan != other.plan { throw DeploymentFileError(file: file, .otherFilePlan(file: plan, other: other.plan, otherFile: otherFile)) }
        if keyPair != other.keyPair {
            throw DeploymentFileError(file: file, .otherKeyPair(file: keyPair, other: other.keyPair, otherFile: otherFile))
        }
    }

    static func label(_ set: ParameterSet) -> String { "\(set.name) (\(set.fingerprint.short)…)" }

    func write(to writer: inout BinaryWriter) {
        writer.write(rawBytes: circuit.bytes)
        writer.write(rawBytes: plan.bytes)
        writer.write(rawBytes: keyPair.bytes)
        writer.write(log2PErrorTarget)
        writer.write(selection.rawValue)
        writer.write(UInt32(parameterSets.count))
        for set in parameterSets {
            writer.write(set)
            writer.write(rawBytes: set.fingerprint.bytes)
        }
    }

    /// Reads a binding. `trustedInsecureSets` nil: no security check (the sets are then
    /// compared with a checked binding, a key's); otherwise every set must pass the 128-bit
    /// check unless it is one of them (tests).
    static func read(from reader: inout BinaryReader, trustedInsecureSets: [ParameterSet]?) throws -> DeploymentBinding {
        func fingerprint(_ field: String) throws -> Fingerprint {
            Fingerprint(bytes: try reader.readRawBytes(field, count: Fingerprint.byteCount))
        }
        let circuit = try fingerprint("circuit fingerprint")
        let plan = try fingerprint("plan fingerprint")
        let keyPair = try fingerprint("key-pair fingerprint")
        let target = try reader.readDouble("log2 p_error target")
        guard target.isFinite, target < 0 else {
            throw SerializationError("Field 'log2 p_error target' is \(target); expected a finite negative log2 probability.")
        }
        let selectionText = try reader.readString("plan selection", maximumBytes: 64)
        guard let selection = FHEPlan.Selection(rawValue: selectionText) else {
            throw SerializationError("Field 'plan selection' is '\(selectionText)'; allowed: \(FHEPlan.Selection.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let count = try reader.readUInt32("parameter set count")
        guard (1...UInt32(maximumParameterSets)).contains(count) else {
            throw SerializationError("Field 'parameter set count' is \(count); allowed: 1...\(maximumParameterSets).")
        }
        var sets = [ParameterSet]()
        for index in 0..<Int(count) {
            let set = try trustedInsecureSets.map { try reader.readSecureParameterSet(trustedInsecureSets: $0) } ?? reader.readParameterSet()
            let stored = try fingerprint("fingerprint of parameter set \(index)")
            guard stored == set.fingerprint else {
                throw SerializationError("Parameter set \(index) ('\(set.name)') does not match its stored fingerprint \(stored.short)….")
            }
            guard !sets.contains(set) else {
                throw SerializationError("Parameter set \(index) ('\(set.name)') is listed twice.")
            }
            sets.append(set)
            guard ParameterSet.keyPairs(of: sets).count <= maximumKeyPairs else {
                throw SerializationError("Parameter set \(index) ('\(set.name)') shares the keys of none of \(ParameterSet.keyPairs(of: sets).dropLast().map(\.name)); a deployment holds at most \(maximumKeyPairs) key pairs.")
            }
        }
        return DeploymentBinding(circuit: circuit, plan: plan, keyPair: keyPair, log2PErrorTarget: target,
                                 selection: selection, parameterSets: sets)
    }
}
