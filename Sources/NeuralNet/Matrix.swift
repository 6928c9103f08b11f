import Dispatch
import Foundation

/// A dense row-major matrix of `Float`: element (r, c) lives at `values[r * columns + c]`.
/// Batches are matrices with one sample per row; a fully connected layer's weights are
/// `outputs × inputs` (row j holds the weights of neuron j).
public struct Matrix: Sendable, Equatable, Codable {
    public let rows: Int
    public let columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix shape must be non-negative, got \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        values = [Float](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns,
                     "Matrix \(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// One row per sample; every row must have the same length.
    public init(_ rowArrays: [[Float]]) {
        let columns = rowArrays.first?.count ?? 0
        var values = [Float]()
        values.reserveCapacity(rowArrays.count * columns)
        for (index, row) in rowArrays.enumerated() {
            precondition(row.count == columns, "Row \(index) has \(row.count) values, row 0 has \(columns)")
            values.append(contentsOf: row)
        }
        self.init(rows: rowArrays.count, columns: columns, values: values)
    }

    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ index: Int) -> [Float] {
        Array(values[(index * columns)..<((index + 1) * columns)])
    }

    /// The rows at `indices`, in that order (minibatch gathering).
    public func gatherRows(_ indices: some Collection<Int>) -> Matrix {
        var result = Matrix(rows: indices.count, columns: columns)
        values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { destination in
                for (position, index) in indices.enumerated() {
                    precondition(index >= 0 && index < rows, "Row index \(index) outside 0..<\(rows)")
                    let from = source.baseAddress! + index * columns
                    (destination.baseAddress! + position * columns).update(from: from, count: columns)
                }
            }
        }
        return result
    }

    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { destination in
                // Blocks keep both the read and the write side inside the cache.
                let block = 32
                for rowBlock in stride(from: 0, to: rows, by: block) {
                    for columnBlock in stride(from: 0, to: columns, by: block) {
                        for r in rowBlock..<min(rowBlock + block, rows) {
                            for c in columnBlock..<min(columnBlock + block, columns) {
                                destination[c * rows + r] = source[r * columns + c]
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    public func map(_ transform: (Float) -> Float) -> Matrix {
        Matrix(rows: rows, columns: columns, values: values.map(transform))
    }
}

// MARK: - Products

/// Work below this many multiply-adds runs on the calling thread: dispatching costs more.
private let parallelThreshold = 1 << 17

/// Splits `count` rows into contiguous chunks, one per core, and runs `body` on each chunk.
func forEachRowChunk(count: Int, work: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    if work < parallelThreshold || cores < 2 || count < 2 {
        body(0..<count)
        return
    }
    let chunks = min(cores, count)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        body(start..<end)
    }
}

/// An unsafe pointer handed to worker threads that write disjoint rows of one buffer.
struct DisjointRowsPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}
struct ReadOnlyPointer: @unchecked Sendable {
    let base: UnsafePointer<Float>
}

extension Matrix {
    /// self · other  (m×k · k×n → m×n).
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows,
                     "Matrix product needs left columns == right rows, got \(rows)×\(columns) · \(other.rows)×\(other.columns)")
        var result = Matrix(rows: rows, columns: other.columns)
        let m = rows, k = columns, n = other.columns
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                result.values.withUnsafeMutableBufferPointer { c in
                    let aPointer = ReadOnlyPointer(base: a.baseAddress!)
                    let bPointer = ReadOnlyPointer(base: b.baseAddress!)
                    let cPointer = DisjointRowsPointer(base: c.baseAddress!)
                    // Blocks of B's rows small enough to stay in cache while every row of
                    // this chunk's C accumulates from them: B is read from memory once.
                    let blockRows = max(1, (64 * 1024) / max(1, n * MemoryLayout<Float>.size))
                    forEachRowChunk(count: m, work: m * k * n) { rowRange in
                        for blockStart in stride(from: 0, to: k, by: blockRows) {
                            let blockEnd = min(blockStart + blockRows, k)
                            for i in rowRange {
                                let cRow = cPointer.base + i * n
                                let aRow = aPointer.base + i * k
                                for p in blockStart..<blockEnd {
                                    let scalar = aRow[p]
                                    if scalar == 0 { continue }
                                    axpy(scalar, bPointer.base + p * n, cRow, n)
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// self · otherᵀ  (m×k · (n×k)ᵀ → m×n): a batch times a weight matrix stored outputs × inputs.
    public func multipliedByTransposed(_ other: Matrix) -> Matrix {
        precondition(columns == other.columns,
                     "Product with a transposed matrix needs equal column counts, got \(rows)×\(columns) · (\(other.rows)×\(other.columns))ᵀ")
        return multiplied(by: other.transposed)
    }

    /// selfᵀ · other  ((k×m)ᵀ · k×n → m×n): weight gradients from a batch.
    public func transposedMultiplied(by other: Matrix) -> Matrix {
        precondition(rows == other.rows,
                     "Product of a transposed matrix needs equal row counts, got (\(rows)×\(columns))ᵀ · \(other.rows)×\(other.columns)")
        var result = Matrix(rows: columns, columns: other.columns)
        let k = rows, m = columns, n = other.columns
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                result.values.withUnsafeMutableBufferPointer { c in
                    let aPointer = ReadOnlyPointer(base: a.baseAddress!)
                    let bPointer = ReadOnlyPointer(base: b.baseAddress!)
                    let cPointer = DisjointRowsPointer(base: c.baseAddress!)
                    // Row i of C stays in cache while it accumulates over all k rows of B.
                    forEachRowChunk(count: m, work: m * k * n) { rowRange in
                        for i in rowRange {
                            let cRow = cPointer.base + i * n
                            for p in 0..<k {
                                let scalar = aPointer.base[p * m + i]
                                if scalar == 0 { continue }
                                axpy(scalar, bPointer.base + p * n, cRow, n)
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Adds `vector` to every row (bias broadcast).
    public mutating func addToEachRow(_ vector: [Float]) {
        precondition(vector.count == columns, "Row vector has \(vector.count) values, matrix has \(columns) columns")
        let n = columns
        values.withUnsafeMutableBufferPointer { c in
            vector.withUnsafeBufferPointer { v in
                for r in 0..<rows {
                    let row = c.baseAddress! + r * n
                    for j in 0..<n { row[j] += v[j] }
                }
            }
        }
    }

    /// Sum over rows (bias gradients).
    public func columnSums() -> [Float] {
        var sums = [Float](repeating: 0, count: columns)
        let n = columns
        values.withUnsafeBufferPointer { a in
            sums.withUnsafeMutableBufferPointer { s in
                for r in 0..<rows {
                    let row = a.baseAddress! + r * n
                    for j in 0..<n { s[j] += row[j] }
                }
            }
        }
        return sums
    }
}

/// y[0..<n] += alpha · x[0..<n]; the contiguous loop is what the compiler vectorises.
@inline(__always)
func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in 0..<n { y[j] += alpha * x[j] }
}
