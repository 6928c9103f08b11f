import ArgumentParser
import Experiments
import Foundation
import TFHE

enum ParamsFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

extension OptimizerInputNoise: ExpressibleByArgument {}

/// `lockstep params`: dimensions, security, predicted noise and failure probability, cost and key
/// sizes of the named sets, of optimizer results and of a user-described set.
struct Params: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show parameter sets: security check, predicted noise and p_error, cost; run the optimizer.",
        discussion: """
        Without --set or --optimize every named set is listed. The prediction uses the tfhe-rs FFT fit unless --fft or --fft-coefficient says otherwise; the comparison with a published p_fail uses the fit of the tools that made the set.

        Examples:
          lockstep params --set concrete-p40-b4 --set tfhe-rs-v1_4-2_2-2m128
          lockstep params --optimize --precision 2 3 4 --norm 1 --p-error 2^-40
          lockstep params --custom n=600,k=1,N=2048,pbs_base_log=23,pbs_levels=1,ks_base_log=3,ks_levels=5,precision=4,lwe_sigma=1e-6
          lockstep params --check-weak
        """)

    @Option(help: "Output format: table or json (one object per set per line).")
    var format: ParamsFormat = .table

    @Option(name: .customLong("set"), help: "A named set (repeatable). Default: all named sets.")
    var sets: [String] = []

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

    @Option(help: "FFT noise fit for predictions: tfhe-rs-fit or concrete-cpu-fit.")
    var fft: String = "tfhe-rs-fit"

    @Option(help: "A measured FFT constant c (Var_FFT = c·2^22·l·B²·N²·(k+1)/q² per CMUX); overrides --fft.")
    var fftCoefficient: Double?

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
        _ = try parsedFFTModel()
    }

    func run() async throws {
        let fftModel = try parsedFFTModel()
        if checkWeak {
            try demonstrateWeakRefusal()
            return
        }
        var rows: [ParamsRow] = []
        if let custom {
            let set = try CustomSetParser.parse(custom, modulusSwitch: try parsedModulusSwitch())
            try SecurityCheck.enforce(set)
            rows.append(ParamsRow(set: set, origin: "custom", nu: norm ?? 1, fft: fftModel, input: input))
        }
        if optimize {
            guard !precision.isEmpty else {
                throw ValidationError("--optimize needs --precision P (message bits, e.g. --precision 4).")
            }
            let target = try log2PError(pError)
            let nu = norm ?? 1
            for p in precision {
                let clock = ContinuousClock()
                let start = clock.now
                let result = try ParameterOptimizer.optimize(
                    precision: p, weightTwoNorm: nu, log2PErrorTarget: target, fft: fftModel,
                    modulusSwitch: try parsedModulusSwitch(), input: input, curve: try parsedCurve())
                let elapsed = clock.now - start
                var row = ParamsRow(set: result.parameters, origin: "optimizer", nu: nu, fft: fftModel, input: input)
                row.pErrorTarget = target
                row.searchMilliseconds = Double(elapsed.components.seconds) * 1e3
                    + Double(elapsed.components.attoseconds) / 1e15
                rows.append(row)
            }
        }
        let namedWanted = !sets.isEmpty || (!optimize && custom == nil)
        if namedWanted {
            let chosen = try sets.isEmpty ? ParameterCatalog.all : sets.map { name in
                guard let set = ParameterCatalog.named(name) else {
                    throw ValidationError("--set \(name): no such parameter set. Known: "
                        + ParameterCatalog.all.map(\.name).joined(separator: ", "))
                }
                return set
            }
            for set in chosen {
                try SecurityCheck.enforce(set)
                rows.append(ParamsRow(set: set, origin: "catalog",
                                      nu: norm ?? ParameterCatalog.designWeightTwoNorm(for: set.name), fft: fftModel,
                                      input: input))
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

    private func parsedFFTModel() throws -> FFTNoiseModel {
        if let c = fftCoefficient {
            // Measured coefficients are O(1) (TFHE_FACTS §3.6); 2^20 is far past any FFT.
            guard c.isFinite && c >= 0 && c <= 0x1p20 else {
                throw ValidationError("--fft-coefficient \(c): allowed: a number from 0 to 1048576 (2^20).")
            }
            return .measured(coefficient: c)
        }
        switch fft {
        case "tfhe-rs-fit": return .tfheRsFit
        case "concrete-cpu-fit": return .concreteCPUFit
        default: throw ValidationError("--fft \(fft): allowed values are tfhe-rs-fit, concrete-cpu-fit (or give --fft-coefficient).")
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

    private func printJSON(_ rows: [ParamsRow]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for row in rows {
            print(String(decoding: try encoder.encode(row), as: UTF8.self))
        }
    }

    private func printTable(_ rows: [ParamsRow], fft: FFTNoiseModel) {
        let header = ["set", "p", "ν", "n", "k", "N", "PBS B,l", "KS B,l", "MS", "σ_lwe", "σ_glwe",
                      "128-bit", "margin", "lg V_KS", "lg V_MS", "lg V_PBS", "lg p_err", "lg p_out", "published", "Δ(src fit)",
                      "cost", "BSK MiB", "KSK MiB"]
        let body = rows.map { r -> [String] in
            [r.name, "\(r.precision)", Self.compact(r.weightTwoNorm), "\(r.lweDimension)", "\(r.glweDimension)",
             "\(r.polynomialSize)", "2^\(r.pbsBaseLog),\(r.pbsLevels)", "2^\(r.ksBaseLog),\(r.ksLevels)", r.modulusSwitch,
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
            + "input \(rows.first?.inputNoise ?? "pbs") (pbs: ν²·Var_PBS + Var_KS + Var_MS; fresh: ν²·σ²_glwe + Var_KS + Var_MS); "
            + "p_out = decrypting the PBS output directly; Δ = prediction with the source's FFT fit − published; cost = KS+PBS, 10^6 ops (TFHE_FACTS §3.9); "
            + "security on \(SecurityCurve.concrete128).")
        for r in rows where r.origin == "optimizer" {
            print("optimizer: \(r.name) target 2^\(Self.fixed(r.pErrorTarget ?? 0, 2)) predicted 2^\(Self.fixed(r.log2PError, 2)) "
                + "cost \(Self.fixed(r.costMillions, 1)) search \(Self.fixed(r.searchMilliseconds ?? 0, 1)) ms")
        }
    }

    static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    static func scientific(_ x: Double) -> String { String(format: "%.3e", x) }
    static func compact(_ x: Double) -> String { x == x.rounded() && abs(x) < 0x1p53 ? "\(Int(x))" : "\(x)" }
}

/// One line of `lockstep params`: a fixed schema, every key present (null when unknown).
struct ParamsRow: Encodable {
    var name: String
    var origin: String
    var precision: Int
    var weightTwoNorm: Double
    var lweDimension, glweDimension, polynomialSize: Int
    var pbsBaseLog, pbsLevels, ksBaseLog, ksLevels: Int
    var modulusSwitch: String
    var lweSigma, glweSigma: Double
    var insecureTestSet: Bool
    var securityCurve: String
    var securityPass: Bool
    var securityMarginBits, lweMarginBits, glweMarginBits: Double
    var fftModel: String
    var log2VarianceKeyswitch, log2VarianceModulusSwitch, log2VariancePBS, log2VarianceBeforeBlindRotation: Double
    var inputNoise: String
    var log2PError: Double
    var log2PErrorOutputDecryption: Double
    var publishedLog2PFail: Double?
    var publishedMaxNoiseLevel: Int?
    var publishedCost: Double?
    var publishedSource: String?
    var sourceFFTModel: String?
    var log2PErrorSourceModel: Double?
    var publishedDifference: Double?
    var costMillions: Double
    var bootstrapKeyBytes, keyswitchKeyBytes: Int
    var pErrorTarget: Double?
    var searchMilliseconds: Double?

    init(set: ParameterSet, origin: String, nu: Double, fft: FFTNoiseModel, input: OptimizerInputNoise) {
        let model = NoiseModel(parameters: set, fft: fft)
        let check = SecurityCheck(parameters: set)
        name = set.name
        self.origin = origin
        precision = set.precision
        weightTwoNorm = nu
        lweDimension = set.lweDimension.rawValue
        glweDimension = set.glweDimension.rawValue
        polynomialSize = set.polynomialSize.rawValue
        pbsBaseLog = set.pbsBaseLog.rawValue
        pbsLevels = set.pbsLevels.rawValue
        ksBaseLog = set.ksBaseLog.rawValue
        ksLevels = set.ksLevels.rawValue
        modulusSwitch = set.modulusSwitch.rawValue
        lweSigma = set.lweNoise.value
        glweSigma = set.glweNoise.value
        insecureTestSet = set.isInsecureTestSet
        securityCurve = check.curve.name
        securityPass = check.passes
        securityMarginBits = check.marginBits
        lweMarginBits = check.lweMarginBits
        glweMarginBits = check.glweMarginBits
        fftModel = fft.description
        log2VarianceKeyswitch = model.keyswitch.log2
        log2VarianceModulusSwitch = model.modulusSwitch.log2
        log2VariancePBS = model.pbsOutput.log2
        let inputVariance = switch input {
        case .previousPBS: model.pbsOutput * (nu * nu)
        case .freshEncryption: model.freshEncryption * (nu * nu)
        }
        inputNoise = input.rawValue
        log2VarianceBeforeBlindRotation = model.beforeBlindRotation(inputVariance: inputVariance).log2
        log2PError = model.log2PError(precision: set.precision, inputVariance: inputVariance)
        log2PErrorOutputDecryption = model.log2PErrorOfOutputDecryption(precision: set.precision)
        if origin == "catalog", let reference = ParameterCatalog.publishedReference(for: set.name) {
            publishedLog2PFail = reference.log2PFail
            publishedMaxNoiseLevel = reference.maxNoiseLevel
            publishedCost = reference.publishedCost
            publishedSource = reference.source
            sourceFFTModel = reference.sourceFFTModel.description
            // The published figure is for the published ν, whatever --norm says.
            let sourcePrediction = NoiseModel(parameters: set, fft: reference.sourceFFTModel)
                .log2PError(precision: set.precision, weightTwoNorm: Double(reference.maxNoiseLevel))
            log2PErrorSourceModel = sourcePrediction
            publishedDifference = sourcePrediction - reference.log2PFail
        }
        costMillions = CostModel.millions(set)
        bootstrapKeyBytes = KeySizes.bootstrapKeyBytes(set)
        keyswitchKeyBytes = KeySizes.keyswitchKeyBytes(set)
    }

    enum CodingKeys: String, CodingKey {
        case name, origin, precision
        case weightTwoNorm = "weight_two_norm"
        case lweDimension = "lwe_dimension", glweDimension = "glwe_dimension", polynomialSize = "polynomial_size"
        case pbsBaseLog = "pbs_base_log", pbsLevels = "pbs_levels", ksBaseLog = "ks_base_log", ksLevels = "ks_levels"
        case modulusSwitch = "modulus_switch", lweSigma = "lwe_sigma", glweSigma = "glwe_sigma"
        case insecureTestSet = "insecure_test_set", securityCurve = "security_curve", securityPass = "security_pass"
        case securityMarginBits = "security_margin_bits", lweMarginBits = "lwe_margin_bits", glweMarginBits = "glwe_margin_bits"
        case fftModel = "fft_model"
        case log2VarianceKeyswitch = "log2_var_ks", log2VarianceModulusSwitch = "log2_var_ms"
        case log2VariancePBS = "log2_var_pbs", log2VarianceBeforeBlindRotation = "log2_var_before_br"
        case inputNoise = "input_noise", log2PError = "log2_p_error"
        case log2PErrorOutputDecryption = "log2_p_error_output_decryption"
        case publishedLog2PFail = "published_log2_p_fail", publishedMaxNoiseLevel = "published_max_noise_level"
        case publishedCost = "published_cost", publishedSource = "published_source"
        case sourceFFTModel = "source_fft_model", log2PErrorSourceModel = "log2_p_error_source_model"
        case publishedDifference = "published_difference"
        case costMillions = "cost_millions", bootstrapKeyBytes = "bsk_bytes", keyswitchKeyBytes = "ksk_bytes"
        case pErrorTarget = "log2_p_error_target", searchMilliseconds = "search_ms"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(origin, forKey: .origin)
        try c.encode(precision, forKey: .precision)
        try c.encode(weightTwoNorm, forKey: .weightTwoNorm)
        try c.encode(lweDimension, forKey: .lweDimension)
        try c.encode(glweDimension, forKey: .glweDimension)
        try c.encode(polynomialSize, forKey: .polynomialSize)
        try c.encode(pbsBaseLog, forKey: .pbsBaseLog)
        try c.encode(pbsLevels, forKey: .pbsLevels)
        try c.encode(ksBaseLog, forKey: .ksBaseLog)
        try c.encode(ksLevels, forKey: .ksLevels)
        try c.encode(modulusSwitch, forKey: .modulusSwitch)
        try c.encode(lweSigma, forKey: .lweSigma)
        try c.encode(glweSigma, forKey: .glweSigma)
        try c.encode(insecureTestSet, forKey: .insecureTestSet)
        try c.encode(securityCurve, forKey: .securityCurve)
        try c.encode(securityPass, forKey: .securityPass)
        try c.encode(securityMarginBits, forKey: .securityMarginBits)
        try c.encode(lweMarginBits, forKey: .lweMarginBits)
        try c.encode(glweMarginBits, forKey: .glweMarginBits)
        try c.encode(fftModel, forKey: .fftModel)
        try c.encode(log2VarianceKeyswitch, forKey: .log2VarianceKeyswitch)
        try c.encode(log2VarianceModulusSwitch, forKey: .log2VarianceModulusSwitch)
        try c.encode(log2VariancePBS, forKey: .log2VariancePBS)
        try c.encode(log2VarianceBeforeBlindRotation, forKey: .log2VarianceBeforeBlindRotation)
        try c.encode(inputNoise, forKey: .inputNoise)
        try c.encode(log2PError, forKey: .log2PError)
        try c.encode(log2PErrorOutputDecryption, forKey: .log2PErrorOutputDecryption)
        try c.encode(publishedLog2PFail, forKey: .publishedLog2PFail)
        try c.encode(publishedMaxNoiseLevel, forKey: .publishedMaxNoiseLevel)
        try c.encode(publishedCost, forKey: .publishedCost)
        try c.encode(publishedSource, forKey: .publishedSource)
        try c.encode(sourceFFTModel, forKey: .sourceFFTModel)
        try c.encode(log2PErrorSourceModel, forKey: .log2PErrorSourceModel)
        try c.encode(publishedDifference, forKey: .publishedDifference)
        try c.encode(costMillions, forKey: .costMillions)
        try c.encode(bootstrapKeyBytes, forKey: .bootstrapKeyBytes)
        try c.encode(keyswitchKeyBytes, forKey: .keyswitchKeyBytes)
        try c.encode(pErrorTarget, forKey: .pErrorTarget)
        try c.encode(searchMilliseconds, forKey: .searchMilliseconds)
    }
}

/// Parses `--custom n=…,k=…,…` into a ParameterSet, checking each value before the typed
/// initializers' preconditions could see it.
enum CustomSetParser {
    static let requiredKeys = ["n", "k", "N", "pbs_base_log", "pbs_levels", "ks_base_log", "ks_levels", "precision"]
    static let optionalKeys = ["lwe_sigma", "glwe_sigma"]

    static func parse(_ text: String, modulusSwitch: ModulusSwitchKind) throws -> ParameterSet {
        var values: [String: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, requiredKeys.contains(parts[0]) || optionalKeys.contains(parts[0]) else {
                throw ValidationError("--custom: '\(item)' is not key=value with a key among "
                    + (requiredKeys + optionalKeys).joined(separator: ", ") + ".")
            }
            values[parts[0]] = parts[1]
        }
        func integer(_ key: String, _ allowed: ClosedRange<Int>) throws -> Int {
            guard let raw = values[key] else {
                throw ValidationError("--custom: missing key '\(key)'; required: \(requiredKeys.joined(separator: ", ")).")
            }
            guard let v = Int(raw), allowed.contains(v) else {
                throw ValidationError("--custom: \(key)=\(raw) must be an integer in \(allowed.lowerBound)...\(allowed.upperBound).")
            }
            return v
        }
        let n = try integer("n", 1...1 << 16)
        let k = try integer("k", 1...16)
        let N = try integer("N", 2...1 << 20)
        guard N & (N - 1) == 0 else { throw ValidationError("--custom: N=\(N) must be a power of two.") }
        let pbsBase = try integer("pbs_base_log", 1...63), pbsLevels = try integer("pbs_levels", 1...64)
        let ksBase = try integer("ks_base_log", 1...63), ksLevels = try integer("ks_levels", 1...64)
        for (name, base, levels) in [("pbs", pbsBase, pbsLevels), ("ks", ksBase, ksLevels)] where base * levels > 64 {
            throw ValidationError("--custom: \(name)_base_log·\(name)_levels = \(base * levels) exceeds the 64 torus bits.")
        }
        let precision = try integer("precision", 1...30)
        let curve = SecurityCurve.concrete128
        func sigma(_ key: String, default value: StandardDeviation) throws -> StandardDeviation {
            guard let raw = values[key] else { return value }
            guard let v = Double(raw), v.isFinite, v > 0, v < 1 else {
                throw ValidationError("--custom: \(key)=\(raw) must be a torus standard deviation in (0, 1).")
            }
            return StandardDeviation(v)
        }
        return ParameterSet(
            name: "custom", precision: precision,
            lweDimension: LWEDimension(n), glweDimension: GLWEDimension(k), polynomialSize: PolynomialSize(N),
            lweNoise: try sigma("lwe_sigma", default: curve.minimalStandardDeviation(for: LWEDimension(n))),
            glweNoise: try sigma("glwe_sigma", default: curve.minimalStandardDeviation(for: LWEDimension(k * N))),
            pbsBaseLog: DecompositionBaseLog(pbsBase), pbsLevels: DecompositionLevelCount(pbsLevels),
            ksBaseLog: DecompositionBaseLog(ksBase), ksLevels: DecompositionLevelCount(ksLevels),
            modulusSwitch: modulusSwitch)
    }
}
