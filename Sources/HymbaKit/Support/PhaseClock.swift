import Foundation
// TEMPORARY instrumentation (not committed).
public enum PhaseClock {
    nonisolated(unsafe) static var totals: [String: Double] = [:]
    nonisolated(unsafe) static var order: [String] = []
    static var enabled: Bool { Thread.isMainThread && enabledFlag }
    static let enabledFlag = ProcessInfo.processInfo.environment["HL_PHASES"] != nil
    @inline(__always) static func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec) }
    @discardableResult
    static func measure<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        let s = now(); let r = try body(); let e = now() - s
        if totals[name] == nil { order.append(name) }
        totals[name, default: 0] += e
        return r
    }
    public static func reset() { totals = [:] }
    public static func dump() {
        guard enabled else { return }
        let sum = totals.values.reduce(0, +)
        for k in order + totals.keys.filter({ !order.contains($0) }).sorted() { FileHandle.standardError.write(String(format: "  %-14@ %.3f s\n", k as NSString, totals[k] ?? 0).data(using: .utf8)!) }
        FileHandle.standardError.write(String(format: "  %-14@ %.3f s\n", "sum" as NSString, sum).data(using: .utf8)!)
    }
}
