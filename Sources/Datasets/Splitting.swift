/// SplitMix64: a tiny, fully specified generator, so a (seed, fraction) pair names the same split
/// on every platform and Swift version (the standard library's shuffle algorithm is unspecified).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound without modulo bias.
    mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0, "uniform(below:) needs a positive bound, got \(bound)")
        let limit = UInt64(bound)
        let threshold = (0 &- limit) % limit
        while true {
            let value = next()
            if value >= threshold { return Int(value % limit) }
        }
    }

    /// Fisher–Yates with this generator.
    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, uniform(below: i + 1))
        }
    }
}

/// Indices of a stratified split: each class contributes round(fraction × its size) samples to
/// the test side (at least one, and at least one left for training). Both lists are sorted.
struct StratifiedSplit {
    let trainIndices: [Int]
    let testIndices: [Int]

    init(labels: [Int], classCount: Int, testFraction: Double, seed: UInt64, dataset: DatasetName) throws {
        guard testFraction > 0, testFraction < 1, testFraction.isFinite else {
            throw DatasetError.invalidTestFraction(testFraction)
        }
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { byClass[label].append(index) }
        var generator = SplitMix64(seed: seed)
        var train: [Int] = []
        var test: [Int] = []
        for (label, var members) in byClass.enumerated() where !members.isEmpty {
            guard members.count >= 2 else {
                throw DatasetError.splitTooSmall(
                    dataset: dataset, detail: "class \(label) has a single sample; each class needs one per side")
            }
            generator.shuffle(&members)
            let testCount = min(max(1, Int((Double(members.count) * testFraction).rounded())), members.count - 1)
            test += members[0..<testCount]
            train += members[testCount...]
        }
        trainIndices = train.sorted()
        testIndices = test.sorted()
    }
}
