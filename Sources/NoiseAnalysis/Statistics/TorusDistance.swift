/// Signed distance from `expected` to `phase` on the torus ℤ/2^64, in torus units [−1/2, 1/2):
/// the noise of a ciphertext whose decrypted phase is `phase` and whose noiseless plaintext is
/// `expected`.
@inlinable
public func signedTorusDistance(_ phase: UInt64, from expected: UInt64) -> Double {
    Double(Int64(bitPattern: phase &- expected)) * 0x1p-64
}

/// Signed distance between two residues modulo 2N (the modulus-switched grid), in grid units
/// [−N, N). Multiply by 1/(2N) for torus units.
@inlinable
public func signedGridDistance(_ value: UInt64, from expected: UInt64, gridSize twoN: UInt64) -> Int64 {
    precondition(twoN >= 2 && twoN & (twoN - 1) == 0, "grid size must be a power of two ≥ 2, got \(twoN)")
    precondition(value < twoN && expected < twoN,
                 "residues \(value) and \(expected) must both be below the grid size \(twoN)")
    let difference = (value &- expected) & (twoN - 1)
    return difference >= twoN / 2 ? Int64(difference) - Int64(twoN) : Int64(difference)
}
