import Foundation

/// Element-wise non-linearity applied after a layer's affine map.
public enum Activation: String, Codable, Sendable, CaseIterable {
    case relu, sigmoid, tanh, identity

    @inline(__always)
    public func apply(_ z: Float) -> Float {
        switch self {
        case .relu: return z > 0 ? z : 0
        case .sigmoid: return 1 / (1 + exp(-z))
        case .tanh: return Foundation.tanh(z)
        case .identity: return z
        }
    }

    /// The same function in double precision: the integer circuit's tables are built with it.
    @inline(__always)
    public func apply(_ z: Double) -> Double {
        switch self {
        case .relu: return z > 0 ? z : 0
        case .sigmoid: return 1 / (1 + exp(-z))
        case .tanh: return Foundation.tanh(z)
        case .identity: return z
        }
    }

    /// d activation / d z, written in terms of the pre-activation z and the output a = f(z)
    /// (whichever is cheaper for the function).
    @inline(__always)
    func derivative(preActivation z: Float, output a: Float) -> Float {
        switch self {
        case .relu: return z > 0 ? 1 : 0
        case .sigmoid: return a * (1 - a)
        case .tanh: return 1 - a * a
        case .identity: return 1
        }
    }
}
