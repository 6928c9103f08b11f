import Foundation

/// The one grammar for failure probabilities, in configs (`p_error`) and on the command line
/// (`--p-error`): `2^-40`, `2**-40` or a plain number, in (0, 0.5].
public enum ProbabilityText {
    public static let allowed = "a probability in (0, 0.5] written as 2^-40, 2**-40 or 1e-12"

    /// nil when `text` is not such a probability.
    public static func parse(_ text: String) -> Double? {
        var value: Double?
        for prefix in ["2^", "2**"] where text.hasPrefix(prefix) {
            if let exponent = Double(text.dropFirst(prefix.count)) { value = pow(2, exponent) }
        }
        if value == nil { value = Double(text) }
        guard let value, value > 0, value <= 0.5 else { return nil }
        return value
    }
}
