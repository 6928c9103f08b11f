import Foundation

/// The one grammar for failure probabilities, in configs (`p_error`) and on the command line
/// (`--p-error`): `2^-40`, `2**-40` or a plain number, in (0, 0.5].
public enum ProbabilityText {
    public static let allowed = "a probability in (0, 0.5] written as 2^-40, 2**-40 or 1e-12"

    /// nil when `text` is not such a probability.
    public static func parse(_ text: String) -> Double? { read(text)?.value }

    /// log2 of the probability (exactly e for `2^e`); nil when `text` is not one.
    public static func log2(_ text: String) -> Double? { read(text)?.log2 }

    private static func read(_ text: String) -> (value: Double, log2: Double)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for prefix in ["2^", "2**"] where trimmed.hasPrefix(prefix) {
            // pow underflows to 0 below 2^-1074, which the range check then refuses.
            guard let exponent = Double(trimmed.dropFirst(prefix.count)), exponent.isFinite else { return nil }
            let value = pow(2, exponent)
            return value > 0 && value <= 0.5 ? (value, exponent) : nil
        }
        guard let value = Double(trimmed), value > 0, value <= 0.5 else { return nil }
        return (value, Foundation.log2(value))
    }
}
