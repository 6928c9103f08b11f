import SeededRandom
import Testing
@testable import GSLStatistics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// |a − b| ≤ tolerance·|b|, printed on failure by #expect.
private func isClose(_ a: Double, _ b: Double, relative tolerance: Double) -> Bool {
    abs(a - b) <= tolerance * abs(b)
}

@Suite("GSL wrappers against table values")
struct DistributionTableTests {
    // Printed tables give 3–7 digits; each tolerance is half a unit in the last printed digit.
    @Test func chiSquaredQuantilesMatchTables() throws {
        let ten = ChiSquaredDistribution(degreesOfFreedom: 10)
        #expect(abs(try ten.quantile(0.995) - 25.188) < 5e-4)
        #expect(abs(try ten.quantile(0.005) - 2.156) < 5e-4)
        #expect(abs(try ten.survivalQuantile(0.05) - 18.307) < 5e-4)
        let nineteen = ChiSquaredDistribution(degreesOfFreedom: 19)
        #expect(abs(try nineteen.quantile(0.975) - 32.852) < 5e-4)
        #expect(abs(try nineteen.quantile(0.025) - 8.907) < 5e-4)
        // cdf and quantile are inverse to each other.
        #expect(isClose(try ten.cdf(try ten.quantile(0.3)), 0.3, relative: 1e-12))
        #expect(isClose(try ten.survival(25.188), 0.005, relative: 1e-4))
    }

    @Test func normalValuesMatchTables() throws {
        #expect(abs(try StandardNormal.quantile(0.975) - 1.959964) < 5e-7)
        #expect(abs(try StandardNormal.survivalQuantile(0.005) - 2.575829) < 5e-7)
        #expect(abs(try StandardNormal.cdf(1.96) - 0.9750021) < 5e-8)
        #expect(isClose(try StandardNormal.survival(3), 1.349898e-3, relative: 1e-6))
        #expect(try StandardNormal.quantile(1) == .infinity)
        // Far tail: Q⁻¹(2^-129) must stay finite and accurate (needed for p_error = 2^-128).
        let z = try StandardNormal.survivalQuantile(pow(2, -129))
        #expect(isClose(try StandardNormal.survival(z), pow(2, -129), relative: 1e-9))
    }

    @Test func betaValuesMatchClosedForms() throws {
        // Beta(1, b): cdf(x) = 1 − (1 − x)^b, so quantile(p) = 1 − (1 − p)^(1/b).
        let oneTen = BetaDistribution(a: 1, b: 10)
        #expect(abs(try oneTen.quantile(0.975) - 0.308497) < 5e-7)
        #expect(isClose(try oneTen.quantile(0.975), 1 - pow(0.025, 0.1), relative: 1e-12))
        // I_{1/2}(2, 3) = 11/16.
        #expect(isClose(try BetaDistribution(a: 2, b: 3).cdf(0.5), 11.0 / 16, relative: 1e-14))
        // Beta(1/2, 1/2) is the arcsine law: quantile(p) = sin²(πp/2).
        let arcsine = BetaDistribution(a: 0.5, b: 0.5)
        #expect(isClose(try arcsine.quantile(0.25), pow(sin(Double.pi / 8), 2), relative: 1e-10))
        #expect(isClose(try arcsine.survivalQuantile(0.25), pow(sin(3 * Double.pi / 8), 2), relative: 1e-10))
    }

    /// GSL's own inverse does not converge for these (see `BetaDistribution.bisect`); the
    /// reference values are SciPy 1.17.1's `beta.isf(0.005, 202, 199799)` and
    /// `beta.ppf(0.995, 1001, 1e8)`, an independent implementation (Boost's incomplete beta).
    @Test func betaQuantilesWhereGSLDoesNotConverge() throws {
        #expect(isClose(try BetaDistribution(a: 202, b: 199_799).survivalQuantile(0.005), 0.0012023058717608814, relative: 1e-9))
        #expect(isClose(try BetaDistribution(a: 1001, b: 1e8).quantile(0.995), 1.0843615669940433e-05, relative: 1e-9))
    }

    @Test func binomialCDFMatchesExactSum() throws {
        let fair = BinomialDistribution(trials: 10, successProbability: 0.5)
        // (1 + 10 + 45 + 120)/1024.
        #expect(isClose(try fair.cdf(3), 176.0 / 1024, relative: 1e-13))
        #expect(isClose(try fair.survival(3), 848.0 / 1024, relative: 1e-13))
        #expect(try fair.cdf(10) == 1)
    }

