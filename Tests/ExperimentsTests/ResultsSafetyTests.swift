import Datasets
import Foundation
import TFHE
import NeuralNet
import Reporting
import Testing

@testable import Experiments

/// A data folder holding only iris, with `edit` applied to iris.csv and SHA256SUMS matching it.
private func irisDataFolder(editing edit: (String) -> String = { $0 }) throws -> URL {
    let folder = try temporaryResults().appendingPathComponent("data", isDirectory: true)
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("sklearn"), withIntermediateDirectories: true)
    let original = try String(contentsOf: repositoryRoot.appendingPathComponent("data/sklearn/iris.csv"), encoding: .utf8)
    let text = edit(original)
    try text.write(to: folder.appendingPathComponent("sklearn/iris.csv"), atomically: true, encoding: .utf8)
    try "\(sha256Hex(Data(text.utf8)))  sklearn/iris.csv\n"
        .write(to: folder.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8)
    return folder
}

private func runner(_ results: URL, data: URL, force: Bool = false) -> ExperimentRunner {
    ExperimentRunner(options: RunOptions(dataDirectory: data.path, resultsDirectory: results, force: force))
}

@Suite struct ResultsSafetyTests {
    /// `--force` used to delete the finished manifest before the new run ended: an interrupted
    /// rerun orphaned the result. Now the rerun writes a staging folder; a failure (here the FHE
    /// stage, after the float and quantized evaluations) leaves the finished result whole.
    @Test func aForcedRerunThatFailsKeepsTheFinishedResult() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-keep")
        let first = try runner(results).run(config)
        let samplesBefore = try Data(contentsOf: first.files.samplesCSV)

        var failing = config
        failing.fhe.samples = 2
        // A named set too small for the circuit: the rerun fails after training and quantizing.
        failing.fhe.parameters = .named(try #require(ParameterCatalog.named("concrete-p40-b2")))
        let error = try #require(throws: ExperimentError.self) { try runner(results, force: true).run(failing) }
        #expect(error.description.contains("concrete-p40-b2"), "\(error)")
        #expect(FileManager.default.fileExists(atPath: first.files.manifest.path), "the finished manifest survives")
        #expect(try Data(contentsOf: first.files.samplesCSV) == samplesBefore)
        #expect(runner(results).existingResults(for: config) != nil, "still finished, not orphaned")
        #expect(try runner(results).run(config).status == .skipped)
        #expect(ResultsReport.collect(resultsDirectory: results).experiments.map(\.name) == ["iris-keep"],
                "report sees the result and no staging folder")

