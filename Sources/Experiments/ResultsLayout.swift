import Foundation

/// The files of one experiment: `results/<experiment>/{manifest.json, summary.csv, summary.md,
/// samples.csv, layers.csv}` plus the float weights `model.json` (not committed; see results/.gitignore).
public struct ExperimentFiles: Sendable {
    public let directory: URL

    public init(resultsDirectory: URL, experiment: String) {
        directory = resultsDirectory.appendingPathComponent(experiment, isDirectory: true)
    }

    public var manifest: URL { directory.appendingPathComponent("manifest.json") }
    public var summaryCSV: URL { directory.appendingPathComponent("summary.csv") }
    public var summaryMarkdown: URL { directory.appendingPathComponent("summary.md") }
    public var samplesCSV: URL { directory.appendingPathComponent("samples.csv") }
    public var layersCSV: URL { directory.appendingPathComponent("layers.csv") }
    public var floatModel: URL { directory.appendingPathComponent("model.json") }

    /// The result files a finished experiment has (the model file is optional).
    public var resultFiles: [URL] { [manifest, summaryCSV, summaryMarkdown, samplesCSV, layersCSV] }
}
