import Foundation

/// Softmax followed by the mean negative log-likelihood over a batch.
public enum SoftmaxCrossEntropy {
    /// Returns the mean loss and d loss / d logits (already divided by the batch size).
    public static func lossAndGradient(logits: Matrix, labels: some Collection<Int>) -> (loss: Float, gradient: Matrix) {
        precondition(logits.rows == labels.count, "Loss got \(logits.rows) logit rows and \(labels.count) labels")
        var gradient = Matrix(rows: logits.rows, columns: logits.columns)
        var totalLoss: Double = 0
        let batch = Float(logits.rows)
        let classes = logits.columns
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classes, "Label \(label) outside 0..<\(classes)")
            let base = row * classes
            var maximum = -Float.infinity
            for c in 0..<classes { maximum = max(maximum, logits.values[base + c]) }
            var sum: Float = 0
            for c in 0..<classes {
                let e = exp(logits.values[base + c] - maximum)
                gradient.values[base + c] = e
                sum += e
            }
            for c in 0..<classes { gradient.values[base + c] /= sum }
            totalLoss -= Double(log(max(gradient.values[base + label], Float.leastNormalMagnitude)))
            gradient.values[base + label] -= 1
            for c in 0..<classes { gradient.values[base + c] /= batch }
        }
        return (Float(totalLoss / Double(logits.rows)), gradient)
    }

    /// Softmax probabilities of one logit vector.
    public static func probabilities(_ logits: [Float]) -> [Float] {
        let maximum = logits.max() ?? 0
        let exps = logits.map { exp($0 - maximum) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}
