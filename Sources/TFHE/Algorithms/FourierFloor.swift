extension ServerKey {
    /// The FFTW work of one blind rotation and nothing else (DESIGN §9 "floor"): for each of
    /// the n CMUXes, (k+1)·l forward transforms, the Fourier multiply-accumulate against the
    /// real bootstrapping key (the same kernels the CMUX uses), and k+1 inverse transforms —
    /// no rotation, decomposition or
    /// torus conversion. Benchmarks compare a full KS+PBS with this.
    public func runBlindRotationFloor(workspace: PBSWorkspace) {
        workspace.check(self)
        let n = parameters.lweDimension.rawValue
        let m = parameters.polynomialSize.fourierSize
        let k1 = parameters.glweDimension.glweSize, l = parameters.pbsLevels.rawValue
        let rows = k1 * l
        let staging = workspace.staging.pointer
        let digits = workspace.fourierDigits.pointer
        let sums = workspace.fourierAccumulators.pointer
        let inverse = workspace.inverseOutput.pointer
        let ggswDoubles = FourierBootstrapKey.ggswDoubleCount(parameters.glweDimension, parameters.polynomialSize, parameters.pbsLevels)
        bootstrapKey.storage.withUnsafeBufferPointer { key in
            for i in 0..<n {
                let ggsw = key.baseAddress! + i * ggswDoubles
                for row in 0..<rows { fft.executeForward(staging + 2 * (row % l) * m, digits + 2 * row * m) }
                if k1 == 2 && l == 1 {
                    Self.multiplyAccumulateTwoByTwo(digits: digits, ggsw: ggsw, sums: sums, fourierSize: m)
                } else {
                    for row in 0..<rows {
                        for column in 0..<k1 {
                            fourierMultiply(digits + 2 * row * m, ggsw + 2 * (row * k1 + column) * m, into: sums + 2 * column * m,
                                            complexCount: m, accumulate: row > 0)
                        }
                    }
                }
                for column in 0..<k1 { fft.executeBackward(sums + 2 * column * m, inverse) }
            }
        }
    }
}

/// One forward and one inverse negacyclic transform of size N, on private buffers: the unit
/// `lockstep bench fft` times.
public final class NegacyclicTransformKernel {
    private let fft: NegacyclicFFT
    private let input: FourierBuffer
    private let output: FourierBuffer
    private let coefficients: [Double]

    public init(polynomialSize: PolynomialSize) {
        fft = NegacyclicFFT.shared(polynomialSize)
        input = FourierBuffer(complexCount: fft.fourierSize)
        output = FourierBuffer(complexCount: fft.fourierSize)
        coefficients = (0..<polynomialSize.rawValue).map { Double(($0 * 7919) % 2001 - 1000) }
    }

    /// Forward (twist + FFT) then inverse (FFT + untwist); returns a coefficient so the work
    /// cannot be optimized away.
    @discardableResult
    public func runForwardAndInverse() -> Double {
        coefficients.withUnsafeBufferPointer { c in
            fft.forward(staging: input.pointer, output: output.pointer) { c[$0] }
        }
        fft.backward(input: output.pointer, staging: input.pointer)
        return input.pointer[0]
    }
}
