extension ServerKey {
    /// KS → MS → blind rotation → sample extraction: the ciphertext (under the big key, read
    /// with table.inputEncoding) becomes a fresh big-key encryption of table[m] at
    /// table.outputEncoding. Allocates nothing when `output` already has k·N + 1 words.
    public func programmableBootstrap(
        _ ciphertext: LWECiphertext, table: LookupTable, into output: inout LWECiphertext, workspace: PBSWorkspace
    ) {
        checkBigInput(ciphertext, operation: "programmable bootstrap")
        workspace.check(self)
        let bigSize = parameters.bigLWEDimension.lweSize
        if output.storage.count != bigSize { output = LWECiphertext(dimension: parameters.bigLWEDimension) }
        ciphertext.storage.withUnsafeBufferPointer { input in
            keyswitch(input: input.baseAddress!, output: workspace.smallCiphertext,
                      accumulator: workspace.keyswitchAccumulator, digits: workspace.keyswitchDigits)
        }
        modulusSwitch(input: workspace.smallCiphertext, output: workspace.switched)
        table.writeTestPolynomial(polynomialSize: parameters.polynomialSize, into: workspace.testPolynomial)
        blindRotate(workspace: workspace)
        output.storage.withUnsafeMutableBufferPointer { out in
            Self.sampleExtract(glwe: workspace.accumulator, glweDimension: parameters.glweDimension.rawValue,
                               polynomialSize: parameters.polynomialSize.rawValue, output: out.baseAddress!)
        }
    }

    /// The same, returning a new ciphertext.
    public func programmableBootstrap(_ ciphertext: LWECiphertext, table: LookupTable, workspace: PBSWorkspace) -> LWECiphertext {
        var output = LWECiphertext(dimension: parameters.bigLWEDimension)
        programmableBootstrap(ciphertext, table: table, into: &output, workspace: workspace)
        return output
    }
}
