import Foundation
import Quantization
import TFHE

/// How one circuit runs under TFHE: the parameter set, how each layer's rounding is done, the
/// encoding of every op's ciphertexts, and the predicted failure probability of every PBS
/// (DESIGN §3–5).
///
/// Rounding. A layer's round(t) → table removes e ≤ t bits exactly by digit extraction
/// (`ExactRounding`, groups of d bits at ≤ 2 PBS each) and folds the other t − e into the table
/// (`IntegerCircuit.narrowingRounding`): `circuit` is that narrowed circuit, the integer program
/// the encrypted side runs op by op. e = 0 is one wide table; e = t the narrowest. The planner
/// picks e and the group sizes per layer to minimise the PBS count under the p_error target.
///
/// Encodings. Op i's value v_j is held as v_j − offset_j ∈ [0, 2^p_i) at Δ = 2^(63 − p_i) with
/// one padding bit (`OpEncoding`, offsets from `HeldValues`). A dense op and the ops feeding it
/// share its precision (a dot product keeps Δ), so each table PBS re-encodes its output at the
/// next dense op's Δ and the client encrypts the inputs at the first one's. A round op holds
/// v >> e at p − e bits; the table PBS reads whatever its input op holds.
/// Not Codable: a plan is made by the planner for a circuit, never read from a file, so its
/// encodings cannot disagree with its circuit (the manifest records `layers`).
public struct FHEPlan: Sendable, Equatable {
    /// One group of the exact rounding of a layer, with the noise its two PBSs see.
    public struct RoundingGroup: Sendable, Codable, Equatable {
        /// Bits of the value before this group.
        public let heldBits: Int
        /// Bits this group removes.
        public let bits: Int
        /// Variance before blind rotation of the top-bit PBS (input noise ×4^(w+1−d) + KS + MS).
        public let topBitBeforeBlindRotationVariance: Variance
        /// The same for the low-bits PBS (nil for one-bit groups).
        public let lowBitsBeforeBlindRotationVariance: Variance?
        /// log2 p_error of the group: either PBS landing in a neighbouring box.
        public let log2PError: Double
        public var pbsCount: Int { LowBitsRemoval.pbsCount(bits: bits) }
    }

    public struct Layer: Sendable, Codable, Equatable {
        public let index: Int
        public let isOutputLayer: Bool
        public let neuronCount: Int
        /// m: precision of the dense op's ciphertexts, the value held before rounding and table
        /// (or decrypted, for the output layer): its held width with e bits extracted, at least the
        /// held width of its inputs.
        public let messageBits: Int
        /// The lowered circuit's rounding shift t (its table index is v >> t); `circuit`, the
        /// narrowed one, removes `extractedBits` of them in its round op.
        public let roundingShift: Int
        /// max_j ‖W_j‖₂ of the weights feeding this layer's ciphertexts.
        public let weightTwoNorm: Double
        /// Variance (torus) of the accumulator ciphertexts: ν²·(fresh or PBS output variance).
        public let accumulatorVariance: Variance
        /// Exact rounding in FHE, least significant group first (empty: no bits removed).
        public let roundingGroups: [RoundingGroup]
        /// Bits of the table PBS input, m − e (nil for the output layer).
        public let tablePrecision: Int?
        /// Variance seen by the table's blind rotation (nil for the output layer).
        public let beforeBlindRotationVariance: Variance?
        /// log2 p_error of the table PBS, or of the output layer's decryption.
        public let tableLog2PError: Double
        /// The set whose bootstrapping key the table PBSs use (nil for the output layer): the
        /// plan's set or one with the same keys and another PBS decomposition
        /// (`ParameterSet.sharesKeys`). Only the next layer feels the choice, through the
        /// table outputs' noise, so a layer whose outputs are summed by wide weights and
        /// decrypted pays for a quiet two-level key while rounding PBSs keep the cheap one.
        /// On the last hidden layer it may also be a set of another key pair (`keyPairs`): its
        /// tables then see that pair's cross keyswitch, modulus switch and N.
        public internal(set) var tableParameters: ParameterSet?
        /// Stored only when true, so plans and manifests recorded before padding-free tables
        /// existed decode unchanged and keep their fingerprints (`usesPaddingBit`).
        private let paddingBitIsValue: Bool?
        /// For the output layer held in binary weight digits (`OutputDigits`): D, the digit
        /// sums per output value; `messageBits`, `weightTwoNorm`, `accumulatorVariance` and
        /// `tableLog2PError` are then those of one digit sum. nil: whole weights, one ciphertext
        /// per value (and absent from manifests and fingerprints recorded before digits existed).
        public let outputWeightDigits: Int?

