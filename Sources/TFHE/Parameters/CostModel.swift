#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// concrete-optimizer's operation-count model (TFHE_FACTS §3.9); `/1e6` gives tfhe-rs'
/// "algorithmic cost" comments.
public enum CostModel {
    public static func fft(polynomialSize N: Int) -> Double {
        let n = Double(N)
        return n * Double(N.trailingZeroBitCount) + n
    }

    public static func cmux(glweDimension k: Int, polynomialSize N: Int, levels l: Int) -> Double {
        let k1 = Double(k + 1), lD = Double(l)
        let f = fft(polynomialSize: N)
        return k1 * lD * f + k1 * f + k1 * k1 * lD * Double(N)
    }

    public static func pbs(lweDimension n: Int, glweDimension k: Int, polynomialSize N: Int, levels l: Int) -> Double {
        Double(n) * cmux(glweDimension: k, polynomialSize: N, levels: l)
    }

    public static func keyswitch(inputDimension nIn: Int, outputDimension n: Int, levels l: Int) -> Double {
        let nl = Double(nIn * l), out = Double(n + 1)
        return nl + nl * out + (nl - 1) * out + 1
    }

    public static func pbs(_ p: ParameterSet) -> Double {
        pbs(lweDimension: p.lweDimension.rawValue, glweDimension: p.glweDimension.rawValue,
            polynomialSize: p.polynomialSize.rawValue, levels: p.pbsLevels.rawValue)
    }

    public static func keyswitch(_ p: ParameterSet) -> Double {
        keyswitch(inputDimension: p.bigLWEDimension.rawValue, outputDimension: p.lweDimension.rawValue,
                  levels: p.ksLevels.rawValue)
    }

    /// KS + PBS in millions of operations.
    public static func millions(_ p: ParameterSet) -> Double { (pbs(p) + keyswitch(p)) / 1e6 }
}

/// Key sizes with 64-bit words (TFHE_FACTS §1.6); the Fourier BSK (N/2 complex doubles per
/// polynomial) has the same size.
public enum KeySizes {
    public static func bootstrapKeyBytes(_ p: ParameterSet) -> Int {
        let k1 = p.glweDimension.glweSize
        return p.lweDimension.rawValue * k1 * k1 * p.pbsLevels.rawValue * p.polynomialSize.rawValue * 8
    }

    /// `p`'s keyswitching key from its own big key, or from a big key of `input` (a cross key).
    public static func keyswitchKeyBytes(_ p: ParameterSet, readingFrom input: LWEDimension? = nil) -> Int {
        (input ?? p.bigLWEDimension).rawValue * p.ksLevels.rawValue * p.lweDimension.lweSize * 8
    }
}
