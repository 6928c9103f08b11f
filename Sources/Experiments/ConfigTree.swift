import Foundation
import Yams

/// Where a YAML node came from, so errors name the file that really holds the key (a `base:`
/// file or the config itself).
struct SourceLocation: Hashable, Sendable {
    var file: String
    var line: Int?
}

/// A YAML document reduced to what configs use: string-keyed mappings (in file order),
/// sequences and scalars, each remembering its location.
indirect enum ConfigNode: Sendable {
    case scalar(String, SourceLocation)
    case sequence([ConfigNode], SourceLocation)
    case mapping([MappingEntry], SourceLocation)

    struct MappingEntry: Sendable {
        var key: String
        var value: ConfigNode
    }

    var location: SourceLocation {
        switch self {
        case .scalar(_, let location), .sequence(_, let location), .mapping(_, let location): location
        }
    }

    var kindDescription: String {
        switch self {
        case .scalar(let text, _): "the value '\(text)'"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    subscript(key: String) -> ConfigNode? {
        guard case .mapping(let entries, _) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// Parses YAML text; `file` names the source in errors.
    static func parse(yaml text: String, file: String) throws -> ConfigNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, message: "is not valid YAML: \(Self.yamlMessage(error))")
        }
        guard let node else { throw ConfigError(file: file, message: "is empty; a config needs at least `name:`") }
        var budget = maximumNodes
        return try convert(node, file: file, path: [], budget: &budget)
    }

    /// Most nodes a config may expand to. Aliases share their anchor's tree, so a short file of
    /// nested aliases ("billion laughs") expands exponentially; real configs have under 100 nodes.
    static let maximumNodes = 10_000

    private static func yamlMessage(_ error: YamlError) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }

    private static func convert(_ node: Node, file: String, path: [String], budget: inout Int) throws -> ConfigNode {
        let location = SourceLocation(file: file, line: node.mark?.line)
        budget -= 1
        guard budget >= 0 else {
            throw ConfigError(
                file: file, line: node.mark?.line, keyPath: path.isEmpty ? nil : path.joined(separator: "."),
                message: "expands to more than \(maximumNodes) values (nested aliases?); allowed: at most \(maximumNodes)")
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, location)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for (offset, element) in sequence.enumerated() {
                items.append(try convert(element, file: file, path: path + ["[\(offset)]"], budget: &budget))
            }
            return .sequence(items, location)
        case .mapping(let mapping):
            var entries: [MappingEntry] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ConfigError(
                        file: file, line: keyNode.mark?.line, keyPath: path.isEmpty ? nil : path.joined(separator: "."),
                        message: "keys must be plain names, not lists or mappings")
                }
                let key = keyScalar.string
                let keyPath = (path + [key]).joined(separator: ".")
                if entries.contains(where: { $0.key == key }) {
                    throw ConfigError(
                        file: file, line: keyNode.mark?.line, keyPath: keyPath,
                        message: "appears twice in the same mapping; give each key once")
                }
                entries.append(MappingEntry(key: key, value: try convert(valueNode, file: file, path: path + [key], budget: &budget)))
            }
            return .mapping(entries, location)
        }
    }

    /// `overlay` on top of `self`: mappings merge key by key (recursively), anything else is
    /// replaced by the overlay's value. Keys keep the base's order, new keys follow.
    func merged(with overlay: ConfigNode) -> ConfigNode {
        guard case .mapping(var entries, _) = self, case .mapping(let overlayEntries, let overlayLocation) = overlay
        else { return overlay }
        for entry in overlayEntries {
            if let index = entries.firstIndex(where: { $0.key == entry.key }) {
                entries[index].value = entries[index].value.merged(with: entry.value)
            } else {
                entries.append(entry)
            }
        }
        return .mapping(entries, overlayLocation)
    }

    /// A copy with the value at `path` replaced (the mapping along the path must exist).
    func replacing(_ path: [String], with value: ConfigNode) -> ConfigNode {
        guard let first = path.first else { return value }
        guard case .mapping(var entries, let location) = self,
            let index = entries.firstIndex(where: { $0.key == first })
        else { return self }
        entries[index].value = entries[index].value.replacing(Array(path.dropFirst()), with: value)
        return .mapping(entries, location)
    }

    func removing(key: String) -> ConfigNode {
        guard case .mapping(let entries, let location) = self else { return self }
        return .mapping(entries.filter { $0.key != key }, location)
    }
}
