import Foundation
import NeuralNet
import Quantization
import Reporting
import Testing

@testable import Experiments

@Suite struct CollapseTests {
    private func quantized(_ model: Network) throws -> QuantizedModel {
        let inputs = Matrix((0..<20).map { i in (0..<4).map { Float((i * 7 + $0 * 3) % 10) / 10 } })
        return try PostTrainingQuantizer.quantize(
            model, calibrationInputs: inputs, configuration: QuantizationConfiguration(method: .ptq, inputBits: 4, weightBits: 4, activationBits: 4))
    }

    @Test func eachSignOfCollapseIsNamedWithItsNumbers() throws {
        let healthy = Network(sizes: [4, 6, 3], seed: 1)
        let labels = Array(repeating: [0, 1, 2], count: 40).flatMap { $0 }
        #expect(CollapseCheck.reasons(floatModel: healthy, quantized: try quantized(healthy), predictions: labels, labels: labels).isEmpty,
                "a perfect model on balanced labels shows no sign")

        var dead = healthy
        dead.layers[0].weights.values = dead.layers[0].weights.values.map { _ in 0 }
        let constant = Array(repeating: 1, count: labels.count)
        let reasons = CollapseCheck.reasons(floatModel: dead, quantized: try quantized(dead), predictions: constant, labels: labels)
        #expect(reasons.contains("dead layer 0: all 6×4 integer weights are zero"), "\(reasons)")
        #expect(reasons.contains("constant predictions: every one of the 120 test samples is class 1"))
        #expect(reasons.contains { $0.hasPrefix("chance-level accuracy: 0.3333 is not above always answering class 0 (0.3333 of the 120 test samples)") },
                "\(reasons)")

        // Wrong on a third of the samples, yet well above chance (1/3 ± 0.1 at 99 %).
        let decent = labels.enumerated().map { $0.offset % 3 == 0 ? ($0.element + 1) % 3 : $0.element }
        #expect(CollapseCheck.reasons(floatModel: healthy, quantized: try quantized(healthy), predictions: decent, labels: labels).isEmpty)
        // Just above the majority rate is still chance level.
        let barely = labels.enumerated().map { $0.offset < 48 ? $0.element : ($0.element + 1) % 3 }
        #expect(CollapseCheck.reasons(floatModel: healthy, quantized: try quantized(healthy), predictions: barely, labels: labels)
            .contains { $0.hasPrefix("chance-level accuracy: 0.4000") })

        var nonFinite = healthy
        nonFinite.layers[1].bias[0] = .infinity
        #expect(CollapseCheck.reasons(floatModel: nonFinite, quantized: try quantized(healthy), predictions: labels, labels: labels)
            == ["non-finite float weights in layer 1"])
    }

    /// A model with every weight zero (loaded from a file) runs to the end, but its summary
    /// says it collapsed, the skip check reads that back, and report marks it.
    @Test func aCollapsedRunIsRecordedAndReportMarksIt() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        var zero = Network(sizes: [4, 6, 3], seed: 1)
        for index in zero.layers.indices { zero.layers[index].weights.values = zero.layers[index].weights.values.map { _ in 0 } }
        let modelURL = results.appendingPathComponent("zero.json")
        try zero.save(to: modelURL)
        let config = try ConfigLoader.load(
            yaml: "name: iris-zero\ndataset: {name: iris}\nmodel: {load: \(modelURL.path)}\nquantization: {bits: 6}", file: "zero.yaml")[0]
        let outcome = try runner(results).run(config)
        #expect(outcome.summary.collapsed)
        #expect(outcome.summary.collapseReasons.contains("dead layer 0: all 6×4 integer weights are zero"))
        #expect(outcome.summary.collapseReasons.contains { $0.hasPrefix("constant predictions") })
        let summary = try csv(outcome.files.summaryCSV)
        #expect(summary.header == SummaryRecord.columns)
        #expect(summary.column("collapsed") == ["true"])
        #expect(summary.column("collapse_reasons")?.first?.contains("dead layer 1: all 3×6 integer weights are zero") == true)

        let skipped = try runner(results).run(config)
        #expect(skipped.status == .skipped && skipped.summary.collapseReasons == outcome.summary.collapseReasons)

        _ = try runner(results).run(try irisConfig("iris-fine"))
        try ResultsReport.write(resultsDirectory: results)
        let accuracy = try csv(results.appendingPathComponent("tables/accuracy.csv"))
        let marks = Dictionary(uniqueKeysWithValues: zip(accuracy.column("experiment")!, accuracy.column("collapse")!))
        #expect(marks["iris-zero"]?.hasPrefix("COLLAPSED: dead layer 0") == true, "\(marks)")
        #expect(marks["iris-fine"] == "none")
    }

    /// Summaries written before collapse detection still report, marked as not checked.
    @Test func olderSummariesWithoutTheCollapseColumnsStillReport() throws {
        let results = try temporaryResults()
        defer { try? FileManager.default.removeItem(at: results) }
        let files = try runner(results).run(try irisConfig("iris-old")).files
        let document = try csv(files.summaryCSV)
        let old = [Array(document.header.dropLast(2)), Array(document.rows[0].dropLast(2))]
            .map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        try old.write(to: files.summaryCSV, atomically: true, encoding: .utf8)
        let (_, problems) = try ResultsReport.write(resultsDirectory: results)
        #expect(problems.isEmpty, "\(problems)")
        let accuracy = try csv(results.appendingPathComponent("tables/accuracy.csv"))
        #expect(accuracy.column("collapse") == ["not checked"])
    }
}
