import Foundation

public enum QuantizationMethod: String, Codable, Sendable, CaseIterable {
    /// Post-training quantization: min/max (or percentile) calibration of a trained float model.
    case ptq
    /// Quantization-aware training: fine-tuning with fake quantization in the forward pass.
    case qat
}

/// How activation ranges are calibrated from data.
public enum ActivationCalibration: Codable, Sendable, Equatable {
    /// The smallest and largest value seen.
    case minMax
    /// Clip at this percentile of the values seen (e.g. 99.99); the low end is the matching
    /// lower percentile. Useful at very low bit widths, where one outlier wastes codes.
    case percentile(Double)
}

/// A quantization configuration value that cannot be used. The message names the field.
public struct QuantizationConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// A model or calibration data that cannot be quantized (non-finite weights or ranges).
public struct QuantizationError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

public struct QuantizationConfiguration: Codable, Sendable, Equatable {
    public var method: QuantizationMethod
    /// Unsigned bits of the circuit's input codes.
    public var inputBits: Int
    /// Signed bits of the weight codes (of every layer but the last when `outputWeightBits` is set).
    public var weightBits: Int
    /// Signed bits of the output layer's weight codes; nil = `weightBits`. The output layer has
    /// no table (its accumulators are decrypted), so wider weights there cost no PBS precision.
    public var outputWeightBits: Int?
    /// Unsigned bits of every hidden layer's output codes (the next layer's inputs).
    public var activationBits: Int
    /// One weight scale per output neuron (true) or one per layer (false).
    public var perChannel: Bool
    /// Symmetric signed weights (zero point 0) or asymmetric ones (zero point folded into W).
    public var symmetricWeights: Bool
    public var activationCalibration: ActivationCalibration
    /// Per-neuron L1 budget of every hidden layer (the output layer has no table): each
    /// neuron's integer weights are chosen so that its sound accumulator range
    /// `Σ|W|·(input code span)` fits in this many bits (see `Calibration.quantizeWeights`).
    public var accumulatorBitsBudget: Int?
    /// Hidden accumulators are rounded to tables of at most this many bits (the circuit's
    /// max_tlu_bits with automatic rounding); QAT simulates that rounding in its forward pass.
    /// nil: no rounding to simulate.
    public var roundedTableBits: Int?
    /// Hidden tables sized for a PBS whose padding bit holds values: up to
    /// `AccumulatorRounding.paddingBitMaxEntries` entries for `roundedTableBits`, each neuron's
    /// table index held to `AccumulatorRounding.paddingBitWindow` (the circuit's
    /// `tablesUsePaddingBit`); QAT simulates that window with the rounding.
    public var tablesUsePaddingBit: Bool = false

    public init(method: QuantizationMethod, inputBits: Int, weightBits: Int, activationBits: Int,
                perChannel: Bool = true, symmetricWeights: Bool = true,
                activationCalibration: ActivationCalibration = .minMax, accumulatorBitsBudget: Int? = nil,
                outputWeightBits: Int? = nil, roundedTableBits: Int? = nil, tablesUsePaddingBit: Bool = false) {
        self.roundedTableBits = roundedTableBits
        self.tablesUsePaddingBit = tablesUsePaddingBit
        self.method = method
        self.inputBits = inputBits
        self.weightBits = weightBits
        self.activationBits = activationBits
        self.perChannel = perChannel
        self.symmetricWeights = symmetricWeights
        self.activationCalibration = activationCalibration
        self.accumulatorBitsBudget = accumulatorBitsBudget
        self.outputWeightBits = outputWeightBits
    }

    /// Throws a sentence naming the offending field and the allowed values.
    public func validate() throws {
        func check(_ name: String, _ value: Int, _ allowed: ClosedRange<Int>) throws {
            guard allowed.contains(value) else {
                throw QuantizationConfigurationError(description: "\(name) is \(value); allowed values are \(allowed.lowerBound)...\(allowed.upperBound)")
            }
        }
        try check("input_bits", inputBits, 1...16)
        try check("weight_bits", weightBits, 2...16)
        if let bits = outputWeightBits { try check("output_weight_bits", bits, 2...16) }
        try check("activation_bits", activationBits, 1...16)
        if let budget = accumulatorBitsBudget { try check("accumulator_bits_budget", budget, 2...40) }
        if let bits = roundedTableBits { try check("max_tlu_bits", bits, 1...(tablesUsePaddingBit ? 15 : 16)) }
        if case .percentile(let p) = activationCalibration, !(p > 50 && p <= 100) {
            throw QuantizationConfigurationError(description: "activation calibration percentile is \(p); allowed values are in (50, 100]")
        }
    }
}
