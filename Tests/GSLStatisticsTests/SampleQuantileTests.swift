import GSLStatistics
import Testing

@Suite struct SampleQuantileTests {
    @Test func medianAndQuantilesByLinearInterpolation() {
        #expect(SampleQuantile.median([3, 1, 2]) == 2)
        #expect(SampleQuantile.median([4, 1, 3, 2]) == 2.5)          // mean of the two middle values
        #expect(SampleQuantile.of((1...11).map(Double.init), 0.9) == 10)
        #expect(SampleQuantile.of([10, 20], 0.25) == 12.5)
        #expect(SampleQuantile.of([5, 7], 1.5) == 7)                  // q clamped to [0, 1]
        #expect(SampleQuantile.median([]) == nil)
    }
}
