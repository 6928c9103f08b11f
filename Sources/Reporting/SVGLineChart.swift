/// A small line chart written as SVG text, so figures come from the same records as the tables
/// and need no plotting tool. Output depends only on the input (fixed number formatting).
public struct SVGLineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// (x, y) points, drawn in the order given.
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    public func render(width: Int = 640, height: Int = 400, yTickDecimals: Int = 2) -> String {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }
        let xMin = xs.min() ?? 0
        let yLow = yRange?.lowerBound ?? (ys.min() ?? 0)
        let frame = SVGPlotFrame(
            width: width, height: height, xRange: xMin...max(xs.max() ?? 1, xMin),
            yRange: yLow...max(yRange?.upperBound ?? (ys.max() ?? 1), yLow))
        var svg = frame.header(title: title) + frame.axes(xLabel: xLabel, yLabel: yLabel, yTickDecimals: yTickDecimals)
        for (index, line) in series.enumerated() {
            let colour = SVGPlotFrame.palette[index % SVGPlotFrame.palette.count]
            let points = line.points.map { "\(frame.px($0.x)),\(frame.py($0.y))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            for point in line.points {
                svg += "<circle cx=\"\(frame.px(point.x))\" cy=\"\(frame.py(point.y))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
            svg += frame.legendEntry(index: index, name: line.name, colour: colour, mark: .line)
        }
        return svg + frame.footer
    }
}
