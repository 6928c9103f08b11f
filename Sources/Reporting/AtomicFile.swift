import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so a reader sees either the old or the complete new content, never a partial
/// file: the bytes go to a temporary file in the same directory (same file system), are flushed,
/// then renamed over the destination.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let detail: String
        public var description: String { "Could not write \(path): \(detail)." }
    }

    /// `permissions`: the new file's mode (0o600 for a secret key: readable by its owner only,
    /// from the moment the temporary file exists).
    public static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644) throws {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: url.path, detail: "cannot create directory \(directory.path) (\(error))")
        }
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString.prefix(8))")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, permissions)
        guard descriptor >= 0 else {
            throw WriteError(path: url.path, detail: "cannot create \(temporary.path): \(String(cString: strerror(errno)))")
        }
        var failure: String? = nil
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw WriteError(path: url.path, detail: failure)
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Removes the temporary files of writes killed before their rename (`.NAME.tmp-PID-XXXXXXXX`
    /// whose process no longer runs) from `directory`, and returns their names. A live
    /// process's files, this one's included, are in-flight writes and stay.
    @discardableResult
    public static func removeLeftovers(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards) else { continue }
            let parts = name[marker.upperBound...].split(separator: "-")
            guard parts.count == 2, parts[1].count == 8, let pid = pid_t(parts[0]), pid > 0, !isRunning(pid) else { continue }
            if unlink(directory.appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }

    /// kill(pid, 0) probes without signalling; EPERM means the process exists under another user.
    static func isRunning(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}

/// An advisory lock (flock) on a file, held until `release()` or deinit. flock locks belong to
/// the open file description, so two runs conflict whether they are two processes or two
/// opens in one process, and the kernel drops the lock when its holder dies (no stale locks).
public final class FileLock: @unchecked Sendable {
    public struct Busy: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path) is locked by another run" }
    }

    public let url: URL
    private var descriptor: Int32

    /// Takes the lock without waiting: throws `Busy` when another holder has it.
    public init(url: URL) throws {
        self.url = url
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AtomicFile.WriteError(path: url.path, detail: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(descriptor)
            descriptor = -1
            if code == EWOULDBLOCK { throw Busy(path: url.path) }
            throw AtomicFile.WriteError(path: url.path, detail: "cannot lock: \(String(cString: strerror(code)))")
        }
    }

    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
