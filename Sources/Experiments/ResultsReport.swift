import Circuit
import Foundation
import Reporting

/// `lockstep report`: aggregates every `results/<experiment>/` into `results/tables/`.
/// Rows are sorted by experiment name and no table holds a timestamp, so running it twice on the
/// same results writes byte-identical files. Each row names its run (experiment, git commit,
/// config fingerprint).
public enum ResultsReport {
    public static let tablesFolderName = "tables"

    public struct Experiment: Sendable {
        public var name: String
        public var summary: [String: String]
        public var layers: CSVDocument
        public var run: RunIdentity
        /// `noise.csv` and `noise-histogram.csv`; nil for clear-only runs and for encrypted runs
        /// made before these files existed.
        public var noise: CSVDocument?
        public var noiseHistogram: CSVDocument?
        /// `simulation.csv` (one row); nil unless the run simulated.
        public var simulation: CSVDocument? = nil
    }

    /// The part of a manifest the tables cite; decoding only this keeps older or newer
    /// manifests readable.
    public struct RunIdentity: Decodable, Sendable {
        public struct Environment: Decodable, Sendable {
            public var gitCommit: String?
            public var gitDirty: Bool?
        }
        /// The encrypted stage's parameters and timings (absent in manifests of clear-only runs
        /// written before the section had them).
        public struct FHE: Decodable, Sendable {
            public struct Parameters: Decodable, Sendable {
                public var name: String
                public var precision: Int
            }
            /// The bootstrapping key a layer's tables use, where it is not `parameters`' own.
            public struct Layer: Decodable, Sendable {
                public var tableParameters: Parameters?
            }
            public var status: String
            public var parameters: Parameters?
            public var layers: [Layer]?
            public var threads: Int?
            public var keygenSeconds: Double?
            public var encryptSecondsMedian: Double?
            public var evaluateSecondsMedian: Double?
            public var decryptSecondsMedian: Double?
        }
        public var configFingerprint: String
        public var environment: Environment
        public var fhe: FHE?
    }

