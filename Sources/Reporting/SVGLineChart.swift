import Foundation

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

    /// Colour-blind-safe palette (Okabe–Ito), cycled.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    public func render(width: Int = 640, height: Int = 400) -> String {
        let (left, right, top, bottom) = (60.0, 170.0, 40.0, 50.0)
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }
        let xMin = xs.min() ?? 0
        let xMax = max(xs.max() ?? 1, xMin + 1)
        let yLow = yRange?.lowerBound ?? (ys.min() ?? 0)
        let yHigh = max(yRange?.upperBound ?? (ys.max() ?? 1), yLow + 1e-9)
        func px(_ x: Double) -> String { Self.number(left + (x - xMin) / (xMax - xMin) * plotWidth) }
        func py(_ y: Double) -> String { Self.number(top + (1 - (y - yLow) / (yHigh - yLow)) * plotHeight) }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Self.number(Double(width) / 2))" y="20" text-anchor="middle" font-size="14">\(Self.escape(title))</text>

            """
        // Axes, ticks at every integer x and at five y levels.
        svg += "<line x1=\"\(px(xMin))\" y1=\"\(py(yLow))\" x2=\"\(px(xMax))\" y2=\"\(py(yLow))\" stroke=\"black\"/>\n"
        svg += "<line x1=\"\(px(xMin))\" y1=\"\(py(yLow))\" x2=\"\(px(xMin))\" y2=\"\(py(yHigh))\" stroke=\"black\"/>\n"
        var tick = xMin.rounded(.up)
        while tick <= xMax {
            svg += "<text x=\"\(px(tick))\" y=\"\(Self.number(top + plotHeight + 16))\" text-anchor=\"middle\">\(Self.number(tick))</text>\n"
            tick += 1
        }
        for step in 0...4 {
            let y = yLow + (yHigh - yLow) * Double(step) / 4
            svg += "<line x1=\"\(px(xMin))\" y1=\"\(py(y))\" x2=\"\(px(xMax))\" y2=\"\(py(y))\" stroke=\"#dddddd\"/>\n"
            svg += "<text x=\"\(Self.number(left - 6))\" y=\"\(Self.number(Double(py(y))! + 4))\" text-anchor=\"end\">\(String(format: "%.2f", y))</text>\n"
        }
        svg += "<text x=\"\(Self.number(left + plotWidth / 2))\" y=\"\(height - 12)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        svg += "<text x=\"16\" y=\"\(Self.number(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(Self.number(top + plotHeight / 2)))\">\(Self.escape(yLabel))</text>\n"
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let points = line.points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            for point in line.points {
                svg += "<circle cx=\"\(px(point.x))\" cy=\"\(py(point.y))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
            let legendY = top + 10 + Double(index) * 18
            svg += "<line x1=\"\(Self.number(Double(width) - right + 10))\" y1=\"\(Self.number(legendY))\" x2=\"\(Self.number(Double(width) - right + 30))\" y2=\"\(Self.number(legendY))\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            svg += "<text x=\"\(Self.number(Double(width) - right + 36))\" y=\"\(Self.number(legendY + 4))\">\(Self.escape(line.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
