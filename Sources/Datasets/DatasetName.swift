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

    /// Channels × height × width of an image dataset's samples; nil for tabular data, whose
    /// features have no spatial layout (so a config may not convolve or pool them).
    /// The feature vector is the image row-major, pixel (y, x) at index y·width + x: the sklearn
    /// digits CSV stores `images.reshape(n, 64)` of the 8×8 images (row 0 of the first sample
    /// is `0 0 5 13 9 1 0 0`, the top of a "0"), and IDX files store each 28×28 image row by
    /// row, read here in file order. With one channel that is exactly the channel-major layout
    /// convolutions read (NeuralNet's `ImageShape`).
    public var imageShape: ImageDimensions? {
        switch self {
        case .digits: ImageDimensions(channels: 1, height: 8, width: 8)
        case .mnist, .fashionMNIST: ImageDimensions(channels: 1, height: 28, width: 28)
        case .iris, .breastCancer, .wine: nil
        }
    }

    /// An image's extent. A plain value: Datasets does not depend on NeuralNet, whose
    /// `ImageShape` the Experiments module builds from it.
    public struct ImageDimensions: Hashable, Sendable, CustomStringConvertible {
        public let channels: Int
        public let height: Int
        public let width: Int

        public init(channels: Int, height: Int, width: Int) {
            self.channels = channels
            self.height = height
            self.width = width
        }

        public var count: Int { channels * height * width }
        public var description: String { "\(channels)×\(height)×\(width)" }
    }

    /// Config spellings, for error messages that list what is allowed.
    public static var allowedNames: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
