extension ServerKey {
    /// Maps a small-key ciphertext to the 2N grid with the parameter set's modulus switch
    /// (TFHE_FACTS §3.3 standard rounding, §3.4 centered).
    public func modulusSwitch(_ ciphertext: LWECiphertext) -> ModulusSwitchedCiphertext {
        precondition(ciphertext.storage.count == parameters.lweDimension.lweSize,
                     "Mismatched input LWE dimension for the modulus switch. Server key (\(parameters.name)) expects \(parameters.lweDimension), ciphertext: \(ciphertext.storage.count - 1).")
        var switched = [Int](repeating: 0, count: ciphertext.storage.count)
        ciphertext.storage.withUnsafeBufferPointer { input in
            switched.withUnsafeMutableBufferPointer { out in
                modulusSwitch(input: input.baseAddress!, output: out.baseAddress!)
            }
        }
        return ModulusSwitchedCiphertext(modulus: switchedModulus, storage: switched)
    }

    func modulusSwitch(input: UnsafePointer<UInt64>, output: UnsafeMutablePointer<Int>) {
        let n = parameters.lweDimension.rawValue
        let log2Modulus = parameters.polynomialSize.log2 + 1
        var body = input[n]
        if parameters.modulusSwitch == .centered {
            body = ModulusSwitch.centeredBody(mask: input, count: n, body: body, log2Modulus: log2Modulus)
        }
        for i in 0..<n { output[i] = ModulusSwitch.round(input[i], log2Modulus: log2Modulus) }
        output[n] = ModulusSwitch.round(body, log2Modulus: log2Modulus)
    }
}

enum ModulusSwitch {
    /// round(x·2N/q) mod 2N.
    @inline(__always)
    static func round(_ value: UInt64, log2Modulus: Int) -> Int {
        let shift = UInt64(64 - log2Modulus)
        return Int(((value &+ (1 << (shift - 1))) >> shift) & ((1 << UInt64(log2Modulus)) - 1))
    }

    /// body + Σᵢ (round_2N(aᵢ) − aᵢ)/2 − q/(2·2N): removes the key-dependent mean of the mask
    /// rounding errors (E[sᵢ] = 1/2) and shifts by half a 2N step so the switched phase is
    /// centred in the test polynomial's boxes, whose integer positions [c − w/2, c + w/2)
    /// have their middle at c − 1/2.
    @inline(__always)
    static func centeredBody(mask: UnsafePointer<UInt64>, count: Int, body: UInt64, log2Modulus: Int) -> UInt64 {
        let shift = UInt64(64 - log2Modulus)
        var errorSum: Int64 = 0
        for i in 0..<count {
            let value = mask[i]
            let rounded = ((value &+ (1 << (shift - 1))) >> shift) << shift
            errorSum &+= Int64(bitPattern: rounded &- value)
        }
        // Halve the sum once (not each term) so the halving error stays below one unit.
        let correction = UInt64(bitPattern: errorSum >> 1)
        return body &+ correction &- (1 << (shift - 1))
    }
}
