extension SummaryRecord {
    public struct ParseError: Error, CustomStringConvertible {
        public let column: String
        public let value: String
        public var description: String { "summary.csv column \(column) has the value '\(value)', which cannot be read back" }
    }

    /// Reads back a row written by `ReportTable(records: [summary]).csv()` (columns in `columns` order).
    public init(csvRow row: [String]) throws {
        // The row comes from a file: a short one is an error, not a trap.
        guard row.count == Self.columns.count else {
            throw ParseError(column: "(row)", value: "\(row.count) fields for the \(Self.columns.count) columns of this version")
        }
        let fields = Dictionary(uniqueKeysWithValues: zip(Self.columns, row))
        func text(_ column: String) -> String { fields[column]! }
        func integer(_ column: String) throws -> Int {
            guard let value = Int(text(column)) else { throw ParseError(column: column, value: text(column)) }
            return value
        }
        func real(_ column: String) throws -> Double {
            guard let value = Double(text(column)) else { throw ParseError(column: column, value: text(column)) }
            return value
        }
        /// nil for the placeholder words of stages that did not run.
        func optionalReal(_ column: String) throws -> Double? {
            [ReportValue.notRunText, "loaded"].contains(text(column)) ? nil : try real(column)
        }
        func optionalInteger(_ column: String) throws -> Int? {
            text(column) == ReportValue.notRunText ? nil : try integer(column)
        }
        self.init(
            experiment: text("experiment"), dataset: text("dataset"), trainSamples: try integer("train_samples"),
            testSamples: try integer("test_samples"), quantizationMethod: text("quantization_method"),
            inputBits: try integer("input_bits"), weightBits: try integer("weight_bits"),
            activationBits: try integer("activation_bits"), floatAccuracy: try real("float_accuracy"),
            quantizedAccuracy: try real("quantized_accuracy"),
            floatQuantizedAgreement: try real("float_quantized_agreement"), maxTLUBits: try integer("max_tlu_bits"),
            maxAccumulatorBits: try integer("max_accumulator_bits"), tablePBSPerSample: try integer("table_pbs_per_sample"),
            roundingPBSPerSample: text("rounding_pbs_per_sample") == Self.noPlanText ? nil : try integer("rounding_pbs_per_sample"),
            fheSamples: try optionalInteger("fhe_samples"), fheAccuracy: try optionalReal("fhe_accuracy"),
            quantizedAccuracyOnFHESamples: try optionalReal("quantized_accuracy_on_fhe_samples"),
            fheMismatches: try optionalInteger("fhe_mismatches"),
            fheLatencyMillisecondsMedian: try optionalReal("fhe_latency_ms_median"),
            fheLatencyMillisecondsP90: try optionalReal("fhe_latency_ms_p90"), keygenSeconds: try optionalReal("keygen_s"),
            epochs: try integer("epochs"), trainSeconds: try optionalReal("train_s"),
            trainSecondsPerEpoch: try optionalReal("train_s_per_epoch"), quantizeSeconds: try real("quantize_s"),
            floatEvaluationSeconds: try real("float_eval_s"), quantizedEvaluationSeconds: try real("quantized_eval_s"),
            buildConfiguration: text("build_configuration"),
            collapseReasons: text("collapse_reasons") == Self.noCollapseText
                ? [] : text("collapse_reasons").components(separatedBy: "; "))
    }
}
