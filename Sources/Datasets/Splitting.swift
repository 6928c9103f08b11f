import SeededRandom

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
