/// The arithmetic of the rounding that fits sound accumulator ranges (`LinearRows.soundBounds`) into tables,
/// shared by the circuit lowering (which builds the tables) and quantization-aware training
/// (which simulates the rounding): one definition, so training sees the shift the circuit uses.
public enum AccumulatorRounding {
    @inline(__always)
    public static func alignDown(_ value: Int64, shift: Int) -> Int64 { (value >> shift) << shift }

    /// Entries of the table of a neuron with aligned low bound `alignedLow`, high bound `high`
    /// and rounding shift t: floor((hi − lo + 2^(t−1)) / 2^t) + 1.
    public static func tableSize(low alignedLow: Int64, high: Int64, shift: Int) -> Int {
        let span = high - alignedLow
        let lastIndex = shift == 0 ? span : (span + (Int64(1) << (shift - 1))) >> shift
        return Int(lastIndex) + 1
    }

    /// The smallest shift t that makes every neuron's table fit 2^tableBits entries.
    public static func shift(low: [Int64], high: [Int64], tableBits: Int) -> Int {
        shift(low: low, high: high, maxEntries: 1 << tableBits)
    }

    /// The smallest shift t that makes every neuron's table hold at most `limit` entries.
    public static func shift(low: [Int64], high: [Int64], maxEntries limit: Int) -> Int {
        var shift = 0
        while zip(low, high).contains(where: { tableSize(low: alignDown($0, shift: shift), high: $1, shift: shift) > limit }) {
            shift += 1
        }
        return shift
    }

    /// The index a neuron's table reads, floor((acc + 2^(t−1)) / 2^t) (acc for t = 0), at the
    /// accumulator's bounds.
    public static func indexBounds(low: Int64, high: Int64, shift: Int) -> (low: Int64, high: Int64) {
        guard shift > 0 else { return (low, high) }
        let addend = Int64(1) << (shift - 1)
        return ((low + addend) >> shift, (high + addend) >> shift)
    }

    // Tables for a PBS whose padding bit holds values (the FHE plan's `usesPaddingBit`): a p-bit
    // PBS reads 2^(p+1) entries when every pair of entries 2^p apart sums to one constant. A
    // table that keeps its end values outside the window [high − 2^p + 1, low + 2^p − 1] of its
    // index range [low, high] has that shape (each pair is (T(window start), T(window end))),
    // so the integer program holds each neuron's index to that window: an activation whose
    // transitions lie inside it is unchanged, one that reaches past it saturates early.

    /// The most entries such a table may have: 2^(p+1) − levels, so the window keeps at least
    /// one index per activation level (`levels` = 2^activation bits), and never fewer than 2^p.
    public static func paddingBitMaxEntries(tableBits p: Int, activationLevels levels: Int) -> Int {
        max(1 << p, (2 << p) - levels)
    }

    /// The shift of a layer's tables (the circuit's and QAT's one rule): they fit 2^p entries,
    /// or with the padding bit holding values (`activationLevels` given) `paddingBitMaxEntries`.
    public static func shift(low: [Int64], high: [Int64], tableBits p: Int, paddingBitActivationLevels levels: Int?) -> Int {
        guard let levels else { return shift(low: low, high: high, tableBits: p) }
        return shift(low: low, high: high, maxEntries: paddingBitMaxEntries(tableBits: p, activationLevels: levels))
    }

    /// Per neuron with accumulator range [low, high], the `paddingBitWindow` of the indices its
    /// table reads after `shift`.
    public static func paddingBitWindows(low: [Int64], high: [Int64], shift: Int, tableBits p: Int) -> [ClosedRange<Int64>] {
        zip(low, high).map { lo, hi in
            let index = indexBounds(low: lo, high: hi, shift: shift)
            return paddingBitWindow(indexLow: index.low, indexHigh: index.high, tableBits: p)
        }
    }

    /// The indices a neuron's table distinguishes when its index range is [low, high]: all of
    /// them up to 2^p entries, else the window above (never empty below 2^(p+1) entries).
    public static func paddingBitWindow(indexLow low: Int64, indexHigh high: Int64, tableBits p: Int) -> ClosedRange<Int64> {
        let half = Int64(1) << p
        guard high - low + 1 > half, high - low + 1 < 2 * half else { return low...high }
        return (high + 1 - half)...(low + half - 1)
    }

    /// ceil(log2(count)), at least 1: the bits needed to index `count` values.
    public static func bits(forCount count: Int64) -> Int {
        precondition(count >= 1, "A range holds at least one value, got \(count)")
        var bits = 1
        while (Int64(1) << bits) < count { bits += 1 }
        return bits
    }
}
