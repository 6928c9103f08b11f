/// Samples with one class label each; `features[i]` belongs to `labels[i]`.
public struct LabeledData: Sendable, Equatable {
    public var features: [[Float]]
    public var labels: [Int]

    public init(features: [[Float]], labels: [Int]) {
        precondition(
            features.count == labels.count,
            "LabeledData needs one label per sample: \(features.count) feature rows, \(labels.count) labels."
        )
        self.features = features
        self.labels = labels
    }

    public var count: Int { labels.count }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledData {
        LabeledData(features: indices.map { features[$0] }, labels: indices.map { labels[$0] })
    }
}

/// A train/test split with features normalised to [0, 1].
public struct DatasetSplit: Sendable {
    public var name: DatasetName
    public var train: LabeledData
    public var test: LabeledData
    public var classCount: Int
    public var featureCount: Int
    /// Human-readable class names, index = label.
    public var classNames: [String]
    /// How the test split was made, for the manifest (e.g. "official 60000/10000 split").
    public var splitDescription: String

    public init(
        name: DatasetName, train: LabeledData, test: LabeledData, classCount: Int, featureCount: Int,
        classNames: [String], splitDescription: String
    ) {
        self.name = name
        self.train = train
        self.test = test
        self.classCount = classCount
        self.featureCount = featureCount
        self.classNames = classNames
        self.splitDescription = splitDescription
    }
}
