import Foundation
import Testing

@testable import Reporting

@Suite struct ReportTableTests {
    @Test func csvQuotesOnlyWhatRFC4180Requires() {
        let table = ReportTable(
            columns: ["name", "note", "latency_ms"],
            rows: [
                [.text("plain"), .text("a,b"), .decimal(1.5, decimals: 3)],
                [.text("say \"hi\""), .text("two\nlines"), .notRun],
            ])
        #expect(
            table.csv()
                == "name,note,latency_ms\r\nplain,\"a,b\",1.500\r\n\"say \"\"hi\"\"\",\"two\nlines\",not run\r\n")
    }

    @Test func csvRoundTripsThroughTheReader() throws {
        let awkward = ["", "comma,inside", "quote\"inside", "line\r\nbreak", "trailing space ", "|pipe|"]
        let table = ReportTable(columns: ["index", "value"], rows: awkward.enumerated().map { [.integer($0), .text($1)] })
        let parsed = try CSVDocument(parsing: table.csv(), source: "t.csv")
        #expect(parsed.header == ["index", "value"])
        #expect(parsed.column("value") == awkward)
        #expect(parsed.column("missing") == nil)
    }

    @Test func readerRejectsRaggedRowsAndBrokenQuotes() {
        #expect(throws: CSVDocument.ParseError(source: "r.csv", line: 3, detail: "1 fields, the header has 2")) {
            try CSVDocument(parsing: "a,b\n1,2\n3\n", source: "r.csv")
        }
        #expect(throws: CSVDocument.ParseError.self) { try CSVDocument(parsing: "a\n\"open\n", source: "q.csv") }
        #expect(throws: CSVDocument.ParseError.self) { try CSVDocument(parsing: "a\nx\"y\n", source: "q.csv") }
        #expect(throws: CSVDocument.ParseError.self) { try CSVDocument(parsing: "", source: "e.csv") }
    }

    @Test func markdownShowsTheSameTextAsTheCSV() throws {
        let table = ReportTable(
            columns: ["experiment", "float_accuracy", "fhe_accuracy"],
            rows: [[.text("a|b"), .fraction(0.97123456), .notRun]])
        #expect(
            table.markdown()
                == "| experiment | float_accuracy | fhe_accuracy |\n|---|---|---|\n| a\\|b | 0.971235 | not run |\n")
        let csvRow = try CSVDocument(parsing: table.csv(), source: "m.csv").rows[0]
        #expect(csvRow == ["a|b", "0.971235", "not run"])
    }

    @Test func valuesPrintStably() {
        #expect(ReportValue.fraction(1).text == "1.000000")
        #expect(ReportValue.fraction(350.0 / 360.0).text == "0.972222")
        #expect(ReportValue.decimal(-0.0001, decimals: 2).text == "0.00", "no negative zero")
        #expect(ReportValue.decimal(-1.256, decimals: 2).text == "-1.26")
        #expect(ReportValue.flag(true).text == "true")
        #expect(ReportValue.decimal(.nan, decimals: 2).text == "nan")
        #expect((nil as Int?).reportValue == .notRun)
    }

    @Test func recordsHaveOneValuePerColumn() {
        let summary = SummaryRecord(
            experiment: "e", dataset: "digits", trainSamples: 10, testSamples: 5, quantizationMethod: "ptq",
            inputBits: 4, weightBits: 3, activationBits: 3, floatAccuracy: 0.9, quantizedAccuracy: 0.8,
            floatQuantizedAgreement: 0.85, maxTLUBits: 6, maxAccumulatorBits: 9, tablePBSPerSample: 32, roundingPBSPerSample: 64, epochs: 2,
            trainSeconds: 1, trainSecondsPerEpoch: 0.5, quantizeSeconds: 0.1, floatEvaluationSeconds: 0.2,
            quantizedEvaluationSeconds: 0.3, buildConfiguration: "debug")
        #expect(summary.values.count == SummaryRecord.columns.count)
        let table = ReportTable(records: [summary])
        let row = Dictionary(uniqueKeysWithValues: zip(table.columns, table.rows[0].map(\.text)))
        #expect(row["fhe_accuracy"] == "not run")
        #expect(row["fhe_mismatches"] == "not run")
        #expect(row["keygen_s"] == "not run")
        #expect(row["accuracy_drop_points"] == "10.00")
        #expect(row["float_accuracy"] == "0.900000")
        #expect(row["pbs_per_sample"] == "96" && row["table_pbs_per_sample"] == "32" && row["rounding_pbs_per_sample"] == "64")

        let sample = SampleRecord(testIndex: 3, label: 1, floatPrediction: 1, quantizedPrediction: 2)
        #expect(sample.values.count == SampleRecord.columns.count)
        #expect(sample.values.map(\.text) == ["3", "1", "1", "2", "not run", "false", "not run"])

        let layer = LayerRecord(
            layerIndex: 0, inputs: 64, neurons: 32, inputBits: 4, accumulatorBoundLow: -300, accumulatorBoundHigh: 211,
            accumulatorBoundBits: 9, roundingShift: 2, messageBits: 8, tluBits: 7, maxWeightL2Norm: 12.5, pbsCount: 96,
            seenAccumulatorLow: -120, seenAccumulatorHigh: 135, seenAccumulatorBits: 8, boundRespected: true)
        #expect(layer.values.count == LayerRecord.columns.count)
        let layerRow = Dictionary(uniqueKeysWithValues: zip(LayerRecord.columns, layer.values.map(\.text)))
        #expect(layerRow["max_abs_accumulator_bound"] == "300" && layerRow["max_abs_accumulator_seen"] == "135")
        var output = layer
        output.tluBits = nil
        #expect(output.values[9].text == "none (decrypted)")
    }
}

