import ArgumentParser
import Foundation
import NoiseAnalysis
import Reporting
import TFHE

struct Noise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measured vs predicted noise of every KS→PBS step, with confidence intervals and verdicts.",
        discussion: """
            With the client key, measures the noise after fresh encryption, keyswitch, modulus switch, \
            before blind rotation and at the PBS output; compares each variance with the formulas \
            (χ² interval), tests the mean (Gaussian interval) and normality (Shapiro–Francia). \
            --inflate BITS adds a failure-rate run at precision p + BITS through real PBS, compared with \
            the predicted rate by a Clopper–Pearson interval and mapped back to precision p. \
            Writes noise.csv (and fft.csv when blind rotations ran) to --out. Build with -c release.
            """)

    @Option(name: .customLong("params"), parsing: .upToNextOption, help: "Parameter set names (one or more, e.g. concrete-p40-b4).",
            transform: parameterSet)
    var parameterSets: [ParameterSet]

    @Option(help: "Fresh encryptions for the fresh / keyswitch / modulus-switch / before-blind-rotation steps.")
    var samples: Int = 10_000

    @Option(help: "Blind rotations for the PBS-output step and the FFT term (0 skips them).")
    var blindRotations: Int = 200

    @Option(help: "Raise the precision by this many bits and count failures through real PBS.")
    var inflate: Int?

    @Option(help: "Failures the failure-rate run is sized to expect (≥ 100).")
    var expectedFailures: Double = 200

    @Option(help: "Output format: table or json (one object per line).")
    var format: OutputFormat = .table

    @Option(help: "Worker threads (0 = all cores).", transform: workerThreads)
    var threads: Int = 1

    @Option(help: "Directory for noise.csv and fft.csv.")
    var out: String = "results/noise"

    @Option(help: "Confidence level of every interval.")
    var confidence: Double = 0.99

    @Option(help: "Fixed seed (reproducible keys and samples; not for production secrets).")
    var seed: UInt64?

    @Option(help: "FFT term of the predictions: tfhe-rs, concrete-cpu, or a measured coefficient c (a number).", transform: fftNoiseModel)
    var fft: FFTNoiseModel = .tfheRsFit

    func validate() throws {
        // Upper ends bound memory (one Double per sample) and the failure-run size
        // (expected failures / predicted rate), which must fit an Int.
        for (flag, value, allowed) in [("--samples", samples, 5...100_000_000), ("--blind-rotations", blindRotations, 0...1_000_000)]
        where !allowed.contains(value) {
            throw ValidationError("\(flag) \(value): allowed: \(allowed.lowerBound)...\(allowed.upperBound).")
        }
        guard expectedFailures.isFinite, (100...1_000_000).contains(expectedFailures) else {
            throw ValidationError("--expected-failures \(expectedFailures): allowed: a number from 100 to 1000000.")
        }
        guard confidence > 0, confidence < 1 else {
            throw ValidationError("--confidence \(confidence): must lie strictly between 0 and 1 (e.g. 0.99).")
        }
    }

    func run() async throws {
        let interactive = isatty(STDERR_FILENO) != 0
        var allRows: [NoiseReportRow] = []
        var estimates: [FFTTermEstimate] = []
        for parameters in parameterSets {
            let name = parameters.name
            let experimentConfiguration = NoiseExperiment.Configuration(
                parameters: parameters, samples: samples, blindRotations: blindRotations, inflateBits: inflate,
                expectedFailures: expectedFailures, threads: threads, confidenceLevel: confidence, seed: seed,
                fft: fft)
            let result = try NoiseExperiment.run(experimentConfiguration) { message in
                if interactive { FileHandle.standardError.write(Data("[\(name)] \(message)\n".utf8)) }
            }
            allRows += result.rows
            if let estimate = result.fftEstimate { estimates.append(estimate) }
            switch format {
            case .table: print(renderTable(result: result, parameters: parameters))
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for row in result.rows { print(String(decoding: try encoder.encode(row), as: UTF8.self)) }
            }
        }
        let directory = URL(fileURLWithPath: out)
        try AtomicFile.write((["\(NoiseReportRow.csvHeader)"] + allRows.map(\.csvLine)).joined(separator: "\n") + "\n",
                             to: directory.appendingPathComponent("noise.csv"))
        if estimates.contains(where: \.isResolved) {
            let fit = try FFTNoiseFit(estimates: estimates)
            try AtomicFile.write(fit.csv(), to: directory.appendingPathComponent("fft.csv"))
            if format == .table { print(renderFit(fit)) }
        } else if !estimates.isEmpty, format == .table {
            print("FFTW term not resolved for \(estimates.map(\.parameterSet).joined(separator: ", ")): its interval includes 0 "
                + "(FFT share of the blind-rotation variance \(estimates.map { fixed($0.shareOfBlindRotationVariance, 3) }.joined(separator: ", "))); no fit")
        }
    }

    private func renderTable(result: NoiseExperiment.Result, parameters: ParameterSet) -> String {
        var lines: [String] = []
        lines.append("\(parameters.name): n=\(parameters.lweDimension) k=\(parameters.glweDimension) N=\(parameters.polynomialSize) "
            + "p=\(parameters.precision) MS=\(parameters.modulusSwitch.rawValue); keys: \(result.seedProvenance)")
        lines.append("verdict: the prediction for this run's keys (not shown: it would reveal their Hamming weights) "
            + "inside the χ² interval; key-avg: the printed key-averaged prediction inside it")
        lines.append(pad("step", 44) + pad("samples", 9) + pad("log2 pred", 10) + pad("log2 meas", 10)
            + pad("meas/pred", 10) + pad("χ² CI / pred", 18) + pad("verdict", 10) + pad("key-avg", 10) + pad("mean in CI", 11)
            + "normality p")
        for row in result.rows {
            let ratioInterval = "[\(fixed(row.ciLow / row.predictedVariance, 3)), \(fixed(row.ciHigh / row.predictedVariance, 3))]"
            let meanVerdict = row.meanVerdict.map { $0 == .agrees ? "yes" : "no" } ?? "-"
            lines.append(pad(row.step, 44) + pad("\(row.samples)", 9) + pad(fixed(log2(row.predictedVariance), 2), 10)
                + pad(row.measuredVariance > 0 ? fixed(log2(row.measuredVariance), 2) : "≤ 0", 10)
                + pad(fixed(row.measuredVariance / row.predictedVariance, 3), 10) + pad(ratioInterval, 18)
                + pad(row.verdict.rawValue, 10) + pad(row.populationVerdict?.rawValue ?? "-", 10) + pad(meanVerdict, 11)
                + (row.normalityPValue.map { "\(fixed($0, 4)) (\(row.normalityVerdict ?? ""))" } ?? "-"))
            if let observed = row.observedFailures, let expected = row.expectedFailures, let low = row.cpLow, let high = row.cpHigh,
               let rate = row.predictedFailureRate, let precision = row.precision, let production = row.productionPrecision {
                lines.append("    failures at \(precision) bits: observed \(observed) of \(row.samples), expected \(fixed(expected, 1)) "
                    + "(rate \(rate)); 99% Clopper–Pearson [\(low), \(high)] → \(row.verdict.rawValue)")
                lines.append("    mapped to \(production) bits: log2 p_fail observed \(fixed(row.productionLog2FailureRate ?? .nan, 2)) "
                    + "CP [\(fixed(row.productionLog2CPLow ?? .nan, 2)), \(fixed(row.productionLog2CPHigh ?? .nan, 2))] "
                    + "vs predicted \(fixed(row.predictedProductionLog2FailureRate ?? .nan, 2)) (Gaussian-tail extrapolation)")
                lines.append("    \(row.method)")
            }
        }
        if let estimate = result.fftEstimate {
            lines.append("FFT term per CMUX: \(estimate.variance) (log2 \(fixed(log2(max(estimate.variance, .leastNormalMagnitude)), 2))), "
                + "CI [\(estimate.interval.lower), \(estimate.interval.upper)], c = \(estimate.coefficient) "
                + "(log2 c = \(fixed(log2(max(estimate.coefficient, .leastNormalMagnitude)), 3))), share of blind-rotation variance \(fixed(estimate.shareOfBlindRotationVariance, 3))")
        }
        lines.append("timings (s): " + result.seconds.sorted { $0.key < $1.key }.map { "\($0.key) \(fixed($0.value, 1))" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    private func renderFit(_ fit: FFTNoiseFit) -> String {
        var text = "FFTW term fit over \(fit.estimates.map(\.parameterSet).joined(separator: ", ")): "
            + "Var_FFT = c·2^22·l·B²·N²·(k+1)/q² with c = \(fit.coefficient) (log2 c = \(fixed(log2(fit.coefficient), 3)), "
            + "spread of log2 c across sets \(fixed(fit.log2CoefficientSpread, 3)))"
        if let exponent = fit.polynomialSizeExponent, let error = fit.polynomialSizeExponentStandardError {
            text += "; free N exponent \(fixed(exponent, 3)) ± \(fixed(error, 3))"
        }
        return text + "; use --fft \(fit.coefficient) to predict with it"
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

private func fixed(_ value: Double, _ decimals: Int) -> String {
    value.isFinite ? String(format: "%.\(decimals)f", value) : "\(value)"
}
