extension Duration {
    /// The duration in seconds as a Double (timings in records and reports).
    public var inSeconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
