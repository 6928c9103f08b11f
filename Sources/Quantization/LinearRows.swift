import NeuralNet

/// An integer linear map as one sparse row per output value (compressed sparse rows): output j
/// is Σ over row j's terms of weight · x[column]. Every consumer of a layer's linear map reads
/// this form — the integer reference, sound bounds, the circuit's executors, the noise planner —
/// so a fully connected layer and a convolution (whose rows share one kernel) are the same
/// thing to them. Zero weights are left out: they change no value, bound or noise.
public struct LinearRows: Sendable, Equatable {
    public let inputCount: Int
    /// Row j's terms are `rowStarts[j]..<rowStarts[j + 1]`.
    public let rowStarts: [Int]
    public let columns: [Int]
    public let weights: [Int64]

    public var outputCount: Int { rowStarts.count - 1 }

    /// Rows of a fully connected layer: row j is row j of `matrix`; nil when the matrix does
    /// not hold rows × columns values (a decoded file).
    public init?(dense matrix: IntegerMatrix) {
        let (size, overflow) = matrix.rows.multipliedReportingOverflow(by: matrix.columns)
        guard matrix.rows > 0, matrix.columns > 0, !overflow, matrix.values.count == size else { return nil }
        var starts = [0], columns = [Int](), weights = [Int64]()
        starts.reserveCapacity(matrix.rows + 1)
        for j in 0..<matrix.rows {
            for i in 0..<matrix.columns where matrix[j, i] != 0 {
                columns.append(i)
                weights.append(matrix[j, i])
            }
            starts.append(columns.count)
        }
        inputCount = matrix.columns
        rowStarts = starts
        self.columns = columns
        self.weights = weights
    }

    /// Rows of a convolution: output (o, y, x) reads its in-bounds taps with kernel o's weights;
    /// nil when the kernel is not `outputChannels × kernelSize` (a decoded file).
    public init?(convolution: Convolution, kernel: IntegerMatrix) {
        guard kernel.rows == convolution.outputChannels, kernel.columns == convolution.kernelSize,
              kernel.values.count == kernel.rows * kernel.columns else { return nil }
        let output = convolution.output
        var starts = [0], columns = [Int](), weights = [Int64]()
        starts.reserveCapacity(output.count + 1)
        for o in 0..<output.channels {
            for y in 0..<output.height {
                for x in 0..<output.width {
                    convolution.forEachTap(y: y, x: x) { input, column in
                        let w = kernel[o, column]
                        if w != 0 {
                            columns.append(input)
                            weights.append(w)
                        }
                    }
                    starts.append(columns.count)
                }
            }
        }
        inputCount = convolution.input.count
        rowStarts = starts
        self.columns = columns
        self.weights = weights
    }

    /// The binary digits of every weight, stacked: row k·outputCount + j is row j's digit k,
    /// d_k = sign(w)·bit_k(|w|), so Σ_k 2^k·(row k·J + j) = row j and every digit row has
    /// weights in {−1, 0, 1} (zeros left out). nil when every weight already is one of those.
    /// Why binary, not wider digits: a digit row's 2-norm and range are what its decryption
    /// must beat, and both are smallest with one bit (`FHEPlan.Layer.outputWeightDigits`).
    public func binaryDigitRows() -> (rows: LinearRows, digits: Int)? {
        let largest = weights.map(\.magnitude).max() ?? 0
        guard largest > 1 else { return nil }
        let digits = UInt64.bitWidth - largest.leadingZeroBitCount
        var starts = [0], digitColumns = [Int](), digitWeights = [Int64]()
        starts.reserveCapacity(digits * outputCount + 1)
        for k in 0..<digits {
            for j in 0..<outputCount {
                for t in terms(row: j) where (weights[t].magnitude >> k) & 1 == 1 {
                    digitColumns.append(columns[t])
                    digitWeights.append(weights[t] < 0 ? -1 : 1)
                }
                starts.append(digitColumns.count)
            }
        }
        return (LinearRows(inputCount: inputCount, rowStarts: starts, columns: digitColumns, weights: digitWeights), digits)
    }

    private init(inputCount: Int, rowStarts: [Int], columns: [Int], weights: [Int64]) {
        self.inputCount = inputCount
        self.rowStarts = rowStarts
        self.columns = columns
        self.weights = weights
    }

    /// Row j's terms as (input index, weight) pairs, in input order within each channel.
    @inline(__always)
    public func forEachTerm(row j: Int, _ body: (_ input: Int, _ weight: Int64) -> Void) {
        for k in rowStarts[j]..<rowStarts[j + 1] { body(columns[k], weights[k]) }
    }

    /// The terms of row j.
    public func terms(row j: Int) -> Range<Int> { rowStarts[j]..<rowStarts[j + 1] }

    /// y_j = Σ_k W_jk·x_k. Callers keep |y| inside their sound bounds, so plain arithmetic is exact.
    public func apply(_ x: [Int64]) -> [Int64] {
        precondition(x.count == inputCount, "Linear map reads \(inputCount) values, got \(x.count)")
        var result = [Int64](repeating: 0, count: outputCount)
        columns.withUnsafeBufferPointer { c in
            weights.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { x in
                    for j in 0..<outputCount {
                        var sum: Int64 = 0
                        for k in rowStarts[j]..<rowStarts[j + 1] { sum += w[k] * x[c[k]] }
                        result[j] = sum
                    }
                }
            }
        }
        return result
    }

    /// lo_j = Σ min(w·inLow, w·inHigh), hi_j = Σ max(…): the extremes over the input box.
    public func soundBounds(inputLow: [Int64], inputHigh: [Int64]) -> (low: [Int64], high: [Int64]) {
        precondition(inputLow.count == inputCount && inputHigh.count == inputCount,
                     "Bounds for \(inputLow.count) inputs, the map reads \(inputCount)")
        var low = [Int64](repeating: 0, count: outputCount)
        var high = [Int64](repeating: 0, count: outputCount)
        for j in 0..<outputCount {
            for k in terms(row: j) {
                let a = weights[k] * inputLow[columns[k]], b = weights[k] * inputHigh[columns[k]]
                low[j] += min(a, b)
                high[j] += max(a, b)
            }
        }
        return (low, high)
    }

    /// Σ_k W_jk per row (multiplies an input zero point in the folded correction).
    public var rowSums: [Int64] {
        (0..<outputCount).map { j in terms(row: j).reduce(Int64(0)) { $0 + weights[$1] } }
    }

    /// Σ_k W_jk²: how much row j multiplies the variance of independent input noise.
    public func squaredNorm(row j: Int) -> Double {
        terms(row: j).reduce(0.0) { $0 + Double(weights[$1]) * Double(weights[$1]) }
    }

    /// Σ_k |W_jk|.
    public func l1Norm(row j: Int) -> Int64 {
        terms(row: j).reduce(Int64(0)) { $0 + abs(weights[$1]) }
    }
}
