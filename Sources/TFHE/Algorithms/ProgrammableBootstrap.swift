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

    /// KS→PBS of `inputs[i]` with `tables[i]` into `outputs[i]` for a batch at once, one
    /// workspace per ciphertext (`workspaces.count` ≥ the batch). The same results as one
    /// `programmableBootstrap` each, but the bootstrapping key is streamed once per batch.
    public func programmableBootstrap(
        batch inputs: UnsafeBufferPointer<LWECiphertext>, tables: UnsafeBufferPointer<LookupTable>,
        into outputs: UnsafeMutableBufferPointer<LWECiphertext>, workspaces: UnsafeBufferPointer<PBSWorkspace>
    ) {
        precondition(inputs.count == tables.count && inputs.count == outputs.count && inputs.count <= workspaces.count,
                     "Batch PBS needs one table, one output and one workspace per input: \(inputs.count) inputs, \(tables.count) tables, \(outputs.count) outputs, \(workspaces.count) workspaces.")
        let batch = UnsafeBufferPointer(rebasing: workspaces[0..<inputs.count])
        for b in 0..<inputs.count {
            checkBigInput(inputs[b], operation: "programmable bootstrap")
            let workspace = batch[b]
            workspace.check(self)
            inputs[b].storage.withUnsafeBufferPointer { input in
                keyswitch(input: input.baseAddress!, output: workspace.smallCiphertext,
                          accumulator: workspace.keyswitchAccumulator, digits: workspace.keyswitchDigits)
            }
            modulusSwitch(input: workspace.smallCiphertext, output: workspace.switched)
            tables[b].writeTestPolynomial(polynomialSize: parameters.polynomialSize, into: workspace.testPolynomial)
        }
        blindRotate(batch: batch)
        let bigSize = parameters.bigLWEDimension.lweSize
        for b in 0..<inputs.count {
            if outputs[b].storage.count != bigSize { outputs[b] = LWECiphertext(dimension: parameters.bigLWEDimension) }
            outputs[b].storage.withUnsafeMutableBufferPointer { out in
                Self.sampleExtract(glwe: batch[b].accumulator, glweDimension: parameters.glweDimension.rawValue,
                                   polynomialSize: parameters.polynomialSize.rawValue, output: out.baseAddress!)
            }
        }
    }

    /// The same, returning a new ciphertext.
    public func programmableBootstrap(_ ciphertext: LWECiphertext, table: LookupTable, workspace: PBSWorkspace) -> LWECiphertext {
        var output = LWECiphertext(dimension: parameters.bigLWEDimension)
        programmableBootstrap(ciphertext, table: table, into: &output, workspace: workspace)
        return output
    }
}
