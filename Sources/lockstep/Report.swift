import ArgumentParser
import Experiments
import Foundation

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate every results/<experiment>/ into results/tables/ (CSV and Markdown).",
        discussion: "Rows are sorted by experiment and carry no timestamps: running it twice gives identical files.")

    @Argument(help: "The results folder.")
    var results = "results"

    func run() async throws {
        let directory = URL(fileURLWithPath: results, isDirectory: true)
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw ValidationError("Results folder \(directory.path) does not exist; run `lockstep run CONFIG` first.")
        }
        let experiments = try ResultsReport.collect(resultsDirectory: directory)
        let written = try ResultsReport.write(resultsDirectory: directory)
        printLine("\(experiments.count) experiments aggregated")
        written.forEach { printLine("  wrote \($0.path)") }
    }
}
