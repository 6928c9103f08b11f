/// The exact product of a torus polynomial and an integer polynomial in T[X]/(X^N + 1), by the
/// schoolbook rule with wrapping arithmetic: the reference the FFT path is measured against.
/// O(N²); X^N = −1 turns every wrapped term into a subtraction.
public func exactNegacyclicProduct(torus: [UInt64], integer: [Int64]) -> [UInt64] {
    precondition(torus.count == integer.count,
                 "negacyclic product needs equal sizes, got torus \(torus.count) and integer \(integer.count)")
    let n = torus.count
    var product = [UInt64](repeating: 0, count: n)
    torus.withUnsafeBufferPointer { a in
        integer.withUnsafeBufferPointer { b in
            product.withUnsafeMutableBufferPointer { out in
                for j in 0..<n where b[j] != 0 {
                    let factor = UInt64(bitPattern: b[j])
                    for i in 0..<(n - j) { out[i + j] &+= a[i] &* factor }
                    for i in (n - j)..<n { out[i + j - n] &-= a[i] &* factor }
                }
            }
        }
    }
    return product
}

/// Adds `exactNegacyclicProduct(torus:integer:)` into `accumulator`.
public func accumulateExactNegacyclicProduct(into accumulator: inout [UInt64], torus: [UInt64], integer: [Int64]) {
    let product = exactNegacyclicProduct(torus: torus, integer: integer)
    precondition(accumulator.count == product.count,
                 "accumulator has \(accumulator.count) coefficients, product \(product.count)")
    for i in 0..<product.count { accumulator[i] &+= product[i] }
}
