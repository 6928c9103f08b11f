import CGSL

/// Ordinary least squares y = intercept + slope·x (`gsl_fit_linear`).
public struct LinearFit: Sendable, Hashable {
    public let intercept: Double
    public let slope: Double
    /// Standard errors from the fit's covariance matrix (residual variance estimated from the data).
    public let interceptStandardError: Double
    public let slopeStandardError: Double
    /// Σ residual².
    public let residualSumOfSquares: Double
    public let count: Int

    public init(x: [Double], y: [Double]) throws(GSLError) {
        precondition(x.count == y.count, "linear fit needs as many x (\(x.count)) as y (\(y.count))")
        guard x.count >= 3 else {
            throw GSLError(status: Int32(GSL_EDOM), reason: "a line with error estimates needs at least 3 points, got \(x.count)",
                           function: "gsl_fit_linear", arguments: "n: \(x.count)")
        }
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, sumsq = 0.0
        let n = x.count
        // A constant x gives a NaN slope, which the check turns into a domain error.
        _ = try checkedGSLValue("gsl_fit_linear", "n: \(n)") {
            let status = x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    gsl_fit_linear(xs.baseAddress, 1, ys.baseAddress, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq)
                }
            }
            return status == Int32(GSL_SUCCESS) ? c1 : .nan
        }
        intercept = c0
        slope = c1
        interceptStandardError = cov00.squareRoot()
        slopeStandardError = cov11.squareRoot()
        residualSumOfSquares = sumsq
        count = n
    }
}
