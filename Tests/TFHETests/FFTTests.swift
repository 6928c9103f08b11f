import Testing
@testable import TFHE

/// Exact negacyclic product in ℤ/2^64[X]/(X^N + 1), schoolbook, wrapping.
func schoolbookNegacyclic(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    let n = a.count
    var result = [UInt64](repeating: 0, count: n)
    for i in 0..<n where b[i] != 0 {
        for j in 0..<n {
            let product = a[j] &* b[i]
            if i + j < n { result[i + j] &+= product } else { result[i + j - n] &-= product }
        }
    }
    return result
}

@Suite struct FFTTests {
    static func randomWords(_ count: Int, seed: UInt8) -> [UInt64] {
        var generator = ChaCha20Generator(key: Array(repeating: seed, count: 32), nonce: Array(repeating: 0, count: 12))
        return (0..<count).map { _ in generator.nextUInt64() }
    }

    /// Small signed integers: the FFT product, rounded, must equal the schoolbook product
    /// exactly (all intermediate values are far below 2^51).
    @Test(arguments: [8, 64, 512])
    func smallIntegerProductIsExact(size: Int) {
        let fft = NegacyclicFFT.shared(PolynomialSize(size))
        let m = size / 2
        let a = Self.randomWords(size, seed: 1).map { UInt64(bitPattern: Int64($0 % 2001) - 1000) }
        let b = Self.randomWords(size, seed: 2).map { UInt64(bitPattern: Int64($0 % 17) - 8) }
        let staging = FourierBuffer(complexCount: m), fa = FourierBuffer(complexCount: m)
        let fb = FourierBuffer(complexCount: m), product = FourierBuffer(complexCount: m)
        fft.forward(staging: staging.pointer, output: fa.pointer) { Double(Int64(bitPattern: a[$0])) }
        fft.forward(staging: staging.pointer, output: fb.pointer) { Double(Int64(bitPattern: b[$0])) }
        fourierMultiply(fa.pointer, fb.pointer, into: product.pointer, complexCount: m, accumulate: false)
        fft.backward(input: product.pointer, staging: staging.pointer)
        var result = [UInt64](repeating: 0, count: size)
        for j in 0..<size { result[j] = TorusConversion.fromSmallInteger(staging.pointer[j]) }
        #expect(result == schoolbookNegacyclic(a, b))
    }

    /// The exact multiplier (16-bit limbs) used by GLWE encryption: full 64-bit torus
    /// polynomial times a binary polynomial, bit for bit.
    @Test(arguments: [16, 512, 2048])
    func exactMultiplierMatchesSchoolbook(size: Int) {
        let torus = Self.randomWords(size, seed: 3)
        let binary = Self.randomWords(size, seed: 4).map { $0 & 1 }
        let multiplier = binary.withUnsafeBufferPointer {
            ExactPolynomialMultiplier(polynomialSize: PolynomialSize(size), smallFactors: $0)
        }
        var result = [UInt64](repeating: 0, count: size)
        torus.withUnsafeBufferPointer { t in
            result.withUnsafeMutableBufferPointer { r in
                multiplier.multiply(torus: t.baseAddress!, factorIndex: 0, into: r.baseAddress!, subtract: false)
            }
        }
        #expect(result == schoolbookNegacyclic(torus, binary))
    }

    /// The external-product path: uniform 64-bit torus (read as signed·2^-64) times digits
    /// up to 2^22, back to the torus modulo 1. The sums reach ~2^31 torus units, so the
    /// conversion must wrap; the error must stay at double-precision level (≤ 2^-20 here:
    /// |digit|·N·2^-53 ≈ 2^-20 is the worst-case bound).
    @Test(arguments: [(512, 10), (2048, 22)])
    func torusTimesDigitsWrapsCorrectly(size: Int, digitBits: Int) {
        let fft = NegacyclicFFT.shared(PolynomialSize(size))
        let m = size / 2
        let torus = Self.randomWords(size, seed: 5)
        let bound = UInt64(1) << UInt64(digitBits)
        let digits = Self.randomWords(size, seed: 6).map { UInt64(bitPattern: Int64($0 % (2 * bound)) - Int64(bound)) }
        let staging = FourierBuffer(complexCount: m), ft = FourierBuffer(complexCount: m)
        let fd = FourierBuffer(complexCount: m), product = FourierBuffer(complexCount: m)
        fft.forward(staging: staging.pointer, output: ft.pointer) { TorusConversion.signedUnit(torus[$0]) }
        fft.forward(staging: staging.pointer, output: fd.pointer) { Double(Int64(bitPattern: digits[$0])) }
        fourierMultiply(ft.pointer, fd.pointer, into: product.pointer, complexCount: m, accumulate: false)
        fft.backward(input: product.pointer, staging: staging.pointer)
        let exact = schoolbookNegacyclic(torus, digits)
        var worst = 0.0
        var largestMagnitude = 0.0
        for j in 0..<size {
            largestMagnitude = max(largestMagnitude, abs(staging.pointer[j]))
            worst = max(worst, torusDistance(TorusConversion.fromUnits(staging.pointer[j]), exact[j]))
        }
        #expect(largestMagnitude > 1)          // the wrap is really exercised
        #expect(worst < 0x1p-20, "worst error \(worst)")
    }

