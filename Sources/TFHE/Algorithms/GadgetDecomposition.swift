/// Gadget decomposition with base B = 2^β and l levels (TFHE_FACTS §6): a torus value is
/// first rounded to the closest multiple of q/B^l, then written as Σ_{j=1..l} d_j·q/B^j with
/// balanced signed digits d_j ∈ [−B/2, B/2]. Below the top level, a digit of exactly B/2
/// carries when the next level up is odd, so those digits average to zero over uniform
/// inputs. At the top the carry is a multiple of q and vanishes (−B/2 and +B/2 are the same
/// torus value), and there are two ways to pick the representative:
/// - `topDigit`: read as a signed β-bit number in [−B/2, B/2), mean −1/2;
/// - `balancedTopDigit`: a half digit takes the sign of the bit below the rounding bit,
///   which is independent of the rounded value, so the mean is 0.
///
/// Why it matters, and where: a digit's mean multiplies the fixed noise of the key rows it
/// selects, giving every output of a given key a constant offset of ½·Σᵢ eᵢ,₁, about
/// √(3/l)/B of the step's noise σ. The keyswitch (B = 2^3…2^4) takes the balanced digit: its
/// offset was 0.07–0.19 σ on concrete-p40-b4 and the mean test of `lockstep noise` rejected it
/// for every seed tried. The blind rotation keeps the cheaper digit: with B ≥ 2^10 in every
/// set its offset is below 0.2 % of σ, and the balanced digit cost 9 % of a PBS.
public struct GadgetDecomposer: Hashable, Sendable {
    public let baseLog: DecompositionBaseLog
    public let levels: DecompositionLevelCount

    public init(baseLog: DecompositionBaseLog, levels: DecompositionLevelCount) {
        precondition(baseLog.rawValue * levels.rawValue <= 64,
                     "decomposition keeps β·l = \(baseLog.rawValue)·\(levels.rawValue) = \(baseLog.rawValue * levels.rawValue) bits, more than the 64 of the torus")
        self.baseLog = baseLog
        self.levels = levels
    }

    /// Bits dropped by the rounding: 64 − β·l.
    @inline(__always) var droppedBits: Int { 64 - baseLog.rawValue * levels.rawValue }

    /// The closest multiple of q/B^l, as a torus element.
    @inline(__always)
    public func closestRepresentable(_ value: UInt64) -> UInt64 {
        let shift = UInt64(droppedBits)
        guard shift > 0 else { return value }
        return ((value &+ (1 << (shift - 1))) >> shift) << shift
    }

    /// The rounded value as a β·l-bit integer (the "state" the digits are peeled from).
    @inline(__always)
    func roundedState(_ value: UInt64) -> UInt64 {
        let shift = UInt64(droppedBits)
        let roundingBit: UInt64 = shift == 0 ? 0 : 1 &<< (shift &- 1)
        return (value &+ roundingBit) &>> shift
    }

    /// `roundedState` with the tie bit of `balancedTopDigit` (the bit below the rounding bit)
    /// parked in bit 63. Peeling shifts it down with the state; `balancedTopDigit` finds it at
    /// bit 63 − β·(l − 1). It needs three spare bits (one above a carry out of the rounding
    /// and one below the rounding bit), so decompositions keeping more than 61 bits have none.
    @inline(__always)
    func roundedStateWithTieBit(_ value: UInt64) -> UInt64 {
        let shift = UInt64(droppedBits)
        let roundingBit: UInt64 = shift == 0 ? 0 : 1 &<< (shift &- 1)
        // One shift brings bit shift − 2 to bit 63; the mask is loop-invariant.
        let tieMask: UInt64 = shift < 3 ? 0 : 1 &<< 63
        return ((value &+ roundingBit) &>> shift) | ((value &<< (65 &- shift)) & tieMask)
    }

    /// Peels the least significant remaining digit off `state`. Branch-free (masking shifts,
    /// comparisons by subtraction) so the per-coefficient loops vectorize.
    @inline(__always)
    func nextDigit(_ state: inout UInt64) -> Int64 {
        let beta = UInt64(baseLog.rawValue)
        let half: UInt64 = 1 &<< (beta &- 1)
        let raw = state & ((1 &<< beta) &- 1)
        state = state &>> beta
        let above = (half &- raw) &>> 63                                  // raw > half
        let tie = (((raw ^ half) &- 1) &>> 63) & state & 1                 // raw == half, next level odd
        let carry = above | tie
        state &+= carry
        return Int64(bitPattern: raw &- (carry &<< beta))
    }

    /// The most significant digit from what is left of the state after the lower levels:
    /// its β low bits read as a signed number in [−B/2, B/2).
    @inline(__always)
    func topDigit(_ state: UInt64) -> Int64 {
        let beta = UInt64(baseLog.rawValue)
        let half: UInt64 = 1 &<< (beta &- 1)
        // Sign extension by xor/subtract: vectorizes on SSE2, which has no 64-bit
        // arithmetic shift.
        return Int64(bitPattern: ((state & ((1 &<< beta) &- 1)) ^ half) &- half)
    }

    /// `topDigit` of a state from `roundedStateWithTieBit`, except that −B/2 becomes +B/2
    /// when the tie bit is set: the top digits then average to zero.
    @inline(__always)
    func balancedTopDigit(_ state: UInt64) -> Int64 {
        let beta = UInt64(baseLog.rawValue)
        let half: UInt64 = 1 &<< (beta &- 1)
        let raw = state & ((1 &<< beta) &- 1)
        // Decompositions keeping more than 61 bits have no tie bit (`roundedStateWithTieBit`);
        // the bit found there would be the value's own top bit.
        let hasTieBit: UInt64 = droppedBits >= 3 ? 1 : 0
        let tieBit = (state &>> UInt64(63 &- baseLog.rawValue &* (levels.rawValue &- 1))) & hasTieBit
        let isHalf = ((raw ^ half) &- 1) &>> 63
        return Int64(bitPattern: ((raw ^ half) &- half) &+ ((isHalf & tieBit) &<< beta))
    }

    /// digits[j − 1] multiplies q/B^j (j = 1 is the most significant level); `balancedTop`
    /// picks `balancedTopDigit` (the keyswitch's) over `topDigit` (the blind rotation's).
    public func decompose(_ value: UInt64, balancedTop: Bool = true) -> [Int64] {
        var digits = [Int64](repeating: 0, count: levels.rawValue)
        var state = balancedTop ? roundedStateWithTieBit(value) : roundedState(value)
        for level in stride(from: levels.rawValue, through: 2, by: -1) {
            digits[level - 1] = nextDigit(&state)
        }
        digits[0] = balancedTop ? balancedTopDigit(state) : topDigit(state)
        return digits
    }

    /// Σ d_j·q/B^j modulo 2^64.
    public func recompose(_ digits: [Int64]) -> UInt64 {
        precondition(digits.count == levels.rawValue,
                     "recompose expects \(levels.rawValue) digits, got \(digits.count)")
        var value: UInt64 = 0
        for (index, digit) in digits.enumerated() {
            value &+= UInt64(bitPattern: digit) &* gadget(level: index + 1)
        }
        return value
    }

    /// q/B^j = 2^(64 − jβ).
    @inline(__always)
    public func gadget(level: Int) -> UInt64 {
        1 << UInt64(64 - level * baseLog.rawValue)
    }
}
