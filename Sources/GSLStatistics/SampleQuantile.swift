import CGSL

/// Order statistics of a sample (latencies, timings): the q-quantile by GSL's
/// `gsl_stats_quantile_from_sorted_data`, linear interpolation between the order statistics at
/// position q·(n − 1); q = 0.5 is the median (the mean of the two middle values for even n).
public enum SampleQuantile {
    /// nil for an empty sample; q is clamped to [0, 1].
    public static func of(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.withUnsafeBufferPointer { gsl_stats_quantile_from_sorted_data($0.baseAddress!, 1, sorted.count, min(1, max(0, q))) }
    }

    public static func median(_ values: [Double]) -> Double? { of(values, 0.5) }
}
