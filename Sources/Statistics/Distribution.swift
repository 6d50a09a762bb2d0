public import Histogram
import Foundation

/// A distribution of non-negative integer samples (nanoseconds, bytes) kept as an HDR histogram
/// (HdrHistogram/hdrhistogram-swift): constant memory per distribution whatever the sample count,
/// values to `digits` significant decimal digits; the exact minimum and maximum are kept beside it.
/// The histogram is made beyond sixteen samples (a distribution of a few — a topic published a few
/// times, of a million such — costs no allocation; its percentiles are the ones the histogram would
/// give), sized at once for values up to `highest`: the
/// package's auto-resizing grows it just enough for each new maximum, a copy of its counts every
/// time (most of `stats`'s time before). Larger values still resize it; the figures are the same.
public struct Distribution: Sendable {
    /// Holds the samples once there are more than four (before, a shared empty one, never written).
    var histogram = Self.unused
    let digits: SignificantDigits
    let highest: UInt64
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: UInt64 = .max
    public private(set) var maximum: UInt64 = 0
    public private(set) var sum: UInt64 = 0

    /// `digits` is 1…3: 3 for latencies (0.1 %), 2 for the per-topic ones (1 %, a few KiB each).
    /// `highest`: the values expected (2^36 ns is about 69 s).
    public init(digits: Int = 3, highest: UInt64 = 1 << 36) {
        self.digits = digits >= 3 ? .three : digits == 2 ? .two : .one
        self.highest = highest
    }

    /// A new histogram: a copy of an empty one made once per shape (the package fills a new one's
    /// counts element by element, unspecialised; a copy of an existing array is one memcpy).
    private func makeHistogram() -> Histogram<UInt32> {
        switch (digits, highest) {
        case (.three, 1 << 36): Self.latencyShape
        case (.two, 1 << 36): Self.topicLatencyShape
        case (.two, 1 << 16): Self.sizeShape
        default: Self.shape(digits, highest)
        }
    }

    static let unused = Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: .one)
    static let latencyShape = shape(.three, 1 << 36)
    static let topicLatencyShape = shape(.two, 1 << 36)
    static let sizeShape = shape(.two, 1 << 16)

    private static func shape(_ digits: SignificantDigits, _ highest: UInt64) -> Histogram<UInt32> {
        var h = Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: highest, numberOfSignificantValueDigits: digits)
        h.autoResize = true
        return h
    }

    /// The first samples, kept as they are until there are more than fit here: a topic of a few
    /// messages (a million such) makes no histogram.
    var few: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
              UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Sixteen: a new histogram's counts are copied from its shape (about 15 KiB for a per-topic
    /// latency); with four, that copy was the largest single cost of `stats` on captures of many
    /// topics of a few messages each.
    static let fewCapacity: UInt64 = 16
    var hasHistogram: Bool { count > Self.fewCapacity }

    private func fewSample(_ i: UInt64) -> UInt64 {
        withUnsafeBytes(of: few) { $0.load(fromByteOffset: Int(i) * 8, as: UInt64.self) }
    }

    /// The samples kept inline, sorted (only while there is no histogram).
    private var fewSorted: [UInt64] { (0..<count).map(fewSample).sorted() }

    public mutating func record(_ value: UInt64) {
        // The auto-resizing histogram tracks values up to UInt64.max / 2; clamp rather than trap.
        let v = min(value, UInt64.max / 4)
        if count < Self.fewCapacity {
            let at = Int(count) * 8
            withUnsafeMutableBytes(of: &few) { $0.storeBytes(of: v, toByteOffset: at, as: UInt64.self) }
        } else {
            if count == Self.fewCapacity { spill() }
            _ = histogram.record(v)
        }
        count &+= 1
        minimum = min(minimum, v)
        maximum = max(maximum, v)
        sum &+= v
    }

    /// Moves the inline samples into a new histogram.
    private mutating func spill() {
        histogram = makeHistogram()
        for i in 0..<min(count, Self.fewCapacity) { _ = histogram.record(fewSample(i)) }
    }

    public mutating func add(_ other: Distribution) {
        guard other.count > 0 else { return }
        if other.hasHistogram {
            if !hasHistogram { spill() }
            histogram.add(other.histogram)
            count &+= other.count
            minimum = min(minimum, other.minimum)
            maximum = max(maximum, other.maximum)
            sum &+= other.sum
        } else {
            for i in 0..<other.count { record(other.fewSample(i)) }
        }
    }

    /// The value at `percentile` (0…100), to the histogram's precision; the exact extremes at 0 and 100.
    public func value(at percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        if percentile <= 0 { return minimum }
        if percentile >= 100 { return maximum }
        guard hasHistogram else {
            // As the histogram answers: the sample at rank ⌈p·n⌉ (p one ulp less), at the top of
            // its bucket.
            let sorted = fewSorted
            let rank = max(1, Int((percentile.nextDown * Double(count) / 100).rounded(.up)))
            let v = sorted[min(rank, sorted.count) - 1]
            return min(max(makeHistogram().highestEquivalentForValue(v), minimum), maximum)
        }
        return min(max(histogram.valueAtPercentile(percentile), minimum), maximum)
    }

    /// count, min, p50, p90, p99, max: the summary every output shows.
    public var summary: (count: UInt64, min: UInt64, p50: UInt64, p90: UInt64, p99: UInt64, max: UInt64) {
        guard hasHistogram else {
            return (count, count == 0 ? 0 : minimum, value(at: 50), value(at: 90), value(at: 99), maximum)
        }
        let p = histogramValues(at: (50, 90, 99))
        return (count, minimum, p.0, p.1, p.2, maximum)
    }

    /// `value(at:)` of three ascending percentiles (strictly between 0 and 100) in one walk over
    /// the recorded buckets: the package's `valueAtPercentile` walks every bucket from the first
    /// for each, unspecialised (most of a `stats` report's rendering time). The same answer: the
    /// first bucket whose running count reaches ⌈(p one ulp less)·n/100⌉, at its highest
    /// equivalent value, clamped to the recorded extremes.
    private func histogramValues(at p: (Double, Double, Double)) -> (UInt64, UInt64, UInt64) {
        let total = histogram.totalCount
        func rank(_ percentile: Double) -> UInt64 {
            let requested = Swift.min(Swift.max(percentile.nextDown, 0), 100)
            return Swift.max(1, UInt64((requested * Double(total) / 100).rounded(.up)))
        }
        let ranks = [rank(p.0), rank(p.1), rank(p.2)]
        var found = [UInt64](repeating: Swift.min(minimum, maximum), count: 3)
        var next = 0
        let low = histogram.min, high = histogram.maxRecorded
        for v in histogram.recordedValues() {
            while next < 3 && v.totalCountToThisValue >= ranks[next] {
                let h = Swift.max(Swift.min(v.value, high), low)
                found[next] = Swift.min(Swift.max(h, minimum), maximum)
                next += 1
            }
            if next == 3 { break }
        }
        return (found[0], found[1], found[2])
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
        func place(_ value: UInt64, _ n: UInt64) {
            var i = 0
            while i < edges.count - 1 && value > edges[i] { i += 1 }
            result[i].count += n
        }
        if hasHistogram {
            for v in histogram.recordedValues() { place(v.value, UInt64(v.count)) }
        } else {
            let shape = makeHistogram()
            for v in fewSorted { place(shape.highestEquivalentForValue(v), 1) }
        }
        return result
    }
}
