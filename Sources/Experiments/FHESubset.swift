import NeuralNet

/// The seeded subset of the test split that runs encrypted (DESIGN §2): `fhe.samples` distinct
/// test indices chosen with `fhe.seed`, ascending. The quantized model is reported on exactly
/// these indices too, so the FHE accuracy has an exact partner.
public enum FHESubset {
    public static func testIndices(testCount: Int, samples: Int, seed: UInt64) -> [Int] {
        precondition(testCount >= 0 && samples >= 0, "FHE subset of \(samples) from \(testCount) test samples")
        guard samples < testCount else { return Array(0..<testCount) }
        // Partial Fisher–Yates: the first `samples` positions of a seeded shuffle.
        var generator = SeededGenerator(seed: seed)
        var indices = Array(0..<testCount)
        for position in 0..<samples {
            let pick = position + Int(generator.next() % UInt64(testCount - position))
            indices.swapAt(position, pick)
        }
        return indices[0..<samples].sorted()
    }

    /// Fraction of `indices` where `predictions` equals `labels`.
    public static func accuracy(predictions: [Int], labels: [Int], on indices: [Int]) -> Double {
        precondition(predictions.count == labels.count, "\(predictions.count) predictions for \(labels.count) labels")
        guard !indices.isEmpty else { return 0 }
        return Double(indices.filter { predictions[$0] == labels[$0] }.count) / Double(indices.count)
    }
}
