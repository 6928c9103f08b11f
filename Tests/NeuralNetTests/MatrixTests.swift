import Testing
@testable import NeuralNet

private func randomMatrix(_ rows: Int, _ columns: Int, _ generator: inout SeededGenerator, sparsity: Float = 0) -> Matrix {
    var m = Matrix(rows: rows, columns: columns)
    for k in m.values.indices {
        m.values[k] = generator.nextUnitFloat() < sparsity ? 0 : generator.nextGaussian()
    }
    return m
}

private func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    var c = Matrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var sum: Double = 0
            for p in 0..<a.columns { sum += Double(a[i, p]) * Double(b[p, j]) }
            c[i, j] = Float(sum)
        }
    }
    return c
}

private func expectClose(_ a: Matrix, _ b: Matrix, tolerance: Float = 1e-4) {
    #expect(a.rows == b.rows && a.columns == b.columns)
    let worst = zip(a.values, b.values).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    #expect(worst < tolerance, "largest relative difference \(worst)")
}

@Suite struct MatrixTests {
    // Shapes include ones large enough to take the multi-threaded path (work ≥ 2^17).
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 200, 48), (70, 300, 128)])
    func productsMatchNaive(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var generator = SeededGenerator(seed: UInt64(m * 1000 + k * 10 + n))
        let a = randomMatrix(m, k, &generator, sparsity: 0.3)
        let b = randomMatrix(k, n, &generator)
        expectClose(a.multiplied(by: b), naiveProduct(a, b))
        expectClose(a.multipliedByTransposed(b.transposed), naiveProduct(a, b))
        expectClose(a.transposed.transposedMultiplied(by: b), naiveProduct(a, b))
    }

    @Test func transposeAndGather() {
        var generator = SeededGenerator(seed: 3)
        let a = randomMatrix(37, 45, &generator)
        #expect(a.transposed.transposed == a)
        #expect(a.transposed[4, 30] == a[30, 4])
        let g = a.gatherRows([5, 0, 36])
        #expect(g.row(0) == a.row(5) && g.row(1) == a.row(0) && g.row(2) == a.row(36))
        #expect(a.columnSums()[2] == (0..<37).reduce(Float(0)) { $0 + a[$1, 2] })
    }

    @Test func generatorIsReproducibleAndUniform() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        var sum: Double = 0, sumSquares: Double = 0
        let count = 20_000
        for _ in 0..<count {
            let g = Double(a.nextGaussian())
            sum += g
            sumSquares += g * g
        }
        // 20,000 samples: the standard error of the mean is 0.007, of the variance 0.01.
        #expect(abs(sum / Double(count)) < 0.04)
        #expect(abs(sumSquares / Double(count) - 1) < 0.06)
    }
}
