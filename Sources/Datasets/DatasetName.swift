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

    /// Config spellings, for error messages that list what is allowed.
    public static var allowedNames: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
