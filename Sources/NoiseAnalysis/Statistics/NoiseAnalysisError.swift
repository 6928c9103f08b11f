/// Bad input to the analyzer: each case's description names the value and what is allowed.
public enum NoiseAnalysisError: Error, Equatable, CustomStringConvertible {
    case confidenceLevelOutOfRange(Double)
    case tooFewSamples(needed: Int, got: Int, purpose: String)
    case tooManySamples(allowed: Int, got: Int, purpose: String)
    case nonFiniteSample(index: Int, value: Double)
    case failureCountOutOfRange(failures: Int, trials: Int)
    case probabilityOutOfRange(name: String, value: Double)
    case precisionOutOfRange(name: String, value: Int)
    case inflationOutOfRange(parameterSet: String, bits: Int, allowed: ClosedRange<Int>)

    public var description: String {
        switch self {
        case .confidenceLevelOutOfRange(let level):
            "confidence level \(level) is not allowed: it must lie strictly between 0 and 1 (e.g. 0.99)"
        case .tooFewSamples(let needed, let got, let purpose):
            "\(purpose) needs at least \(needed) samples, got \(got)"
        case .tooManySamples(let allowed, let got, let purpose):
            "\(purpose) accepts at most \(allowed) samples, got \(got)"
        case .nonFiniteSample(let index, let value):
            "sample \(index) is \(value); every noise sample must be a finite number"
        case .failureCountOutOfRange(let failures, let trials):
            "failure count \(failures) with \(trials) trials is not allowed: need 0 ≤ failures ≤ trials and trials ≥ 1"
        case .probabilityOutOfRange(let name, let value):
            "\(name) = \(value) is not a probability in [0, 1]"
        case .precisionOutOfRange(let name, let value):
            "\(name) = \(value) bits is not allowed: a precision must be in 1...62"
        case .inflationOutOfRange(let set, let bits, let allowed):
            "--inflate \(bits) is not allowed for \(set): allowed \(allowed.lowerBound)...\(allowed.upperBound) bits, so that each message box of the raised precision keeps at least 2 steps of the 2N grid"
        }
    }
}

func validateConfidenceLevel(_ level: Double) throws(NoiseAnalysisError) {
    guard level > 0, level < 1 else { throw .confidenceLevelOutOfRange(level) }
}

func validateSamples(_ samples: [Double], atLeast needed: Int, purpose: String) throws(NoiseAnalysisError) {
    guard samples.count >= needed else {
        throw .tooFewSamples(needed: needed, got: samples.count, purpose: purpose)
    }
    if let index = samples.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteSample(index: index, value: samples[index])
    }
}
