import CFFTW

/// Complex values in memory from `fftw_malloc`, so FFTW plans made on one buffer execute on
/// any other with its SIMD code path. Holds whole Fourier polynomials in split format (see
/// NegacyclicFFT): polynomial p of N/2 values starts at `at(p·N/2)`.
final class FourierBuffer {
    let complexCount: Int
    let pointer: UnsafeMutablePointer<Double>

    init(complexCount: Int) {
        precondition(complexCount > 0, "a Fourier buffer needs at least one complex value")
        self.complexCount = complexCount
        guard let raw = fftw_malloc(MemoryLayout<Double>.stride * 2 * complexCount) else {
            fatalError("fftw_malloc could not allocate \(complexCount) complex values")
        }
        pointer = raw.bindMemory(to: Double.self, capacity: 2 * complexCount)
        pointer.initialize(repeating: 0, count: 2 * complexCount)
    }

    deinit { fftw_free(pointer) }

    /// Start of the polynomial whose first complex value is number `index`.
    @inline(__always) func at(_ index: Int) -> UnsafeMutablePointer<Double> { pointer + 2 * index }
}
