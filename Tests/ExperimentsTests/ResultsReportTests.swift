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
            "accuracy.csv", "accuracy.md", "circuit.csv", "circuit.md", "encrypted.csv", "encrypted.md", "latency.csv",
            "latency.md", "noise.csv", "noise.md", "p-error.csv", "p-error.md", "accuracy-vs-bits.svg", "latency-vs-precision.svg",
        ], "no encrypted run, so no noise histogram figure; no simulated run, so no p_error figures")
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
        // One line of two points, named by dataset and network shape (two networks on one
        // dataset would be two lines).
        let shape = (layers.column("inputs")!.prefix(1) + layers.column("neurons")!).joined(separator: "→")
        #expect(svg.contains("iris \(shape) ptq") && svg.components(separatedBy: "<polyline").count == 2, "one line of two points")
        let markdown = try String(contentsOf: results.appendingPathComponent("tables/accuracy.md"), encoding: .utf8)
        #expect(markdown.contains("| iris-alpha |"))
    }

    /// One real encrypted run (about 10 s in a debug build), benchmark lines, and the real
    /// paper: every generated table and figure, and the paper refreshed twice, byte for byte.
    @Test func encryptedRunsGiveLatencyNoiseTablesFiguresAndAStablePaper() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        _ = try runner(results).run(try irisConfig(
            "iris-fhe", extra: "fhe: {samples: 2, threads: 2}",
            quantization: "{method: ptq, bits: 2, accumulator_bits_budget: 3, rounding: disabled}"))
        _ = try runner(results).run(try irisConfig("iris-clear"))
        let bench = results.appendingPathComponent("bench")
        try FileManager.default.createDirectory(at: bench, withIntermediateDirectories: true)
        // Lines as `lockstep bench --format json` writes them: the report reads the same record type.
        func benchLine(_ bits: Int, _ median: Double, build: String = "release") throws -> String {
            try BenchmarkRecord(
                params: "concrete-p40-b\(bits)", precision: bits, operation: "pbs", runs: 20, threads: 1, median_ms: median,
                min_ms: 1, max_ms: 1, floor_ms: median / 2, median_cpu_ms: nil, floor_cpu_ms: nil, throughput_per_s: nil,
                build: build, insecure_test_set: false).jsonLine()
        }
        // The second b3 line replaces the first; the debug line is left out.
        try [benchLine(3, 99), benchLine(2, 10), benchLine(3, 20), benchLine(4, 5000, build: "debug")]
            .joined(separator: "\n").write(to: bench.appendingPathComponent("pbs.jsonl"), atomically: true, encoding: .utf8)
        let paper = results.appendingPathComponent("paper.md")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("paper/paper.md"), to: paper)

        let (written, problems) = try ResultsReport.write(resultsDirectory: results, paper: paper)
        #expect(problems.isEmpty, "\(problems)")
        #expect(written.map(\.lastPathComponent).suffix(4) == [
            "accuracy-vs-bits.svg", "latency-vs-precision.svg", "noise-histogram.svg", "paper.md",
        ])
        let first = try written.map { try Data(contentsOf: $0) }
        _ = try ResultsReport.write(resultsDirectory: results, paper: paper)
        #expect(try written.map { try Data(contentsOf: $0) } == first, "tables, figures and paper unchanged by a rerun")

        let latency = try csv(results.appendingPathComponent("tables/latency.csv"))
        #expect(latency.column("experiment") == ["iris-fhe"], "clear-only runs have no latency row")
        let manifest = try JSONManifest.read(ExperimentManifest.self, from: results.appendingPathComponent("iris-fhe/manifest.json"))
        let pbs = try #require(Double(latency.column("pbs_per_sample")![0]))
        #expect(pbs == 8, "one PBS per hidden neuron")
        let evaluate = try #require(manifest.fhe.evaluateSecondsMedian)
        #expect(latency.column("evaluate_ms_median") == [String(format: "%.3f", 1000 * evaluate)])
        #expect(latency.column("evaluate_ms_per_pbs") == [String(format: "%.3f", 1000 * evaluate / pbs)])
        #expect(latency.column("parameter_set") == [manifest.fhe.parameters!.name])
        #expect(latency.column("threads") == ["2"])

        let noise = try csv(results.appendingPathComponent("tables/noise.csv"))
        let perExperiment = try csv(results.appendingPathComponent("iris-fhe/noise.csv"))
        #expect(noise.column("experiment") == ["iris-fhe", "iris-fhe"])
        #expect(noise.column("sigma_measured") == perExperiment.column("sigma_measured"))
        #expect(noise.column("verdict") == perExperiment.column("verdict"))

        let chart = try String(contentsOf: results.appendingPathComponent("tables/latency-vs-precision.svg"), encoding: .utf8)
        #expect(chart.components(separatedBy: "<polyline").count == 3, "median and floor lines")
        #expect(chart.contains("KS+PBS median, 1 thread") && chart.contains("FFTW floor, 1 thread"))
        let histogram = try String(contentsOf: results.appendingPathComponent("tables/noise-histogram.svg"), encoding: .utf8)
        #expect(histogram.contains("iris-fhe, layer 0") && histogram.contains("<rect x="))

        // The repository's paper selects columns that every table must still have (a renamed
        // column would throw above) and runs named like the committed ones, not iris-fhe.
        let refreshed = try String(contentsOf: paper, encoding: .utf8)
        for name in ["accuracy", "circuit", "encrypted", "latency", "noise", "p-error"] {
            #expect(refreshed.contains("_Generated by `lockstep report` from `results/tables/\(name).csv`"), "\(name)")
        }
        #expect(refreshed.contains("_No run of this results folder matches encrypted-*, quickstart"))
        let plain = results.appendingPathComponent("plain.md")
        try "<!-- lockstep:begin noise -->\n<!-- lockstep:end noise -->\n".write(to: plain, atomically: true, encoding: .utf8)
        _ = try ResultsReport.write(resultsDirectory: results, paper: plain)
        #expect(try String(contentsOf: plain, encoding: .utf8).contains("| iris-fhe | 0 |"), "the noise table's rows are in the paper")

        try "not json\n".write(to: bench.appendingPathComponent("broken.jsonl"), atomically: true, encoding: .utf8)
        let (_, benchProblems) = try ResultsReport.write(resultsDirectory: results)
        #expect(benchProblems.count == 1 && benchProblems[0].path.hasSuffix("bench/broken.jsonl"))
        #expect(benchProblems.first?.description.contains("line 1 is not a `lockstep bench --format json` record") == true)
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
        let tables = ["accuracy": ReportTable(columns: ["a"], rows: [[.integer(1)]]),
                      "circuit": ReportTable(columns: ["c"], rows: [[.integer(2)]])]
        try ResultsReport.refreshGeneratedBlocks(in: paper, with: tables)
        let once = try String(contentsOf: paper, encoding: .utf8)
        #expect(once == """
            # Title

            Prose before.
            <!-- lockstep:begin accuracy -->
            _Generated by `lockstep report` from `results/tables/accuracy.csv`; do not edit by hand._

            | a |
            |---|
            | 1 |

            <!-- lockstep:end accuracy -->
            Prose between.
            <!-- lockstep:begin circuit -->
            _Generated by `lockstep report` from `results/tables/circuit.csv`; do not edit by hand._

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

    /// A paper shows narrow tables: the begin marker picks columns and runs; the caption says
    /// which; a selection that matches nothing is said, an unknown column is an error.
    @Test func paperBlocksSelectColumnsAndRuns() throws {
        let directory = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: directory) }
        let paper = directory.appendingPathComponent("paper.md")
        let table = ReportTable(columns: ["experiment", "float_accuracy", "quantized_accuracy", "git_commit"], rows: [
            [.text("mnist-fc-qat-b3"), .text("0.98"), .text("0.97"), .text("abc")],
            [.text("mnist-fc-ptq-b3"), .text("0.98"), .text("0.96"), .text("abc")],
            [.text("iris"), .text("0.93"), .text("0.95"), .text("abc")],
        ])
        try """
            <!-- lockstep:begin accuracy columns=experiment,quantized_accuracy rows=mnist-fc-qat-*,iris -->
            <!-- lockstep:end accuracy -->
            <!-- lockstep:begin accuracy rows=fashion-* -->
            <!-- lockstep:end accuracy -->

            """.write(to: paper, atomically: true, encoding: .utf8)
        try ResultsReport.refreshGeneratedBlocks(in: paper, with: ["accuracy": table])
        #expect(try String(contentsOf: paper, encoding: .utf8) == """
            <!-- lockstep:begin accuracy columns=experiment,quantized_accuracy rows=mnist-fc-qat-*,iris -->
            _Generated by `lockstep report` from `results/tables/accuracy.csv`, 2 of its 4 columns, runs `mnist-fc-qat-*`, `iris`; do not edit by hand._

            | experiment | quantized_accuracy |
            |---|---|
            | mnist-fc-qat-b3 | 0.97 |
            | iris | 0.95 |

            <!-- lockstep:end accuracy -->
            <!-- lockstep:begin accuracy rows=fashion-* -->
            _Generated by `lockstep report` from `results/tables/accuracy.csv`, runs `fashion-*`; do not edit by hand._

            _No run of this results folder matches fashion-* (3 runs in the table)._

            <!-- lockstep:end accuracy -->

            """)
        for (marker, message) in [
            ("accuracy columns=experiment,latency", "asks for column latency"),
            ("accuracy colums=experiment", "'colums=experiment' is not columns=NAME"),
            ("accuracy rows=a rows=b", "each at most once"),
        ] {
            try "<!-- lockstep:begin \(marker) -->\n<!-- lockstep:end accuracy -->\n".write(to: paper, atomically: true, encoding: .utf8)
            let error = try #require(throws: ResultsReportError.self) {
                try ResultsReport.refreshGeneratedBlocks(in: paper, with: ["accuracy": table])
            }
            #expect(error.description.contains(message), "\(marker): \(error)")
        }
    }

}
