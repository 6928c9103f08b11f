import Foundation

/// Reads a file a user named (a config, a model, a circuit, a key or ciphertext file, a CSV).
/// Such a path may name anything: a device or FIFO (`/dev/zero`) would be read without end and
/// a folder is no input, so only regular files are read, and only up to a size the caller
/// allows. Callers wrap `BoundedFileError.reason` into their own error, which names the file.
public enum BoundedFile {
    public static func read(_ url: URL, maximumBytes: Int = .max) throws(BoundedFileError) -> Data {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        } catch {
            throw BoundedFileError(.unreadable, reason: "does not exist or cannot be read")
        }
        if let type = attributes[.type] as? FileAttributeType, type != .typeRegular {
            throw BoundedFileError(.unreadable, reason: "is not a regular file (\(type.rawValue))")
        }
        if let size = attributes[.size] as? Int, size > maximumBytes {
            throw BoundedFileError(.tooLarge, reason: "is \(size) bytes; allowed: at most \(maximumBytes)")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw BoundedFileError(.unreadable, reason: "could not be read (\(error.localizedDescription))")
        }
    }
}

public struct BoundedFileError: Error, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Missing, not a regular file, or a read error.
        case unreadable
        /// Larger than the caller allows.
        case tooLarge
    }

    public let kind: Kind
    /// What is wrong with the file, without its path: "is not a regular file (…)".
    public let reason: String

    init(_ kind: Kind, reason: String) {
        self.kind = kind
        self.reason = reason
    }
}
