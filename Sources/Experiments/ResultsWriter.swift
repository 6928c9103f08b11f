import Circuit
import Foundation
import GSLStatistics
import NeuralNet
import Reporting

/// Every record a run writes, built from its stages' typed results.
struct ExperimentRecords {
    var summary: SummaryRecord
    var layers: [LayerRecord]
    var ops: [OpRecord]
    var samples: [SampleRecord]

    init(prepared: PreparedExperiment, clear: ClearEvaluation, fhe: FHEStage) {
        let (config, split, circuit) = (prepared.config, prepared.split, prepared.circuit)
        let encrypted = fhe.encrypted
        let labels = split.test.labels
        let testCount = Double(labels.count)
        let (floatPredictions, quantizedPredictions) = (clear.floatPredictions, clear.quantizedPredictions)
        let floatAccuracy = Double(zip(floatPredictions, labels).filter { $0 == $1 }.count) / testCount
        let quantizedAccuracy = Double(zip(quantizedPredictions, labels).filter { $0 == $1 }.count) / testCount
        let agreement = Double(zip(floatPredictions, quantizedPredictions).filter { $0 == $1 }.count) / testCount
        layers = zip(circuit.stages, circuit.layerStatistics).map { clear.observed.record(for: $0, statistics: $1, in: circuit) }
        // Per op of the circuit the encrypted side runs (the plan's), or of the lowered one
        // when no plan fits; FHE columns where an encrypted run measured them.
        ops = fhe.plan.map { plan in
            plan.opFigures.map { figure in
                var record = Self.opRecord(plan.circuit.ops[figure.op], index: figure.op)
                record.fhe = FHEOpFigures(
                    precisionBits: figure.precisionBits, pbsPerSample: figure.pbsPerSample,
                    pbsParameters: plan.bootstrapParameters(ofOp: figure.op)?.name, log2PredictedPError: figure.log2PError,
                    mismatches: encrypted?.ops[figure.op].mismatches)
                return record
            }
        } ?? circuit.ops.enumerated().map { Self.opRecord($1, index: $0) }
        samples = labels.indices.map {
            SampleRecord(
                testIndex: $0, label: labels[$0], floatPrediction: floatPredictions[$0],
                quantizedPrediction: quantizedPredictions[$0])
        }
        if let encrypted {
            for (index, prediction) in zip(encrypted.sampleIndices, encrypted.fhePredictions) {
                samples[index].fhePrediction = prediction
            }
            for (position, layer) in encrypted.layers.enumerated() {
                layers[position].fhe = FHELayerFigures(
                    precisionBits: layer.precisionBits, pbsPerSample: layer.plan.pbsCount,
                    tablePBSPerSample: layer.plan.tablePBSCount, roundingPBSPerSample: layer.plan.roundingPBSCount,
                    roundingExtractedBits: layer.plan.extractedBits,
                    roundingGroups: layer.plan.roundingGroups.isEmpty ? "none" : layer.plan.roundingGroups.map { String($0.bits) }.joined(separator: "+"),
                    log2PredictedPError: layer.plan.log2PError, predictedSigma: layer.predictedOutputSigma,
                    measuredSigma: layer.measuredOutputSigma, measuredSigmaLow: layer.measuredSigmaLow,
                    measuredSigmaHigh: layer.measuredSigmaHigh, maxNoiseHalfDeltas: layer.maxNoiseInHalfDeltas,
                    ciphertexts: layer.ciphertexts, mismatches: layer.mismatches, roundingMismatches: layer.roundingMismatches)
            }
        }
        let fheCorrect = encrypted.map { e in zip(e.sampleIndices, e.fhePredictions).filter { labels[$0] == $1 }.count }
        let quantizedCorrectOnSubset = encrypted.map { e in e.sampleIndices.filter { quantizedPredictions[$0] == labels[$0] }.count }
        summary = SummaryRecord(
            experiment: config.name, dataset: config.dataset.name.rawValue, trainSamples: split.train.count,
            testSamples: split.test.count, quantizationMethod: config.quantization.method.rawValue,
            inputBits: config.quantization.inputBits, weightBits: config.quantization.weightBits,
            activationBits: config.quantization.activationBits, floatAccuracy: floatAccuracy,
            quantizedAccuracy: quantizedAccuracy, floatQuantizedAgreement: agreement,
            maxTLUBits: circuit.tluPrecision,
            maxAccumulatorBits: circuit.layerStatistics.map(\.accumulatorBits).max() ?? 0,
            tablePBSPerSample: circuit.pbsCount, roundingPBSPerSample: fhe.plan?.roundingPBSCount, fheSamples: encrypted?.samples,
            fheAccuracy: encrypted.flatMap { e in fheCorrect.map { Double($0) / Double(e.samples) } },
            quantizedAccuracyOnFHESamples: encrypted.flatMap { e in quantizedCorrectOnSubset.map { Double($0) / Double(e.samples) } },
            fheMismatches: encrypted?.mismatchedSamples,
            fheLatencyMillisecondsMedian: encrypted.flatMap { SampleQuantile.median($0.latenciesSeconds) }.map { 1000 * $0 },
            fheLatencyMillisecondsP90: encrypted.flatMap { SampleQuantile.of($0.latenciesSeconds, 0.9) }.map { 1000 * $0 },
            keygenSeconds: encrypted?.keygenSeconds, epochs: config.training.epochs,
            trainSeconds: prepared.timings.trainSeconds, trainSecondsPerEpoch: prepared.timings.trainSecondsPerEpoch,
            quantizeSeconds: prepared.timings.quantizeSeconds,
            floatEvaluationSeconds: clear.floatSeconds, quantizedEvaluationSeconds: clear.quantizedSeconds,
            buildConfiguration: RunEnvironment.buildConfiguration,
            collapseReasons: CollapseCheck.reasons(
                floatModel: prepared.model, quantized: prepared.quantized, predictions: quantizedPredictions, labels: labels))
    }

