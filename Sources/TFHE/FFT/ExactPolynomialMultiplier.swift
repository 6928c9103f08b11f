/// Exact negacyclic products of a torus polynomial by a binary (or small-integer) one,
/// modulo 2^64, through the double FFT: the torus polynomial is split into four 16-bit limbs,
/// so every limb product coefficient is an integer below N·2^16·max|s| ≪ 2^51 and rounds
/// back exactly. Encryption and decryption of GLWE use it; the external product does not
/// need exactness and uses the faster direct torus path.
final class ExactPolynomialMultiplier {
    let fft: NegacyclicFFT
    private let transformedFactors: FourierBuffer     // one transform per small factor
    private let factorCount: Int
    private let staging: FourierBuffer
    private let limbTransform: FourierBuffer
    private let product: FourierBuffer

    static let limbBits = 16
    static let limbCount = 64 / limbBits

    /// `smallFactors`: `count` polynomials of N small signed coefficients stored as UInt64
    /// bit patterns (binary key polynomials are 0/1).
    init(polynomialSize: PolynomialSize, smallFactors: UnsafeBufferPointer<UInt64>) {
        let n = polynomialSize.rawValue
        precondition(smallFactors.count % n == 0 && smallFactors.count > 0,
                     "small factors hold \(smallFactors.count) coefficients, not a multiple of N = \(n)")
        fft = NegacyclicFFT.shared(polynomialSize)
        factorCount = smallFactors.count / n
        let m = fft.fourierSize
        transformedFactors = FourierBuffer(complexCount: m * factorCount)
        staging = FourierBuffer(complexCount: m)
        limbTransform = FourierBuffer(complexCount: m)
        product = FourierBuffer(complexCount: m)
        for f in 0..<factorCount {
            let base = smallFactors.baseAddress! + f * n
            fft.forward(staging: staging.pointer, output: transformedFactors.at(f * m)) { j in
                Double(Int64(bitPattern: base[j]))
            }
        }
    }

    /// result[j] (+|-)= (torus · factor[factorIndex])[j] mod 2^64, exactly.
    func multiply(
        torus: UnsafePointer<UInt64>, factorIndex: Int, into result: UnsafeMutablePointer<UInt64>, subtract: Bool
    ) {
        precondition(factorIndex >= 0 && factorIndex < factorCount,
                     "factor index \(factorIndex) out of range 0..<\(factorCount)")
        let m = fft.fourierSize
        let factor = transformedFactors.at(factorIndex * m)
        let mask: UInt64 = (1 << UInt64(Self.limbBits)) - 1
        for limb in 0..<Self.limbCount {
            let shift = UInt64(limb * Self.limbBits)
            fft.forward(staging: staging.pointer, output: limbTransform.pointer) { j in
                Double((torus[j] >> shift) & mask)
            }
            fourierMultiply(limbTransform.pointer, factor, into: product.pointer, complexCount: m, accumulate: false)
            fft.backward(input: product.pointer, staging: staging.pointer)
            let values = staging.pointer
            for j in 0..<(2 * m) {
                let part = TorusConversion.fromSmallInteger(values[j]) << shift
                if subtract { result[j] &-= part } else { result[j] &+= part }
            }
        }
    }
}
