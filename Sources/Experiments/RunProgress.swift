import NeuralNet

/// Receives progress of one experiment. The CLI draws a live line on a terminal and prints
/// plain lines in CI logs; tests use `SilentProgress`.
public protocol RunProgress: Sendable {
    /// A new stage began, e.g. "training", "evaluating quantized".
    func stage(_ description: String)
    func epochFinished(_ report: EpochReport, totalEpochs: Int, phase: String)
    /// Called at most every few hundred samples, and once at the end.
    func samplesDone(_ done: Int, of total: Int, phase: String)
}

public struct SilentProgress: RunProgress {
    public init() {}
    public func stage(_ description: String) {}
    public func epochFinished(_ report: EpochReport, totalEpochs: Int, phase: String) {}
    public func samplesDone(_ done: Int, of total: Int, phase: String) {}
}