    static func opRecord(_ op: CircuitOp, index: Int) -> OpRecord {
        var shift: Int?
        if case .round(let t, _) = op.operation { shift = t }
        return OpRecord(opIndex: index, layerIndex: op.layer, kind: op.kind.rawValue, count: op.count,
                        boundLow: op.low.min() ?? 0, boundHigh: op.high.max() ?? 0, boundBits: op.boundBits,
                        shift: shift, tableBits: op.tableBits)
    }
}

/// Writes one run's files into its (staging) folder, each atomically, the manifest last.
struct ResultsWriter {
    let files: ExperimentFiles

    func write(
        _ records: ExperimentRecords, prepared: PreparedExperiment, clear: ClearEvaluation, fhe: FHEStage,
        configFile: String?, environment: RunEnvironment, startedAt: Date, totalSeconds: Double
    ) throws {
        let (config, split, model, circuit) = (prepared.config, prepared.split, prepared.model, prepared.circuit)
        let summary = records.summary
        let summaryTable = ReportTable(records: [summary])
        let layersTable = ReportTable(records: records.layers)
        try AtomicFile.write(ReportTable(records: records.samples).csv(), to: files.samplesCSV)
        try AtomicFile.write(layersTable.csv(), to: files.layersCSV)
        try AtomicFile.write(ReportTable(records: records.ops).csv(), to: files.opsCSV)
        try AtomicFile.write(summaryTable.csv(), to: files.summaryCSV)
        if let simulated = fhe.simulated {
            try AtomicFile.write(ReportTable(records: [simulated.record(experiment: config.name)]).csv(), to: files.simulationCSV)
        }
        if let encrypted = fhe.encrypted {
            try AtomicFile.write(ReportTable(records: encrypted.layers.map(Self.noiseRecord)).csv(), to: files.noiseCSV)
            let bins = encrypted.layers.flatMap { layer in
                (layer.histogram?.bins ?? []).map {
                    NoiseHistogramRecord(layerIndex: layer.layer, binLow: $0.low, binHigh: $0.high, observed: $0.observed,
                                         expected: $0.expected)
                }
            }
            try AtomicFile.write(ReportTable(records: bins).csv(), to: files.noiseHistogramCSV)
        }
        try AtomicFile.write(
            Self.summaryMarkdown(
                config: config, prepared: prepared, summary: summary, summaryTable: summaryTable, layers: layersTable,
                simulated: fhe.simulated),
            to: files.summaryMarkdown)

        // A clear-only run still says whether the circuit could run encrypted, and why not.
        var fheReason: String? = config.fhe.runsEncrypted ? nil
            : config.fhe.mode == .simulate ? "fhe.mode is simulate" : "fhe.samples is 0"
        if case .failure(let error) = fhe.planning { fheReason = (fheReason.map { $0 + "; " } ?? "") + "no FHE plan: \(error)" }
        let manifest = ExperimentManifest(
            schemaVersion: ExperimentManifest.currentSchemaVersion, experiment: config.name,
            configFingerprint: config.fingerprint, floatModelFingerprint: prepared.floatModelFingerprint, config: config,
            configFile: configFile,
            seeds: .init(
                announced: config.seed, datasetSplit: config.dataset.seed, modelInitialisation: config.model.seed,
                trainingShuffle: config.training.seed, fheSubset: config.fhe.seed),
            dataset: .init(
                name: config.dataset.name.rawValue, dataDirectory: pathRelative(prepared.dataDirectory), split: split.splitDescription,
                trainSamples: split.train.count, testSamples: split.test.count, featureCount: split.featureCount,
                classCount: split.classCount, classNames: split.classNames),
            model: .init(source: prepared.modelSource.description, layerSizes: model.layerSizes,
                         savedWeights: files.floatModel.lastPathComponent),
            circuit: .init(
                maxTLUBits: circuit.maxTLUBits, tluPrecision: circuit.tluPrecision, pbsPerSample: summary.pbsPerSample,
                layers: circuit.layerStatistics),
            timings: .init(
                loadDataSeconds: prepared.timings.loadDataSeconds, trainSeconds: prepared.timings.trainSeconds,
                trainSecondsPerEpoch: prepared.timings.trainSecondsPerEpoch,
                quantizeSeconds: prepared.timings.quantizeSeconds, lowerSeconds: prepared.timings.lowerSeconds,
                floatEvaluationSeconds: clear.floatSeconds, quantizedEvaluationSeconds: clear.quantizedSeconds,
                totalSeconds: totalSeconds),
            results: .init(
                floatAccuracy: summary.floatAccuracy, quantizedAccuracy: summary.quantizedAccuracy,
                floatQuantizedAgreement: summary.floatQuantizedAgreement,
                finalEpochTrainAccuracy: prepared.finalEpochTrainAccuracy),
            fhe: fhe.encrypted.map { ExperimentManifest.FHEInfo($0, requestedSamples: config.fhe.samples) }
                ?? .init(status: ReportValue.notRunText, requestedSamples: config.fhe.samples, reason: fheReason),
            environment: environment, startedAt: startedAt, finishedAt: Date(),
            inputsFingerprint: prepared.inputs.fingerprint,
            simulation: fhe.simulated.map(ExperimentManifest.SimulationInfo.init))
        try JSONManifest.write(manifest, to: files.manifest)
    }

