/// The keyswitching key from the big key s' (k·N) to the small key s (n): for every input
/// coefficient i and level j ∈ 1...l, an LWE encryption under s of s'ᵢ·q/B^j.
/// Storage: ciphertext (i, j) at ((i·l + j − 1)·(n + 1)).
public struct KeyswitchKey: Sendable {
    public let inputDimension: LWEDimension
    public let outputDimension: LWEDimension
    public let baseLog: DecompositionBaseLog
    public let levels: DecompositionLevelCount
    let storage: [UInt64]

    init(
        inputDimension: LWEDimension, outputDimension: LWEDimension,
        baseLog: DecompositionBaseLog, levels: DecompositionLevelCount, storage: [UInt64]
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
