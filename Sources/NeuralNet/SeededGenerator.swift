import Foundation
import SeededRandom

/// A small, fast, reproducible pseudo-random generator for initialisation and shuffling:
/// xoshiro256** (Blackman & Vigna) whose 256-bit state is filled by SplitMix64 from one
/// 64-bit seed. It is not a cryptographic generator and must never produce key material.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = SplitMix64(seed: seed)
        state = (splitMix.next(), splitMix.next(), splitMix.next(), splitMix.next())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every Float in the grid is equally likely).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal sample as a Float (weight initialisation).
    public mutating func nextGaussian() -> Float { Float(nextStandardNormal()) }

    /// Standard normal sample (Box–Muller with 53-bit uniforms, one of the pair discarded):
    /// tails reach ±8.6σ, beyond the ~7σ a 2^-40 failure probability sits at.
    public mutating func nextStandardNormal() -> Double {
        // 1 − u keeps the logarithm's argument in (0, 1].
        let u1 = 1.0 - Double(next() >> 11) * 0x1.0p-53
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