        /// Whether this layer's held values use the padding bit as a value bit: the dense op's
        /// values v ∈ [0, 2^m) sit at Δ = 2^(64−m), so the top half of the torus holds values
        /// too. A table reads v >> e ∈ [0, 2^(p+1)) with a PBS of precision p = m − 1 − e: the
        /// blind rotation returns −T(u − 2^p) for u ≥ 2^p (negacyclicity), which is the table
        /// wherever T(u) + T(u + 2^p) is the same constant 2μ for every pair in range (a
        /// saturating activation over a wide sound range), once the PBS outputs T − μ and μ is
        /// added back. One bit less of PBS precision for the same table: N halves at a
        /// precision boundary, and every rounding group amplifies its input one bit less.
        public var usesPaddingBit: Bool { paddingBitIsValue ?? false }
        /// The precision of the dense op's encoding: m, or m − 1 when the padding bit holds values.
        public var heldPrecision: Int { messageBits - (usesPaddingBit ? 1 : 0) }

        public init(index: Int, isOutputLayer: Bool, neuronCount: Int, messageBits: Int, roundingShift: Int,
                    weightTwoNorm: Double, accumulatorVariance: Variance, roundingGroups: [RoundingGroup],
                    tablePrecision: Int?, beforeBlindRotationVariance: Variance?, tableLog2PError: Double,
                    tableParameters: ParameterSet?, usesPaddingBit: Bool = false, outputWeightDigits: Int? = nil) {
            precondition(!usesPaddingBit || !isOutputLayer, "The output layer is decrypted with its padding bit clear")
            precondition(outputWeightDigits == nil || isOutputLayer, "Only the output layer is held in weight digits")
            self.outputWeightDigits = outputWeightDigits
            self.index = index
            self.isOutputLayer = isOutputLayer
            self.neuronCount = neuronCount
            self.messageBits = messageBits
            self.roundingShift = roundingShift
            self.weightTwoNorm = weightTwoNorm
            self.accumulatorVariance = accumulatorVariance
            self.roundingGroups = roundingGroups
            self.tablePrecision = tablePrecision
            self.beforeBlindRotationVariance = beforeBlindRotationVariance
            self.tableLog2PError = tableLog2PError
            self.tableParameters = tableParameters
            paddingBitIsValue = usesPaddingBit ? true : nil
        }

        /// e: bits removed by digit extraction before the table.
        public var extractedBits: Int { roundingGroups.reduce(0) { $0 + $1.bits } }
        /// The encoding the table PBS reads (m − e bits, or m − 1 − e with the padding bit used).
        public var tableInputEncoding: Encoding { Encoding(precision: heldPrecision - extractedBits) }
        /// log2 of the probability that one output value of this layer is wrong: any PBS of its
        /// chain (rounding groups, table) or, for the output layer, the decryption of one
        /// ciphertext (one digit sum when held in digits).
        public var log2PError: Double {
            NoiseFormulas.log2Union(roundingGroups.map(\.log2PError) + [tableLog2PError])
        }
        /// The largest log2 p_error of any one PBS (or the decryption) of this layer.
        public var worstLog2PError: Double { (roundingGroups.map(\.log2PError) + [tableLog2PError]).max()! }
        /// log2 of the probability that the rounded value v >> e is wrong (−∞ without rounding).
        public var roundingLog2PError: Double { NoiseFormulas.log2Union(roundingGroups.map(\.log2PError)) }
        public var tablePBSCount: Int { isOutputLayer ? 0 : neuronCount }
        public var roundingPBSCount: Int { neuronCount * roundingGroups.reduce(0) { $0 + $1.pbsCount } }
        /// Every KS→PBS of this layer per sample.
        public var pbsCount: Int { tablePBSCount + roundingPBSCount }
        /// The widest precision any PBS of this layer needs.
        public var maxPBSPrecision: Int {
            (roundingGroups.map { $0.bits - 1 } + [tablePrecision ?? 0]).max() ?? 0
        }
    }

