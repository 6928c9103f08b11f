import Foundation
import NeuralNet

/// Fake quantization as NeuralNet training hooks: weights are re-quantized every step from
/// the current float weights (the same function that builds the final model); hidden
/// activations go through fixed, calibrated quantizers. With `roundedTableBits`, hidden
/// pre-activations are rounded as the circuit rounds the accumulators (the shift computed from
/// this step's integer weights and sound bounds, `AccumulatorRounding`), so training sees
/// the coarse table inputs the encrypted model will. Gradients pass straight through.
struct FakeQuantizationTransform: TrainingTransform {
    let configuration: QuantizationConfiguration
    /// The float layers as training starts: their geometry (convolution, pooling) and activations.
    let layers: [NetworkLayer]
    /// The input quantizer of each layer (input, then every hidden activation quantizer).
    let layerInputQuantizers: [Quantizer]
    let activationQuantizers: [Quantizer]

    func forwardLayer(layer index: Int, weights: Matrix) -> TransformedLayer {
        let input = layerInputQuantizers[index]
        let isOutputLayer = index == layerInputQuantizers.count - 1
        let linear: Calibration.QuantizedLinear
        do {
            linear = try Calibration.quantizeLinear(layers[index], weights: weights, inputQuantizer: input,
                                                    configuration: configuration, isOutputLayer: isOutputLayer)
        } catch {
            // The geometry was folded once before training (`train` checks it), and weights do
            // not change it.
            preconditionFailure("Layer \(index) could not be quantized during training: \(error)")
        }
        var result = Matrix(rows: weights.rows, columns: weights.columns)
        for j in 0..<weights.rows {
            let scale = linear.quantizers[j].scale
            for i in 0..<weights.columns { result[j, i] = Float(scale * Double(linear.codes[j, i])) }
        }
        guard let tableBits = configuration.roundedTableBits, !isOutputLayer else { return TransformedLayer(weights: result) }
        // The circuit bounds layer inputs by the codes the previous tables can produce, which
        // lie inside the quantizer's code range: this shift is the circuit's or one above it.
        let rows = linear.rows
        let (low, high) = rows.soundBounds(inputLow: Array(repeating: input.minCode, count: rows.inputCount),
                                           inputHigh: Array(repeating: input.maxCode, count: rows.inputCount))
        let usesPaddingBit = configuration.tablesUsePaddingBit
        let shift = AccumulatorRounding.shift(low: low, high: high, tableBits: tableBits,
                                              paddingBitActivationLevels: usesPaddingBit ? 1 << configuration.activationBits : nil)
        let windows = usesPaddingBit
            ? AccumulatorRounding.paddingBitWindows(low: low, high: high, shift: shift, tableBits: tableBits) : nil
        guard shift > 0 || windows != nil else { return TransformedLayer(weights: result) }
        // u = s·s_in·(acc − zp_in·Σ_i W_ji) per output value j (s the channel's scale, 1/k² of a
        // pooled input included), so acc = u/(s·s_in) + zp_in·Σ_i W_ji.
        let positions = layers[index].positionsPerChannel
        let scales = (0..<rows.outputCount).map { j in linear.scaledQuantizers[j / positions].scale * input.scale }
        let offsets = rows.rowSums.map { Double(input.zeroPoint) * Double($0) }
        return TransformedLayer(weights: result, preActivationRounding: PreActivationRounding(
            scales: scales, offsets: offsets, shift: shift,
            indexWindows: windows?.map { Double($0.lowerBound)...Double($0.upperBound) }))
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
        model: inout Network,
        inputs: Matrix,
        labels: [Int],
        quantization: QuantizationConfiguration,
        training: TrainingConfiguration,
        progress: (EpochReport) -> Void = { _ in }
    ) throws -> QuantizedModel {
        try quantization.validate()
        precondition(inputs.columns == model.inputCount,
                     "Model expects \(model.inputCount) features, inputs have \(inputs.columns)")
        let inputQuantizer = try Calibration.inputQuantizer(inputs, configuration: quantization)
        let activationQuantizers = try Calibration.activationQuantizers(model: model, inputs: inputs,
                                                                    inputQuantizer: inputQuantizer,
                                                                    configuration: quantization)
        // Quantizing once up front turns a geometry that cannot be folded into an error here
        // rather than a trap in the training hook.
        _ = try Calibration.assemble(model: model, inputQuantizer: inputQuantizer,
                                     activationQuantizers: activationQuantizers, configuration: quantization)
        let transform = FakeQuantizationTransform(configuration: quantization, layers: model.layers,
                                                  layerInputQuantizers: [inputQuantizer] + activationQuantizers,
                                                  activationQuantizers: activationQuantizers)
        let quantizedInputs = inputs.map { inputQuantizer.fakeQuantize($0) }
        try Trainer.train(model: &model, inputs: quantizedInputs, labels: labels, config: training,
                                            transform: transform, progress: progress)
        return try Calibration.assemble(model: model, inputQuantizer: inputQuantizer,
                                    activationQuantizers: activationQuantizers, configuration: quantization)
    }
}
