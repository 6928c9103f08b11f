import CZlib
import Foundation

/// gzip through zlib. Concatenated members are decoded as one stream, like `gunzip`.
package enum Gzip {
    /// windowBits 15 (32 KiB window) + 16 selects the gzip wrapper instead of raw zlib.
    private static let gzipWindowBits: Int32 = 15 + 16
    /// The largest decompressed file accepted: MNIST's training images are 47 MB, and a few
    /// kilobytes of crafted gzip can otherwise expand until memory runs out.
    package static let maximumDecompressedBytes = 1 << 28

    package static func decompress(_ compressed: Data, path: String, maximumBytes: Int = maximumDecompressedBytes) throws -> Data {
        if compressed.isEmpty { throw DatasetError.corruptGzip(path: path, detail: "the file is empty") }
        var stream = z_stream()
        var status = inflateInit2_(&stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DatasetError.corruptGzip(path: path, detail: "zlib inflateInit2 failed with status \(status)")
        }
        defer { inflateEnd(&stream) }

        var output = Data()
        let chunkSize = 1 << 18
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try compressed.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress!)
            guard let inputCount = UInt32(exactly: input.count) else {
                throw DatasetError.corruptGzip(path: path, detail: "\(input.count) compressed bytes; at most 4 GiB are allowed")
            }
            stream.avail_in = inputCount
            while true {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return chunkSize - Int(stream.avail_out)
                }
                guard output.count + produced <= maximumBytes else {
                    throw DatasetError.corruptGzip(
                        path: path,
                        detail: "decompresses to more than \(maximumBytes) bytes, the most a dataset file may hold (a gzip bomb?)")
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows.
                    guard inflateReset(&stream) == Z_OK else {
                        throw DatasetError.corruptGzip(path: path, detail: "could not start the next gzip member")
                    }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DatasetError.corruptGzip(
                        path: path,
                        detail: "the stream ends early (truncated after \(compressed.count) compressed bytes)")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw DatasetError.corruptGzip(path: path, detail: message)
                }
            }
        }
        return output
    }

    /// gzip-compresses `data` (used to write synthetic fixtures and compressed exports).
    package static func compress(_ data: Data) -> Data {
        var stream = z_stream()
        let initStatus = deflateInit2_(
            &stream, Z_BEST_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "zlib deflateInit2 failed with status \(initStatus)")
        defer { deflateEnd(&stream) }
        var output = Data()
        let chunkSize = 1 << 16
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var input = [UInt8](data)
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            var status: Int32 = Z_OK
            while status != Z_STREAM_END {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    status = deflate(&stream, Z_FINISH)
                    return chunkSize - Int(stream.avail_out)
                }
                precondition(status == Z_OK || status == Z_STREAM_END, "zlib deflate failed with status \(status)")
                output.append(contentsOf: chunk[0..<produced])
            }
        }
        return output
    }
}
