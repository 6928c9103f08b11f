import Foundation
import TFHE

/// How one circuit runs under TFHE: the parameter set, the encoding of every layer's input,
/// how each layer's rounding is done, and the predicted failure probability of every PBS
/// (DESIGN §3–5).
///
/// Encodings. Layer l holds v = acc − lo + 2^(t−1) ∈ [0, 2^m_l) (t the rounding shift, no
/// half for t = 0) at Δ_l = 2^(63 − m_l) with one padding bit, m_l = the layer's
/// `messageBits`. Its inputs are encrypted (layer 0: by the client; later layers: by the
/// previous layer's PBS, which re-encodes its output) at Δ_l, so the dot product Σ W·ct plus
/// the clear constant lands at Δ_l directly.
///
/// Rounding. The contract's index is v >> t. The plan removes e ≤ t of those bits exactly by
/// digit extraction (`ExactRounding`, groups of d bits at ≤ 2 PBS each) and folds the other
/// t − e into the table, which then reads u = v >> e with m − e bits: entry u is
/// T[u >> (t − e)]. e = 0 is one wide table; e = t is the narrowest table. The planner picks
/// e and the group sizes per layer to minimise the PBS count under the p_error target.
public struct FHEPlan: Sendable, Codable, Equatable {
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
        /// m: bits of the value held before rounding and table (or decrypted, for the output layer).
        public let messageBits: Int
        /// The circuit's rounding shift t (table index = v >> t).
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

        /// e: bits removed by digit extraction before the table.
        public var extractedBits: Int { roundingGroups.reduce(0) { $0 + $1.bits } }
        /// The encoding the table PBS reads (m − e bits).
        public var tableInputEncoding: Encoding { Encoding(precision: messageBits - extractedBits) }
        /// log2 of the probability that one output value of this layer is wrong: any PBS of its
        /// chain (rounding groups, table) or, for the output layer, its decryption.
        public var log2PError: Double {
            NoiseFormulas.log2Union(roundingGroups.map(\.log2PError) + [tableLog2PError])
        }
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

    public let parameters: ParameterSet
    /// How the set was chosen: "named" or "optimizer".
    public let selection: String
    public let layers: [Layer]
    /// log2 of the target failure probability per PBS the set was chosen for.
    public let log2PErrorTarget: Double

    public func inputEncoding(ofLayer index: Int) -> Encoding { Encoding(precision: layers[index].messageBits) }

    /// log2 of the probability that any PBS or output decryption of one inference fails.
    public var log2GlobalPError: Double {
        var terms = [Double]()
        for layer in layers {
            terms += layer.roundingGroups.map { $0.log2PError + log2(Double(layer.neuronCount)) }
            terms.append(layer.tableLog2PError + log2(Double(layer.neuronCount)))
        }
        return NoiseFormulas.log2Union(terms)
    }

    public var maxPBSPrecision: Int { layers.map(\.maxPBSPrecision).max() ?? 0 }
    public var pbsCount: Int { layers.reduce(0) { $0 + $1.pbsCount } }
    public var tablePBSCount: Int { layers.reduce(0) { $0 + $1.tablePBSCount } }
    public var roundingPBSCount: Int { layers.reduce(0) { $0 + $1.roundingPBSCount } }
}

public enum FHEPlanError: Error, CustomStringConvertible, Equatable {
    case precisionTooHigh(layer: Int, bits: Int, maximum: Int)
    case noParameterSetFits(layer: Int, bits: Int, weightTwoNorm: Double, log2Target: Double, reason: String)
    case unknownParameterSet(String, known: [String])
    case namedSetTooWeak(name: String, layer: Int, bits: Int, log2PError: Double, log2Target: Double)

    public var description: String {
        switch self {
        case let .precisionTooHigh(layer, bits, maximum):
            return "layer \(layer) needs a \(bits)-bit table lookup even after rounding; Lockstep's PBS supports at most \(maximum) bits. Lower quantization.max_tlu_bits (exact rounding removes the rest), the bit widths, or set an accumulator budget."
        case let .noParameterSetFits(layer, bits, nu, target, reason):
            return "no 128-bit parameter set fits layer \(layer): it needs \(bits) bits with weight 2-norm \(String(format: "%.2f", nu)) at p_error 2^\(String(format: "%.1f", target)) (\(reason))."
        case let .unknownParameterSet(name, known):
            return "unknown parameter set '\(name)'; known sets: auto, \(known.joined(separator: ", ")), or one of them with another PBS decomposition as <set>-pbs<baseLog>x<levels> (e.g. concrete-p40-b4-pbs14x2)."
        case let .namedSetTooWeak(name, layer, bits, p, target):
            return "parameter set '\(name)' gives layer \(layer) (\(bits) bits) p_error 2^\(String(format: "%.1f", p)), above the target 2^\(String(format: "%.1f", target)). Use 'auto' or a larger set."
        }
    }
}
