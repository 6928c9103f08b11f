extension ServerKey {
    /// acc ← acc + GGSW(sᵢ) ⊡ (X^r·acc − acc): the CMUX that multiplies the accumulator by
    /// X^{r·sᵢ}. The difference is decomposed (balanced digits), each digit polynomial is
    /// transformed once, multiplied and accumulated against the GGSW rows in the Fourier
    /// domain, and only the k+1 output polynomials go back through the inverse FFT.
    @inline(__always)
    func cmux(ggsw: UnsafePointer<Double>, rotation: Int, workspace: PBSWorkspace) {
        let size = parameters.polynomialSize.rawValue, m = size / 2
        let k1 = parameters.glweDimension.glweSize
        let l = parameters.pbsLevels.rawValue
        let decomposer = GadgetDecomposer(baseLog: parameters.pbsBaseLog, levels: parameters.pbsLevels)
        let accumulator = workspace.accumulator
        let difference = workspace.rotated
        let staging = workspace.staging.pointer
        let digits = workspace.fourierDigits.pointer
        let sums = workspace.fourierAccumulators.pointer
        let inverse = workspace.inverseOutput.pointer

        fft.twist.withUnsafeBufferPointer { twist in
            for c in 0..<k1 {
                let polynomial = difference + c * size
                Self.rotateMinusOriginal(accumulator + c * size, by: rotation, size: size, into: polynomial)
                for j in 0..<size { polynomial[j] = decomposer.roundedState(polynomial[j]) }
                // Least significant level first; the state is updated in place. Coefficients
                // j and j + N/2 form one complex input.
                for level in stride(from: l - 1, through: 0, by: -1) {
                    let target = staging + 2 * level * m
                    for j in 0..<m {
                        var low = polynomial[j], high = polynomial[j + m]
                        let re = Double(decomposer.nextDigit(&low))
                        let im = Double(decomposer.nextDigit(&high))
                        polynomial[j] = low
                        polynomial[j + m] = high
                        let wr = twist[2 * j], wi = twist[2 * j + 1]
                        target[2 * j] = re * wr - im * wi
                        target[2 * j + 1] = re * wi + im * wr
                    }
                }
                for level in 0..<l {
                    fft.executeForward(staging + 2 * level * m, digits + 2 * (c * l + level) * m)
                }
            }
        }

        let rows = k1 * l
        for column in 0..<k1 {
            let sum = sums + 2 * column * m
            for row in 0..<rows {
                fourierMultiply(digits + 2 * row * m, ggsw + 2 * (row * k1 + column) * m, into: sum,
                                complexCount: m, accumulate: row > 0)
            }
        }

        fft.untwist.withUnsafeBufferPointer { untwist in
            for column in 0..<k1 {
                fft.executeBackward(sums + 2 * column * m, inverse)
                let polynomial = accumulator + column * size
                for j in 0..<m {
                    let re = inverse[2 * j], im = inverse[2 * j + 1]
                    let wr = untwist[2 * j], wi = untwist[2 * j + 1]
                    polynomial[j] &+= TorusConversion.fromUnits(re * wr - im * wi)
                    polynomial[j + m] &+= TorusConversion.fromUnits(re * wi + im * wr)
                }
            }
        }
    }
}
