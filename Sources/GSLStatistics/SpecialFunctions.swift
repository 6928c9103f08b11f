import CGSL

/// The complementary error function and its relatives.
public enum ErrorFunction {
    /// erfc(x) = 1 − erf(x) (`gsl_sf_erfc_e`). Underflows to 0 beyond x ≈ 27; use `logErfc`
    /// for the far tail.
    public static func erfc(_ x: Double) throws(GSLError) -> Double {
        try checkedGSLResult("gsl_sf_erfc_e", describeArguments(["x": x])) { gsl_sf_erfc_e(x, $0) }.value
    }

    /// ln erfc(x) (`gsl_sf_log_erfc_e`), finite far beyond the range where erfc underflows.
    public static func logErfc(_ x: Double) throws(GSLError) -> Double {
        try checkedGSLResult("gsl_sf_log_erfc_e", describeArguments(["x": x])) { gsl_sf_log_erfc_e(x, $0) }.value
    }

    /// The x with erfc(x) = y, for y in [0, 2]. erfc(x) = 2·Q(x·√2), so this is
    /// Q⁻¹(y/2)/√2 through `gsl_cdf_ugaussian_Qinv`, accurate for y down to ~1e-300.
    public static func inverseErfc(_ y: Double) throws(GSLError) -> Double {
        guard y >= 0, y <= 2 else {
            throw GSLError(status: Int32(GSL_EDOM), reason: "erfc takes values in [0, 2], got \(y)",
                           function: "gsl_cdf_ugaussian_Qinv", arguments: describeArguments(["Q": y / 2]))
        }
        return try StandardNormal.survivalQuantile(y / 2) / 2.0.squareRoot()
    }
}

/// The GSL library this module is linked against.
public enum GSLLibrary {
    /// The run-time version string, e.g. "2.7.1" (`gsl_version`).
    public static var version: String { String(cString: lockstep_gsl_version()) }
}
