import Circuit
import FileInput
import Foundation
import Reporting

/// Reading and writing the deployment's files; every error names the file.
enum DeploymentFileIO {
    static func readBytes(_ url: URL) throws -> [UInt8] {
        do {
            return [UInt8](try BoundedFile.read(url))
        } catch {
            throw DeploymentFileError(file: url.path, .unreadable(error.reason))
        }
    }

    /// At most the first `count` bytes (fewer when the file is shorter).
    static func readPrefix(_ url: URL, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw DeploymentFileError(file: url.path, .unreadable("no such file, or not readable"))
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw DeploymentFileError(file: url.path, .unreadable(error.localizedDescription))
        }
    }

    static func write(_ bytes: [UInt8], to url: URL) throws {
        try AtomicFile.write(Data(bytes), to: url)
    }

    /// Owner-only (0600): the client key file holds the secret key.
    static func writeSecret(_ bytes: [UInt8], to url: URL) throws {
        try AtomicFile.write(Data(bytes), to: url, permissions: 0o600)
    }

    static func loadCircuit(_ url: URL) throws -> IntegerCircuit {
        try IntegerCircuit.load(from: url)
    }
}

/// A codes or results CSV that cannot be used; names the file and the row.
public struct DeploymentCSVError: Error, CustomStringConvertible, Equatable {
    public let description: String
}
