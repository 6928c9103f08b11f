import Foundation
import NeuralNet
import Quantization

/// Signs that a quantized model means nothing, whatever its accuracy column says: a layer whose
/// every integer weight is zero, one predicted class for every sample, accuracy no better than
/// always answering the most frequent class, non-finite float weights. Each reason is a
/// sentence with the numbers that show it (e.g. `digits-bits` at 8 bits with a 5-bit budget:
/// every hidden weight zero, every sample one class, accuracy 0.10).
public enum CollapseCheck {
    /// One-sided 99 % normal quantile: accuracy within this many standard errors of the
    /// majority-class rate is not evidence that the model learned anything.
    static let chanceMarginSigmas = 2.326

    public static func reasons(floatModel: Network, quantized: QuantizedModel, predictions: [Int], labels: [Int]) -> [String] {
        var reasons: [String] = []
        if let layer = floatModel.firstNonFiniteLayer {
            reasons.append("non-finite float weights in layer \(layer)")
        }
        for (index, layer) in quantized.layers.enumerated() where layer.weights.values.allSatisfy({ $0 == 0 }) {
            reasons.append("dead layer \(index): all \(layer.weights.rows)×\(layer.weights.columns) integer weights are zero")
        }
        guard !labels.isEmpty, predictions.count == labels.count else { return reasons }
        let classesSeen = Set(labels).count
        if classesSeen > 1, let first = predictions.first, predictions.allSatisfy({ $0 == first }) {
            reasons.append("constant predictions: every one of the \(predictions.count) test samples is class \(first)")
        }
        var frequency: [Int: Int] = [:]
        for label in labels { frequency[label, default: 0] += 1 }
        if classesSeen > 1, let (majority, count) = frequency.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) {
            let n = Double(labels.count)
            let rate = Double(count) / n
            let threshold = rate + chanceMarginSigmas * (rate * (1 - rate) / n).squareRoot()
            let accuracy = Double(zip(predictions, labels).filter { $0 == $1 }.count) / n
            if accuracy <= threshold {
                reasons.append(
                    String(format: "chance-level accuracy: %.4f is not above always answering class %d (%.4f of the %d test samples) by the one-sided 99 %% margin (threshold %.4f)",
                           accuracy, majority, rate, labels.count, threshold))
            }
        }
        return reasons
    }
}
