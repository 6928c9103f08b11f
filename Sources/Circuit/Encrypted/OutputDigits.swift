import Quantization

/// The output layer held in binary weight digits (`FHEPlan.Layer.outputWeightDigits`).
///
/// The output layer's accumulators are decrypted, not bootstrapped, so they must decrypt
/// exactly from a sum of PBS outputs: ν·σ_PBS has to stay below half a step of their width.
/// Wide output weights make both ν and the width large (the article's 6-bit net: ν = 147 on
/// 17 bits), which no PBS is quiet enough for. Written as w = Σ_k 2^k·d_k with
/// d_k = sign(w)·bit_k(|w|), the server sums each digit's row on its own,
/// S_kj = Σ_i d_k(W_ji)·x_i, and the client decrypts the D·J sums and recombines
/// S_j = Σ_k 2^k·S_kj in clear. Each digit sum has weights in {−1, 0, 1}: a 2-norm of at most
/// √(inputs) and a range of at most inputs·max|x|. The sums are exact integers either way, so
/// the recombined value is the clear accumulator bit for bit; the server does D linear passes
/// instead of one (no PBS) and returns D ciphertexts per output.
public struct OutputDigits: Sendable, Equatable {
    /// The output layer's linear op.
    public let op: Int
    /// D: binary digits of the widest weight.
    public let count: Int
    /// D·J rows, digit-major: row k·J + j is output j's digit k.
    public let rows: LinearRows
    /// Sound bounds of each digit sum (D·J), from the op's input bounds.
    public let low: [Int64]
    public let high: [Int64]
    /// max over digit rows of their 2-norm.
    public let weightTwoNorm: Double

    /// nil when the op is not linear or its weights are all in {−1, 0, 1} already.
    public init?(circuit: IntegerCircuit, op i: Int) {
        guard let whole = circuit.ops[i].linear, let (rows, count) = whole.binaryDigitRows() else { return nil }
        let input = circuit.inputBounds(ofOp: i)
        op = i
        self.count = count
        self.rows = rows
        (low, high) = rows.soundBounds(inputLow: input.low, inputHigh: input.high)
        weightTwoNorm = (0..<rows.outputCount).map { rows.squaredNorm(row: $0).squareRoot() }.max() ?? 0
    }

    /// J: the op's values.
    public var valuesPerDigit: Int { rows.outputCount / count }

    /// Held width of the widest digit sum (each held above its low bound).
    public var bits: Int { HeldValues.bits(low: low, high: high) }

    /// The ciphertexts (indices into the D·J) that make up value j.
    public func ciphertexts(ofValue j: Int) -> [Int] {
        (0..<count).map { $0 * valuesPerDigit + j }
    }

    /// S_j = Σ_k 2^k·S_kj from the D·J digit sums.
    public func combine(_ sums: [Int64]) -> [Int64] {
        precondition(sums.count == rows.outputCount, "\(sums.count) digit sums for \(rows.outputCount) digit rows")
        let J = valuesPerDigit
        return (0..<J).map { j in
            (0..<count).reversed().reduce(Int64(0)) { $0 * 2 + sums[$1 * J + j] }
        }
    }
}
