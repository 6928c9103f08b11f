/// The datasets Lockstep knows how to load. Raw values are the names used in config files.
public enum DatasetName: String, CaseIterable, Codable, Hashable, Sendable {
    case digits
    case iris
    case breastCancer = "breast_cancer"
    case wine
    case mnist
    case fashionMNIST = "fashion_mnist"

    /// Datasets that come with an official train/test split; the others are split here.
    public var hasOfficialSplit: Bool {
        switch self {
        case .mnist, .fashionMNIST: true
        case .digits, .iris, .breastCancer, .wine: false
        }
    }

    /// Features per sample, as the loaders produce them (the runner checks the loaded data
    /// against the model it builds, so a file that disagreed would be reported, not misread).
    public var featureCount: Int {
        switch self {
        case .digits: 64
        case .iris: 4
        case .breastCancer: 30
        case .wine: 13
        case .mnist, .fashionMNIST: 784
        }
    }

    /// Classes of the labels; a config's logits layer must have this many outputs.
    public var classCount: Int {
        switch self {
        case .digits, .mnist, .fashionMNIST: 10
        case .iris, .wine: 3
        case .breastCancer: 2
        }
    }

    /// Config spellings, for error messages that list what is allowed.
    public static var allowedNames: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
