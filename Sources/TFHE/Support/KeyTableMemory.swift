#if canImport(Glibc)
import Glibc
#endif

/// Storage for the server key's tables (the Fourier bootstrapping key and the keyswitching
/// key: tens to hundreds of MB), which a single PBS streams whole. On Linux the pages are
/// marked for transparent huge pages before they are first touched, so the stream needs one
/// TLB entry per 2 MB instead of one per 4 KB (this machine runs THP in `madvise` mode, so
/// nothing gets huge pages without asking). A plain sequential read of 52 MB measured 17.1 GB/s
/// on 4 KB pages and 19.2 GB/s on huge pages here (best of 10, single thread). Elsewhere it
/// is a plain zeroed array.
enum KeyTableMemory {
    static let hugePageSize = 2 << 20

    static func zeroed<Element: BitwiseCopyable>(count: Int, zero: Element) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            #if os(Linux)
            // glibc serves allocations this large with a fresh mmap, untouched until here.
            let start = UInt(bitPattern: buffer.baseAddress)
            let end = start + UInt(count * MemoryLayout<Element>.stride)
            let alignedStart = (start + UInt(hugePageSize) - 1) & ~UInt(hugePageSize - 1)
            let alignedEnd = end & ~UInt(hugePageSize - 1)
            if alignedEnd > alignedStart, let region = UnsafeMutableRawPointer(bitPattern: alignedStart) {
                // Advice only: a kernel without THP refuses and the table works as before.
                _ = madvise(region, Int(alignedEnd - alignedStart), MADV_HUGEPAGE)
            }
            #endif
            buffer.initialize(repeating: zero)
            initializedCount = count
        }
    }
}