    /// How op i of `circuit` is held encrypted: v_j − offsets[j] ∈ [0, 2^valueBits) at `encoding`.
    public struct OpEncoding: Sendable, Equatable {
        public let encoding: Encoding
        public let offsets: [Int64]
        /// encoding.precision, or one more when the padding bit holds values (`Layer.usesPaddingBit`).
        public let valueBits: Int
        /// log2 of the probability that one value of this op is wrong when its inputs are right:
        /// a dense op's decryption, a round op's extraction PBSs, a table op's PBS.
        public let log2PError: Double

        init(encoding: Encoding, offsets: [Int64], usesPaddingBit: Bool, log2PError: Double) {
            self.encoding = encoding
            self.offsets = offsets
            valueBits = encoding.precision + (usesPaddingBit ? 1 : 0)
            self.log2PError = log2PError
        }

        /// The held value v − offset a phase decrypts to: `encoding.decode`, whose signed result
        /// is brought back into [0, 2^valueBits) when the top half of the torus holds values.
        @inline(__always)
        public func decode(_ phase: UInt64) -> Int {
            let value = encoding.decode(phase)
            return valueBits > encoding.precision && value < 0 ? value + (1 << valueBits) : value
        }
    }

    public let parameters: ParameterSet
    /// Where the plan's set came from. The raw values are what manifests, deployment files
    /// and plan fingerprints record.
    public enum Selection: String, Sendable, Codable, CaseIterable {
        /// A catalogue set (named by the user, or the planner's automatic pick among them).
        case named
        /// A set the parameter optimizer made for this circuit.
        case optimizer
    }

    public let selection: Selection
    public let layers: [Layer]
    /// log2 of the target failure probability per PBS the set was chosen for.
    public let log2PErrorTarget: Double
    /// The circuit the encrypted side evaluates: the lowered one with each layer's rounding
    /// narrowed to the bits the plan extracts (same outputs and table values).
    public let circuit: IntegerCircuit
    /// One per op of `circuit`.
    public let opEncodings: [OpEncoding]
    /// The output layer's binary weight digits when its plan layer holds them (`OutputDigits`).
    public let outputDigits: OutputDigits?

    /// Builds the plan's circuit and op encodings for per-layer choices `layers` of `source`.
    public init(source: IntegerCircuit, parameters: ParameterSet, selection: Selection, layers: [Layer], log2PErrorTarget: Double) {
        self.parameters = parameters
        self.selection = selection
        self.layers = layers
        self.log2PErrorTarget = log2PErrorTarget
        circuit = source.narrowingRounding(extractedBits: layers.map(\.extractedBits))
        let circuit = circuit
        outputDigits = zip(circuit.stages, layers).first { $1.outputWeightDigits != nil }.flatMap { stage, layer in
            let digits = OutputDigits(circuit: circuit, op: stage.linear)
            precondition(digits?.count == layer.outputWeightDigits,
                         "Layer \(layer.index): the plan holds \(layer.outputWeightDigits ?? 0) weight digits, its weights have \(digits?.count ?? 0)")
            return digits
        }
        opEncodings = Self.encodings(of: circuit, layers: layers, outputDigits: outputDigits)
        // A cross key reads the first pair's big key: every PBS input must be under it.
        for i in circuit.ops.indices where circuit.ops[i].kind == .round || circuit.ops[i].kind == .table {
            precondition(keyPair(ofOp: i - 1) == 0,
                         "Op \(i) bootstraps ciphertexts under key pair \(keyPair(ofOp: i - 1)); only the last hidden layer's tables may use another key pair")
        }
    }

    /// Per op: the precision (see the type's comment) and the offsets of `HeldValues`.
    static func encodings(of circuit: IntegerCircuit, layers: [Layer], outputDigits: OutputDigits?) -> [OpEncoding] {
        var result = [OpEncoding?](repeating: nil, count: circuit.ops.count)
        for (position, (stage, layer)) in zip(circuit.stages, layers).enumerated() {
            let dense = circuit.ops[stage.linear]
            // In the narrowed circuit a round op's shift is the plan's e.
            let e = stage.shift
            precondition(e == layer.extractedBits, "Layer \(layer.index): the circuit removes \(e) bits, the plan \(layer.extractedBits)")
            let offsets = HeldValues.linearOffsets(dense, roundingBits: e, addend: stage.addend)
            let wide = layer.usesPaddingBit
            // Digit sums are held above their own bounds, D ciphertexts per value (union bound).
            let digits = outputDigits?.op == stage.linear ? outputDigits : nil
            result[stage.linear] = OpEncoding(
                encoding: Encoding(precision: layer.heldPrecision), offsets: digits?.low ?? offsets, usesPaddingBit: wide,
                log2PError: layer.isOutputLayer ? layer.tableLog2PError + log2(Double(digits?.count ?? 1))
                    : NoiseFormulas.log2PError(variance: layer.accumulatorVariance.value, precision: layer.heldPrecision))
            if let round = stage.round {
                result[round] = OpEncoding(encoding: layer.tableInputEncoding, offsets: offsets.map { ($0 + stage.addend) >> e },
                                           usesPaddingBit: wide, log2PError: layer.roundingLog2PError)
            }
            if let table = stage.table {
                // Held at the next dense op's precision: that op reads these ciphertexts.
                let next = layers[position + 1]
                result[table] = OpEncoding(encoding: Encoding(precision: next.heldPrecision), offsets: circuit.ops[table].low,
                                           usesPaddingBit: next.usesPaddingBit, log2PError: layer.tableLog2PError)
            }
        }
        return result.map { $0! }
    }

