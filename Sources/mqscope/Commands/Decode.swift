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
            The bytes may hold several packets; each is shown with every field's offset, raw bytes, \
            value and meaning, followed by any findings. Separators between hex bytes are optional \
            ("10 1e 00 04", "101e0004", "0x10,0x1e" all work). Without --mqtt-version the version is \
            taken from a CONNECT in the bytes, else guessed from the packets (and said so).

              mqscope decode 10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00
              xxd -p dump.bin | mqscope decode
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
        guard let bytes = Hex.parse(text) else {
            Diagnostics.error("the input is not hex bytes (expected pairs of 0-9a-f, optionally separated by spaces, ':' or ',')")
            throw ExitCode(ExitStatus.unusableInput)
        }
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

        var report = ReadReport(format: format == .json ? .json : .text, verbose: true, countOnly: false,
                                context: decoding.renderContext(), filter: PacketFilter())
        report.beginRun()
        report.beginFile("<hex>")
        let none = Endpoint(address: IPAddress(v4: 0), port: 0)
        let info = ConnectionInfo(id: 0, client: none, server: none, roleBasis: .syn, sawHandshake: true)
        var framer = MQTTFramer()
        var tree = FieldTree()
        var diagnostics: [Diagnostic] = []
        var count = 0
        let emit = { (pdu: Span<UInt8>, pduInfo: MQTTPDUInfo, report: inout ReadReport) in
            tree.reset()
            diagnostics.removeAll()
            let message = MQTTDecoder.decode(pdu, version: version, into: &tree, diagnostics: &diagnostics)
            if case .connect(let c) = message, decoding.mqttVersion == nil { version = c.version; source = .connect }
            count += 1
            let event = MQTTPacketEvent(
                connection: info, direction: .clientToServer, version: version, versionSource: source,
                streamRange: pduInfo.streamRange, frames: [], declaredSize: pduInfo.declaredSize,
                truncated: pduInfo.truncated, time: .zero, captureStart: .zero, message: message,
                diagnostics: diagnostics, aliasTopic: nil, clientID: nil)
            report.mqttPacket(event, pdu: pdu, fields: tree)
        }
        framer.append(bytes.span, at: 0, frame: 0) { pdu, pduInfo in emit(pdu, pduInfo, &report) }
        framer.finish { pdu, pduInfo in emit(pdu, pduInfo, &report) }
        for f in framer.findings {
            report.streamEvent(StreamEventReport(
                connection: info, direction: .clientToServer, rule: f.rule, severity: f.severity, verdict: f.verdict,
                range: f.range, frames: [], time: .zero, message: f.message))
        }
        report.endFile(nil)
        report.endRun()
    }
}
