import Foundation
import NeuralNet

/// Fake quantization as NeuralNet training hooks: weights are re-quantized every step from
/// the current float weights (the same function that builds the final model); hidden
/// activations go through fixed, calibrated quantizers. Gradients pass straight through.
struct FakeQuantizationTransform: TrainingTransform {
    let configuration: QuantizationConfiguration
    /// The input quantizer of each layer (input, then every hidden activation quantizer).
    let layerInputQuantizers: [Quantizer]
    let activationQuantizers: [Quantizer]

    func forwardWeights(layer: Int, weights: Matrix) -> Matrix {
        let input = layerInputQuantizers[layer]
        let (integers, quantizers) = Calibration.quantizeWeights(weights, configuration: configuration,
                                                                 inputCodeSpan: input.maxCode - input.minCode,
                                                                 isOutputLayer: layer == layerInputQuantizers.count - 1)
        var result = Matrix(rows: weights.rows, columns: weights.columns)
        for j in 0..<weights.rows {
            let scale = quantizers[j].scale
            for i in 0..<weights.columns { result[j, i] = Float(scale * Double(integers[j, i])) }
        }
        return result
    }

    func transformActivations(layer: Int, _ activations: inout Matrix) {
        let quantizer = activationQuantizers[layer]
        for k in activations.values.indices { activations.values[k] = quantizer.fakeQuantize(activations.values[k]) }
    }
}

/// Quantization-aware training (fine-tuning) of a float model.
public enum QuantizationAwareTrainer {
    /// Calibrates the input and activation quantizers on `inputs` with the current (normally
    /// pre-trained) float model, fine-tunes `model` in place with fake quantization in the
    /// forward pass (straight-through estimator), and returns the quantized model built with
    /// those same quantizers from the fine-tuned weights.
    public static func train(
        model: inout MLP,
        inputs: Matrix,
        labels: [Int],
        quantization: QuantizationConfiguration,
        training: TrainingConfiguration,
        progress: (EpochReport) -> Void = { _ in }
    ) throws -> QuantizedModel {
        try quantization.validate()
        precondition(inputs.columns == model.inputCount,
                     "Model expects \(model.inputCount) features, inputs have \(inputs.columns)")
        let inputQuantizer = Calibration.inputQuantizer(inputs, configuration: quantization)
        let activationQuantizers = Calibration.activationQuantizers(model: model, inputs: inputs,
                                                                    inputQuantizer: inputQuantizer,
                                                                    configuration: quantization)
        let transform = FakeQuantizationTransform(configuration: quantization,
                                                  layerInputQuantizers: [inputQuantizer] + activationQuantizers,
                                                  activationQuantizers: activationQuantizers)
        let quantizedInputs = inputs.map { inputQuantizer.fakeQuantize($0) }
        Trainer.train(model: &model, inputs: quantizedInputs, labels: labels, config: training,
                      transform: transform, progress: progress)
        return Calibration.assemble(model: model, inputQuantizer: inputQuantizer,
                                    activationQuantizers: activationQuantizers, configuration: quantization)
    }
}