    /// Every experiment folder that has a manifest, sorted by name, and the folders that could
    /// not be read (a problem names the file and what is wrong; the other experiments still count).
    public static func collect(resultsDirectory: URL) -> (experiments: [Experiment], problems: [ResultsReportError]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: resultsDirectory.path)) ?? []
        var experiments: [Experiment] = []
        var problems: [ResultsReportError] = []
        for name in names.sorted() where name != tablesFolderName && !name.hasPrefix(".") {
            let files = ExperimentFiles(resultsDirectory: resultsDirectory, experiment: name)
            guard FileManager.default.fileExists(atPath: files.manifest.path) else { continue }
            do {
                experiments.append(try read(name: name, files: files))
            } catch let problem as ResultsReportError {
                problems.append(problem)
            } catch {
                problems.append(ResultsReportError(path: files.directory.path, detail: "cannot be read (\(error))"))
            }
        }
        return (experiments, problems)
    }

    private static func read(name: String, files: ExperimentFiles) throws -> Experiment {
        let run: RunIdentity
        do {
            run = try JSONManifest.read(RunIdentity.self, from: files.manifest)
        } catch {
            throw ResultsReportError(path: files.manifest.path, detail: "is not a readable manifest (\(error))")
        }
        let summary = try readCSV(files.summaryCSV)
        // Summaries from before collapse detection lack its two trailing columns; their rows say
        // "not checked" there.
        guard summary.header == SummaryRecord.columns || summary.header == SummaryRecord.columnsBeforeCollapse,
            summary.rows.count == 1
        else {
            throw ResultsReportError(
                path: files.summaryCSV.path,
                detail: "does not have the summary schema of this version (one row under the \(SummaryRecord.columns.count) columns of SummaryRecord, or the \(SummaryRecord.columnsBeforeCollapse.count) written before collapse detection)")
        }
        let layers = try readCSV(files.layersCSV)
        guard layers.header == LayerRecord.columns else {
            throw ResultsReportError(path: files.layersCSV.path, detail: "does not have the layers schema of this version")
        }
        func optionalCSV(_ url: URL, columns: [String], rows: Int? = nil) throws -> CSVDocument? {
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            let document = try readCSV(url)
            guard document.header == columns, rows.map({ $0 == document.rows.count }) ?? true else {
                throw ResultsReportError(
                    path: url.path,
                    detail: "does not have the \(url.lastPathComponent) schema of this version\(rows.map { " (\($0) row under its \(columns.count) columns)" } ?? "")")
            }
            return document
        }
        return Experiment(
            name: name, summary: Dictionary(uniqueKeysWithValues: zip(summary.header, summary.rows[0])),
            layers: layers, run: run, noise: try optionalCSV(files.noiseCSV, columns: LayerNoiseRecord.columns),
            noiseHistogram: try optionalCSV(files.noiseHistogramCSV, columns: NoiseHistogramRecord.columns),
            simulation: try optionalCSV(files.simulationCSV, columns: SimulationRecord.columns, rows: 1))
    }

    /// Writes the tables and figures from the readable experiments (and the benchmark lines of
    /// `results/bench/*.jsonl`) and returns the files written and the problems met. With `paper`,
    /// the generated tables in it are refreshed between `<!-- lockstep:begin NAME -->` and
    /// `<!-- lockstep:end NAME -->` (NAME = accuracy, circuit, encrypted, latency, noise); the
    /// text outside the markers is left alone.
    @discardableResult
    public static func write(resultsDirectory: URL, paper: URL? = nil) throws
        -> (written: [URL], problems: [ResultsReportError])
    {
        let (experiments, unreadable) = collect(resultsDirectory: resultsDirectory)
        // Empty tables would replace every published one (a wrong folder, a fresh checkout).
        guard !experiments.isEmpty else {
            let unreadableNote = unreadable.isEmpty ? "" : " (\(unreadable.count) could not be read: \(unreadable.map(\.description).joined(separator: " ")))"
            throw ResultsReportError(
                path: resultsDirectory.path,
                detail: "holds no finished experiment\(unreadableNote); refusing to rewrite the tables\(paper.map { " and \($0.path)" } ?? "") from zero experiments. Run `lockstep run CONFIG` first, or give the results folder that holds them")
        }
        var problems = unreadable
        let tables = resultsDirectory.appendingPathComponent(tablesFolderName, isDirectory: true)
        AtomicFile.removeLeftovers(in: tables)
        if let paper { AtomicFile.removeLeftovers(in: paper.deletingLastPathComponent()) }
        var written: [URL] = []
        var tablesByName: [String: ReportTable] = [:]
        for (name, title, table) in [
            ("accuracy", "Accuracy: float, clear quantized and FHE (on its subset)", accuracyTable(experiments)),
            ("circuit", "Integer circuit: bits per layer and PBS count (the numbers that decide FHE cost)", circuitTable(experiments)),
            ("encrypted", "Encrypted runs: latency, mismatches and noise (predicted vs measured) per layer", encryptedTable(experiments)),
            ("latency", "Latency of the encrypted runs: keygen, encrypt, evaluate, decrypt and per PBS", latencyTable(experiments)),
            ("noise", "Noise per encrypted layer: predicted vs measured σ (99 % χ² interval), flips vs predicted p_error", noiseTable(experiments)),
            ("p-error", "The p_error trade-off: parameters, predicted failure, simulated accuracy (simulator, no keys) and encrypted latency (real TFHE, its subset)", pErrorTable(experiments)),
        ] {
            let csvURL = tables.appendingPathComponent("\(name).csv")
            let markdownURL = tables.appendingPathComponent("\(name).md")
            try AtomicFile.write(table.csv(), to: csvURL)
            let runs = experiments.isEmpty ? "no experiments" : "\(experiments.count) experiments of `results/`"
            try AtomicFile.write(
                "## \(title)\n\nGenerated by `lockstep report` from \(runs); each row names its run (experiment, git commit, config fingerprint).\n\n"
                    + table.markdown(), to: markdownURL)
            written += [csvURL, markdownURL]
            tablesByName[name] = table
        }
        let bench = readBenchmarks(in: resultsDirectory.appendingPathComponent(benchFolderName, isDirectory: true))
        problems += bench.problems
        var figures: [(String, String)] = [
            ("accuracy-vs-bits.svg", accuracyVersusBitsChart(experiments).render()),
            ("latency-vs-precision.svg", latencyVersusPrecisionChart(bench.lines).render(yTickDecimals: 1)),
        ]
        if let histogram = noiseHistogramChart(experiments) { figures.append(("noise-histogram.svg", histogram.render())) }
        if experiments.contains(where: { $0.simulation != nil }) {
            let tradeOff = pErrorCharts(experiments)
            figures.append(("accuracy-vs-p-error.svg", tradeOff.accuracy.render()))
            figures.append(("latency-vs-p-error.svg", tradeOff.latency.render(yTickDecimals: 1)))
        }
        for (name, svg) in figures {
            let figure = tables.appendingPathComponent(name)
            try AtomicFile.write(svg, to: figure)
            written.append(figure)
        }
        if let paper {
            try refreshGeneratedBlocks(in: paper, with: tablesByName)
            written.append(paper)
        }
        return (written, problems)
    }

    /// Replaces the text between each `<!-- lockstep:begin NAME … -->` / `<!-- lockstep:end NAME -->`
    /// pair with the table NAME, narrowed as the begin marker asks (`PaperBlock`): a paper shows
    /// the columns and runs that make its point, `results/tables/` keeps every column. Unknown
    /// names or columns and unmatched markers are errors naming the file. A selection that
    /// matches no run is said in the block, so an empty table is never published silently.
    static func refreshGeneratedBlocks(in document: URL, with tables: [String: ReportTable]) throws {
        guard var text = try? String(contentsOf: document, encoding: .utf8) else {
            throw ResultsReportError(path: document.path, detail: "is missing or not UTF-8")
        }
        var searchStart = text.startIndex
        while let begin = text.range(of: "<!-- lockstep:begin ", range: searchStart..<text.endIndex) {
            guard let close = text.range(of: " -->", range: begin.upperBound..<text.endIndex) else {
                throw ResultsReportError(path: document.path, detail: "has an unterminated lockstep:begin marker")
            }
            let block = try PaperBlock(parsing: String(text[begin.upperBound..<close.lowerBound]), document: document)
            guard let table = tables[block.name] else {
                throw ResultsReportError(
                    path: document.path,
                    detail: "asks for table '\(block.name)'; available: \(tables.keys.sorted().joined(separator: ", "))")
            }
            let endMarker = "<!-- lockstep:end \(block.name) -->"
            guard let end = text.range(of: endMarker, range: close.upperBound..<text.endIndex) else {
                throw ResultsReportError(path: document.path, detail: "has no '\(endMarker)' after its begin marker")
            }
            let replacement = "\n" + (try block.render(table, document: document)) + "\n"
            text.replaceSubrange(close.upperBound..<end.lowerBound, with: replacement)
            searchStart = text.index(close.upperBound, offsetBy: replacement.count + endMarker.count)
        }
        try AtomicFile.write(text, to: document)
    }

    /// A generated block's begin marker: `NAME [columns=a,b,…] [rows=PATTERN,…]`, where the
    /// patterns are shell globs (`mnist-fc-qat-*`) on the `experiment` column.
    struct PaperBlock {
        let name: String
        let columns: [String]?
        let rowPatterns: [String]?

        init(parsing specification: String, document: URL) throws {
            var words = specification.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard !words.isEmpty else { throw ResultsReportError(path: document.path, detail: "has a lockstep:begin marker without a table name") }
            name = words.removeFirst()
            var (columns, rows): ([String]?, [String]?) = (nil, nil)
            for word in words {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                let values = parts.count == 2 ? parts[1].split(separator: ",").map(String.init) : []
                switch (parts.first, values.isEmpty) {
                case ("columns", false) where columns == nil: columns = values
                case ("rows", false) where rows == nil: rows = values
                default:
                    throw ResultsReportError(
                        path: document.path,
                        detail: "block '\(name)': '\(word)' is not columns=NAME,… or rows=PATTERN,… (each at most once)")
                }
            }
            (self.columns, self.rowPatterns) = (columns, rows)
        }

        func render(_ table: ReportTable, document: URL) throws -> String {
            let experimentColumn = table.columns.firstIndex(of: "experiment")
            if rowPatterns != nil && experimentColumn == nil {
                throw ResultsReportError(path: document.path, detail: "block '\(name)': rows= needs an experiment column")
            }
            let keep = { (row: [ReportValue]) -> Bool in
                guard let patterns = rowPatterns, let column = experimentColumn else { return true }
                return patterns.contains { fnmatch($0, row[column].text, 0) == 0 }
            }
            guard let narrowed = table.selecting(columns: columns ?? table.columns, rows: keep) else {
                let unknown = (columns ?? []).filter { !table.columns.contains($0) }
                throw ResultsReportError(
                    path: document.path,
                    detail: "block '\(name)' asks for column\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", "))\(unknown.isEmpty ? " twice" : ""); \(name).csv has \(table.columns.joined(separator: ", "))")
            }
            var source = "`results/tables/\(name).csv`"
            if columns != nil { source += ", \(narrowed.columns.count) of its \(table.columns.count) columns" }
            if let rowPatterns { source += ", runs \(rowPatterns.map { "`\($0)`" }.joined(separator: ", "))" }
            let caption = "_Generated by `lockstep report` from \(source); do not edit by hand._\n\n"
            guard !narrowed.rows.isEmpty || table.rows.isEmpty else {
                return caption + "_No run of this results folder matches \(rowPatterns?.joined(separator: ", ") ?? "") (\(table.rows.count) runs in the table)._\n"
            }
            return caption + narrowed.markdown()
        }
    }

    static let runColumns = ["git_commit", "config_fingerprint"]

    static func runValues(_ experiment: Experiment) -> [ReportValue] {
        let commit = experiment.run.environment.gitCommit.map { String($0.prefix(12)) } ?? "unknown"
        let dirty = experiment.run.environment.gitDirty == true ? "+dirty" : ""
        return [.text(commit + dirty), .text(String(experiment.run.configFingerprint.prefix(12)))]
    }

    static func accuracyTable(_ experiments: [Experiment]) -> ReportTable {
        let copied = [
            "experiment", "dataset", "quantization_method", "input_bits", "weight_bits", "activation_bits",
            "test_samples", "float_accuracy", "quantized_accuracy", "float_quantized_agreement", "accuracy_drop_points",
            "fhe_samples", "fhe_accuracy", "quantized_accuracy_on_fhe_samples", "fhe_mismatches",
        ]
        var table = ReportTable(columns: copied + ["collapse"] + runColumns)
        for experiment in experiments {
            table.append(copied.map { .text(experiment.summary[$0]!) } + [collapseValue(experiment)] + runValues(experiment))
        }
        return table
    }

    /// Why an experiment's quantized model is meaningless, as `COLLAPSED: reasons`; `none`; or
    /// `not checked` for summaries written before collapse detection.
    public static func collapseReasons(_ experiment: Experiment) -> String? {
        guard let reasons = experiment.summary["collapse_reasons"] else { return nil }
        return reasons == SummaryRecord.noCollapseText ? nil : reasons
    }

    static func collapseValue(_ experiment: Experiment) -> ReportValue {
        guard experiment.summary["collapse_reasons"] != nil else { return .text("not checked") }
        return .text(collapseReasons(experiment).map { "COLLAPSED: \($0)" } ?? SummaryRecord.noCollapseText)
    }

    /// Experiments whose FHE stage ran: latency per sample, keygen, mismatches, PBS by kind, and
    /// per layer the table precision, the exact-rounding groups, predicted log2 p_error, the
    /// predicted vs measured noise σ and the mismatched rounded values.
    static func encryptedTable(_ experiments: [Experiment]) -> ReportTable {
        let copied = [
            "experiment", "dataset", "fhe_samples", "fhe_accuracy", "quantized_accuracy_on_fhe_samples", "fhe_mismatches",
            "pbs_per_sample", "table_pbs_per_sample", "rounding_pbs_per_sample", "fhe_latency_ms_median",
            "fhe_latency_ms_p90", "keygen_s",
        ]
        let perLayer = ["fhe_precision_bits", "fhe_rounding_groups", "fhe_log2_p_error_predicted", "fhe_sigma_predicted",
                        "fhe_sigma_measured", "fhe_max_noise_half_deltas", "fhe_rounding_mismatches"]
        var table = ReportTable(columns: copied + perLayer.map { "\($0)_by_layer" } + runColumns)
        for experiment in experiments where experiment.summary["fhe_samples"] != ReportValue.notRunText {
            let layerValues = perLayer.map { column -> ReportValue in
                .text(experiment.layers.column(column)!.joined(separator: "/"))
            }
            table.append(copied.map { .text(experiment.summary[$0]!) } + layerValues + runValues(experiment))
        }
        return table
    }

    /// Encrypted runs: keygen, the median encrypt / evaluate / decrypt time per sample, and the
    /// evaluation time per PBS (wall clock with the run's threads, so not a single-core PBS time).
    static func latencyTable(_ experiments: [Experiment]) -> ReportTable {
        var table = ReportTable(columns: [
            "experiment", "parameter_set", "precision_bits", "threads", "fhe_samples", "pbs_per_sample", "keygen_s",
            "encrypt_ms_median", "evaluate_ms_median", "decrypt_ms_median", "evaluate_ms_per_pbs", "build_configuration",
        ] + runColumns)
        for experiment in experiments where experiment.summary["fhe_samples"] != ReportValue.notRunText {
            let fhe = experiment.run.fhe
            func milliseconds(_ seconds: Double?) -> ReportValue { seconds.map { .decimal(1000 * $0, decimals: 3) } ?? .notRun }
            let pbsPerSample = Int(experiment.summary["pbs_per_sample"]!) ?? 0
            let perPBS: ReportValue = fhe?.evaluateSecondsMedian.flatMap {
                pbsPerSample > 0 ? .decimal(1000 * $0 / Double(pbsPerSample), decimals: 3) : nil
            } ?? .notRun
            table.append([
                .text(experiment.name), fhe?.parameters.map { .text(FHEPlan.keysDescription($0.name, tables: fhe?.layers?.compactMap(\.tableParameters?.name) ?? [])) } ?? .notRun,
                fhe?.parameters.map { .integer($0.precision) } ?? .notRun, fhe?.threads.reportValue ?? .notRun,
                .text(experiment.summary["fhe_samples"]!), .text(experiment.summary["pbs_per_sample"]!),
                fhe?.keygenSeconds.map { .decimal($0, decimals: 3) } ?? .notRun, milliseconds(fhe?.encryptSecondsMedian),
                milliseconds(fhe?.evaluateSecondsMedian), milliseconds(fhe?.decryptSecondsMedian), perPBS,
                .text(experiment.summary["build_configuration"]!),
            ] + runValues(experiment))
        }
        return table
    }

    /// One row per encrypted layer of every run that wrote `noise.csv`.
    static func noiseTable(_ experiments: [Experiment]) -> ReportTable {
        let copied = [
            "layer_index", "ciphertexts", "zero_table_ciphertexts", "precision_bits", "predicted_from", "sigma_predicted",
            "sigma_predicted_this_key", "sigma_measured", "sigma_ci99_low", "sigma_ci99_high", "verdict", "normality_p_value", "log2_p_error_predicted",
            "flips_observed", "flip_rate_cp99_high", "flip_verdict", "max_noise_half_deltas",
        ]
        var table = ReportTable(columns: ["experiment"] + copied + runColumns)
        for experiment in experiments {
            guard let noise = experiment.noise else { continue }
            let columns = copied.map { noise.column($0)! }
            for row in noise.rows.indices {
                table.append([.text(experiment.name)] + columns.map { .text($0[row]) } + runValues(experiment))
            }
        }
        return table
    }

    static func circuitTable(_ experiments: [Experiment]) -> ReportTable {
        let copied = [
            "experiment", "quantization_method", "input_bits", "weight_bits", "activation_bits", "quantized_accuracy",
            "max_tlu_bits", "max_accumulator_bits", "pbs_per_sample", "table_pbs_per_sample", "rounding_pbs_per_sample",
        ]
        let perLayer = ["accumulator_bound_bits", "rounding_shift", "message_bits", "tlu_bits", "seen_accumulator_bits"]
        var table = ReportTable(columns: copied + perLayer.map { "\($0)_by_layer" } + runColumns)
        for experiment in experiments {
            let layerValues = perLayer.map { column -> ReportValue in
                // "none (decrypted)" marks the output layer, which has no table.
                .text(experiment.layers.column(column)!.map { $0.hasPrefix("none") ? "-" : $0 }.joined(separator: "/"))
            }
            table.append(copied.map { .text(experiment.summary[$0]!) } + layerValues + runValues(experiment))
        }
        return table
    }

    /// Experiments that ran the simulator: the plan (keys, target, predicted failure per
    /// inference, PBS count), the simulated accuracy on its samples next to the clear one, and
    /// the encrypted latency where the same experiment also ran encrypted. Each figure names
    /// its executor; nothing here is one executor's figure under the other's name.
    static func pErrorTable(_ experiments: [Experiment]) -> ReportTable {
        let simulated = [
            "parameters", "log2_p_error_target", "log2_p_error_predicted_global", "pbs_per_sample", "samples",
            "sim_accuracy", "quantized_accuracy_on_sim_samples", "sim_changed_predictions", "sim_mismatched_samples",
        ]
        let encrypted = ["fhe_samples", "fhe_mismatches", "fhe_latency_ms_median"]
        var table = ReportTable(columns: ["experiment", "dataset"] + simulated.map { $0 == "samples" ? "sim_samples" : $0 }
            + encrypted + runColumns)
        for experiment in experiments {
            guard let simulation = experiment.simulation, simulation.rows.count == 1 else { continue }
            let row = Dictionary(uniqueKeysWithValues: zip(simulation.header, simulation.rows[0]))
            table.append([.text(experiment.name), .text(experiment.summary["dataset"]!)] + simulated.map { .text(row[$0]!) }
                + encrypted.map { .text(experiment.summary[$0]!) } + runValues(experiment))
        }
        return table
    }

    /// accuracy-vs-p-error.svg (simulated accuracy) and latency-vs-p-error.svg (encrypted
    /// median latency, where measured) against −log2 of the per-PBS target, one line per
    /// experiment family (the name without its `-p…` sweep label).
    static func pErrorCharts(_ experiments: [Experiment]) -> (accuracy: SVGLineChart, latency: SVGLineChart) {
        var accuracy: [String: [(x: Double, y: Double)]] = [:]
        var latency: [String: [(x: Double, y: Double)]] = [:]
        for experiment in experiments {
            guard let simulation = experiment.simulation, simulation.rows.count == 1 else { continue }
            let row = Dictionary(uniqueKeysWithValues: zip(simulation.header, simulation.rows[0]))
            // A hand-edited file may say inf or nan; a chart axis needs finite values.
            guard let target = Double(row["log2_p_error_target"]!), target.isFinite, (-1100...0).contains(target) else { continue }
            // The family is the name without a p_error sweep label (-p2m40, -p0.125), not any "-p".
            let family = experiment.name.range(of: "-p[0-9][^-]*$", options: .regularExpression)
                .map { String(experiment.name[..<$0.lowerBound]) } ?? experiment.name
            if let value = Double(row["sim_accuracy"]!), (0...1).contains(value) { accuracy[family, default: []].append((-target, value)) }
            if let milliseconds = Double(experiment.summary["fhe_latency_ms_median"]!), milliseconds.isFinite, milliseconds >= 0 {
                latency[family, default: []].append((-target, milliseconds / 1000))
            }
        }
        func series(_ groups: [String: [(x: Double, y: Double)]]) -> [SVGLineChart.Series] {
            groups.keys.sorted().map { name in SVGLineChart.Series(name: name, points: groups[name]!.sorted { $0.x < $1.x }) }
        }
        // Accuracies differ in the second decimal: the y axis spans the data, in steps of 0.01.
        let values = accuracy.values.flatMap { $0.map(\.y) }
        let low = max(0, (((values.min() ?? 0) - 0.01) * 100).rounded(.down) / 100)
        let high = min(1, (((values.max() ?? 1) + 0.01) * 100).rounded(.up) / 100)
        return (
            SVGLineChart(title: "Simulated test accuracy vs the p_error target per PBS", xLabel: "−log2 p_error per PBS",
                         yLabel: "simulated test accuracy", series: series(accuracy), yRange: low...max(high, low + 0.01)),
            SVGLineChart(title: "Encrypted latency per sample vs the p_error target per PBS", xLabel: "−log2 p_error per PBS",
                         yLabel: "median latency per sample (s)", series: series(latency)))
    }

    /// Quantized test accuracy against the common bit width, one line per (dataset, method),
    /// from the experiments whose input, weight and activation widths are equal (the sweeps).
    /// The series a run belongs to in the accuracy-vs-bits chart: its dataset and network
    /// shape (`digits 64→64→10`, `digits 64→192→10`), so runs of one network at other bit
    /// widths join one line and two networks on one dataset (the digits MLP and CNN) do not.
    static func networkFamily(_ experiment: Experiment) -> String {
        let dataset = experiment.summary["dataset"] ?? experiment.name
        guard let first = experiment.layers.column("inputs")?.first, let neurons = experiment.layers.column("neurons"),
              !neurons.isEmpty else { return dataset }
        return "\(dataset) \(([first] + neurons).joined(separator: "→"))"
    }

    static func accuracyVersusBitsChart(_ experiments: [Experiment]) -> SVGLineChart {
        var groups: [String: [(x: Double, y: Double)]] = [:]
        for experiment in experiments {
            let s = experiment.summary
            guard let bits = Double(s["input_bits"]!), s["weight_bits"] == s["input_bits"],
                s["activation_bits"] == s["input_bits"], let accuracy = Double(s["quantized_accuracy"]!)
            else { continue }
            groups["\(networkFamily(experiment)) \(s["quantization_method"]!)", default: []].append((bits, accuracy))
        }
        let series = groups.keys.sorted().compactMap { name -> SVGLineChart.Series? in
            // One point per bit width.
            var byBits: [Double: Double] = [:]
            for point in groups[name]! { byBits[point.x] = point.y }
            guard byBits.count >= 2 else { return nil }
            return SVGLineChart.Series(name: name, points: byBits.keys.sorted().map { ($0, byBits[$0]!) })
        }
        return SVGLineChart(
            title: "Clear quantized test accuracy vs bits (inputs = weights = activations)",
            xLabel: "bits", yLabel: "test accuracy", series: series, yRange: 0...1)
    }

    /// The measured noise of the first (hidden) layer of the encrypted run with the most
    /// ciphertexts there (outputs of constant tables are not in the histogram) (ties: the first by name), against the predicted Gaussian, in units of
    /// the predicted σ. nil when no run wrote a noise histogram.
    static func noiseHistogramChart(_ experiments: [Experiment]) -> SVGHistogramChart? {
        let candidates = experiments.compactMap { experiment -> (Experiment, CSVDocument, CSVDocument, Int)? in
            guard let noise = experiment.noise, let histogram = experiment.noiseHistogram, !noise.rows.isEmpty,
                let ciphertexts = Int(noise.column("ciphertexts")![0])
            else { return nil }
            return (experiment, noise, histogram, ciphertexts)
        }
        guard let (experiment, noise, histogram, _) = candidates.max(by: { $0.3 < $1.3 || ($0.3 == $1.3 && $0.0.name > $1.0.name) }),
            let sigma = Double(noise.column("sigma_predicted_this_key")![0]), sigma > 0
        else { return nil }
        let layer = noise.column("layer_index")![0]
        let index = { (name: String) in histogram.header.firstIndex(of: name)! }
        let bins = histogram.rows.filter { $0[index("layer_index")] == layer }.compactMap { row -> SVGHistogramChart.Bin? in
            guard let low = Double(row[index("bin_low")]), let high = Double(row[index("bin_high")]),
                let observed = Double(row[index("observed")]),
                let expected = Double(row[index("expected_from_predicted_gaussian")])
            else { return nil }
            return SVGHistogramChart.Bin(low: low / sigma, high: high / sigma, count: observed, reference: expected)
        }
        let measured = noise.column("sigma_measured")![0]
        let counted = Int(bins.reduce(0) { $0 + $1.count })
        return SVGHistogramChart(
            title: "\(experiment.name), layer \(layer) output noise: \(counted) ciphertexts vs predicted Gaussian",
            xLabel: "noise / predicted σ for the run's keys (\(noise.column("sigma_predicted_this_key")![0]) on the torus)",
            yLabel: "ciphertexts per bin",
            bins: bins, barsName: "measured (σ \(measured))", referenceName: "predicted N(0, σ²)")
    }

    // MARK: Benchmarks

    public static let benchFolderName = "bench"

    /// Every line of `bench/*.jsonl`, files by name and lines in order; unreadable lines are problems.
    static func readBenchmarks(in directory: URL) -> (lines: [BenchmarkRecord], problems: [ResultsReportError]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        var lines: [BenchmarkRecord] = []
        var problems: [ResultsReportError] = []
        for name in names {
            let url = directory.appendingPathComponent(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                problems.append(ResultsReportError(path: url.path, detail: "is not UTF-8 text"))
                continue
            }
            for (number, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                do {
                    lines.append(try JSONDecoder().decode(BenchmarkRecord.self, from: Data(line.utf8)))
                } catch {
                    problems.append(ResultsReportError(
                        path: url.path,
                        detail: "line \(number + 1) is not a `lockstep bench --format json` record (\(error))"))
                }
            }
        }
        return (lines, problems)
    }

    /// KS+PBS median latency (and the FFTW floor of one blind rotation) against the parameter
    /// set's precision, one line per thread count, from release builds on secure sets. A set
    /// measured more than once counts with its last line.
    static func latencyVersusPrecisionChart(_ lines: [BenchmarkRecord]) -> SVGLineChart {
        var median: [Int: [Int: Double]] = [:], floor: [Int: [Int: Double]] = [:]
        for line in lines where line.operation == "pbs" && line.build == "release" && !line.insecure_test_set {
            median[line.threads, default: [:]][line.precision] = line.median_ms
            if let floorMilliseconds = line.floor_ms { floor[line.threads, default: [:]][line.precision] = floorMilliseconds }
        }
        func points(_ byPrecision: [Int: Double]) -> [(x: Double, y: Double)] {
            byPrecision.keys.sorted().map { (Double($0), byPrecision[$0]!) }
        }
        var series: [SVGLineChart.Series] = []
        for threads in median.keys.sorted() {
            let suffix = threads == 1 ? "1 thread" : "\(threads) threads"
            series.append(.init(name: "KS+PBS median, \(suffix)", points: points(median[threads]!)))
            if let floorPoints = floor[threads], !floorPoints.isEmpty {
                series.append(.init(name: "FFTW floor, \(suffix)", points: points(floorPoints)))
            }
        }
        let highest = series.flatMap { $0.points.map(\.y) }.max() ?? 1
        return SVGLineChart(
            title: "KS+PBS latency vs precision (concrete-p40-bP, lockstep bench pbs)", xLabel: "precision (message bits)",
            yLabel: "milliseconds per KS+PBS", series: series, yRange: 0...(highest * 1.1))
    }

    private static func readCSV(_ url: URL) throws -> CSVDocument {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ResultsReportError(path: url.path, detail: "is missing or not UTF-8")
        }
        return try CSVDocument(parsing: text, source: url.path)
    }
}

public struct ResultsReportError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let detail: String
    public var description: String { "\(path) \(detail)." }
}
