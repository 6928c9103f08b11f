import Foundation

/// JSON for manifests: sorted keys and stable formatting, so two identical runs write identical
/// bytes (apart from the values that really differ, like timestamps).
public enum JSONManifest {
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    public static func write<Value: Encodable>(_ value: Value, to url: URL) throws {
        try AtomicFile.write(encode(value), to: url)
    }

    public static func read<Value: Decodable>(_ type: Value.Type, from url: URL) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(contentsOf: url))
    }
}
