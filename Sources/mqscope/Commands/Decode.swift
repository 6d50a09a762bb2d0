import ArgumentParser
import Analysis
import Foundation
import MQTTCodec
import Rendering
import TCPReassembly
import WireCore

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode MQTT bytes given as hex (arguments or standard input), for a hex dump from a device.",
        discussion: """
            The bytes may hold several packets; each is shown with its byte range in the dump, its \
            direction (from its type), every field's offset, raw bytes, value and meaning, and any \
            findings. Separators between hex bytes are optional ("10 1e 00 04", "101e0004", \
            "0x10,0x1e" all work); the output of xxd, hexdump -C, od -x and Wireshark's "Copy as Hex \
            Dump" is read as is (offsets and ASCII columns are skipped). A dump that ends inside a \
            packet is decoded as far as it goes. Without --mqtt-version the version is taken from a \
            CONNECT in the bytes, else guessed from the packets (and said so).

              mqscope decode 10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00
              xxd dump.bin | mqscope decode
            """)

    @Argument(help: ArgumentHelp("Hex bytes; read from standard input when none are given.", valueName: "hex"))
    var hex: [String] = []

    @OptionGroup var decoding: DecodeOptions

    @Option(help: "Output format: text or json (schema mqscope.read/2 packet objects in a 'packets' array).")
    var format: OutputFormat = .text

    func run() throws {
        var text = hex.joined(separator: " ")
        if hex.isEmpty {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            text = String(decoding: data, as: UTF8.self)
        }
        let dump: HexDump.Result
        do { dump = try HexDump.parse(text) } catch {
            Diagnostics.error("the input is not a hex dump: \(error) (hex bytes, or xxd, hexdump -C, od -x or Wireshark hex dump lines)")
            throw ExitCode(ExitStatus.unusableInput)
        }
        let bytes = dump.bytes
        guard !bytes.isEmpty else {
            Diagnostics.error("no bytes to decode")
            throw ExitCode(ExitStatus.unusableInput)
        }
        // The version: as asked; else a CONNECT's level; else a guess from the first packet.
        var version = decoding.mqttVersion ?? .v3_1_1
        var source: VersionSource = decoding.mqttVersion == nil ? .assumed : .option
        if decoding.mqttVersion == nil {
            var framer = MQTTFramer()
            var guess: MQTTVersion?
            framer.append(bytes.span, at: 0, frame: 1) { pdu, _ in
                if guess == nil { guess = MQTTVersion.infer(fromPDU: pdu) }
            }
            if let g = guess { version = g; source = bytes.first == 0x10 ? .connect : .inferred }
        }
        if format == .text {
            var out = Output()
            DumpDecoder(context: decoding.renderContext(), version: version, source: source,
                        fixedVersion: decoding.mqttVersion != nil).render(dump, into: &out)
            out.flush()
            return
        }

        var report = ReadReport(format: .json, verbose: true, countOnly: false,
                                context: decoding.renderContext(), filter: PacketFilter())
        report.beginRun()
        report.beginFile("<hex>")
        let none = Endpoint(address: IPAddress(v4: 0), port: 0)
        let info = ConnectionInfo(id: 0, client: none, server: none, roleBasis: .syn, sawHandshake: true)
        var framer = MQTTFramer()
        var tree = FieldTree()
        var diagnostics: [Diagnostic] = []
        let emit = { (pdu: Span<UInt8>, pduInfo: MQTTPDUInfo, report: inout ReadReport) in
            tree.reset()
            diagnostics.removeAll()
            let message = MQTTDecoder.decode(pdu, version: version, into: &tree, diagnostics: &diagnostics)
            if case .connect(let c) = message, decoding.mqttVersion == nil { version = c.version; source = .connect }
            let event = MQTTPacketEvent(
                connection: info, direction: DumpDecoder.direction(of: message.packetType) ?? .clientToServer,
                version: version, versionSource: source,
                streamRange: pduInfo.streamRange, frames: [], declaredSize: pduInfo.declaredSize,
                truncated: pduInfo.truncated, time: .zero, captureStart: .zero, message: message,
                diagnostics: diagnostics, aliasTopic: nil, clientID: nil)
            report.mqttPacket(event, pdu: pdu, fields: tree)
        }
        framer.append(bytes.span, at: 0, frame: 0) { pdu, pduInfo in emit(pdu, pduInfo, &report) }
        framer.finish { pdu, pduInfo in emit(pdu, pduInfo, &report) }
        for f in framer.findings {
            var e = StreamEventReport(f, layer: .mqtt, connection: info, direction: .clientToServer, time: .zero)
            e.frames = []  // a hex dump has no capture frames
            report.streamEvent(e)
        }
        report.endFile(nil)
        report.endRun()
    }
}

