#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reproducible synthetic samples with known distributions, for checking statistics against
/// known answers (SplitMix64 and Box–Muller; statistical quality only).
public enum SyntheticSamples {
    public static func gaussian(count: Int, mean: Double = 0, standardDeviation: Double = 1, seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        var samples: [Double] = []
        samples.reserveCapacity(count)
        while samples.count < count {
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let radius = (-2 * log(u1)).squareRoot()
            samples.append(mean + standardDeviation * radius * cos(2 * Double.pi * u2))
            if samples.count < count {
                samples.append(mean + standardDeviation * radius * sin(2 * Double.pi * u2))
            }
        }
        return samples
    }

    public static func uniform(count: Int, in range: Range<Double> = 0..<1, seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Double.random(in: range, using: &generator) }
    }
}
