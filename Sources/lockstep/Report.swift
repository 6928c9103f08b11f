import ArgumentParser
import Experiments
import Foundation

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate every results/<experiment>/ and results/bench/*.jsonl into results/tables/ (CSV, Markdown, SVG figures).",
        discussion: "Rows are sorted by experiment and carry no timestamps: running it twice gives identical files.")

    @Argument(help: "The results folder.")
    var results = "results"

    @Option(help: "Markdown file whose generated tables (between lockstep:begin/end markers) are refreshed; default paper/paper.md when it exists.")
    var paper: String?

    func run() async throws {
        let directory = URL(fileURLWithPath: results, isDirectory: true)
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw CommandError("Results folder \(directory.path) does not exist; run `lockstep run CONFIG` first.")
        }
        let defaultPaper = directory.deletingLastPathComponent().appendingPathComponent("paper/paper.md")
        let paperURL =
            paper.map { URL(fileURLWithPath: $0) }
            ?? (FileManager.default.fileExists(atPath: defaultPaper.path) ? defaultPaper : nil)
        let (written, problems) = try ResultsReport.write(resultsDirectory: directory, paper: paperURL)
        written.forEach { printLine("wrote \($0.path)") }
        // Marked COLLAPSED in the accuracy table; said here too so nobody publishes them unaware.
        for experiment in ResultsReport.collect(resultsDirectory: directory).experiments {
            if let reasons = ResultsReport.collapseReasons(experiment) {
                printError("error: \(experiment.name): the quantized model collapsed (marked in the tables): \(reasons)")
            }
        }
        problems.forEach { printError("left out: \($0)") }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
