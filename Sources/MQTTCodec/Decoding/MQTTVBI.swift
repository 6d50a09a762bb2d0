/// MQTT's Variable Byte Integer (3.1.1 §2.2.3, 5.0 §1.5.5): 7 bits per byte, least significant
/// group first, bit 7 = "more bytes follow", at most 4 bytes (max 268,435,455).
public enum MQTTVBI {
    public enum Result: Sendable, Equatable {
        /// A complete value of `length` bytes; `minimal` is false for encodings such as `80 00`.
        case value(UInt32, length: Int, minimal: Bool)
        /// The bytes end before the integer does.
        case needMore
        /// The 4th byte still has its continuation bit set.
        case tooLong
    }

    public static let maxValue: UInt32 = 268_435_455

    /// Decodes the integer starting at `start`, reading no further than `limit` (default: the span's end).
    @inlinable
    public static func decode(_ b: borrowing Span<UInt8>, at start: Int, limit: Int? = nil) -> Result {
        let end = Swift.min(limit ?? b.count, b.count)
        var value: UInt32 = 0
        var shift: UInt32 = 0
        var i = start
        while true {
            if i >= end || i < 0 { return .needMore }
            let byte = b[i]
            value |= UInt32(byte & 0x7F) << shift
            let length = i - start + 1
            if byte & 0x80 == 0 {
                // A final zero byte after at least one other byte adds nothing: non-minimal.
                return .value(value, length: length, minimal: length == 1 || byte != 0)
            }
            if length == 4 { return .tooLong }
            shift += 7
            i += 1
        }
    }
}
