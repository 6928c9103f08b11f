/// The keyswitching key from the big key s' (k·N) to the small key s (n): for every input
/// coefficient i and level j ∈ 1...l, an LWE encryption under s of s'ᵢ·q/B^j.
/// Storage: ciphertext (i, j) at ((i·l + j − 1)·(n + 1)).
///
/// Each coefficient is kept as its 32 most significant bits (rounded): the keyswitch then
/// runs modulo 2^32, which halves the key's memory traffic (the cost of a keyswitch is
/// streaming this key). Rounding public ciphertexts is public post-processing, so security
/// is unchanged; it adds at most 2^-33 per coefficient, a variance of about
/// k·N·l·E[d²]·2^-64/12 (≈ 2^-62 for concrete-p40-b4) against a keyswitch variance near
/// 2^-18.
public struct KeyswitchKey: Sendable {
    public let inputDimension: LWEDimension
    public let outputDimension: LWEDimension
    public let baseLog: DecompositionBaseLog
    public let levels: DecompositionLevelCount
    let storage: [UInt32]

    init(
        inputDimension: LWEDimension, outputDimension: LWEDimension,
        baseLog: DecompositionBaseLog, levels: DecompositionLevelCount, storage: [UInt32]
    ) {
        precondition(storage.count == Self.wordCount(inputDimension, outputDimension, levels),
                     "keyswitching key \(inputDimension)→\(outputDimension), l = \(levels) needs \(Self.wordCount(inputDimension, outputDimension, levels)) words, got \(storage.count)")
        self.inputDimension = inputDimension
        self.outputDimension = outputDimension
        self.baseLog = baseLog
        self.levels = levels
        self.storage = storage
    }

    static func wordCount(_ input: LWEDimension, _ output: LWEDimension, _ l: DecompositionLevelCount) -> Int {
        input.rawValue * l.rawValue * output.lweSize
    }
}

extension KeyswitchKey {
    /// The 32 most significant bits of a torus value, rounded.
    @inline(__always)
    static func truncate(_ value: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (value &+ (1 << 31)) >> 32)
    }
}
