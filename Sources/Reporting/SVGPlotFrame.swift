import Foundation

/// The parts every chart of the report shares: the canvas, title, axes with ticks and labels,
/// the legend column and the number formatting. Each chart kind (`SVGLineChart`,
/// `SVGHistogramChart`) draws its marks inside it, so all figures look alike and their text
/// depends only on the input.
struct SVGPlotFrame {
    let width: Int
    let height: Int
    let xRange: ClosedRange<Double>
    let yRange: ClosedRange<Double>
    let left = 60.0, right = 170.0, top = 40.0, bottom = 50.0

    /// Colour-blind-safe palette (Okabe–Ito), cycled.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    init(width: Int, height: Int, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        self.width = width
        self.height = height
        // A degenerate range (one point) still gets a drawable axis.
        self.xRange = xRange.lowerBound...max(xRange.upperBound, xRange.lowerBound + 1)
        self.yRange = yRange.lowerBound...max(yRange.upperBound, yRange.lowerBound + 1e-9)
    }

    var plotWidth: Double { Double(width) - left - right }
    var plotHeight: Double { Double(height) - top - bottom }

    func x(_ value: Double) -> Double {
        left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth
    }

    func y(_ value: Double) -> Double {
        top + (1 - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)) * plotHeight
    }

    func px(_ value: Double) -> String { Self.number(x(value)) }
    func py(_ value: Double) -> String { Self.number(y(value)) }

    /// The opening tag, background and title; close with `footer`.
    func header(title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Self.number(Double(width) / 2))" y="20" text-anchor="middle" font-size="14">\(Self.escape(title))</text>

        """
    }

    var footer: String { "</svg>\n" }

    /// Axes, x ticks at the integers of the x range (every 1, 2, 5, 10, … so that at most 12
    /// fit), five y levels with grid lines and the labels.
    func axes(xLabel: String, yLabel: String, yTickDecimals: Int = 2) -> String {
        let (xMin, xMax) = (xRange.lowerBound, xRange.upperBound)
        let (yLow, yHigh) = (yRange.lowerBound, yRange.upperBound)
        var svg = "<line x1=\"\(px(xMin))\" y1=\"\(py(yLow))\" x2=\"\(px(xMax))\" y2=\"\(py(yLow))\" stroke=\"black\"/>\n"
        svg += "<line x1=\"\(px(xMin))\" y1=\"\(py(yLow))\" x2=\"\(px(xMin))\" y2=\"\(py(yHigh))\" stroke=\"black\"/>\n"
        // 1, 2, 5 × a power of ten, so that at most 12 ticks fit whatever the span.
        let span = max(xMax - xMin, 1)
        let decade = pow(10, (log10(span / 11)).rounded(.down))
        let stride = [1.0, 2, 5, 10].map { max(1, $0 * decade) }.first { span / $0 <= 11 } ?? max(1, 10 * decade)
        var tick = (xMin / stride).rounded(.up) * stride
        var ticks = 0
        while tick <= xMax, ticks < 12 {
            ticks += 1
            svg += "<text x=\"\(px(tick))\" y=\"\(Self.number(top + plotHeight + 16))\" text-anchor=\"middle\">\(Self.number(tick))</text>\n"
            tick += stride
        }
        for step in 0...4 {
            let level = yLow + (yHigh - yLow) * Double(step) / 4
            svg += "<line x1=\"\(px(xMin))\" y1=\"\(py(level))\" x2=\"\(px(xMax))\" y2=\"\(py(level))\" stroke=\"#dddddd\"/>\n"
            svg += "<text x=\"\(Self.number(left - 6))\" y=\"\(Self.number(y(level) + 4))\" text-anchor=\"end\">\(String(format: "%.\(yTickDecimals)f", level))</text>\n"
        }
        svg += "<text x=\"\(Self.number(left + plotWidth / 2))\" y=\"\(height - 12)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        svg += "<text x=\"16\" y=\"\(Self.number(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(Self.number(top + plotHeight / 2)))\">\(Self.escape(yLabel))</text>\n"
        return svg
    }

    enum LegendMark { case line, box }

    /// Legend row `index` (top to bottom) in the column right of the plot.
    func legendEntry(index: Int, name: String, colour: String, mark: LegendMark) -> String {
        let legendY = top + 10 + Double(index) * 18
        let markX = Double(width) - right + 10
        let swatch: String
        switch mark {
        case .line:
            swatch = "<line x1=\"\(Self.number(markX))\" y1=\"\(Self.number(legendY))\" x2=\"\(Self.number(markX + 20))\" y2=\"\(Self.number(legendY))\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
        case .box:
            swatch = "<rect x=\"\(Self.number(markX))\" y=\"\(Self.number(legendY - 5))\" width=\"20\" height=\"10\" fill=\"\(colour)\" fill-opacity=\"0.6\"/>\n"
        }
        return swatch + "<text x=\"\(Self.number(markX + 26))\" y=\"\(Self.number(legendY + 4))\">\(Self.escape(name))</text>\n"
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
