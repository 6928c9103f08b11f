// Reproducible synthetic samples for the statistics tests: SplitMix64 (Steele, Lea & Flood
// 2014) and Box–Muller. Statistical quality only; never used for keys or noise.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func gaussianSamples(count: Int, mean: Double = 0, standardDeviation: Double = 1, seed: UInt64) -> [Double] {
    var generator = SplitMix64(seed: seed)
    var samples: [Double] = []
    samples.reserveCapacity(count)
    while samples.count < count {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        let radius = (-2 * _log(u1)).squareRoot()
        samples.append(mean + standardDeviation * radius * _cos(2 * Double.pi * u2))
        if samples.count < count {
            samples.append(mean + standardDeviation * radius * _sin(2 * Double.pi * u2))
        }
    }
    return samples
}

func uniformSamples(count: Int, in range: Range<Double> = 0..<1, seed: UInt64) -> [Double] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in Double.random(in: range, using: &generator) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
private func _log(_ x: Double) -> Double { log(x) }
private func _cos(_ x: Double) -> Double { cos(x) }
private func _sin(_ x: Double) -> Double { sin(x) }
