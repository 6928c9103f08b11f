/// Per-feature min-max scaling fitted on the training split only, so no test statistic leaks into
/// training; test values outside the training range are clamped to [0, 1].
struct MinMaxScaler {
    let minimums: [Float]
    let maximums: [Float]

    init(fittingTo features: [[Float]]) {
        precondition(!features.isEmpty, "MinMaxScaler needs at least one training sample.")
        var minimums = features[0]
        var maximums = features[0]
        for row in features.dropFirst() {
            for (j, value) in row.enumerated() {
                minimums[j] = min(minimums[j], value)
                maximums[j] = max(maximums[j], value)
            }
        }
        self.minimums = minimums
        self.maximums = maximums
    }

    /// Constant features map to 0.
    func transform(_ features: [[Float]]) -> [[Float]] {
        features.map { row in
            precondition(row.count == minimums.count, "Feature row has \(row.count) values, the scaler \(minimums.count).")
            return row.indices.map { j in
                let range = maximums[j] - minimums[j]
                guard range > 0 else { return 0 }
                return min(1, max(0, (row[j] - minimums[j]) / range))
            }
        }
    }
}