    static func noiseRecord(_ layer: EncryptedEvaluation.LayerResult) -> LayerNoiseRecord {
        LayerNoiseRecord(
            layerIndex: layer.layer, ciphertexts: layer.ciphertexts, zeroTableCiphertexts: layer.zeroTableCiphertexts,
            precisionBits: layer.precisionBits,
            pbsPerSample: layer.plan.pbsCount, predictedFrom: layer.predictedFrom,
            predictedSigma: layer.predictedOutputSigma, predictedSigmaThisKey: layer.keyPredictedOutputSigma,
            log2PredictedPError: layer.plan.log2PError, measuredSigma: layer.measuredOutputSigma, measuredSigmaLow: layer.measuredSigmaLow,
            measuredSigmaHigh: layer.measuredSigmaHigh, verdict: layer.noise?.verdict.rawValue ?? "too few",
            measuredMean: layer.noise?.measuredMean ?? .nan, meanLow: layer.noise?.meanInterval.lower ?? .nan,
            meanHigh: layer.noise?.meanInterval.upper ?? .nan, normalityPValue: layer.noise?.normality?.pValue,
            flips: layer.flips.observedFailures, expectedFlips: layer.flips.expectedFailures,
            flipRateLow: layer.flips.interval.lower, flipRateHigh: layer.flips.interval.upper,
            flipVerdict: layer.flips.verdict.rawValue, maxNoiseHalfDeltas: layer.maxNoiseInHalfDeltas)
    }