    @Test func erfcAndLogErfcMatchTables() throws {
        #expect(isClose(try ErrorFunction.erfc(1), 0.157299207050285, relative: 1e-13))
        #expect(isClose(try ErrorFunction.erfc(0), 1, relative: 1e-15))
        #expect(isClose(try ErrorFunction.erfc(-1), 2 - 0.157299207050285, relative: 1e-14))
        // erfc(10) = 2.088487583762545e-45 (Abramowitz & Stegun 7.1, computed to 16 digits).
        #expect(isClose(try ErrorFunction.erfc(10), 2.088487583762545e-45, relative: 1e-12))
        #expect(isClose(try ErrorFunction.logErfc(10), log(2.088487583762545e-45), relative: 1e-13))
        // Beyond underflow logErfc follows the asymptote −x² − ln(x√π) (1 − 1/(2x²) + …).
        let x = 40.0
        let asymptote = -x * x - log(x * Double.pi.squareRoot()) + log(1 - 1 / (2 * x * x) + 3 / (4 * pow(x, 4)))
        #expect(isClose(try ErrorFunction.logErfc(x), asymptote, relative: 1e-12))
        #expect(isClose(try ErrorFunction.inverseErfc(try ErrorFunction.erfc(1.3)), 1.3, relative: 1e-12))
    }

    @Test func versionIsTheLinkedLibrary() {
        #expect(GSLLibrary.version.split(separator: ".").count >= 2)
        #expect(GSLLibrary.version.first?.isNumber == true)
    }
}

@Suite("GSL error statuses become thrown GSLErrors, never an abort")
struct ErrorMappingTests {
    @Test func domainErrorFromGSLCarriesReasonAndFunction() {
        #expect(gslAbortingHandlerIsOff)
        do {
            _ = try BetaDistribution(a: 2, b: 3).quantile(1.5)
            Issue.record("beta quantile of 1.5 must throw")
        } catch {
            #expect(error.code == .domain)
            #expect(error.status == 1)
            #expect(error.function == "gsl_cdf_beta_Pinv")
            #expect(error.reason.contains("P must be in range"))
            #expect(error.description.contains("P: 1.5"))
        }
    }

    @Test func nestedDomainErrorKeepsTheInnermostReasonFirst() {
        do {
            _ = try ChiSquaredDistribution(degreesOfFreedom: -1).cdf(0.5)
            Issue.record("χ² with ν = −1 must throw")
        } catch {
            #expect(error.code == .domain)
            #expect(error.reason.hasPrefix("domain error"))
        }
    }

    @Test func silentNaNIsAnError() {
        // gsl_cdf_chisq_Pinv(1.5, 10) returns NaN without calling the handler.
        #expect(throws: GSLError.self) { try ChiSquaredDistribution(degreesOfFreedom: 10).quantile(1.5) }
        #expect(throws: GSLError.self) { try StandardNormal.quantile(-0.5) }
    }

    /// Beta(0.5, 1e6) at P = 1e-300: GSL's Newton step fails, and the quantile (~1e-606) is
    /// below the smallest double, so the bisection fallback cannot rescue it either.
    @Test func nonConvergenceIsMapped() {
        do {
            let x = try BetaDistribution(a: 0.5, b: 1e6).quantile(1e-300)
            Issue.record("expected a convergence failure, got \(x)")
        } catch {
            #expect(error.code == .noConvergence)
            #expect(error.reason.contains("failed to converge"))
        }
    }

    @Test func binomialOutOfRangeArguments() {
        #expect(throws: GSLError.self) { try BinomialDistribution(trials: 10, successProbability: 1.5).cdf(3) }
        #expect(throws: GSLError.self) { try BinomialDistribution(trials: 10, successProbability: 0.5).cdf(-1) }
        #expect(throws: GSLError.self) { try ErrorFunction.inverseErfc(2.5) }
    }

    /// The error slot is per thread: failures on some threads must not leak into successful
    /// calls on others.
    @Test func errorsStayOnTheirThread() async {
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var consistent = true
                    for _ in 0..<2000 {
                        let shouldFail = task % 2 == 0
                        do {
                            _ = try BetaDistribution(a: 2, b: 3).quantile(shouldFail ? 1.5 : 0.5)
                            consistent = consistent && !shouldFail
                        } catch {
                            consistent = consistent && shouldFail
                        }
                    }
                    return consistent
                }
            }
            var all: [Bool] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes == Array(repeating: true, count: 8))
    }
}

