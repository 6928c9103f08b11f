/// Reads one mapping of a config, tracking the key path for errors and which keys were used,
/// so that `finish()` can reject unknown keys by name.
struct ConfigReader {
    let node: ConfigNode
    let path: [String]
    private let entries: [ConfigNode.MappingEntry]
    private var usedKeys: Set<String> = []
    private var knownKeys: [String] = []

    init(_ node: ConfigNode, path: [String]) throws {
        guard case .mapping(let entries, _) = node else {
            throw ConfigError(
                file: node.location.file, line: node.location.line,
                keyPath: path.isEmpty ? nil : path.joined(separator: "."),
                message: "must be a mapping of keys to values, got \(node.kindDescription)")
        }
        self.node = node
        self.path = path
        self.entries = entries
    }

    func keyPath(_ key: String) -> String { (path + [key]).joined(separator: ".") }

    func error(_ key: String, _ value: ConfigNode?, _ message: String) -> ConfigError {
        let location = value?.location ?? node.location
        return ConfigError(file: location.file, line: location.line, keyPath: keyPath(key), message: message)
    }

    /// The raw value of `key`, marking it as known and used.
    mutating func value(_ key: String) -> ConfigNode? {
        knownKeys.append(key)
        usedKeys.insert(key)
        return entries.first { $0.key == key }?.value
    }

    mutating func scalar(_ key: String) throws -> (String, ConfigNode)? {
        guard let value = value(key) else { return nil }
        guard case .scalar(let text, _) = value else {
            throw error(key, value, "must be a single value, got \(value.kindDescription)")
        }
        return (text, value)
    }

    mutating func integer(_ key: String, default defaultValue: Int, allowed range: ClosedRange<Int>) throws -> Int {
        guard let (text, value) = try scalar(key) else { return defaultValue }
        guard let number = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(number) else {
            throw error(key, value, "is '\(text)'; allowed: an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// An integer, or `nilWord` (`none`, `all`, …) / absent for nil.
    mutating func optionalInteger(_ key: String, allowed range: ClosedRange<Int>, nilWord: String = "none") throws -> Int? {
        guard let (text, value) = try scalar(key) else { return nil }
        if text == nilWord { return nil }
        guard let number = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(number) else {
            throw error(key, value, "is '\(text)'; allowed: \(nilWord), or an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    mutating func seed(_ key: String, default defaultValue: UInt64) throws -> UInt64 {
        guard let (text, value) = try scalar(key) else { return defaultValue }
        guard let number = UInt64(text.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, value, "is '\(text)'; allowed: an integer from 0 to \(UInt64.max)")
        }
        return number
    }

    /// `exclusiveLower` rejects the lower end itself (e.g. a learning rate must be > 0).
    mutating func real(
        _ key: String, default defaultValue: Double, allowed range: ClosedRange<Double>, exclusiveLower: Bool = false
    ) throws -> Double {
        guard let (text, value) = try scalar(key) else { return defaultValue }
        let lowerText = exclusiveLower ? "greater than \(range.lowerBound)" : "from \(range.lowerBound)"
        guard let number = Double(text), range.contains(number), !(exclusiveLower && number == range.lowerBound) else {
            throw error(key, value, "is '\(text)'; allowed: a number \(lowerText) up to \(range.upperBound)")
        }
        return number
    }

    mutating func boolean(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let (text, value) = try scalar(key) else { return defaultValue }
        switch text {
        case "true": return true
        case "false": return false
        default: throw error(key, value, "is '\(text)'; allowed: true, false")
        }
    }

    mutating func text(_ key: String, default defaultValue: String?) throws -> String? {
        guard let (text, _) = try scalar(key) else { return defaultValue }
        return text
    }

    /// nil when the key is absent; otherwise one of the cases.
    mutating func optionalChoice<Choice: RawRepresentable & CaseIterable>(_ key: String, type: Choice.Type) throws
        -> Choice? where Choice.RawValue == String
    {
        guard let (text, value) = try scalar(key) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            throw error(key, value, "is '\(text)'; allowed: \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: Choice) throws
        -> Choice where Choice.RawValue == String
    {
        try optionalChoice(key, type: Choice.self) ?? defaultValue
    }

    mutating func integerList(_ key: String, default defaultValue: [Int], allowed range: ClosedRange<Int>) throws
        -> [Int]
    {
        guard let value = value(key) else { return defaultValue }
        guard case .sequence(let items, _) = value else {
            throw error(key, value, "must be a list of integers such as [32, 16], got \(value.kindDescription)")
        }
        return try items.map { item in
            guard case .scalar(let text, _) = item, let number = Int(text), range.contains(number) else {
                throw error(
                    key, item,
                    "has \(item.kindDescription); allowed: integers from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
    }

    mutating func section(_ key: String) throws -> ConfigReader? {
        guard let value = value(key) else { return nil }
        return try ConfigReader(value, path: path + [key])
    }

    /// Rejects every key that no reader asked for.
    func finish() throws {
        for entry in entries where !usedKeys.contains(entry.key) {
            throw error(
                entry.key, entry.value,
                "is not a known key; allowed here: \(knownKeys.joined(separator: ", "))")
        }
    }
}
