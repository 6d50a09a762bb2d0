/// Building blocks of MQTT packets as bytes (MQTT 5 §1.5: integers are big-endian, strings carry a
/// 2-byte length, Variable Byte Integers 7 bits per byte). The test targets extend this with the
/// packets they need.
public enum MQTTWire {
    /// A Variable Byte Integer (§1.5.5).
    public static func vbi(_ value: Int) -> [UInt8] {
        var v = value
        var out = [UInt8]()
        repeat {
            var b = UInt8(v % 128)
            v /= 128
            if v > 0 { b |= 0x80 }
            out.append(b)
        } while v > 0
        return out
    }

    /// A packet: the first byte, the Remaining Length, the body.
    public static func packet(_ b0: UInt8, _ body: [UInt8]) -> [UInt8] { [b0] + vbi(body.count) + body }

    /// A UTF-8 string with its 2-byte length.
    public static func str(_ s: String) -> [UInt8] {
        let u = Array(s.utf8)
        return [UInt8(u.count >> 8), UInt8(u.count & 0xFF)] + u
    }

    public static func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    public static func u32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    /// An MQTT 5 property block: its length, then the properties.
    public static func props(_ p: [UInt8]) -> [UInt8] { vbi(p.count) + p }
}
