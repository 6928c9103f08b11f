import CFFTW
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Products in ℤ[X]/(X^N + 1) through an N/2-point complex FFT (FFTW).
///
/// Coefficient j is paired with coefficient j + N/2 as b_j = a_j + i·a_{j+N/2} and multiplied
/// by the twist e^{iπj/N}; the N/2-point DFT with a positive exponent (FFTW_BACKWARD) of that
/// vector gives b(ω_k) = a(ω_k) at ω_k = e^{iπ(1+4k)/N}, the roots of X^N + 1 where
/// X^{N/2} = i. Real polynomials take conjugate values at the other roots, so these N/2
/// values determine the negacyclic product. The inverse is the negative-exponent DFT
/// followed by e^{−iπj/N}/(N/2).
///
/// One instance per polynomial size is shared by every key and workspace: plans are made
/// once (under a lock, FFTW's planner is not thread-safe) and executed with
/// `fftw_execute_dft` on the caller's own buffers, which is thread-safe.
final class NegacyclicFFT: @unchecked Sendable {
    let polynomialSize: Int
    /// N/2.
    let fourierSize: Int
    private let forwardPlan: fftw_plan
    private let backwardPlan: fftw_plan
    /// e^{+iπj/N}, interleaved.
    let twist: [Double]
    /// e^{−iπj/N}/(N/2), interleaved.
    let untwist: [Double]

    private static let plannerLock = Lock()
    nonisolated(unsafe) private static var instances: [Int: NegacyclicFFT] = [:]

    static func shared(_ size: PolynomialSize) -> NegacyclicFFT {
        plannerLock.withLock {
            if let existing = instances[size.rawValue] { return existing }
            let created = NegacyclicFFT(polynomialSize: size.rawValue)
            instances[size.rawValue] = created
            return created
        }
    }

    /// Called with the planner lock held.
    private init(polynomialSize: Int) {
        self.polynomialSize = polynomialSize
        fourierSize = polynomialSize / 2
        let m = fourierSize
        let input = FourierBuffer(complexCount: m)
        let output = FourierBuffer(complexCount: m)
        let flags = UInt32(FFTW_MEASURE)
        func complexPointer(_ buffer: FourierBuffer) -> UnsafeMutablePointer<fftw_complex> {
            UnsafeMutablePointer<fftw_complex>(OpaquePointer(buffer.pointer))
        }
        guard let forward = fftw_plan_dft_1d(Int32(m), complexPointer(input), complexPointer(output), FFTW_BACKWARD, flags),
              let backward = fftw_plan_dft_1d(Int32(m), complexPointer(input), complexPointer(output), FFTW_FORWARD, flags)
        else { fatalError("FFTW could not plan a \(m)-point complex transform") }
        forwardPlan = forward
        backwardPlan = backward
        var twist = [Double](repeating: 0, count: 2 * m)
        var untwist = [Double](repeating: 0, count: 2 * m)
        for j in 0..<m {
            let angle = Double.pi * Double(j) / Double(polynomialSize)
            twist[2 * j] = cos(angle)
            twist[2 * j + 1] = sin(angle)
            untwist[2 * j] = cos(angle) / Double(m)
            untwist[2 * j + 1] = -sin(angle) / Double(m)
        }
        self.twist = twist
        self.untwist = untwist
    }

    deinit {
        fftw_destroy_plan(forwardPlan)
        fftw_destroy_plan(backwardPlan)
    }

    /// DFT of `fourierSize` interleaved complex values; `input` and `output` must not alias
    /// and must come from `fftw_malloc` (FourierBuffer).
    @inline(__always)
    func executeForward(_ input: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<Double>) {
        fftw_execute_dft(forwardPlan, UnsafeMutablePointer(OpaquePointer(input)), UnsafeMutablePointer(OpaquePointer(output)))
    }

    @inline(__always)
    func executeBackward(_ input: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<Double>) {
        fftw_execute_dft(backwardPlan, UnsafeMutablePointer(OpaquePointer(input)), UnsafeMutablePointer(OpaquePointer(output)))
    }

    /// Twists real coefficients (given by `coefficient(j)`) into `staging`, then transforms
    /// into `output`.
    @inline(__always)
    func forward(
        staging: UnsafeMutablePointer<Double>, output: UnsafeMutablePointer<Double>,
        coefficient: (Int) -> Double
    ) {
        let m = fourierSize
        twist.withUnsafeBufferPointer { w in
            for j in 0..<m {
                let re = coefficient(j), im = coefficient(j + m)
                let wr = w[2 * j], wi = w[2 * j + 1]
                staging[2 * j] = re * wr - im * wi
                staging[2 * j + 1] = re * wi + im * wr
            }
        }
        executeForward(staging, output)
    }

    /// Backward transform of `input` into `staging`, untwisted in place: afterwards
    /// staging[2j] is coefficient j and staging[2j+1] coefficient j + N/2 (as reals).
    @inline(__always)
    func backward(input: UnsafeMutablePointer<Double>, staging: UnsafeMutablePointer<Double>) {
        executeBackward(input, staging)
        let m = fourierSize
        untwist.withUnsafeBufferPointer { w in
            for j in 0..<m {
                let re = staging[2 * j], im = staging[2 * j + 1]
                let wr = w[2 * j], wi = w[2 * j + 1]
                staging[2 * j] = re * wr - im * wi
                staging[2 * j + 1] = re * wi + im * wr
            }
        }
    }
}

/// output[j] = Σ a[j]·b[j] (complex, interleaved), either overwriting or accumulating.
@inline(__always)
func fourierMultiply(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into output: UnsafeMutablePointer<Double>,
    complexCount: Int, accumulate: Bool
) {
    if accumulate {
        for j in 0..<complexCount {
            let re = 2 &* j, im = 2 &* j &+ 1
            let ar = a[re], ai = a[im], br = b[re], bi = b[im]
            output[re] += ar * br - ai * bi
            output[im] += ar * bi + ai * br
        }
    } else {
        for j in 0..<complexCount {
            let re = 2 &* j, im = 2 &* j &+ 1
            let ar = a[re], ai = a[im], br = b[re], bi = b[im]
            output[re] = ar * br - ai * bi
            output[im] = ar * bi + ai * br
        }
    }
}
