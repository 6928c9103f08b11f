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

        let twistReal = fft.twistReal, twistImaginary = fft.twistImaginary
        if l == 1 {
            // One level (every set above 2 bits): rotation, difference, rounding, digit,
            // conversion and twist in a single pass per polynomial.
            for c in 0..<k1 {
                Self.rotateDecomposeTwist(accumulator + c * size, by: rotation, size: size, decomposer: decomposer,
                                          twistReal: twistReal, twistImaginary: twistImaginary, into: staging)
                fft.executeForward(staging, transformedDigits + c * size)
            }
        } else {
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
                    Self.twist(digits, real: twistReal, imaginary: twistImaginary, into: staging + level * size, fourierSize: m)
                }
                let upperStates = states + m, stagingImaginary = staging + m
                for j in 0..<m {
                    let re = TorusConversion.double(fromSmallInteger: decomposer.topDigit(states[j]))
                    let im = TorusConversion.double(fromSmallInteger: decomposer.topDigit(upperStates[j]))
                    let wr = twistReal[j], wi = twistImaginary[j]
                    staging[j] = re * wr - im * wi
                    stagingImaginary[j] = re * wi + im * wr
                }
                for level in 0..<l {
                    fft.executeForward(staging + level * size, transformedDigits + (c * l + level) * size)
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

        let untwistReal = fft.untwistReal, untwistImaginary = fft.untwistImaginary
        let inverseImaginary = inverse + m
        for column in 0..<k1 {
            fft.executeBackward(sums + column * size, inverse)
            let polynomial = accumulator + column * size, upper = polynomial + m
            for j in 0..<m {
                let re = inverse[j], im = inverseImaginary[j]
                let wr = untwistReal[j], wi = untwistImaginary[j]
                polynomial[j] &+= TorusConversion.fromUnits(re * wr - im * wi)
                upper[j] &+= TorusConversion.fromUnits(re * wi + im * wr)
            }
        }
    }

    /// staging = twist(top digit of round(X^r·input − input)) for a one-level decomposition:
    /// the work of `rotateMinusOriginal` and the top-level twist without the intermediate
    /// states. Output j pairs coefficients j and j + N/2; each reads the input at an offset
    /// that wraps (and changes sign) at most once, so [0, N/2) splits into at most three
    /// segments of straight loops.
    @inline(__always)
    static func rotateDecomposeTwist(
        _ input: UnsafePointer<UInt64>, by r: Int, size: Int, decomposer: GadgetDecomposer,
        twistReal: UnsafePointer<Double>, twistImaginary: UnsafePointer<Double>, into staging: UnsafeMutablePointer<Double>
    ) {
        let m = size / 2
        let negateAll = r >= size
        let shift = negateAll ? r - size : r
        let lowerWrapEnd = min(shift, m)                 // j < this: coefficient j wraps
        let upperWrapEnd = min(max(shift - m, 0), m)     // j < this: coefficient j + m wraps
        let straight = input - shift, wrapped = input + (size - shift)
        @inline(__always) func mask(wraps: Bool) -> UInt64 { wraps != negateAll ? ~0 : 0 }
        // Segment bounds 0 ≤ upperWrapEnd ≤ lowerWrapEnd ≤ m.
        rotateDecomposeTwistSegment(lower: wrapped, lowerMask: mask(wraps: true), upper: wrapped + m, upperMask: mask(wraps: true),
                                    original: input, range: 0..<upperWrapEnd, fourierSize: m, decomposer: decomposer,
                                    twistReal: twistReal, twistImaginary: twistImaginary, into: staging)
        rotateDecomposeTwistSegment(lower: wrapped, lowerMask: mask(wraps: true), upper: straight + m, upperMask: mask(wraps: false),
                                    original: input, range: upperWrapEnd..<lowerWrapEnd, fourierSize: m, decomposer: decomposer,
                                    twistReal: twistReal, twistImaginary: twistImaginary, into: staging)
        rotateDecomposeTwistSegment(lower: straight, lowerMask: mask(wraps: false), upper: straight + m, upperMask: mask(wraps: false),
                                    original: input, range: lowerWrapEnd..<m, fourierSize: m, decomposer: decomposer,
                                    twistReal: twistReal, twistImaginary: twistImaginary, into: staging)
    }

    /// One segment of `rotateDecomposeTwist`: coefficient j is lower[j] and coefficient j + m
    /// is upper[j], each negated where its mask is all ones ((v ^ mask) − mask).
    @inline(__always)
    static func rotateDecomposeTwistSegment(
        lower: UnsafePointer<UInt64>, lowerMask: UInt64, upper: UnsafePointer<UInt64>, upperMask: UInt64,
        original: UnsafePointer<UInt64>, range: Range<Int>, fourierSize m: Int, decomposer: GadgetDecomposer,
        twistReal: UnsafePointer<Double>, twistImaginary: UnsafePointer<Double>, into staging: UnsafeMutablePointer<Double>
    ) {
        let originalUpper = original + m, stagingImaginary = staging + m
        for j in range {
            let lowerState = decomposer.roundedState(((lower[j] ^ lowerMask) &- lowerMask) &- original[j])
            let upperState = decomposer.roundedState(((upper[j] ^ upperMask) &- upperMask) &- originalUpper[j])
            let re = TorusConversion.double(fromSmallInteger: decomposer.topDigit(lowerState))
            let im = TorusConversion.double(fromSmallInteger: decomposer.topDigit(upperState))
            let wr = twistReal[j], wi = twistImaginary[j]
            staging[j] = re * wr - im * wi
            stagingImaginary[j] = re * wi + im * wr
        }
    }

    /// sums[c] = Σ_r digits[r] ⊙ ggsw[r][c] for two rows and two columns (split format).
    @inline(__always)
    static func multiplyAccumulateTwoByTwo(
        digits: UnsafePointer<Double>, ggsw: UnsafePointer<Double>, sums: UnsafeMutablePointer<Double>, fourierSize m: Int
    ) {
        let d0r = digits, d0i = digits + m, d1r = digits + 2 * m, d1i = digits + 3 * m
        let g00r = ggsw, g00i = ggsw + m, g01r = ggsw + 2 * m, g01i = ggsw + 3 * m
        let g10r = ggsw + 4 * m, g10i = ggsw + 5 * m, g11r = ggsw + 6 * m, g11i = ggsw + 7 * m
        let s0r = sums, s0i = sums + m, s1r = sums + 2 * m, s1i = sums + 3 * m
        for j in 0..<m {
            let ar = d0r[j], ai = d0i[j], br = d1r[j], bi = d1i[j]
            s0r[j] = ar * g00r[j] - ai * g00i[j] + br * g10r[j] - bi * g10i[j]
            s0i[j] = ar * g00i[j] + ai * g00r[j] + br * g10i[j] + bi * g10r[j]
            s1r[j] = ar * g01r[j] - ai * g01i[j] + br * g11r[j] - bi * g11i[j]
            s1i[j] = ar * g01i[j] + ai * g01r[j] + br * g11i[j] + bi * g11r[j]
        }
    }

    /// output = (real[j] + i·real[j + N/2])·twist[j], split format.
    @inline(__always)
    static func twist(
        _ real: UnsafePointer<Double>, real twistReal: UnsafePointer<Double>, imaginary twistImaginary: UnsafePointer<Double>,
        into output: UnsafeMutablePointer<Double>, fourierSize m: Int
    ) {
        let upper = real + m, outputImaginary = output + m
        for j in 0..<m {
            let re = real[j], im = upper[j]
            let wr = twistReal[j], wi = twistImaginary[j]
            output[j] = re * wr - im * wi
            outputImaginary[j] = re * wi + im * wr
        }
    }
}
