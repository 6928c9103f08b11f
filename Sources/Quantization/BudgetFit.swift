import Foundation

/// The integer weights of one neuron under an L1 budget: symmetric codes in [−maxCode, maxCode]
/// with Σ|code| ≤ l1Limit and the scale s that minimise Σ(w − s·code)².
///
/// Zeroing the smallest codes at the min/max scale keeps the few largest weights and loses
/// everything else; a coarser scale keeps more weights at smaller codes. Both moves are
/// searched: for each candidate scale (a geometric grid from 1/8 of the min/max scale, which
/// clips the largest weights, up to 2·max|w|)
/// the codes are rounded and, while over the budget, the smallest-magnitude weights are zeroed;
/// the scale is then refitted by least squares for those codes, and the best pair wins.
enum BudgetFit {
    struct Result {
        var codes: [Int64]
        var scale: Double
        var squaredError: Double
    }

    /// Candidate scales per octave: 8 keeps the search within ~4 % of the best scale.
    static let stepsPerOctave = 8
    /// Octaves searched below the min/max scale (clipping the largest weights).
    static let clippingOctaves = 3

    static func fit(_ weights: ArraySlice<Float>, maxCode: Int64, l1Limit: Int64) -> Result {
        precondition(maxCode >= 1, "BudgetFit needs maxCode ≥ 1, got \\(maxCode)")
        precondition(l1Limit >= 0, "BudgetFit needs a non-negative L1 limit, got \\(l1Limit)")
        let w = weights.map { Double($0) }
        let count = w.count
        let largest = w.reduce(0.0) { max($0, abs($1)) }
        let zeroError = w.reduce(0.0) { $0 + $1 * $1 }
        var best = Result(codes: [Int64](repeating: 0, count: count), scale: largest > 0 ? largest / Double(maxCode) : 1,
                          squaredError: zeroError)
        guard largest > 0, l1Limit > 0 else { return best }
        // Ascending |w|: the pruning order is the same at every scale.
        let ascending = (0..<count).sorted { abs(w[$0]) < abs(w[$1]) }
        let firstScale = largest / Double(maxCode)
        var codes = [Int64](repeating: 0, count: count)
        // Below the min/max scale the largest weights clip at ±maxCode; for ternary codes this
        // is what lowers the threshold s/2 under max|w|/2.
        var step = -clippingOctaves * stepsPerOctave
        while true {
            let scale = firstScale * pow(2, Double(step) / Double(stepsPerOctave))
            // Past 2·max|w| every code rounds to 0.
            if scale > 2 * largest { break }
            step += 1
            var l1: Int64 = 0
            for i in 0..<count {
                let code = min(maxCode, max(-maxCode, Int64((w[i] / scale).rounded())))
                codes[i] = code
                l1 += abs(code)
            }
            var position = 0
            while l1 > l1Limit {
                let i = ascending[position]
                l1 -= abs(codes[i])
                codes[i] = 0
                position += 1
            }
            var dot = 0.0, norm = 0.0
            for i in 0..<count where codes[i] != 0 {
                dot += w[i] * Double(codes[i])
                norm += Double(codes[i] * codes[i])
            }
            guard norm > 0, dot > 0 else { continue }
            // Least squares: Σ(w − s·c)² = Σw² − dot²/norm at s = dot/norm.
            let error = zeroError - dot * dot / norm
            if error < best.squaredError {
                best = Result(codes: codes, scale: dot / norm, squaredError: error)
            }
        }
        return best
    }
}

