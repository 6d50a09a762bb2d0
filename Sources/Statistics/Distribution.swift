public import Histogram
import Foundation

/// A distribution of non-negative integer samples (nanoseconds, bytes) kept as an HDR histogram
/// (HdrHistogram/hdrhistogram-swift): constant memory per distribution whatever the sample count,
/// values to `digits` significant decimal digits; the exact minimum and maximum are kept beside it.
public struct Distribution: Sendable {
    var histogram: Histogram<UInt32>
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: UInt64 = .max
    public private(set) var maximum: UInt64 = 0
    public private(set) var sum: UInt64 = 0

    /// `digits` is 1…3: 3 for latencies (0.1 %), 2 for the per-topic ones (1 %, a few KiB each).
    public init(digits: Int = 3) {
        let d: SignificantDigits = digits >= 3 ? .three : digits == 2 ? .two : .one
        histogram = Histogram<UInt32>(numberOfSignificantValueDigits: d)
    }

    public mutating func record(_ value: UInt64) {
        // The auto-resizing histogram tracks values up to UInt64.max / 2; clamp rather than trap.
        let v = min(value, UInt64.max / 4)
        _ = histogram.record(v)
        count &+= 1
        minimum = min(minimum, v)
        maximum = max(maximum, v)
        sum &+= v
    }

    public mutating func add(_ other: Distribution) {
        guard other.count > 0 else { return }
        histogram.add(other.histogram)
        count &+= other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        sum &+= other.sum
    }

    /// The value at `percentile` (0…100), to the histogram's precision; the exact extremes at 0 and 100.
    public func value(at percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        if percentile <= 0 { return minimum }
        if percentile >= 100 { return maximum }
        return min(max(histogram.valueAtPercentile(percentile), minimum), maximum)
    }

    /// count, min, p50, p90, p99, max: the summary every output shows.
    public var summary: (count: UInt64, min: UInt64, p50: UInt64, p90: UInt64, p99: UInt64, max: UInt64) {
        (count, count == 0 ? 0 : minimum, value(at: 50), value(at: 90), value(at: 99), maximum)
    }

    /// Buckets for a chart: `buckets` log-spaced bins between min and max, each with its count.
    public func bins(_ buckets: Int) -> [(upper: UInt64, count: UInt64)] {
        guard count > 0, buckets > 0 else { return [] }
        let lo = Double(max(minimum, 1)), hi = Double(max(maximum, minimum + 1))
        let ratio = hi / lo
        var edges: [UInt64] = []
        for i in 1...buckets {
            edges.append(UInt64((lo * pow(ratio, Double(i) / Double(buckets))).rounded(.up)))
        }
        var result = edges.map { (upper: $0, count: UInt64(0)) }
        for v in histogram.recordedValues() {
            let value = v.value
            var i = 0
            while i < edges.count - 1 && value > edges[i] { i += 1 }
            result[i].count += UInt64(v.count)
        }
        return result
    }
}

