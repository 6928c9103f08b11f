extension ServerKey {
    /// The constant coefficient of a GLWE ciphertext as an LWE ciphertext under the big key
    /// (the GLWE key's coefficients in order): a'_{c·N} = A_c[0], a'_{c·N+t} = −A_c[N−t],
    /// b' = B[0].
    public func sampleExtract(_ glwe: GLWECiphertext) -> LWECiphertext {
        precondition(glwe.glweDimension == parameters.glweDimension && glwe.polynomialSize == parameters.polynomialSize,
                     "Mismatched GLWE shape for sample extraction. Server key (\(parameters.name)): k = \(parameters.glweDimension), N = \(parameters.polynomialSize); ciphertext: k = \(glwe.glweDimension), N = \(glwe.polynomialSize).")
        var output = LWECiphertext(dimension: parameters.bigLWEDimension)
        glwe.storage.withUnsafeBufferPointer { input in
            output.storage.withUnsafeMutableBufferPointer { out in
                Self.sampleExtract(glwe: input.baseAddress!, glweDimension: parameters.glweDimension.rawValue,
                                   polynomialSize: parameters.polynomialSize.rawValue, output: out.baseAddress!)
            }
        }
        return output
    }

    static func sampleExtract(glwe: UnsafePointer<UInt64>, glweDimension k: Int, polynomialSize n: Int, output: UnsafeMutablePointer<UInt64>) {
        for c in 0..<k {
            let polynomial = glwe + c * n
            let destination = output + c * n
            destination[0] = polynomial[0]
            for t in 1..<n { destination[t] = 0 &- polynomial[n - t] }
        }
        output[k * n] = glwe[k * n]
    }
}
