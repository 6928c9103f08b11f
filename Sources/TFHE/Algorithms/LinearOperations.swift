/// Leveled operations on LWE ciphertexts under one key (TFHE_FACTS §3.2): the group
/// operations of ℤ/2^64 applied coefficient-wise.
extension LWECiphertext {
    @inline(__always)
    private func checkSameDimension(_ other: LWECiphertext, _ operation: String) {
        precondition(storage.count == other.storage.count,
                     "Mismatched LWE dimensions for \(operation): \(storage.count - 1) and \(other.storage.count - 1).")
    }

    public mutating func add(_ other: LWECiphertext) {
        checkSameDimension(other, "addition")
        storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] &+= b[i] }
            }
        }
    }

    public mutating func subtract(_ other: LWECiphertext) {
        checkSameDimension(other, "subtraction")
        storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] &-= b[i] }
            }
        }
    }

    /// self += scalar·other: one step of an encrypted dot product.
    public mutating func addScaled(_ other: LWECiphertext, by scalar: Int64) {
        checkSameDimension(other, "scaled addition")
        let factor = UInt64(bitPattern: scalar)
        storage.withUnsafeMutableBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] &+= factor &* b[i] }
            }
        }
    }

    public mutating func multiply(by scalar: Int64) {
        let factor = UInt64(bitPattern: scalar)
        storage.withUnsafeMutableBufferPointer { a in
            for i in 0..<a.count { a[i] &*= factor }
        }
    }

    /// Adds a plaintext (a torus value such as `encoding.encode(m)`) to the body.
    public mutating func addPlaintext(_ plaintext: UInt64) {
        body &+= plaintext
    }

    public mutating func negate() {
        storage.withUnsafeMutableBufferPointer { a in
            for i in 0..<a.count { a[i] = 0 &- a[i] }
        }
    }

    public static func + (a: LWECiphertext, b: LWECiphertext) -> LWECiphertext {
        var result = a; result.add(b); return result
    }

    public static func - (a: LWECiphertext, b: LWECiphertext) -> LWECiphertext {
        var result = a; result.subtract(b); return result
    }

    public static func * (a: LWECiphertext, scalar: Int64) -> LWECiphertext {
        var result = a; result.multiply(by: scalar); return result
    }

    public static func * (scalar: Int64, a: LWECiphertext) -> LWECiphertext { a * scalar }
}