        // A successful forced rerun replaces the folder as a whole.
        let forced = try runner(results, force: true).run(config)
        #expect(forced.status == .ran && forced.files.directory == first.files.directory)
        let bookkeeping = RunBookkeeping(resultsDirectory: results)
        #expect(!FileManager.default.fileExists(atPath: bookkeeping.staging(for: config.name).directory.path))
        #expect(!FileManager.default.fileExists(atPath: bookkeeping.replaced(for: config.name).path))
    }

    /// A swap cut between its two renames (old folder moved aside, new one not yet in place)
    /// is repaired at the next run: the complete staging folder becomes the result.
    @Test func aSwapCutBetweenItsRenamesIsRepaired() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-swap")
        let first = try runner(results).run(config)
        let bookkeeping = RunBookkeeping(resultsDirectory: results)
        let replaced = bookkeeping.replaced(for: config.name)
        try FileManager.default.createDirectory(at: replaced.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: first.files.directory, to: replaced)
        #expect(try runner(results).run(config).status == .skipped, "the previous result came back")
        #expect(!FileManager.default.fileExists(atPath: replaced.path))
    }

    /// Two runs of one experiment used to write the same folder at once (a manifest of one
    /// run beside the samples of the other). The second now fails with a clear error.
    @Test func aSecondRunOfTheSameExperimentIsRefusedWhileTheFirstHoldsTheLock() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-locked")
        let held = try FileLock(url: RunBookkeeping(resultsDirectory: results).lock(for: config.name))
        let error = try #require(throws: ExperimentError.self) { try runner(results).run(config) }
        #expect(error.description.contains("another lockstep run is writing"), "\(error)")
        #expect(error.description.contains("iris-locked"))
        #expect(!FileManager.default.fileExists(atPath: ExperimentFiles(resultsDirectory: results, experiment: config.name).directory.path))
        #expect(throws: FileLock.Busy.self) { try FileLock(url: held.url) }
        held.release()
        #expect(try runner(results).run(config).status == .ran)
        #expect(throws: Never.self) { try FileLock(url: held.url).release() }
    }

    /// SIGKILL during AtomicFile.write leaves `.NAME.tmp-PID-XXXXXXXX`; the next run removes
    /// those of dead processes (also when it skips the experiment), never a live one's.
    @Test func leftoversOfKilledWritesAreCleanedAtTheNextRun() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let config = try irisConfig("iris-leftovers")
        let files = try runner(results).run(config).files
        // pid_max is at most 2^22 on Linux, so this process cannot exist.
        let dead = files.directory.appendingPathComponent(".samples.csv.tmp-99999999-0A1B2C3D")
        let live = files.directory.appendingPathComponent(".layers.csv.tmp-\(getpid())-0A1B2C3D")
        try Data("partial".utf8).write(to: dead)
        try Data("in flight".utf8).write(to: live)
        #expect(try runner(results).run(config).status == .skipped)
        #expect(!FileManager.default.fileExists(atPath: dead.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
    }

    /// The skip check and float-model reuse used to ignore the data: a run on edited data was
    /// "already done", and `--force` reused the float model trained on the old data.
    @Test func editedDataIsNotAlreadyDoneAndItsFloatModelIsRetrained() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let original = try irisDataFolder()
        let edited = try irisDataFolder { $0.replacingOccurrences(of: "5.1,3.5,1.4,0.2,0", with: "5.0,3.6,1.4,0.2,0") }
        defer {
            try? FileManager.default.removeItem(at: original.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: edited.deletingLastPathComponent())
        }
        let config = try irisConfig("iris-data")
        #expect(try runner(results, data: original).run(config).status == .ran)
        #expect(try runner(results, data: original).run(config).status == .skipped)
        let rerun = try runner(results, data: edited).run(config)
        #expect(rerun.status == .ran, "other data, other experiment")
        let manifest = try JSONManifest.read(ExperimentManifest.self, from: rerun.files.manifest)
        #expect(manifest.model.source == "trained", "a float model of the other data is not reused")
        #expect(manifest.inputsFingerprint == (try runner(results, data: edited).inputs(for: config)).fingerprint)
        #expect(try runner(results, data: edited).run(config).status == .skipped)
    }

    /// The same `model.load` path with other content is another experiment.
    @Test func aChangedLoadedModelFileIsNotAlreadyDone() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let modelURL = results.appendingPathComponent("loaded-model.json")
        try Network(sizes: [4, 6, 3], seed: 1).save(to: modelURL)
        let config = try ConfigLoader.load(
            yaml: "name: iris-load\ndataset: {name: iris}\nmodel: {load: \(modelURL.path)}\nquantization: {bits: 6}",
            file: "load.yaml")[0]
        #expect(try runner(results).run(config).status == .ran)
        #expect(try runner(results).run(config).status == .skipped)
        try Network(sizes: [4, 6, 3], seed: 2).save(to: modelURL)
        #expect(try runner(results).run(config).status == .ran)
    }

    /// `report` on an empty results folder used to blank every generated table in the paper.
    @Test func reportRefusesToRewriteThePaperFromZeroExperiments() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let paper = results.appendingPathComponent("paper.md")
        let text = "# Paper\n<!-- lockstep:begin accuracy -->\n| published | row |\n<!-- lockstep:end accuracy -->\n"
        try text.write(to: paper, atomically: true, encoding: .utf8)
        let error = try #require(throws: ResultsReportError.self) { try ResultsReport.write(resultsDirectory: results, paper: paper) }
        #expect(error.description.contains("no finished experiment"), "\(error)")
        #expect(error.description.contains(paper.path))
        #expect(try String(contentsOf: paper, encoding: .utf8) == text, "the paper is untouched")
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("tables").path))
    }
}
