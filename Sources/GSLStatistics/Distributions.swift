import CGSL

// Naming: `cdf` = P(X ≤ x) (GSL `_P`), `survival` = P(X > x) (GSL `_Q`), `quantile(p)` solves
// cdf(x) = p (GSL `_Pinv`), `survivalQuantile(q)` solves survival(x) = q (GSL `_Qinv`). The
// survival forms keep full relative precision in the far upper tail, where 1 − cdf cancels.

/// The standard normal distribution N(0, 1).
public enum StandardNormal {
    public static func cdf(_ x: Double) throws(GSLError) -> Double {
        try checkedGSLValue("gsl_cdf_ugaussian_P", describeArguments(["x": x])) { gsl_cdf_ugaussian_P(x) }
    }

    public static func survival(_ x: Double) throws(GSLError) -> Double {
        try checkedGSLValue("gsl_cdf_ugaussian_Q", describeArguments(["x": x])) { gsl_cdf_ugaussian_Q(x) }
    }

    /// Φ⁻¹(p); ±∞ at p = 1 and p = 0.
    public static func quantile(_ p: Double) throws(GSLError) -> Double {
        try checkedGSLValue("gsl_cdf_ugaussian_Pinv", describeArguments(["P": p])) { gsl_cdf_ugaussian_Pinv(p) }
    }

    /// The z with P(Z > z) = q; accurate down to q ≈ 1e-300.
    public static func survivalQuantile(_ q: Double) throws(GSLError) -> Double {
        try checkedGSLValue("gsl_cdf_ugaussian_Qinv", describeArguments(["Q": q])) { gsl_cdf_ugaussian_Qinv(q) }
    }
}

/// The χ² distribution with ν degrees of freedom.
public struct ChiSquaredDistribution: Sendable, Hashable {
    public let degreesOfFreedom: Double

    public init(degreesOfFreedom: Double) {
        self.degreesOfFreedom = degreesOfFreedom
    }

    public func cdf(_ x: Double) throws(GSLError) -> Double {
        let nu = degreesOfFreedom
        return try checkedGSLValue("gsl_cdf_chisq_P", describeArguments(["x": x, "nu": nu])) { gsl_cdf_chisq_P(x, nu) }
    }

    public func survival(_ x: Double) throws(GSLError) -> Double {
        let nu = degreesOfFreedom
        return try checkedGSLValue("gsl_cdf_chisq_Q", describeArguments(["x": x, "nu": nu])) { gsl_cdf_chisq_Q(x, nu) }
    }

    public func quantile(_ p: Double) throws(GSLError) -> Double {
        let nu = degreesOfFreedom
        return try checkedGSLValue("gsl_cdf_chisq_Pinv", describeArguments(["P": p, "nu": nu])) { gsl_cdf_chisq_Pinv(p, nu) }
    }

    public func survivalQuantile(_ q: Double) throws(GSLError) -> Double {
        let nu = degreesOfFreedom
        return try checkedGSLValue("gsl_cdf_chisq_Qinv", describeArguments(["Q": q, "nu": nu])) { gsl_cdf_chisq_Qinv(q, nu) }
    }
}

/// The beta distribution Beta(a, b) on [0, 1].
public struct BetaDistribution: Sendable, Hashable {
    public let a: Double
    public let b: Double

    public init(a: Double, b: Double) {
        self.a = a
        self.b = b
    }

    public func cdf(_ x: Double) throws(GSLError) -> Double {
        let (a, b) = (a, b)
        return try checkedGSLValue("gsl_cdf_beta_P", describeArguments(["x": x, "a": a, "b": b])) { gsl_cdf_beta_P(x, a, b) }
    }

    public func survival(_ x: Double) throws(GSLError) -> Double {
        let (a, b) = (a, b)
        return try checkedGSLValue("gsl_cdf_beta_Q", describeArguments(["x": x, "a": a, "b": b])) { gsl_cdf_beta_Q(x, a, b) }
    }

