/// The arithmetic of sound accumulator bounds and of the rounding that fits them into tables,
/// shared by the circuit lowering (which builds the tables) and quantization-aware training
/// (which simulates the rounding): one definition, so training sees the shift the circuit uses.
public enum AccumulatorRounding {
    /// lo_j = Σ_i min(W·inLow_i, W·inHigh_i), hi_j = Σ_i max(…): the extremes over the input box.
    public static func soundBounds(_ weights: IntegerMatrix, inputLow: [Int64], inputHigh: [Int64]) -> ([Int64], [Int64]) {
        precondition(inputLow.count == weights.columns && inputHigh.count == weights.columns,
                     "Bounds for \(inputLow.count) inputs, weights have \(weights.columns) columns")
        var low = [Int64](repeating: 0, count: weights.rows)
        var high = [Int64](repeating: 0, count: weights.rows)
        for j in 0..<weights.rows {
            for i in 0..<weights.columns {
                let w = weights[j, i]
                let a = w * inputLow[i], b = w * inputHigh[i]
                low[j] += min(a, b)
                high[j] += max(a, b)
            }
        }
        return (low, high)
    }

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