@Suite("Sample moments")
struct SampleMomentsTests {
    @Test func smallSampleAgainstHandComputation() throws {
        // Deviations from the mean 5: −3, −1, −1, −1, 0, 0, 2, 4; Σd² = 32, Σd³ = 42, Σd⁴ = 356.
        let moments = try SampleMoments([2, 4, 4, 4, 5, 5, 7, 9])
        let variance = 32.0 / 7
        #expect(moments.count == 8)
        #expect(moments.mean == 5)
        #expect(isClose(moments.variance, variance, relative: 1e-15))
        #expect(isClose(moments.standardDeviation, variance.squareRoot(), relative: 1e-15))
        #expect(isClose(moments.skewness, 42.0 / 8 / pow(variance, 1.5), relative: 1e-14))
        #expect(isClose(moments.excessKurtosis, 356.0 / 8 / (variance * variance) - 3, relative: 1e-14))
    }

    /// Tolerances: four standard errors of each estimator at n = 200,000 (sd of the sample mean
    /// σ/√n, of s² ≈ σ²√(2/n), of skewness √(6/n), of kurtosis √(24/n)); a false alarm has
    /// probability below 1e-4 per check, and the seed is fixed anyway.
    @Test(arguments: [UInt64(1), 2, 3])
    func gaussianSampleHasNormalMoments(seed: UInt64) throws {
        let n = 200_000
        let moments = try SampleMoments(SyntheticSamples.gaussian(count: n, mean: 3, standardDeviation: 2, seed: seed))
        let root = Double(n).squareRoot()
        #expect(abs(moments.mean - 3) < 4 * 2 / root)
        #expect(abs(moments.variance - 4) < 4 * 4 * (2.0).squareRoot() / root)
        #expect(abs(moments.skewness) < 4 * 6.0.squareRoot() / root)
        #expect(abs(moments.excessKurtosis) < 4 * 24.0.squareRoot() / root)
    }

    @Test func uniformSampleHasUniformMoments() throws {
        let n = 200_000
        let moments = try SampleMoments(SyntheticSamples.uniform(count: n, seed: 7))
        // Uniform(0, 1): mean 1/2, variance 1/12, skewness 0, excess kurtosis −6/5.
        #expect(abs(moments.mean - 0.5) < 0.005)
        #expect(abs(moments.variance - 1.0 / 12) < 0.001)
        #expect(abs(moments.skewness) < 0.02)
        #expect(abs(moments.excessKurtosis + 1.2) < 0.02)
    }

    @Test func tooFewOrNonFiniteSamplesThrow() {
        #expect(throws: GSLError.self) { try SampleMoments([1]) }
        #expect(throws: GSLError.self) { try SampleMoments([1, .nan, 2]) }
        #expect(throws: GSLError.self) { try SampleMoments([1, .infinity]) }
    }
}

@Suite("Linear fit")
struct LinearFitTests {
    @Test func exactLineIsRecovered() throws {
        let x: [Double] = [1, 2, 3, 4, 5]
        let fit = try LinearFit(x: x, y: x.map { 2.5 * $0 - 1 })
        #expect(abs(fit.slope - 2.5) < 1e-12)
        #expect(abs(fit.intercept + 1) < 1e-12)
        #expect(fit.residualSumOfSquares < 1e-20)
    }

    /// Textbook data (x = 1…5, y = 2, 4, 5, 4, 5): slope 0.6, intercept 2.2, SSE 2.4,
    /// se(slope) = √(SSE/(n−2)/Sxx) = √(0.8/10).
    @Test func noisyLineMatchesHandComputation() throws {
        let fit = try LinearFit(x: [1, 2, 3, 4, 5], y: [2, 4, 5, 4, 5])
        #expect(abs(fit.slope - 0.6) < 1e-12)
        #expect(abs(fit.intercept - 2.2) < 1e-12)
        #expect(abs(fit.residualSumOfSquares - 2.4) < 1e-12)
        #expect(abs(fit.slopeStandardError - (0.08).squareRoot()) < 1e-12)
    }

    @Test func degenerateInputThrows() {
        #expect(throws: GSLError.self) { try LinearFit(x: [1, 1, 1], y: [1, 2, 3]) }
        #expect(throws: GSLError.self) { try LinearFit(x: [1, 2], y: [1, 2]) }
    }
}