    public func quantile(_ p: Double) throws(GSLError) -> Double {
        let (a, b) = (a, b)
        do {
            return try checkedGSLValue("gsl_cdf_beta_Pinv", describeArguments(["P": p, "a": a, "b": b])) { gsl_cdf_beta_Pinv(p, a, b) }
        } catch where error.code == .noConvergence {
            return try bisect(target: p, upperTail: false, after: error)
        }
    }

    public func survivalQuantile(_ q: Double) throws(GSLError) -> Double {
        let (a, b) = (a, b)
        do {
            return try checkedGSLValue("gsl_cdf_beta_Qinv", describeArguments(["Q": q, "a": a, "b": b])) { gsl_cdf_beta_Qinv(q, a, b) }
        } catch where error.code == .noConvergence {
            return try bisect(target: q, upperTail: true, after: error)
        }
    }

    /// GSL 2.7's Newton iteration in `gsl_cdf_beta_Pinv`/`Qinv` fails to converge when b is large
    /// and the quantile lies in the upper tail (e.g. Beta(202, 199799) at Q = 0.005): exactly the
    /// Clopper–Pearson bounds of a failure-rate run. The CDF itself stays accurate there, so solve
    /// cdf(x) = p (or survival(x) = q) by bisection on [0, 1], which cannot fail to converge:
    /// the CDF is continuous and monotone. 200 halvings leave an absolute error below 1e-60.
    private func bisect(target: Double, upperTail: Bool, after gslFailure: GSLError) throws(GSLError) -> Double {
        var low = 0.0, high = 1.0
        for _ in 0..<200 {
            let middle = 0.5 * (low + high)
            guard middle > low, middle < high else { break }
            let value = upperTail ? try survival(middle) : try cdf(middle)
            // cdf rises with x, survival falls.
            if (value < target) != upperTail { low = middle } else { high = middle }
        }
        let solution = 0.5 * (low + high)
        // A root of a monotone function is found to the last bit; a residual that is still large
        // means the CDF jumps there (inaccurate), and GSL's own failure is the honest answer.
        let residual = upperTail ? try survival(solution) : try cdf(solution)
        guard abs(residual - target) <= 1e-6 * target else { throw gslFailure }
        return solution
    }
}

/// The binomial distribution: successes in `trials` independent trials of probability p.
public struct BinomialDistribution: Sendable, Hashable {
    public let trials: Int
    public let successProbability: Double

    public init(trials: Int, successProbability: Double) {
        self.trials = trials
        self.successProbability = successProbability
    }

    /// P(X ≤ k).
    public func cdf(_ k: Int) throws(GSLError) -> Double {
        let (k32, n32) = try countArguments(k, function: "gsl_cdf_binomial_P")
        let p = successProbability
        return try checkedGSLValue("gsl_cdf_binomial_P", argumentText(k)) { gsl_cdf_binomial_P(k32, p, n32) }
    }

    /// P(X > k).
    public func survival(_ k: Int) throws(GSLError) -> Double {
        let (k32, n32) = try countArguments(k, function: "gsl_cdf_binomial_Q")
        let p = successProbability
        return try checkedGSLValue("gsl_cdf_binomial_Q", argumentText(k)) { gsl_cdf_binomial_Q(k32, p, n32) }
    }

    private func argumentText(_ k: Int) -> String {
        "k: \(k), p: \(successProbability), n: \(trials)"
    }

    // GSL takes unsigned ints; a negative or oversized count would wrap silently.
    private func countArguments(_ k: Int, function: String) throws(GSLError) -> (UInt32, UInt32) {
        guard let k32 = UInt32(exactly: k), let n32 = UInt32(exactly: trials) else {
            throw GSLError(status: Int32(GSL_EDOM),
                           reason: "k and n must be in 0...\(UInt32.max)",
                           function: function, arguments: argumentText(k))
        }
        return (k32, n32)
    }
}