    /// What one op of `circuit` costs and risks under this plan (reports' per-op rows).
    public struct OpFigures: Sendable, Equatable {
        public let op: Int
        public let kind: OpKind
        public let layer: Int
        public let values: Int
        /// Dense: the precision its ciphertexts are held (and decrypted) at; round: the held
        /// width its digit extraction reads; table: the precision its PBS reads.
        public let precisionBits: Int
        /// KS→PBS per sample.
        public let pbsPerSample: Int
        public let log2PError: Double
    }

    public var opFigures: [OpFigures] {
        circuit.ops.indices.map { i in
            let op = circuit.ops[i]
            // A dense op is held at its precision; a round or table op's PBSs read its input's.
            let precision = opEncodings[op.kind.isLinear ? i : i - 1].encoding.precision
            let pbs: Int
            switch op.kind {
            case .dense, .conv2d: pbs = 0
            case .round: pbs = layers[op.layer].roundingPBSCount   // `validate`: op.layer is the stage's position
            case .table: pbs = op.count
            }
            return OpFigures(op: i, kind: op.kind, layer: op.layer, values: op.count, precisionBits: precision,
                             pbsPerSample: pbs, log2PError: opEncodings[i].log2PError)
        }
    }

    /// The rows op i's ciphertexts are summed with: the output layer's digit rows when it is
    /// held in weight digits, else the op's own (nil for a round or table op).
    public func linearRows(ofOp i: Int) -> LinearRows? {
        outputDigits?.op == i ? outputDigits?.rows : circuit.ops[i].linear
    }

    /// Ciphertexts op i yields per sample: its values, or D per value in weight digits.
    public func ciphertextCount(ofOp i: Int) -> Int {
        guard let digits = outputDigits, digits.op == i else { return circuit.ops[i].count }
        return digits.rows.outputCount
    }

    /// The values op i computes from the phases of its ciphertexts: decode + offset, and for
    /// weight digits the recombination Σ_k 2^k·S_kj. Client decryption and the simulator both
    /// read values this way.
    public func decode(op i: Int, phases: [UInt64]) -> [Int64] {
        let held = opEncodings[i]
        let values = phases.indices.map { Int64(held.decode(phases[$0])) + held.offsets[$0] }
        guard let digits = outputDigits, digits.op == i else { return values }
        return digits.combine(values)
    }

    /// The clear value each of op i's ciphertexts holds in `trace` (noise measurement): the
    /// op's values, or the digit sums of its inputs.
    public func ciphertextValues(op i: Int, trace: CircuitTrace) -> [Int64] {
        guard let digits = outputDigits, digits.op == i else { return trace.values[i] }
        return digits.rows.apply(i == 0 ? trace.input : trace.values[i - 1])
    }

    /// The ciphertexts of op i that make up its value j.
    public func ciphertexts(ofOp i: Int, value j: Int) -> [Int] {
        guard let digits = outputDigits, digits.op == i else { return [j] }
        return digits.ciphertexts(ofValue: j)
    }

    /// The encoding and offset the client encrypts input codes with: the first dense op's
    /// precision, held above the circuit's lowest input code.
    public var inputEncoding: Encoding { opEncodings[0].encoding }

    /// log2 of the probability that any PBS or output decryption of one inference fails.
    public var log2GlobalPError: Double {
        var terms = [Double]()
        for layer in layers {
            terms += layer.roundingGroups.map { $0.log2PError + log2(Double(layer.neuronCount)) }
            terms.append(layer.tableLog2PError + log2(Double(layer.neuronCount * (layer.outputWeightDigits ?? 1))))
        }
        return NoiseFormulas.log2Union(terms)
    }

