/// A histogram (bars over contiguous bins) with an optional reference curve drawn over the
/// same bins, e.g. measured noise against the counts a predicted Gaussian expects. Written as
/// SVG text with the same frame as `SVGLineChart`; the output depends only on the input.
public struct SVGHistogramChart: Sendable {
    public struct Bin: Sendable, Equatable {
        public var low: Double
        public var high: Double
        public var count: Double
        /// The reference curve's value for this bin (nil: no curve point here).
        public var reference: Double?

        public init(low: Double, high: Double, count: Double, reference: Double? = nil) {
            self.low = low
            self.high = high
            self.count = count
            self.reference = reference
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var bins: [Bin]
    public var barsName: String
    public var referenceName: String

    public init(title: String, xLabel: String, yLabel: String, bins: [Bin], barsName: String, referenceName: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.bins = bins
        self.barsName = barsName
        self.referenceName = referenceName
    }

    public func render(width: Int = 640, height: Int = 400) -> String {
        let highest = bins.map { max($0.count, $0.reference ?? 0) }.max() ?? 1
        let frame = SVGPlotFrame(
            width: width, height: height, xRange: (bins.first?.low ?? 0)...(bins.last?.high ?? 1),
            // Headroom above the tallest bar so it does not touch the title.
            yRange: 0...(highest * 1.05))
        let (barColour, curveColour) = (SVGPlotFrame.palette[0], SVGPlotFrame.palette[1])
        var svg = frame.header(title: title) + frame.axes(xLabel: xLabel, yLabel: yLabel, yTickDecimals: 0)
        for bin in bins where bin.count > 0 {
            let top = frame.y(bin.count)
            svg += "<rect x=\"\(frame.px(bin.low))\" y=\"\(SVGPlotFrame.number(top))\" "
                + "width=\"\(SVGPlotFrame.number(frame.x(bin.high) - frame.x(bin.low)))\" "
                + "height=\"\(SVGPlotFrame.number(frame.y(0) - top))\" fill=\"\(barColour)\" fill-opacity=\"0.6\"/>\n"
        }
        let curve = bins.compactMap { bin in
            bin.reference.map { "\(frame.px((bin.low + bin.high) / 2)),\(frame.py($0))" }
        }
        if !curve.isEmpty {
            svg += "<polyline fill=\"none\" stroke=\"\(curveColour)\" stroke-width=\"2\" points=\"\(curve.joined(separator: " "))\"/>\n"
        }
        svg += frame.legendEntry(index: 0, name: barsName, colour: barColour, mark: .box)
        if !curve.isEmpty { svg += frame.legendEntry(index: 1, name: referenceName, colour: curveColour, mark: .line) }
        return svg + frame.footer
    }
}
