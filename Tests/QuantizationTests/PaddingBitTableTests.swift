import Testing
@testable import NeuralNet
@testable import Quantization

/// The arithmetic of tables sized for a PBS whose padding bit holds values.
@Suite struct PaddingBitWindowTests {
    @Test func windowKeepsEveryLevelAndPairsLandOutsideIt() {
        // p = 5, 3-bit activations: at most 64 − 8 = 56 entries.
        #expect(AccumulatorRounding.paddingBitMaxEntries(tableBits: 5, activationLevels: 8) == 56)
        // Never below 2^p: a 1-bit table with 4-level activations still reads 2 entries.
        #expect(AccumulatorRounding.paddingBitMaxEntries(tableBits: 1, activationLevels: 4) == 2)
        // 50 entries [−20, 29]: pairs (u, u + 32) for u ∈ [−20, −3] fall below and above the
        // window [−3, 11]; the window holds 15 ≥ 8 indices.
        let window = AccumulatorRounding.paddingBitWindow(indexLow: -20, indexHigh: 29, tableBits: 5)
        #expect(window == -2...11)
        for u in Int64(-20)...Int64(29 - 32) {
            #expect(u < window.lowerBound && u + 32 > window.upperBound)
        }
        // Up to 2^p entries nothing is held.
        #expect(AccumulatorRounding.paddingBitWindow(indexLow: 3, indexHigh: 34, tableBits: 5) == 3...34)
    }

    @Test func indexBoundsRoundHalfUp() {
        #expect(AccumulatorRounding.indexBounds(low: -17, high: 47, shift: 5) == (-1, 1))
        #expect(AccumulatorRounding.indexBounds(low: -17, high: 47, shift: 0) == (-17, 47))
    }

    /// QAT's simulated rounding holds the rounded index to the window, as the circuit's tables do.
    @Test func trainingRoundingHoldsTheIndexToItsWindow() {
        let layer = NetworkLayer(weights: Matrix(rows: 1, columns: 1, values: [1]), bias: [0.5], activation: .identity)
        var z = Matrix(rows: 4, columns: 1, values: [-100, 3, 40, 500].map { Float($0) + layer.bias[0] })
        // scale 1, offset 0, t = 2: indices floor((a + 2) / 4) = −25, 1, 10, 125, held to [0, 20].
        let rounding = PreActivationRounding(scales: [1], offsets: [0], shift: 2, indexWindows: [0...20])
        rounding.apply(&z, layer: layer)
        #expect(z.values.map { $0 - layer.bias[0] } == [0, 4, 40, 80])
    }
}
