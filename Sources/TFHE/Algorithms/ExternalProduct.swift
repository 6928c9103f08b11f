extension ServerKey {
    /// acc ← acc + GGSW(sᵢ) ⊡ (X^r·acc − acc): the CMUX that multiplies the accumulator by
    /// X^{r·sᵢ}. The difference is decomposed (balanced digits), each digit polynomial is
    /// transformed once, multiplied and accumulated against the GGSW rows in the Fourier
    /// domain, and only the k+1 output polynomials go back through the inverse FFT.
    /// Every pass over coefficients is a plain loop over one or two arrays so it vectorizes.
    @inline(__always)
    func cmux(ggsw: UnsafePointer<Double>, rotation: Int, workspace: PBSWorkspace) {
        let size = parameters.polynomialSize.rawValue, m = size / 2
        let k1 = parameters.glweDimension.glweSize
        let l = parameters.pbsLevels.rawValue
        let decomposer = GadgetDecomposer(baseLog: parameters.pbsBaseLog, levels: parameters.pbsLevels)
        let accumulator = workspace.accumulator
        let states = workspace.rotated
        let digits = workspace.realScratch
        let staging = workspace.staging.pointer
        let transformedDigits = workspace.fourierDigits.pointer
        let sums = workspace.fourierAccumulators.pointer
        let inverse = workspace.inverseOutput.pointer

        fft.twist.withUnsafeBufferPointer { twistBuffer in
            let twist = twistBuffer.baseAddress!
            for c in 0..<k1 {
                Self.rotateMinusOriginal(accumulator + c * size, by: rotation, size: size, into: states, decomposer: decomposer)
                // Least significant level first, peeling digits off the states in place;
                // the top level is converted and twisted in the same pass.
                for level in stride(from: l - 1, through: 1, by: -1) {
                    for j in 0..<size {
                        var state = states[j]
                        digits[j] = TorusConversion.double(fromSmallInteger: decomposer.nextDigit(&state))
                        states[j] = state
                    }
                    Self.twist(digits, by: twist, into: staging + 2 * level * m, fourierSize: m)
                }
                let upperStates = states + m
                for j in 0..<m {
                    let re = TorusConversion.double(fromSmallInteger: decomposer.topDigit(states[j]))
                    let im = TorusConversion.double(fromSmallInteger: decomposer.topDigit(upperStates[j]))
                    let wr = twist[2 &* j], wi = twist[2 &* j &+ 1]
                    staging[2 &* j] = re * wr - im * wi
                    staging[2 &* j &+ 1] = re * wi + im * wr
                }
                for level in 0..<l {
                    fft.executeForward(staging + 2 * level * m, transformedDigits + 2 * (c * l + level) * m)
                }
            }
        }

        if k1 == 2 && l == 1 {
            // k = 1, l = 1 (most sets above 3 bits): both output columns in one pass, each
            // key value loaded once and each sum written once.
            Self.multiplyAccumulateTwoByTwo(digits: transformedDigits, ggsw: ggsw, sums: sums, fourierSize: m)
        } else {
            // Rows outermost: the GGSW is read front to back.
            for row in 0..<(k1 * l) {
                for column in 0..<k1 {
                    fourierMultiply(transformedDigits + 2 * row * m, ggsw + 2 * (row * k1 + column) * m, into: sums + 2 * column * m,
                                    complexCount: m, accumulate: row > 0)
                }
            }
        }

        fft.untwist.withUnsafeBufferPointer { untwistBuffer in
            let untwist = untwistBuffer.baseAddress!
            for column in 0..<k1 {
                fft.executeBackward(sums + 2 * column * m, inverse)
                let polynomial = accumulator + column * size, upper = polynomial + m
                for j in 0..<m {
                    let re = inverse[2 &* j], im = inverse[2 &* j &+ 1]
                    let wr = untwist[2 &* j], wi = untwist[2 &* j &+ 1]
                    polynomial[j] &+= TorusConversion.fromUnits(re * wr - im * wi)
                    upper[j] &+= TorusConversion.fromUnits(re * wi + im * wr)
                }
            }
        }
    }

    /// sums[c] = Σ_r digits[r] ⊙ ggsw[r][c] for two rows and two columns.
    @inline(__always)
    static func multiplyAccumulateTwoByTwo(
        digits: UnsafePointer<Double>, ggsw: UnsafePointer<Double>, sums: UnsafeMutablePointer<Double>, fourierSize m: Int
    ) {
        let d0 = digits, d1 = digits + 2 * m
        let g00 = ggsw, g01 = ggsw + 2 * m, g10 = ggsw + 4 * m, g11 = ggsw + 6 * m
        let s0 = sums, s1 = sums + 2 * m
        for j in 0..<m {
            let re = 2 &* j, im = 2 &* j &+ 1
            let ar = d0[re], ai = d0[im], br = d1[re], bi = d1[im]
            s0[re] = ar * g00[re] - ai * g00[im] + br * g10[re] - bi * g10[im]
            s0[im] = ar * g00[im] + ai * g00[re] + br * g10[im] + bi * g10[re]
            s1[re] = ar * g01[re] - ai * g01[im] + br * g11[re] - bi * g11[im]
            s1[im] = ar * g01[im] + ai * g01[re] + br * g11[im] + bi * g11[re]
        }
    }

    /// output[j] = (real[j] + i·real[j + N/2])·twist[j], interleaved.
    @inline(__always)
    static func twist(_ real: UnsafePointer<Double>, by twist: UnsafePointer<Double>, into output: UnsafeMutablePointer<Double>, fourierSize m: Int) {
        let upper = real + m
        for j in 0..<m {
            let re = real[j], im = upper[j]
            let wr = twist[2 &* j], wi = twist[2 &* j &+ 1]
            output[2 &* j] = re * wr - im * wi
            output[2 &* j &+ 1] = re * wi + im * wr
        }
    }
}
