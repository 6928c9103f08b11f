/// A config file that cannot be used. The description names the file, the line when known,
/// the key path (e.g. `quantization.weight_bits`) and what is allowed.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int?
    /// Dotted path of the offending key; nil for problems with the whole file.
    public let keyPath: String?
    public let message: String

    public init(file: String, line: Int? = nil, keyPath: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return keyPath.map { "\(place): \($0): \(message)" } ?? "\(place): \(message)"
    }
}