    /// After the layer sizes: the hidden activation (as always), or the whole layer list.
    private static func modelWords(_ source: ModelSource) -> String {
        if case .reused = source { "reused from an earlier run" } else { source.description }
    }

    private static func modelWords(_ architecture: Architecture) -> String {
        switch architecture {
        case .hidden(_, let activation): activation.rawValue
        case .layers: architecture.summary
        }
    }

    static func summaryMarkdown(
        config: ExperimentConfig, prepared: PreparedExperiment, summary record: SummaryRecord,
        summaryTable summary: ReportTable, layers: ReportTable, simulated: SimulatedEvaluation? = nil
    ) -> String {
        let q = config.quantization
        var text = "# \(config.name)\n\n"
        text += "Generated by `lockstep run` from the same records as `summary.csv` and `layers.csv`.\n\n"
        text += "- dataset: \(config.dataset.name.rawValue), \(prepared.split.splitDescription)\n"
        text += "- model: \(prepared.model.layerSizes.map(String.init).joined(separator: "→")) \(modelWords(config.model.architecture)), float weights \(modelWords(prepared.modelSource))\n"
        text += "- quantization: \(q.method.rawValue), \(q.inputBits)-bit inputs, \(q.weightBits)-bit weights, \(q.activationBits)-bit activations, \(q.perChannel ? "per-channel" : "per-tensor") weights, tables ≤ \(q.maxTLUBits) bits (rounding \(q.rounding.rawValue))\n"
        if let fheSamples = record.fheSamples {
            text += "- FHE: \(fheSamples) encrypted test samples, accuracy \(record.fheAccuracy.map { ReportValue.fraction($0).text } ?? "-")"
            text += " (clear quantized on the same samples: \(record.quantizedAccuracyOnFHESamples.map { ReportValue.fraction($0).text } ?? "-")),"
            text += " \(record.fheMismatches.map(String.init) ?? "-") samples differing from the clear integer model\n"
        } else {
            text += "- FHE: not run (\(config.fhe.mode == .simulate ? "fhe.mode is simulate" : "fhe.samples is \(config.fhe.samples)"))\n"
        }
        if let simulated {
            text += "- simulated (no keys, `simulation.csv`): \(simulated.samples) test samples, accuracy \(ReportValue.fraction(simulated.accuracy).text)"
            text += " (clear quantized: \(ReportValue.fraction(simulated.quantizedAccuracy).text)), \(simulated.changedPredictions) predictions and"
            text += " \(simulated.mismatchedSamples) samples differing from the clear model, p_error 2^\(String(format: "%.1f", simulated.plan.log2PErrorTarget)) per PBS on \(simulated.plan.keysDescription)\n"
        }
        text += "- config fingerprint: `\(config.fingerprint)`\n\n"
        text += "| metric | value |\n|---|---|\n"
        for (column, value) in zip(summary.columns, summary.rows[0]) {
            text += "| \(column) | \(value.text.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        text += "\n## Layers\n\n" + layers.markdown()
        return text
    }
}
