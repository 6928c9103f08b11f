#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ChaCha20Generator {
    /// Uniform binary secret-key coefficients (0 or 1), one random bit each.
    public mutating func fillBinary(_ destination: UnsafeMutableBufferPointer<UInt64>) {
        var bits: UInt64 = 0
        var remaining = 0
        for i in 0..<destination.count {
            if remaining == 0 { bits = nextUInt64(); remaining = 64 }
            destination[i] = bits & 1
            bits >>= 1
            remaining -= 1
        }
    }

    /// Adds centred Gaussian noise of the given torus standard deviation to every element,
    /// Box–Muller on 53-bit uniforms, rounded to the nearest integer unit of 2^-64.
    public mutating func addGaussianNoise(
        standardDeviation: StandardDeviation, to destination: UnsafeMutableBufferPointer<UInt64>
    ) {
        let scale = standardDeviation.value * 0x1p64
        var index = 0
        while index < destination.count {
            let radius = (-2 * log(nextUnitIntervalOpenAtZero())).squareRoot() * scale
            let angle = 2 * Double.pi * nextUnitIntervalOpenAtZero()
            destination[index] &+= TorusConversion.fromScaledNoise(radius * cos(angle))
            index += 1
            if index < destination.count {
                destination[index] &+= TorusConversion.fromScaledNoise(radius * sin(angle))
                index += 1
            }
        }
    }

    /// One Gaussian torus sample.
    public mutating func gaussianTorus(standardDeviation: StandardDeviation) -> UInt64 {
        var sample: UInt64 = 0
        withUnsafeMutablePointer(to: &sample) { pointer in
            addGaussianNoise(standardDeviation: standardDeviation, to: UnsafeMutableBufferPointer(start: pointer, count: 1))
        }
        return sample
    }
}
