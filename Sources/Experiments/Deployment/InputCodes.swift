import Circuit
import Foundation
import Reporting

/// The quantized input codes of test samples, as `lockstep export --codes` writes them and
/// `lockstep encrypt` reads them.
public enum InputCodes {
    /// `samples` test samples chosen as the encrypted stage chooses them (`fhe.seed`,
    /// `EncryptedEvaluation.subset`), one row each: `sample` (test-split index), `label`,
    /// `clear_prediction` (the clear integer circuit's class, what the decrypted result must
    /// equal), then `code_0` … `code_{n−1}`.
    public static func table(_ prepared: PreparedExperiment, samples: Int) -> ReportTable {
        let circuit = prepared.circuit
        let test = prepared.split.test
        let indices = EncryptedEvaluation.subset(count: samples, of: test.count, seed: prepared.config.fhe.seed)
        let codes = indices.map { prepared.quantized.quantizeInput(test.features[$0]) }
        let traces = ClearEvaluator(circuit).runBatch(codes)
        var table = ReportTable(columns: ["sample", "label", "clear_prediction"] + (0..<circuit.inputCount).map { "code_\($0)" })
        for (position, index) in indices.enumerated() {
            table.append([.integer(index), .integer(test.labels[index]), .integer(circuit.decode(traces[position].outputs).predictedClass)]
                         + codes[position].map { .integer(Int($0)) })
        }
        return table
    }
}
