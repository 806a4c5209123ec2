import Foundation

/// A line chart as inline SVG: several series over time (seconds), vertical markers for events.
/// No scripts, no external files: the report stays one self-contained page.
package struct SVGLineChart {
    package struct Series {
        package var name: String
        package var color: String
        package var points: [(x: Double, y: Double)]

        package init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    package struct Marker {
        package var x: Double
        package var color: String
        package var label: String
        /// Full height (faults) or a short tick at the bottom (refreshes, rotations).
        package var tall: Bool

        package init(x: Double, color: String, label: String, tall: Bool) {
            self.x = x
            self.color = color
            self.label = label
            self.tall = tall
        }
    }

    package var title: String
    package var unit: String
    package var series: [Series]
    package var markers: [Marker] = []
    package var xMax: Double

    private let width = 960.0, height = 240.0
    private let left = 64.0, right = 16.0, top = 28.0, bottom = 30.0

    package init(title: String, unit: String, series: [Series], markers: [Marker] = [], xMax: Double) {
        self.title = title
        self.unit = unit
        self.series = series
        self.markers = markers
        self.xMax = max(xMax, 1)
    }

    package var svg: String {
        let yMax = Self.niceCeiling(series.flatMap { $0.points.map(\.y) }.max() ?? 1)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ value: Double) -> Double { left + min(max(value, 0), xMax) / xMax * plotWidth }
        func y(_ value: Double) -> Double { top + plotHeight - min(max(value, 0), yMax) / yMax * plotHeight }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" class=\"chart\">"
        out += "<text x=\"\(left)\" y=\"18\" class=\"title\">\(Self.escape(title))</text>"
        for step in 0...4 {
            let value = yMax * Double(step) / 4
            out += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(value))\" y2=\"\(y(value))\" class=\"grid\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(y(value) + 4)\" text-anchor=\"end\" class=\"axis\">\(Self.format(value))</text>"
        }
        for step in 0...6 {
            let value = xMax * Double(step) / 6
            out += "<text x=\"\(x(value))\" y=\"\(height - 10)\" text-anchor=\"middle\" class=\"axis\">\(Int(value)) s</text>"
        }
        out += "<text x=\"12\" y=\"\(top + plotHeight / 2)\" transform=\"rotate(-90 12 \(top + plotHeight / 2))\" text-anchor=\"middle\" class=\"axis\">\(Self.escape(unit))</text>"
        for marker in markers {
            let mx = x(marker.x)
            let y1 = marker.tall ? top : top + plotHeight - 10
            out += "<line x1=\"\(mx)\" x2=\"\(mx)\" y1=\"\(y1)\" y2=\"\(top + plotHeight)\" stroke=\"\(marker.color)\" class=\"marker\"><title>\(Self.escape(marker.label)) at \(Int(marker.x)) s</title></line>"
        }
        for (index, line) in series.enumerated() where !line.points.isEmpty {
            let path = line.points.map { "\(Self.format2(x($0.x))),\(Self.format2(y($0.y)))" }.joined(separator: " ")
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\"/>"
            let legendX = left + 8 + Double(index) * 170
            out += "<rect x=\"\(legendX)\" y=\"\(top + 4)\" width=\"10\" height=\"10\" fill=\"\(line.color)\"/>"
            out += "<text x=\"\(legendX + 14)\" y=\"\(top + 13)\" class=\"legend\">\(Self.escape(line.name))</text>"
        }
        out += "</svg>"
        return out
    }

    package static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    package static func format(_ value: Double) -> String {
        value >= 10_000 ? String(format: "%.0fk", value / 1000) : (value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value))
    }

    package static func format2(_ value: Double) -> String { String(format: "%.1f", value) }

    package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
