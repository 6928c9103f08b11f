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
        let limit = 1 << tableBits
        var shift = 0
        while zip(low, high).contains(where: { tableSize(low: alignDown($0, shift: shift), high: $1, shift: shift) > limit }) {
            shift += 1
        }
        return shift
    }

    /// ceil(log2(count)), at least 1: the bits needed to index `count` values.
    public static func bits(forCount count: Int64) -> Int {
        precondition(count >= 1, "A range holds at least one value, got \(count)")
        var bits = 1
        while (Int64(1) << bits) < count { bits += 1 }
        return bits
    }
}
