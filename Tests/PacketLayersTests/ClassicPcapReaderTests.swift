import Foundation
import PacketCapture
import Testing
import WireCore

/// The fast reader for classic pcap files hands every record it cannot read exactly as libpcap
/// would to libpcap, which then reports the same frames, end and errors as before.
@Suite struct ClassicPcapReaderTests {
    /// A little-endian microsecond pcap (Ethernet, snap length 65535) of the given records.
    static func pcap(_ records: [(seconds: UInt32, micros: UInt32, bytes: [UInt8], wire: UInt32)]) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        var file = le32(0xA1B2_C3D4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(65535) + le32(1)
        for r in records {
            file += le32(r.seconds) + le32(r.micros) + le32(UInt32(r.bytes.count)) + le32(r.wire) + r.bytes
        }
        return file
    }

    struct Read {
        var frames: [(FrameHeader, [UInt8])] = []
        var end: ReadStatus = .endOfFile
    }

    static func readAll(_ file: [UInt8], name: String) throws -> Read {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mqscope-\(name)-\(getpid()).pcap")
        try Data(file).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var source = try CaptureSource(file: url.path)
        var result = Read()
        while true {
            let status = source.next { span, header in
                var bytes: [UInt8] = []
                for i in 0..<span.count { bytes.append(span[i]) }
                result.frames.append((header, bytes))
            }
            if status != .frame {
                result.end = status
                return result
            }
        }
    }

    @Test func wholeFileIsReadWithLibpcapTimestampsAndLengths() throws {
        let records = (0..<300).map { i in
            (seconds: UInt32(1_700_000_000 + i), micros: UInt32(i * 1000 + 7),
             bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 60 + i * 37 % 1400), wire: UInt32(2000))
        }
        let read = try Self.readAll(Self.pcap(records), name: "whole")
        #expect(read.end == .endOfFile)
        #expect(read.frames.count == records.count)
        for (i, (header, bytes)) in read.frames.enumerated() {
            #expect(header.number == FrameNumber(i + 1))
            #expect(header.time == Timestamp(seconds: Int64(1_700_000_000 + i), nanoseconds: UInt32(i * 1000 + 7) * 1000))
            #expect(header.capturedLength == records[i].bytes.count && header.wireLength == 2000)
            #expect(bytes == records[i].bytes)
        }
    }

    @Test func truncatedLastRecordIsLibpcapsDamageAfterTheWholeRecords() throws {
        let records = (0..<3).map { i in
            (seconds: UInt32(10 + i), micros: UInt32(0), bytes: [UInt8](repeating: 0xAB, count: 100), wire: UInt32(100))
        }
        var file = Self.pcap(records)
        file.removeLast(40)  // the third record's data ends early
        let read = try Self.readAll(file, name: "cut")
        #expect(read.frames.count == 2)
        guard case .damaged(let message) = read.end else {
            Issue.record("expected a damaged record, got \(read.end)")
            return
        }
        #expect(message.contains("truncated dump file"))
        #expect(message.contains("100 captured bytes, only got 60"))
    }

    @Test func recordLongerThanTheSnapLengthGoesToLibpcap() throws {
        // Snap length 65535; a record claiming more is libpcap's to judge (it stops reading there).
        var file = Self.pcap([(seconds: 1, micros: 0, bytes: [1, 2, 3], wire: 3)])
        let huge: UInt32 = 300_000
        file += [0, 0, 0, 0, 0, 0, 0, 0]
        file += [UInt8(huge & 0xFF), UInt8(huge >> 8 & 0xFF), UInt8(huge >> 16 & 0xFF), 0, 0, 0, 0, 0]
        let read = try Self.readAll(file, name: "huge")
        #expect(read.frames.count == 1)
        guard case .damaged = read.end else {
            Issue.record("expected libpcap to reject the record, got \(read.end)")
            return
        }
    }
}