@Suite struct SVGLineChartTests {
    @Test func chartIsDeterministicEscapedAndPlacesPointsOnTheAxes() {
        let chart = SVGLineChart(
            title: "a < b & c", xLabel: "bits", yLabel: "accuracy",
            series: [.init(name: "mnist ptq", points: [(2, 0), (8, 1)]), .init(name: "x\"y", points: [(4, 0.5)])],
            yRange: 0...1)
        let svg = chart.render(width: 640, height: 400)
        #expect(svg == chart.render(width: 640, height: 400))
        #expect(svg.contains("a &lt; b &amp; c") && svg.contains("x&quot;y"))
        // Plot area: x from 60 to 640-170=470, y from 40 (top, accuracy 1) to 400-50=350 (accuracy 0).
        #expect(svg.contains("points=\"60.0,350.0 470.0,40.0\""))
        #expect(svg.contains("<circle cx=\"196.7\" cy=\"195.0\""), "x = 4 of 2…8, y = 0.5")
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n"))
    }
}

@Suite struct SVGHistogramChartTests {
    @Test func barsSitOnTheAxisAndTheCurveGoesThroughBinCentres() {
        let chart = SVGHistogramChart(
            title: "noise", xLabel: "noise / σ", yLabel: "count",
            bins: [.init(low: -1, high: 0, count: 10, reference: 5), .init(low: 0, high: 1, count: 0, reference: 20)],
            barsName: "measured", referenceName: "predicted")
        let svg = chart.render(width: 640, height: 400)
        #expect(svg == chart.render(width: 640, height: 400))
        // Plot area x 60…470 over −1…1, y 350 (0) … 40 (20 × 1.05 = 21).
        #expect(svg.components(separatedBy: "<rect x=").count == 3, "one bar (the empty bin draws none) and the legend box")
        let barHeight = SVGPlotFrame.number(310 * 10 / 21)
        #expect(svg.contains("<rect x=\"60.0\" y=\"\(SVGPlotFrame.number(350 - 310 * 10 / 21))\" width=\"205.0\" height=\"\(barHeight)\""))
        #expect(svg.contains("points=\"162.5,\(SVGPlotFrame.number(350 - 310 * 5 / 21)) 367.5,\(SVGPlotFrame.number(350 - 310 * 20 / 21))\""))
        #expect(svg.contains(">measured<") && svg.contains(">predicted<"))
    }
}

@Suite struct Log2ProbabilityTextTests {
    /// Ordinary targets keep two decimals; the astronomically small failure probability of a
    /// fresh linear combination is written so a reader can see it (it used to print 36 digits).
    @Test func hugeExponentsAreScientific() {
        #expect(ReportValue.log2Probability(-40.529).text == "-40.53")
        #expect(ReportValue.log2Probability(-16773.7).text == "-16773.70")
        #expect(ReportValue.log2Probability(-468181308039471205539539926908928.0).text == "-4.682e+32")
        #expect(ReportValue.log2Probability(-.infinity).text == "-inf")
    }
}
