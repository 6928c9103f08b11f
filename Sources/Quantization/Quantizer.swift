import Foundation

/// An affine (uniform) quantizer: `code = clamp(round(x / scale) + zeroPoint, minCode, maxCode)`
/// and `x̂ = scale · (code − zeroPoint)`. Rounding is half away from zero.
///
/// Code ranges: unsigned `[0, 2^b − 1]`; signed symmetric `[−(2^(b−1) − 1), 2^(b−1) − 1]`
/// (the narrow range, so that −code is always representable); signed asymmetric
/// `[−2^(b−1), 2^(b−1) − 1]`. Symmetric quantizers have `zeroPoint = 0`.
/// The calibrated range is always widened to contain 0, so real zero (ReLU outputs,
/// pruned weights) is represented exactly.
public struct Quantizer: Codable, Sendable, Equatable, CustomStringConvertible {
    public let bitWidth: Int
    public let isSigned: Bool
    public let isSymmetric: Bool
    public let scale: Double
    public let zeroPoint: Int64
    public let minCode: Int64
    public let maxCode: Int64

    /// Builds the quantizer covering `[minimum, maximum]` (after widening to include 0).
    /// An unsigned symmetric quantizer covers `[0, maximum]`; negative values clamp to 0.
    /// A degenerate range (everything is 0) gets scale 1 so that 0 maps to the zero point.
    public init(bitWidth: Int, signed: Bool, symmetric: Bool, minimum: Double, maximum: Double) {
        precondition((1...24).contains(bitWidth), "Quantizer bit width must be in 1...24, got \(bitWidth)")
        precondition(!signed || bitWidth >= 2, "A signed quantizer needs at least 2 bits, got \(bitWidth)")
        precondition(minimum.isFinite && maximum.isFinite && minimum <= maximum,
                     "Quantizer range must be finite with minimum ≤ maximum, got [\(minimum), \(maximum)]")
        self.bitWidth = bitWidth
        isSigned = signed
        isSymmetric = symmetric
        let low = min(minimum, 0), high = max(maximum, 0)
        if signed {
            let half = Int64(1) << (bitWidth - 1)
            minCode = symmetric ? -(half - 1) : -half
            maxCode = half - 1
        } else {
            minCode = 0
            maxCode = (Int64(1) << bitWidth) - 1
        }
        if symmetric {
            let magnitude = signed ? max(-low, high) : high
            scale = magnitude > 0 ? magnitude / Double(maxCode) : 1
            zeroPoint = 0
        } else {
            let span = high - low
            let computedScale = span > 0 ? span / Double(maxCode - minCode) : 1
            scale = computedScale
            zeroPoint = Swift.min(maxCode, Swift.max(minCode, minCode - Int64((low / computedScale).rounded())))
        }
    }

    /// The same quantizer with an explicit scale and zero point (used when decoding files).
    public init(bitWidth: Int, signed: Bool, symmetric: Bool, scale: Double, zeroPoint: Int64) {
        let reference = Quantizer(bitWidth: bitWidth, signed: signed, symmetric: symmetric, minimum: 0, maximum: 0)
        precondition(scale > 0 && scale.isFinite, "Quantizer scale must be finite and > 0, got \(scale)")
        precondition(zeroPoint >= reference.minCode && zeroPoint <= reference.maxCode,
                     "Zero point \(zeroPoint) outside the code range \(reference.minCode)...\(reference.maxCode)")
        precondition(!symmetric || zeroPoint == 0, "A symmetric quantizer has zero point 0, got \(zeroPoint)")
        self.bitWidth = bitWidth
        isSigned = signed
        isSymmetric = symmetric
        self.scale = scale
        self.zeroPoint = zeroPoint
        minCode = reference.minCode
        maxCode = reference.maxCode
    }

    @inline(__always)
    public func quantize(_ x: Double) -> Int64 {
        precondition(!x.isNaN, "Cannot quantize NaN")
        let scaled = (x / scale).rounded()
        // Clamp in Double first: a huge x must not trap in the Int64 conversion.
        let limited = Swift.min(Double(maxCode - zeroPoint), Swift.max(Double(minCode - zeroPoint), scaled))
        return Int64(limited) + zeroPoint
    }

    @inline(__always)
    public func quantize(_ x: Float) -> Int64 { quantize(Double(x)) }

    @inline(__always)
    public func dequantize(_ code: Int64) -> Double { scale * Double(code - zeroPoint) }

    /// quantize then dequantize: the value the integer model actually sees.
    @inline(__always)
    public func fakeQuantize(_ x: Float) -> Float { Float(dequantize(quantize(Double(x)))) }

    /// The real interval the codes cover.
    public var representableRange: ClosedRange<Double> { dequantize(minCode)...dequantize(maxCode) }
    public var codeRange: ClosedRange<Int64> { minCode...maxCode }

    public var description: String {
        "\(isSigned ? "int" : "uint")\(bitWidth)\(isSymmetric ? " symmetric" : "") scale=\(scale) zeroPoint=\(zeroPoint)"
    }
}

/// A row-major matrix of `Int64` (integer weights: `outputs × inputs`, row j = neuron j).
public struct IntegerMatrix: Codable, Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Int64]

    public init(rows: Int, columns: Int, values: [Int64]) {
        precondition(values.count == rows * columns,
                     "IntegerMatrix \(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Int64 {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ index: Int) -> ArraySlice<Int64> { values[(index * columns)..<((index + 1) * columns)] }
}