    @Test func torusConversionsWrapModulo2To64() {
        #expect(TorusConversion.fromUnits(0.25) == 1 << 62)
        #expect(TorusConversion.fromUnits(-0.25) == 3 << 62)
        #expect(TorusConversion.fromUnits(12345.75) == 3 << 62)
        #expect(TorusConversion.fromUnits(0.5) == 1 << 63)
        #expect(TorusConversion.fromUnits(-0.5) == 1 << 63)
        #expect(TorusConversion.wrapping(0x1p70 + 0x1p63) == 1 << 63)
        #expect(TorusConversion.wrapping(-3.0) == 0 &- 3)
        #expect(TorusConversion.wrapping(0x1p64 * 5 + 0x1p20) == 1 << 20)
        #expect(TorusConversion.signedUnit(1 << 63) == -0.5)
    }

    /// Noise draws wrap like real phases: 5/16 and −11/16 of the torus are one element, and a
    /// draw past a quarter keeps its value (the simulator once clamped there, issue 12).
    @Test func scaledNoiseWrapsInsteadOfClamping() {
        let fiveSixteenths: UInt64 = 5 << 60
        #expect(TorusConversion.fromScaledNoise(5 * 0x1p60) == fiveSixteenths)
        #expect(TorusConversion.fromScaledNoise(-11 * 0x1p60) == fiveSixteenths)
        #expect(TorusConversion.fromScaledNoise(0x1p62 + 0x1p40) == UInt64(1 << 62) + UInt64(1 << 40))
        #expect(TorusConversion.fromScaledNoise(-(0x1p62 + 0x1p40)) == 0 &- (UInt64(1 << 62) + UInt64(1 << 40)))
        #expect(TorusConversion.fromScaledNoise(-2.4) == 0 &- UInt64(2))
        #expect(TorusConversion.fromScaledNoise(0x1p66 + 0x1p20) == UInt64(1 << 20))
    }
}

/// The fused one-level path of the CMUX (rotation, rounding, digit and twist in one pass)
/// against the general path (rotateMinusOriginal, then the top-level digit and twist), for
/// every rotation in [0, 2N) and both decomposition settings a one-level set can have.
@Suite struct FusedDecompositionTests {
    @Test(arguments: [(16, 15), (32, 23)])
    func fusedPathMatchesGeneralPath(size: Int, baseLog: Int) {
        let m = size / 2
        let decomposer = GadgetDecomposer(baseLog: DecompositionBaseLog(baseLog), levels: DecompositionLevelCount(1))
        let fft = NegacyclicFFT.shared(PolynomialSize(size))
        let input = FFTTests.randomWords(size, seed: 41)
        var states = [UInt64](repeating: 0, count: size)
        var expected = [Double](repeating: 0, count: size), fused = expected
        for rotation in 0..<(2 * size) {
            input.withUnsafeBufferPointer { source in
                states.withUnsafeMutableBufferPointer { s in
                    ServerKey.rotateMinusOriginal(source.baseAddress!, by: rotation, size: size, into: s.baseAddress!, decomposer: decomposer)
                }
                for j in 0..<m {
                    let re = TorusConversion.double(fromSmallInteger: decomposer.topDigit(states[j]))
                    let im = TorusConversion.double(fromSmallInteger: decomposer.topDigit(states[j + m]))
                    expected[j] = re * fft.twistReal[j] - im * fft.twistImaginary[j]
                    expected[j + m] = re * fft.twistImaginary[j] + im * fft.twistReal[j]
                }
                fused.withUnsafeMutableBufferPointer { f in
                    ServerKey.rotateDecomposeTwist(source.baseAddress!, by: rotation, size: size, decomposer: decomposer,
                                                   twistReal: fft.twistReal, twistImaginary: fft.twistImaginary, into: f.baseAddress!)
                }
            }
            #expect(fused == expected, "rotation \(rotation)")
        }
    }
}
