import Testing
@testable import TFHE

@Test func catalogNamesAreUniqueAndFindable() throws {
    let names = ParameterCatalog.all.map(\.name)
    #expect(Set(names).count == names.count)
    for name in names { #expect(ParameterCatalog.named(name)?.name == name) }
    #expect(ParameterCatalog.named("no-such-set") == nil)
    for bits in 2...7 { #expect(ParameterCatalog.named("concrete-p40-b\(bits)")?.precision == bits) }
    let b4 = try #require(ParameterCatalog.named("concrete-p40-b4"))
    #expect(b4.lweDimension.rawValue == 771 && b4.polynomialSize.rawValue == 2048)
    #expect(b4.pbsBaseLog.rawValue == 23 && b4.ksBaseLog.rawValue == 3 && b4.ksLevels.rawValue == 5)
    // σ on the current 128-bit curve: 2^(2.675931 − 0.0256968·771) = 2^-17.137.
    #expect(abs(b4.lweNoise.variance.log2 / 2 - (-17.1363)) < 0.001)
}

/// The tfhe-rs "algorithmic cost" comments (TFHE_FACTS §3.9).
@Test func costModelReproducesPublishedCosts() throws {
    let expected: [(String, Double)] = [
        ("tfhe-rs-v1_4-2_2-2m128", 110.0), ("tfhe-rs-v1_4-3_3-2m128", 873.7),
        ("tfhe-rs-v1_4-1_1-2m128", 63.9), ("tfhe-rs-v1_4-4_4-2m128", 11658.7),
    ]
    for (name, cost) in expected {
        let set = try #require(ParameterCatalog.named(name))
        #expect(abs(CostModel.millions(set) - cost) < 0.05, "\(name): \(CostModel.millions(set)) vs \(cost)")
    }
    let twoTwo = try #require(ParameterCatalog.named("tfhe-rs-v1_4-2_2-2m128"))
    #expect(abs(CostModel.pbs(twoTwo) / 1e6 - 92.2) < 0.05 && abs(CostModel.keyswitch(twoTwo) / 1e6 - 17.8) < 0.05)
    // Every published integer cost comment is our figure rounded.
    for set in ParameterCatalog.all {
        guard let published = ParameterCatalog.publishedReference(for: set.name)?.publishedCost else { continue }
        #expect(abs(CostModel.millions(set) - published) <= 0.5, "\(set.name): \(CostModel.millions(set)) vs \(published)")
    }
}

/// TFHE_FACTS §1.6: 2_2 G2M128 BSK 54 MiB, KSK 68 MiB.
@Test func keySizes() throws {
    let set = try #require(ParameterCatalog.named("tfhe-rs-v1_4-2_2-2m128"))
    #expect(KeySizes.bootstrapKeyBytes(set) == 866 * 4 * 1 * 2048 * 8)
    #expect(KeySizes.keyswitchKeyBytes(set) == 2048 * 5 * 867 * 8)
    #expect(Int((Double(KeySizes.bootstrapKeyBytes(set)) / 1048576).rounded()) == 54)
    #expect(Int((Double(KeySizes.keyswitchKeyBytes(set)) / 1048576).rounded()) == 68)
}

/// Plans and manifests name sets with another PBS decomposition `<set>-pbs<B>x<l>`; the
/// catalog reads those names back, and only those.
@Test func decompositionVariantsResolveByName() throws {
    let variant = try #require(ParameterCatalog.named("concrete-p40-b4-pbs14x2"))
    let base = try #require(ParameterCatalog.named("concrete-p40-b4"))
    #expect(variant.pbsBaseLog == DecompositionBaseLog(14) && variant.pbsLevels == DecompositionLevelCount(2))
    #expect(variant.lweDimension == base.lweDimension && variant.polynomialSize == base.polynomialSize)
    #expect(variant == base.withPBSDecomposition(baseLog: 14, levels: 2))
    for bad in ["concrete-p40-b4-pbs14", "concrete-p40-b4-pbsx2", "concrete-p40-b4-pbs0x2", "concrete-p40-b4-pbs40x2",
                "nope-pbs14x2", "concrete-p40-b4-pbs14x2-pbs10x3", "-pbs14x2"] {
        #expect(ParameterCatalog.named(bad) == nil, "\(bad)")
    }
}
