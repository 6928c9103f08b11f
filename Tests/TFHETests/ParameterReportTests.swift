import Foundation
import Testing
import TFHE

@Suite struct ParameterReportTests {
    /// The JSON line as `lockstep params --format json` prints it.
    static func jsonLine(_ report: ParameterReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// Lines printed by `lockstep params --format json` (and `--custom …`) before the report
    /// moved out of the command line; the move must not change a digit.
    static let printedBefore: [(set: String, line: String)] = [
        ("concrete-p40-b4", #"{"bsk_bytes":50528256,"cost_millions":97.928445,"fft_model":"tfhe-rs-fit","glwe_dimension":1,"glwe_margin_bits":0,"glwe_sigma":9.188173438139355e-16,"input_noise":"pbs","insecure_test_set":false,"ks_base_log":3,"ks_levels":5,"ksk_bytes":63242240,"log2_p_error":-40.560118192494016,"log2_p_error_output_decryption":-252326.88941146643,"log2_p_error_source_model":null,"log2_p_error_target":null,"log2_var_before_br":-17.694672025465266,"log2_var_ks":-18.449569454388566,"log2_var_ms":-18.990637896796308,"log2_var_pbs":-30.41611354673002,"lwe_dimension":771,"lwe_margin_bits":0,"lwe_sigma":6.941673718361288e-06,"modulus_switch":"standard","name":"concrete-p40-b4","origin":"catalog","pbs_base_log":23,"pbs_levels":1,"polynomial_size":2048,"precision":4,"published_cost":null,"published_difference":null,"published_log2_p_fail":null,"published_max_noise_level":null,"published_source":null,"search_ms":null,"security_curve":"concrete-128-matzov-2024","security_margin_bits":0,"security_pass":true,"source_fft_model":null,"weight_two_norm":1}"#),
        ("tfhe-rs-v1_4-2_2-2m128", #"{"bsk_bytes":56754176,"cost_millions":109.99107,"fft_model":"tfhe-rs-fit","glwe_dimension":1,"glwe_margin_bits":1.6307142899039562,"glwe_sigma":2.845267479601915e-15,"input_noise":"pbs","insecure_test_set":false,"ks_base_log":3,"ks_levels":5,"ksk_bytes":71024640,"log2_p_error":-128.5967970932602,"log2_p_error_output_decryption":-188401.84394109735,"log2_p_error_source_model":-128.5967970932602,"log2_p_error_target":null,"log2_var_before_br":-19.431779177087215,"log2_var_ks":-21.596909344174883,"log2_var_ms":-19.82673928599443,"log2_var_pbs":-29.99461579306643,"lwe_dimension":866,"lwe_margin_bits":0.6788235294117655,"lwe_sigma":2.046151696979124e-06,"modulus_switch":"centered","name":"tfhe-rs-v1_4-2_2-2m128","origin":"catalog","pbs_base_log":23,"pbs_levels":1,"polynomial_size":2048,"precision":4,"published_cost":110,"published_difference":0.00020290673981548935,"published_log2_p_fail":-128.597,"published_max_noise_level":5,"published_source":"tfhe-rs v1_4/classic/gaussian/p_fail_2_minus_128/ks_pbs.rs","search_ms":null,"security_curve":"concrete-128-matzov-2024","security_margin_bits":0.6788235294117655,"security_pass":true,"source_fft_model":"tfhe-rs-fit","weight_two_norm":5}"#),
    ]
    static let customPrintedBefore = #"{"bsk_bytes":49152000,"cost_millions":95.26197,"fft_model":"tfhe-rs-fit","glwe_dimension":1,"glwe_margin_bits":0,"glwe_sigma":9.188173438139355e-16,"input_noise":"pbs","insecure_test_set":false,"ks_base_log":3,"ks_levels":5,"ksk_bytes":61521920,"log2_p_error":-25.787857325040047,"log2_p_error_output_decryption":-259391.7952883564,"log2_p_error_source_model":null,"log2_p_error_target":null,"log2_var_before_br":-16.99007041887392,"log2_var_ks":-17.39208836110019,"log2_var_ms":-19.03037364904352,"log2_var_pbs":-30.45595381126181,"lwe_dimension":750,"lwe_margin_bits":0,"lwe_sigma":1.009043110293811e-05,"modulus_switch":"standard","name":"custom","origin":"custom","pbs_base_log":23,"pbs_levels":1,"polynomial_size":2048,"precision":4,"published_cost":null,"published_difference":null,"published_log2_p_fail":null,"published_max_noise_level":null,"published_source":null,"search_ms":null,"security_curve":"concrete-128-matzov-2024","security_margin_bits":0,"security_pass":true,"source_fft_model":null,"weight_two_norm":1}"#

    @Test(arguments: printedBefore)
    func catalogReportIsWhatTheCommandPrinted(name: String, line: String) throws {
        let set = try #require(ParameterCatalog.named(name))
        let report = ParameterReport(set: set, origin: .catalog, weightTwoNorm: ParameterCatalog.designWeightTwoNorm(for: name),
                                     fft: .tfheRsFit, input: .previousPBS)
        #expect(try Self.jsonLine(report) == line)
    }

    @Test func customReportIsWhatTheCommandPrinted() throws {
        let set = try CustomParameterSet.parse(
            "n=750,k=1,N=2048,pbs_base_log=23,pbs_levels=1,ks_base_log=3,ks_levels=5,precision=4", modulusSwitch: .standard)
        let report = ParameterReport(set: set, origin: .custom, weightTwoNorm: 1, fft: .tfheRsFit, input: .previousPBS)
        #expect(try Self.jsonLine(report) == Self.customPrintedBefore)
    }

    /// Only catalog reports are compared with a publication, even for a set of the same name.
    @Test func publishedComparisonIsForCatalogReportsOnly() throws {
        let set = try #require(ParameterCatalog.named("tfhe-rs-v1_4-2_2-2m128"))
        let catalog = ParameterReport(set: set, origin: .catalog, weightTwoNorm: 5, fft: .tfheRsFit, input: .previousPBS)
        let custom = ParameterReport(set: set, origin: .custom, weightTwoNorm: 5, fft: .tfheRsFit, input: .previousPBS)
        #expect(catalog.publishedLog2PFail != nil && catalog.publishedDifference != nil)
        #expect(custom.publishedLog2PFail == nil && custom.publishedDifference == nil && custom.publishedSource == nil)
        #expect(custom.log2PError == catalog.log2PError)
    }

    /// The optimizer's report carries its target and search time, and meets the target.
    @Test func optimizedReportMeetsItsTarget() throws {
        let report = try ParameterReport.optimized(
            precision: 3, weightTwoNorm: 1, log2PErrorTarget: -40, fft: .tfheRsFit, modulusSwitch: .standard,
            input: .previousPBS, curve: .concrete128)
        #expect(report.origin == .optimizer)
        #expect(report.pErrorTarget == -40)
        #expect(report.log2PError <= -40)
        #expect(report.securityPass)
        #expect(report.searchMilliseconds.map { $0 >= 0 && $0.isFinite } == true)
        let line = try Self.jsonLine(report)
        #expect(line.contains(#""origin":"optimizer""#) && line.contains(#""log2_p_error_target":-40"#))
        #expect(line.contains(#""published_log2_p_fail":null"#), "unknown keys are written as null: \(line)")
    }
}
