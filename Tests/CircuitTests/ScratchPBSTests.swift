import Testing
import TFHE

@Test(arguments: [(512, 10, 2), (1024, 10, 2), (1024, 8, 3), (512, 8, 3)])
func scratchPBS(config: (Int, Int, Int)) {
    let p = ParameterSet(
        name: "scratch", precision: 4,
        lweDimension: LWEDimension(128), glweDimension: GLWEDimension(1), polynomialSize: PolynomialSize(config.0),
        lweNoise: StandardDeviation(0x1p-25), glweNoise: StandardDeviation(0x1p-45),
        pbsBaseLog: DecompositionBaseLog(config.1), pbsLevels: DecompositionLevelCount(config.2),
        ksBaseLog: DecompositionBaseLog(4), ksLevels: DecompositionLevelCount(4),
        modulusSwitch: .standard, isInsecureTestSet: true)
    let (ck, sk) = ClientKey.generate(parameters: p, seed: .fixed(Array(repeating: 3, count: 32)))
    let ws = sk.makeWorkspace()
    let e = Encoding(precision: 4)
    let table = LookupTable(values: (0..<16).map { ($0 * 3) % 16 }, inputEncoding: e, outputEncoding: e)
    var bad = 0
    for m in 0..<16 {
        let out = sk.programmableBootstrap(ck.encrypt(m, encoding: e), table: table, workspace: ws)
        if ck.decrypt(out, encoding: e) != table[m] { bad += 1 }
    }
    #expect(bad == 0, "N=\(config.0) B=2^\(config.1) l=\(config.2): \(bad)/16 wrong")
}
