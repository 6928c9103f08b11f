import ArgumentParser
import Experiments
import Foundation
import TFHE

extension OptimizerInputNoise: ExpressibleByArgument {}

/// `lockstep params`: dimensions, security, predicted noise and failure probability, cost and key
/// sizes of the named sets, of optimizer results and of a user-described set.
struct Params: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show parameter sets: security check, predicted noise and p_error, cost; run the optimizer.",
        discussion: """
        Without --params or --optimize every named set is listed. The prediction uses the tfhe-rs FFT fit unless --fft says otherwise; the comparison with a published p_fail uses the fit of the tools that made the set.

        Examples:
          lockstep params --params concrete-p40-b4 tfhe-rs-v1_4-2_2-2m128
          lockstep params --optimize --precision 2 3 4 --norm 1 --p-error 2^-40
          lockstep params --custom n=600,k=1,N=2048,pbs_base_log=23,pbs_levels=1,ks_base_log=3,ks_levels=5,precision=4,lwe_sigma=1e-6
          lockstep params --check-weak
        """)

    @Option(help: "Output format: table or json (one object per set per line).")
    var format: OutputFormat = .table

    @Option(name: .customLong("params"), parsing: .upToNextOption, help: "Named sets (one or more). Default: all named sets.",
            transform: parameterSet)
    var sets: [ParameterSet] = []

    @Flag(help: "Search for the cheapest set on --curve per --precision meeting --p-error at --norm.")
    var optimize = false

    @Option(parsing: .upToNextOption, help: "Message bits (without padding) for --optimize; several allowed.")
    var precision: [Int] = []

    @Option(help: "Weight 2-norm ν applied to PBS outputs before the next table. For named sets it replaces the design ν.")
    var norm: Double?

    @Option(help: "What feeds the blind rotation: pbs (ν-weighted earlier PBS outputs, a network's steady state) or fresh (ν-weighted fresh encryptions, output decrypted directly: Concrete's single-table case).")
    var input: OptimizerInputNoise = .previousPBS

    @Option(name: .customLong("p-error"), help: "Per-PBS failure target for --optimize: \(ProbabilityText.allowed).")
    var pError: String = "2^-40"

    @Option(help: "Modulus switch for --optimize and --custom: standard or centered.")
    var modulusSwitch: String = "standard"

    @Option(help: "Curve the optimizer takes σ from: 128 (Concrete's current 128-bit, the project's target) or 132 (the curve tfhe-rs ≥ 0.7 sets sit on). Security checks always use 128.")
    var curve: Int = 128

    @Option(help: "FFT term of the predictions: tfhe-rs, concrete-cpu, or a measured coefficient c (Var_FFT = c·2^22·l·B²·N²·(k+1)/q² per CMUX).",
            transform: fftNoiseModel)
    var fft: FFTNoiseModel = .tfheRsFit

    @Option(help: "A user-described set as comma-separated key=value: n, k, N, pbs_base_log, pbs_levels, ks_base_log, ks_levels, precision, and optionally lwe_sigma, glwe_sigma (default: the 128-bit curve). Refused when below the curve.")
    var custom: String?

    @Flag(help: "Show a deliberately weak set (n=600, σ=2^-20) being refused by the 128-bit check.")
    var checkWeak = false

    /// ν² multiplies the PBS output variance; past 2^20 no parameter set has room, and printing
    /// a larger ν as an integer would overflow.
    static let maximumNorm = 0x1p20

    func validate() throws {
        if let norm, !(norm.isFinite && norm > 0 && norm <= Self.maximumNorm) {
            throw ValidationError("--norm \(norm): allowed: a weight 2-norm ν with 0 < ν ≤ \(Int(Self.maximumNorm)) (2^20).")
        }
        for p in precision where !(1...30).contains(p) {
            throw ValidationError("--precision \(p): allowed: message bits from 1 to 30.")
        }
        _ = try log2PError(pError)
        _ = try parsedModulusSwitch()
        _ = try parsedCurve()
    }

    func run() async throws {
        let fftModel = fft
        if checkWeak {
            try demonstrateWeakRefusal()
            return
        }
        var rows: [ParameterReport] = []
        if let custom {
            let switchKind = try parsedModulusSwitch()
            let set: ParameterSet
            do {
                set = try CustomParameterSet.parse(custom, modulusSwitch: switchKind)
            } catch {
                throw ValidationError("--custom: \(error)")
            }
            try SecurityCheck.enforce(set)
            rows.append(ParameterReport(set: set, origin: .custom, weightTwoNorm: norm ?? 1, fft: fftModel, input: input))
        }
        if optimize {
            guard !precision.isEmpty else {
                throw ValidationError("--optimize needs --precision P (message bits, e.g. --precision 4).")
            }
            let target = try log2PError(pError)
            let nu = norm ?? 1
            for p in precision {
                rows.append(try ParameterReport.optimized(
                    precision: p, weightTwoNorm: nu, log2PErrorTarget: target, fft: fftModel,
                    modulusSwitch: try parsedModulusSwitch(), input: input, curve: try parsedCurve()))
            }
        }
        let namedWanted = !sets.isEmpty || (!optimize && custom == nil)
        if namedWanted {
            let chosen = sets.isEmpty ? ParameterCatalog.all : sets
            for set in chosen {
                try SecurityCheck.enforce(set)
                rows.append(ParameterReport(set: set, origin: .catalog,
                                            weightTwoNorm: norm ?? ParameterCatalog.designWeightTwoNorm(for: set.name),
                                            fft: fftModel, input: input))
            }
        }
        switch format {
        case .json: try printJSON(rows)
        case .table: printTable(rows, fft: fftModel)
        }
    }

    private func parsedModulusSwitch() throws -> ModulusSwitchKind {
        guard let kind = ModulusSwitchKind(rawValue: modulusSwitch) else {
            throw ValidationError("--modulus-switch \(modulusSwitch): allowed values are standard, centered.")
        }
        return kind
    }

    private func parsedCurve() throws -> SecurityCurve {
        switch curve {
        case 128: return .concrete128
        case 132: return .concrete132
        default: throw ValidationError("--curve \(curve): allowed values are 128 and 132.")
        }
    }

    private func demonstrateWeakRefusal() throws {
        let weak = ParameterSet(
            name: "weak-n600-sigma2m20", precision: 4,
            lweDimension: LWEDimension(600), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(2048),
            lweNoise: StandardDeviation(0x1p-20), glweNoise: StandardDeviation(0x1p-62),
            pbsBaseLog: DecompositionBaseLog(23), pbsLevels: DecompositionLevelCount(1),
            ksBaseLog: DecompositionBaseLog(3), ksLevels: DecompositionLevelCount(5))
        do {
            try SecurityCheck.enforce(weak)
        } catch let error as ParameterError {
            print("refused as expected: \(error)")
            return
        }
        throw ValidationError("internal error: the weak set \(weak.name) passed the 128-bit check.")
    }

    private func printJSON(_ rows: [ParameterReport]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for row in rows {
            print(String(decoding: try encoder.encode(row), as: UTF8.self))
        }
    }

    private func printTable(_ rows: [ParameterReport], fft: FFTNoiseModel) {
        let header = ["set", "p", "ν", "n", "k", "N", "PBS B,l", "KS B,l", "MS", "σ_lwe", "σ_glwe",
                      "128-bit", "margin", "lg V_KS", "lg V_MS", "lg V_PBS", "lg p_err", "lg p_out", "published", "Δ(src fit)",
                      "cost", "BSK MiB", "KSK MiB"]
        let body = rows.map { r -> [String] in
            [r.name, "\(r.precision)", Self.compact(r.weightTwoNorm), "\(r.lweDimension)", "\(r.glweDimension)",
             "\(r.polynomialSize)", "2^\(r.pbsBaseLog),\(r.pbsLevels)", "2^\(r.ksBaseLog),\(r.ksLevels)", r.modulusSwitch.rawValue,
             Self.scientific(r.lweSigma), Self.scientific(r.glweSigma),
             r.securityPass ? "pass" : "FAIL", Self.fixed(r.securityMarginBits, 3),
             Self.fixed(r.log2VarianceKeyswitch, 2), Self.fixed(r.log2VarianceModulusSwitch, 2),
             Self.fixed(r.log2VariancePBS, 2), Self.fixed(r.log2PError, 2), Self.fixed(r.log2PErrorOutputDecryption, 2),
             r.publishedLog2PFail.map { Self.fixed($0, 3) } ?? "-",
             r.publishedDifference.map { Self.fixed($0, 3) } ?? "-",
             Self.fixed(r.costMillions, 1),
             Self.fixed(Double(r.bootstrapKeyBytes) / 1_048_576, 1), Self.fixed(Double(r.keyswitchKeyBytes) / 1_048_576, 1)]
        }
        let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ")
        }
        print(line(header))
        for cells in body { print(line(cells)) }
        print("variances in torus units (lg = log2); p_err with FFT model \(fft) at the set's precision and ν, "
            + "input \((rows.first?.inputNoise ?? .previousPBS).rawValue) (pbs: ν²·Var_PBS + Var_KS + Var_MS; fresh: ν²·σ²_glwe + Var_KS + Var_MS); "
            + "p_out = decrypting the PBS output directly; Δ = prediction with the source's FFT fit − published; cost = KS+PBS, 10^6 ops (TFHE_FACTS §3.9); "
            + "security on \(SecurityCurve.concrete128).")
        for r in rows where r.origin == .optimizer {
            print("optimizer: \(r.name) target 2^\(Self.fixed(r.pErrorTarget ?? 0, 2)) predicted 2^\(Self.fixed(r.log2PError, 2)) "
                + "cost \(Self.fixed(r.costMillions, 1)) search \(Self.fixed(r.searchMilliseconds ?? 0, 1)) ms")
        }
    }

    static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    static func scientific(_ x: Double) -> String { String(format: "%.3e", x) }
    static func compact(_ x: Double) -> String { x == x.rounded() && abs(x) < 0x1p53 ? "\(Int(x))" : "\(x)" }
}
