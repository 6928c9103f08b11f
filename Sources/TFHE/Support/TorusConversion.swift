/// Conversions between the torus ℤ/2^64 (stored as UInt64) and Double.
public enum TorusConversion {
    /// 1.5·2^52: adding and subtracting it rounds any |x| < 2^51 to the nearest integer
    /// without a libm call (baseline x86-64 has no SSE4.1 `roundsd`).
    static let roundingMagic: Double = 6755399441055744.0

    /// A torus element as a signed value in [-1/2, 1/2) torus units.
    @inline(__always)
    static func signedUnit(_ value: UInt64) -> Double {
        Double(Int64(bitPattern: value)) * 0x1p-64
    }

    /// A real number of torus units (any magnitude below 2^51) reduced modulo 1, to the
    /// nearest 2^-52: far finer than the ≥ 2^-40 error of a double-precision external
    /// product. Branch-free so the loop vectorizes.
    @inline(__always)
    static func fromUnits(_ units: Double) -> UInt64 {
        let whole = (units + roundingMagic) - roundingMagic
        let fraction = units - whole                     // exact, in [-1/2, 1/2]
        let shifted = fraction + 1.5                      // in [1, 2]; mantissa = (fraction + 1/2)·2^52
        return (shifted.bitPattern << 12) &- (1 << 63)
    }

    /// Noise in torus units (2^-64) to the nearest torus element, wrapping: noise near or
    /// beyond the torus size (inflated test sets, the simulator at p_error near 1/2) lands
    /// where a real phase would, instead of trapping on conversion or being clamped.
    @inline(__always)
    public static func fromScaledNoise(_ value: Double) -> UInt64 {
        let rounded = value.rounded(.toNearestOrEven)
        if abs(rounded) < 0x1p62 { return UInt64(bitPattern: Int64(rounded)) }
        return wrapping(rounded)
    }

    /// An integer-valued Double of any magnitude reduced modulo 2^64, exactly.
    static func wrapping(_ value: Double) -> UInt64 {
        let wraps = (value * 0x1p-64).rounded(.toNearestOrEven)
        let reduced = value - wraps * 0x1p64                // exact: both are multiples of ulp(value)
        let magnitude = UInt64(abs(reduced).rounded(.toNearestOrEven))   // ≤ 2^63 fits
        return reduced < 0 ? 0 &- magnitude : magnitude
    }

    /// A signed integer below 2^51 in magnitude as a Double, through the bit pattern of
    /// 1.5·2^52 (SSE2 has no packed Int64 → Double conversion; this vectorizes).
    @inline(__always)
    static func double(fromSmallInteger value: Int64) -> Double {
        Double(bitPattern: UInt64(bitPattern: value) &+ roundingMagic.bitPattern) - roundingMagic
    }

    /// The nearest integer to a Double below 2^51 in magnitude, as a torus element.
    @inline(__always)
    static func fromSmallInteger(_ value: Double) -> UInt64 {
        let rounded = (value + roundingMagic) - roundingMagic
        return UInt64(bitPattern: Int64(rounded))
    }
}