/// The text of `decode`: each packet with its byte range in the dump, its direction (from its
/// type), summary, fields and findings — no capture columns (a dump has no frames, times or
/// endpoints). A dump that ends inside a packet is decoded as far as it goes and says how far.
struct DumpDecoder {
    var context: FieldRenderContext
    var version: MQTTVersion
    var source: VersionSource
    var fixedVersion: Bool

    /// Client-only and server-only packet types (MQTT 3.1.1 §2.2.1 / 5.0 §2.1.2 "Direction of flow").
    static func direction(of type: MQTTPacketType?) -> Direction? {
        switch type {
        case .connect, .subscribe, .unsubscribe, .pingreq: .clientToServer
        case .connack, .suback, .unsuback, .pingresp: .serverToClient
        default: nil
        }
    }

    func render(_ dump: HexDump.Result, into out: inout Output) {
        let bytes = dump.bytes
        var version = version, source = source
        out.write("\(bytes.count) byte\(bytes.count == 1 ? "" : "s") (\(dump.format.rawValue))\n")
        let none = Endpoint(address: IPAddress(v4: 0), port: 0)
        let info = ConnectionInfo(id: 0, client: none, server: none, roleBasis: .syn, sawHandshake: true)
        var tree = FieldTree()
        var diagnostics: [Diagnostic] = []
        var offset = 0
        var number = 0
        bytes.withUnsafeBufferPointer { buffer in
            let all = buffer.span
            while offset < all.count {
                number += 1
                let typeName = MQTTPacketType(firstByte: all[offset]).name
                var total = all.count - offset
                var note: String?
                switch MQTTVBI.decode(all, at: offset + 1) {
                case .value(let length, let n, _):
                    let declared = 1 + n + Int(length)
                    if declared > total {
                        note = "\(typeName), Remaining Length \(length), \(total) of \(declared) bytes present (the dump ends inside the packet)"
                    } else { total = declared }
                case .needMore:
                    note = "\(typeName), \(total) byte\(total == 1 ? "" : "s") present: the dump ends inside the Remaining Length"
                case .tooLong:
                    note = "\(typeName): the Remaining Length has more than 4 bytes (MQTT 3.1.1 §2.2.3); decoding stops"
                }
                let pdu = all.extracting(offset..<(offset + total))
                tree.reset()
                diagnostics.removeAll()
                let message = MQTTDecoder.decode(pdu, version: version, into: &tree, diagnostics: &diagnostics)
                if case .connect(let c) = message, !fixedVersion { version = c.version; source = .connect }
                let direction = Self.direction(of: message.packetType)
                out.write("packet \(number), bytes \(offset)..<\(offset + total) (")
                out.write(direction.map { $0 == .clientToServer ? "client → server" : "server → client" } ?? "either direction")
                out.write("): ")
                if let note {
                    out.write(note)
                } else {
                    let event = MQTTPacketEvent(
                        connection: info, direction: direction ?? .clientToServer, version: version,
                        versionSource: source, streamRange: StreamRange(UInt64(offset), UInt64(offset + total)),
                        frames: [], declaredSize: total, truncated: false, time: .zero, captureStart: .zero,
                        message: message, diagnostics: diagnostics, aliasTopic: nil, clientID: nil)
                    MQTTSummary.write(event, pdu, tree, showSecrets: context.showSecrets, payloadLimit: 0, into: &out)
                    if source == .inferred || source == .assumed { out.write(" [version \(version) \(source.rawValue)]") }
                }
                out.byte(0x0A)
                FieldTreeText.render(tree, pdu: pdu, streamOffset: UInt64(offset), context: context, indent: "  ",
                                     into: &out)
                // A packet the dump cuts short overruns because of the dump, not of the sender.
                for d in diagnostics where note == nil || d.rule != MQTTRule.truncated.id {
                    out.write("  ! \(d.severity) \(d.rule)")
                    if let r = d.range { out.write(" at byte \(offset + max(0, r.lower))+\(r.count)") }
                    out.write(": \(d.message)\n")
                }
                if note != nil && total == all.count - offset { break }
                offset += total
            }
        }
    }
}
