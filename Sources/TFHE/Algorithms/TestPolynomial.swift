extension LookupTable {
    /// Writes the test polynomial v for N coefficients (TFHE_FACTS §6 box centring): a
    /// switched phase μ̃ ∈ [0, 2N) sits at torus value μ̃·q/2N; blind rotation yields the
    /// constant coefficient of X^{−μ̃}·v, which is v[μ̃] for μ̃ < N and −v[μ̃ − N] above.
    /// Coefficient j therefore serves the phase j·q/2N (as +v[j]) and j·q/2N − q/2 (as −v[j]).
    /// Phases round to the nearest message; the negative half-box just below zero maps to
    /// message 0 through −v[j] = f(0), i.e. v[j] = −f(0) at the top of the polynomial.
    public func writeTestPolynomial(polynomialSize: PolynomialSize, into destination: UnsafeMutablePointer<UInt64>) {
        let n = polynomialSize.rawValue
        let stepShift = UInt64(63 - polynomialSize.log2)          // q/2N = 2^(63 − log2 N)
        let delta = inputEncoding.delta
        let halfDelta = delta / 2
        let messageCount = UInt64(inputEncoding.messageCount)
        let lastMessageEnd: UInt64 = messageCount &* delta &- halfDelta   // (2^p − 1/2)·Δ
        let zeroValue = outputEncoding.encode(values[0])
        let lastValue = outputEncoding.encode(values[values.count - 1])
        for j in 0..<n {
            let phase = UInt64(j) << stepShift
            if phase < lastMessageEnd {
                let message = Int((phase + halfDelta) / delta)
                destination[j] = outputEncoding.encode(values[message])
            } else if (1 << 63) - phase <= halfDelta {
                destination[j] = 0 &- zeroValue
            } else {
                // Unreachable by a correctly encoded input (Δ below 2^(63−p) leaves a gap
                // before the padding half); saturate to the last value.
                destination[j] = lastValue
            }
        }
    }

    /// The test polynomial as an array (for inspection and tests).
    public func testPolynomial(polynomialSize: PolynomialSize) -> [UInt64] {
        var polynomial = [UInt64](repeating: 0, count: polynomialSize.rawValue)
        polynomial.withUnsafeMutableBufferPointer { writeTestPolynomial(polynomialSize: polynomialSize, into: $0.baseAddress!) }
        return polynomial
    }
}
