extension ServerKey {
    /// The accumulator X^{−μ̃}·v as a GLWE ciphertext, where μ̃ is the switched phase and v
    /// the table's test polynomial: starts from the trivial X^{−b̃}·v and applies one CMUX
    /// per small-key coefficient.
    public func blindRotate(_ switched: ModulusSwitchedCiphertext, table: LookupTable, workspace: PBSWorkspace) -> GLWECiphertext {
        workspace.check(self)
        precondition(switched.storage.count == parameters.lweDimension.lweSize && switched.modulus == switchedModulus,
                     "Mismatched switched ciphertext. Server key (\(parameters.name)) expects n = \(parameters.lweDimension) over 2N = \(switchedModulus); got n = \(switched.storage.count - 1) over \(switched.modulus).")
        switched.storage.withUnsafeBufferPointer { workspace.switched.update(from: $0.baseAddress!, count: $0.count) }
        table.writeTestPolynomial(polynomialSize: parameters.polynomialSize, into: workspace.testPolynomial)
        blindRotate(workspace: workspace)
        let words = parameters.glweDimension.glweSize * parameters.polynomialSize.rawValue
        return GLWECiphertext(glweDimension: parameters.glweDimension, polynomialSize: parameters.polynomialSize,
                              storage: Array(UnsafeBufferPointer(start: workspace.accumulator, count: words)))
    }

    /// Blind rotation of workspace.switched over workspace.testPolynomial into
    /// workspace.accumulator.
    func blindRotate(workspace: PBSWorkspace) {
        let n = parameters.lweDimension.rawValue
        startBlindRotation(workspace: workspace)
        let ggswDoubles = FourierBootstrapKey.ggswDoubleCount(parameters.glweDimension, parameters.polynomialSize, parameters.pbsLevels)
        bootstrapKey.storage.withUnsafeBufferPointer { key in
            for i in 0..<n {
                let rotation = workspace.switched[i]
                if rotation == 0 { continue }   // X^0·acc − acc = 0: the CMUX returns acc
                cmux(ggsw: key.baseAddress! + i * ggswDoubles, rotation: rotation, workspace: workspace)
            }
        }
    }

    /// The trivial accumulator X^{−b̃}·v every blind rotation starts from.
    func startBlindRotation(workspace: PBSWorkspace) {
        let n = parameters.lweDimension.rawValue
        let size = parameters.polynomialSize.rawValue
        let k = parameters.glweDimension.rawValue
        workspace.accumulator.initialize(repeating: 0, count: k * size)
        let bodyRotation = (2 * size - workspace.switched[n]) % (2 * size)
        Self.rotate(workspace.testPolynomial, by: bodyRotation, size: size, into: workspace.accumulator + k * size)
    }

    /// Blind rotation of several workspaces at once, GGSW by GGSW: each bootstrapping-key
    /// entry is read from memory once and applied to every accumulator of the batch while it
    /// is in cache. A single PBS streams the whole key (hundreds of MB for the 5-bit sets),
    /// so it is memory-bound; batching is what lets several threads scale.
    func blindRotate(batch workspaces: UnsafeBufferPointer<PBSWorkspace>) {
        let n = parameters.lweDimension.rawValue
        for workspace in workspaces { startBlindRotation(workspace: workspace) }
        let ggswDoubles = FourierBootstrapKey.ggswDoubleCount(parameters.glweDimension, parameters.polynomialSize, parameters.pbsLevels)
        bootstrapKey.storage.withUnsafeBufferPointer { key in
            for i in 0..<n {
                let ggsw = key.baseAddress! + i * ggswDoubles
                for workspace in workspaces {
                    let rotation = workspace.switched[i]
                    if rotation != 0 { cmux(ggsw: ggsw, rotation: rotation, workspace: workspace) }
                }
            }
        }
    }

    /// output = X^r·input in T[X]/(X^N + 1), r ∈ [0, 2N).
    @inline(__always)
    static func rotate(_ input: UnsafePointer<UInt64>, by r: Int, size: Int, into output: UnsafeMutablePointer<UInt64>) {
        let negate = r >= size
        let shift = negate ? r - size : r
        let wrapped = input + (size - shift), shifted = input - shift
        for j in 0..<shift {
            let v = wrapped[j]
            output[j] = negate ? v : 0 &- v
        }
        for j in shift..<size {
            let v = shifted[j]
            output[j] = negate ? 0 &- v : v
        }
    }

    /// output = decomposer-rounded (X^r·input − input), r ∈ (0, 2N): the rotation, the
    /// difference and the rounding of the gadget decomposition in one pass.
    @inline(__always)
    static func rotateMinusOriginal(
        _ input: UnsafePointer<UInt64>, by r: Int, size: Int, into output: UnsafeMutablePointer<UInt64>,
        decomposer: GadgetDecomposer
    ) {
        // Index arithmetic through precomputed base pointers: no overflow checks in the
        // loops, so they vectorize.
        if r < size {
            let wrapped = input + (size - r), shifted = input - r
            for j in 0..<r { output[j] = decomposer.roundedState(0 &- wrapped[j] &- input[j]) }
            for j in r..<size { output[j] = decomposer.roundedState(shifted[j] &- input[j]) }
        } else {
            let shift = r - size
            let wrapped = input + (size - shift), shifted = input - shift
            for j in 0..<shift { output[j] = decomposer.roundedState(wrapped[j] &- input[j]) }
            for j in shift..<size { output[j] = decomposer.roundedState(0 &- shifted[j] &- input[j]) }
        }
    }
}
