import Foundation
import Reporting
import Testing

@testable import Experiments

@Suite struct ResultsReportTests {
    @Test func reportIsByteIdenticalWhenRunTwiceAndNamesItsRuns() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        // Run out of name order, so the sorted output is not an accident of run order.
        _ = try runner(results).run(try irisConfig("iris-zeta"))
        _ = try runner(results).run(try irisConfig("iris-alpha", quantization: "{method: ptq, bits: 4}"))
        // A folder without a manifest (an interrupted run) is not reported.
        try FileManager.default.createDirectory(
            at: results.appendingPathComponent("iris-unfinished"), withIntermediateDirectories: true)

        let (written, problems) = try ResultsReport.write(resultsDirectory: results)
        #expect(problems.isEmpty)
        #expect(written.map(\.lastPathComponent) == [
            "accuracy.csv", "accuracy.md", "circuit.csv", "circuit.md", "encrypted.csv", "encrypted.md",
            "accuracy-vs-bits.svg",
        ])
        let first = try written.map { try Data(contentsOf: $0) }
        _ = try ResultsReport.write(resultsDirectory: results)
        let second = try written.map { try Data(contentsOf: $0) }
        #expect(first == second)

        let accuracy = try csv(results.appendingPathComponent("tables/accuracy.csv"))
        #expect(accuracy.column("experiment") == ["iris-alpha", "iris-zeta"])
        #expect(accuracy.column("input_bits") == ["4", "6"])
        #expect(accuracy.column("fhe_accuracy") == ["not run", "not run"])
        let zeta = try csv(results.appendingPathComponent("iris-zeta/summary.csv"))
        #expect(accuracy.column("quantized_accuracy")?.last == zeta.column("quantized_accuracy")?.first)
        let fingerprint = try JSONManifest.read(
            ExperimentManifest.self, from: results.appendingPathComponent("iris-zeta/manifest.json")
        ).configFingerprint
        #expect(accuracy.column("config_fingerprint")?.last == String(fingerprint.prefix(12)))

        let circuit = try csv(results.appendingPathComponent("tables/circuit.csv"))
        let layers = try csv(results.appendingPathComponent("iris-zeta/layers.csv"))
        #expect(circuit.column("accumulator_bound_bits_by_layer")?.last == layers.column("accumulator_bound_bits")!.joined(separator: "/"))
        #expect(circuit.column("tlu_bits_by_layer")?.last?.hasSuffix("/-") == true, "the output layer has no table")
        let svg = try String(contentsOf: results.appendingPathComponent("tables/accuracy-vs-bits.svg"), encoding: .utf8)
        #expect(svg.contains("iris ptq") && svg.components(separatedBy: "<polyline").count == 2, "one line of two points")
        let markdown = try String(contentsOf: results.appendingPathComponent("tables/accuracy.md"), encoding: .utf8)
        #expect(markdown.contains("| iris-alpha |"))
    }

    @Test func brokenResultFilesAreNamed() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let outcome = try runner(results).run(try irisConfig("iris-broken"))
        _ = try runner(results).run(try irisConfig("iris-fine"))
        try "experiment,dataset\r\niris-broken,iris\r\n".write(to: outcome.files.summaryCSV, atomically: true, encoding: .utf8)
        let (_, problems) = try ResultsReport.write(resultsDirectory: results)
        #expect(problems.count == 1)
        #expect(problems.first?.path == outcome.files.summaryCSV.path)
        #expect(problems.first?.description.contains("does not have the summary schema") == true)
        let accuracy = try csv(results.appendingPathComponent("tables/accuracy.csv"))
        #expect(accuracy.column("experiment") == ["iris-fine"], "the readable experiments are still reported")
    }
}

@Suite struct PaperRefreshTests {
    @Test func generatedBlocksAreReplacedAndProseIsKept() throws {
        let directory = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: directory) }
        let paper = directory.appendingPathComponent("paper.md")
        let original = """
            # Title

            Prose before.
            <!-- lockstep:begin accuracy -->
            stale table
            <!-- lockstep:end accuracy -->
            Prose between.
            <!-- lockstep:begin circuit --><!-- lockstep:end circuit -->
            Prose after.

            """
        try original.write(to: paper, atomically: true, encoding: .utf8)
        let tables = ["accuracy": "| a |\n|---|\n| 1 |\n", "circuit": "| c |\n|---|\n| 2 |\n"]
        try ResultsReport.refreshGeneratedBlocks(in: paper, with: tables)
        let once = try String(contentsOf: paper, encoding: .utf8)
        #expect(once == """
            # Title

            Prose before.
            <!-- lockstep:begin accuracy -->
            | a |
            |---|
            | 1 |

            <!-- lockstep:end accuracy -->
            Prose between.
            <!-- lockstep:begin circuit -->
            | c |
            |---|
            | 2 |

            <!-- lockstep:end circuit -->
            Prose after.

            """)
        try ResultsReport.refreshGeneratedBlocks(in: paper, with: tables)
        #expect(try String(contentsOf: paper, encoding: .utf8) == once, "refreshing twice changes nothing")

        try "<!-- lockstep:begin latency -->\n<!-- lockstep:end latency -->\n".write(to: paper, atomically: true, encoding: .utf8)
        let unknown = try #require(throws: ResultsReportError.self) {
            try ResultsReport.refreshGeneratedBlocks(in: paper, with: tables)
        }
        #expect(unknown.description.contains("asks for table 'latency'; available: accuracy, circuit"))
        try "<!-- lockstep:begin accuracy -->\nno end\n".write(to: paper, atomically: true, encoding: .utf8)
        #expect(throws: ResultsReportError.self) { try ResultsReport.refreshGeneratedBlocks(in: paper, with: tables) }
    }
}
