import Foundation

/// The files of one experiment: `results/<experiment>/{manifest.json, summary.csv, summary.md,
/// samples.csv, layers.csv, ops.csv}`, for encrypted runs `noise.csv` and `noise-histogram.csv`, plus the
/// float weights `model.json` (not committed; see results/.gitignore).
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
    /// One row per op of the circuit (added with circuit format 2; older results lack it).
    public var opsCSV: URL { directory.appendingPathComponent("ops.csv") }
    public var floatModel: URL { directory.appendingPathComponent("model.json") }
    public var noiseCSV: URL { directory.appendingPathComponent("noise.csv") }
    /// Written when `fhe.mode` includes `simulate`.
    public var simulationCSV: URL { directory.appendingPathComponent("simulation.csv") }
    public var noiseHistogramCSV: URL { directory.appendingPathComponent("noise-histogram.csv") }

    /// The result files every finished experiment has (the model file is optional; the noise
    /// files exist for encrypted runs only).
    public var resultFiles: [URL] { [manifest, summaryCSV, summaryMarkdown, samplesCSV, layersCSV] }
}

/// `lockstep run`'s own files in the results folder, under a hidden `.lockstep/` (report and
/// reuse skip hidden names): a lock per experiment, the staging folder a run writes before it
/// is swapped in, and the previous result during the swap.
public struct RunBookkeeping: Sendable {
    public static let folderName = ".lockstep"
    public let root: URL

    public init(resultsDirectory: URL) {
        root = resultsDirectory.appendingPathComponent(Self.folderName, isDirectory: true)
    }

    public func lock(for experiment: String) -> URL {
        root.appendingPathComponent("locks/\(experiment).lock")
    }

    public func staging(for experiment: String) -> ExperimentFiles {
        ExperimentFiles(resultsDirectory: root.appendingPathComponent("staging", isDirectory: true), experiment: experiment)
    }

    public func replaced(for experiment: String) -> URL {
        root.appendingPathComponent("replaced/\(experiment)", isDirectory: true)
    }
}

/// `url`'s path relative to `currentDirectory` when it lies inside it (`.` for the directory
/// itself), absolute otherwise: manifests then do not record where a checkout happens to live.
public func pathRelative(
    _ url: URL, to currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
) -> String {
    let path = url.standardizedFileURL.path
    var base = currentDirectory.standardizedFileURL.path
    if path == base { return "." }
    if !base.hasSuffix("/") { base += "/" }
    return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
}