    public var maxPBSPrecision: Int { layers.map(\.maxPBSPrecision).max() ?? 0 }
    /// Every set whose bootstrapping key the plan uses: `parameters` (keyswitches, rounding
    /// PBSs) first, then the tables' other decompositions, each once.
    public var bootstrapParameterSets: [ParameterSet] {
        var sets = [parameters]
        for set in layers.compactMap(\.tableParameters) where !sets.contains(set) { sets.append(set) }
        return sets
    }
    /// The plan's key pairs, one representative set each: `parameters`' pair first (inputs,
    /// rounding, keyswitches), then the pair of each table set that does not share its keys
    /// (`ParameterSet.sharesKeys`). A table set of another pair bootstraps through a cross key
    /// (`ClientKey.serverKey(readingFrom:bootstrappingWith:)`): it reads the first pair's big
    /// key and leaves its outputs under its own pair, so only the last hidden layer's tables
    /// may use one (the output layer sums and decrypts under it).
    public var keyPairs: [ParameterSet] { ParameterSet.keyPairs(of: bootstrapParameterSets) }

    /// The index in `keyPairs` of the pair op i's ciphertexts are under (i = −1: the inputs).
    public func keyPair(ofOp i: Int) -> Int {
        let pairs = keyPairs
        var current = 0
        for k in stride(from: 0, through: i, by: 1) where circuit.ops[k].kind == .table {
            let set = bootstrapParameters(ofOp: k) ?? parameters
            current = pairs.firstIndex { $0.sharesKeys(with: set) } ?? 0
        }
        return current
    }

    /// The sets for people: "concrete-p40-b4", or "concrete-p40-b4 (tables: concrete-p40-b4-pbs15x2)".
    public var keysDescription: String {
        Self.keysDescription(parameters.name, tables: layers.compactMap(\.tableParameters?.name))
    }
    /// The same from names (a manifest's): `base`, then the tables' other sets, each once.
    public static func keysDescription(_ base: String, tables: [String]) -> String {
        var others = [String]()
        for table in tables where table != base && !others.contains(table) { others.append(table) }
        return others.isEmpty ? base : "\(base) (tables: \(others.joined(separator: ", ")))"
    }
    /// The set op i's PBSs use (nil for dense ops).
    public func bootstrapParameters(ofOp i: Int) -> ParameterSet? {
        let op = circuit.ops[i]
        switch op.kind {
        case .dense, .conv2d: return nil
        case .round: return parameters
        case .table: return layers[op.layer].tableParameters ?? parameters   // `validate`: op.layer is the stage's position
        }
    }
    public var pbsCount: Int { layers.reduce(0) { $0 + $1.pbsCount } }
    public var tablePBSCount: Int { layers.reduce(0) { $0 + $1.tablePBSCount } }
    public var roundingPBSCount: Int { layers.reduce(0) { $0 + $1.roundingPBSCount } }
}

public enum FHEPlanError: Error, CustomStringConvertible, Equatable {
    case precisionTooHigh(layer: Int, bits: Int, maximum: Int)
    case noParameterSetFits(layer: Int, bits: Int, weightTwoNorm: Double, log2Target: Double, reason: String)
    case namedSetTooWeak(name: String, layer: Int, bits: Int, log2PError: Double, log2Target: Double)

    public var description: String {
        switch self {
        case let .precisionTooHigh(layer, bits, maximum):
            return "layer \(layer) needs a \(bits)-bit table lookup even after rounding; Lockstep's PBS supports at most \(maximum) bits. Lower quantization.max_tlu_bits (exact rounding removes the rest), the bit widths, or set an accumulator budget."
        case let .noParameterSetFits(layer, bits, nu, target, reason):
            return "no 128-bit parameter set fits layer \(layer): it needs \(bits) bits with weight 2-norm \(String(format: "%.2f", nu)) at p_error 2^\(String(format: "%.1f", target)) (\(reason))."
        case let .namedSetTooWeak(name, layer, bits, p, target):
            return "parameter set '\(name)' gives layer \(layer) (\(bits) bits) p_error 2^\(String(format: "%.1f", p)), above the target 2^\(String(format: "%.1f", target)). Use 'auto' or a larger set."
        }
    }
}
