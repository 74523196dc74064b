import Foundation

/// An sRGB colour with straight (non-premultiplied) alpha, components in 0...1.
public struct Color: Hashable, Sendable, CustomStringConvertible {
    public var red: Double
    public var green: Double
    public var blue: Double
    public var alpha: Double

    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// `Color(hex: 0x440154)` — the way colour tables are published.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255,
                  green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255,
                  alpha: alpha)
    }

    public static let white = Color(red: 1, green: 1, blue: 1)
    public static let black = Color(red: 0, green: 0, blue: 0)

    /// 8-bit channel values, rounded, as stored in a PNG pixel.
    public var rgb8: (red: Int, green: Int, blue: Int) {
        (Self.byte(red), Self.byte(green), Self.byte(blue))
    }

    public var description: String {
        let (r, g, b) = rgb8
        let hex = String(r * 65536 + g * 256 + b, radix: 16, uppercase: true)
        return "#" + String(repeating: "0", count: 6 - hex.count) + hex
            + (alpha < 1 ? " α\(alpha)" : "")
    }

    /// WCAG relative luminance; decides whether text on this colour should be black or white.
    var relativeLuminance: Double {
        func linear(_ c: Double) -> Double {
            c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// Black or white, whichever has the higher contrast ratio against this colour.
    var contrastingText: Color {
        relativeLuminance > 0.179 ? Color(hex: 0x111111) : .white
    }

    /// Linear blend towards `other`; `fraction` 0 keeps self, 1 gives `other`.
    func mixed(with other: Color, fraction: Double) -> Color {
        let f = min(max(fraction, 0), 1)
        return Color(red: red + (other.red - red) * f,
                     green: green + (other.green - green) * f,
                     blue: blue + (other.blue - blue) * f,
                     alpha: alpha + (other.alpha - alpha) * f)
    }

    func withAlpha(_ value: Double) -> Color {
        Color(red: red, green: green, blue: blue, alpha: value)
    }

    /// 0x00RRGGBB, the layout of an opaque Cairo RGB24 pixel.
    var packedRGB: UInt32 {
        let (r, g, b) = rgb8
        return UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)
    }

    private static func byte(_ component: Double) -> Int {
        guard component.isFinite else { return 0 }
        return Int((min(max(component, 0), 1) * 255).rounded())
    }
}
