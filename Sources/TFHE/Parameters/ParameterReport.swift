/// One parameter set as `lockstep params` reports it: dimensions, the 128-bit security check,
/// predicted noise and failure probabilities, the comparison with a published p_fail, cost and
/// key sizes. Encodes to a fixed schema in which every key is present (null when unknown), so
/// JSON lines of different origins share their columns.
public struct ParameterReport: Encodable, Sendable {
    /// Where the set came from; only catalog sets have a published reference to compare with.
    public enum Origin: String, Sendable, Encodable {
        case catalog, optimizer, custom
    }

    public let name: String
    public let origin: Origin
    public let precision: Int
    public let weightTwoNorm: Double
    public let lweDimension, glweDimension, polynomialSize: Int
    public let pbsBaseLog, pbsLevels, ksBaseLog, ksLevels: Int
    public let modulusSwitch: ModulusSwitchKind
    public let lweSigma, glweSigma: Double
    public let insecureTestSet: Bool
    public let securityCurve: String
    public let securityPass: Bool
    public let securityMarginBits, lweMarginBits, glweMarginBits: Double
    public let fftModel: String
    public let log2VarianceKeyswitch, log2VarianceModulusSwitch, log2VariancePBS, log2VarianceBeforeBlindRotation: Double
    public let inputNoise: OptimizerInputNoise
    public let log2PError: Double
    public let log2PErrorOutputDecryption: Double
    public private(set) var publishedLog2PFail: Double?
    public private(set) var publishedMaxNoiseLevel: Int?
    public private(set) var publishedCost: Double?
    public private(set) var publishedSource: String?
    public private(set) var sourceFFTModel: String?
    public private(set) var log2PErrorSourceModel: Double?
    public private(set) var publishedDifference: Double?
    public let costMillions: Double
    public let bootstrapKeyBytes, keyswitchKeyBytes: Int
    /// Optimizer reports only: the log2 p_error the search aimed at and how long it took.
    public private(set) var pErrorTarget: Double?
    public private(set) var searchMilliseconds: Double?

    /// The report of `set` at weight 2-norm `weightTwoNorm` (ν) with the blind rotation fed by
    /// `input`. Does not enforce the security check: a failing set is reported as failing.
    public init(set: ParameterSet, origin: Origin, weightTwoNorm nu: Double, fft: FFTNoiseModel, input: OptimizerInputNoise) {
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
        modulusSwitch = set.modulusSwitch
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
        inputNoise = input
        log2VarianceBeforeBlindRotation = model.beforeBlindRotation(inputVariance: inputVariance).log2
        log2PError = model.log2PError(precision: set.precision, inputVariance: inputVariance)
        log2PErrorOutputDecryption = model.log2PErrorOfOutputDecryption(precision: set.precision)
        if origin == .catalog, let reference = ParameterCatalog.publishedReference(for: set.name) {
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

    /// Runs the optimizer for one precision and reports its set, with the target and the
    /// search time.
    public static func optimized(
        precision: Int, weightTwoNorm nu: Double, log2PErrorTarget target: Double, fft: FFTNoiseModel,
        modulusSwitch: ModulusSwitchKind, input: OptimizerInputNoise, curve: SecurityCurve
    ) throws -> ParameterReport {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try ParameterOptimizer.optimize(
            precision: precision, weightTwoNorm: nu, log2PErrorTarget: target, fft: fft,
            modulusSwitch: modulusSwitch, input: input, curve: curve)
        let elapsed = clock.now - start
        var report = ParameterReport(set: result.parameters, origin: .optimizer, weightTwoNorm: nu, fft: fft, input: input)
        report.pErrorTarget = target
        report.searchMilliseconds = elapsed.inSeconds * 1e3
        return report
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

    // Written out because the synthesized encoder leaves nil keys out; the schema keeps them as null.
    public func encode(to encoder: Encoder) throws {
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
        try c.encode(inputNoise.rawValue, forKey: .inputNoise)
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
