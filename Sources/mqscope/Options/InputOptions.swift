import ArgumentParser
import TCPReassembly
import Analysis
import Foundation
import TLSCodec

/// Capture inputs and the analysis knobs every capture-reading command shares.
struct InputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Capture files (pcap or pcapng); '-' reads standard input.", valueName: "file"))
    var positionalFiles: [String] = []

    @Option(name: .customShort("r"), help: ArgumentHelp("A capture file, as tshark takes it (repeatable; the same as naming it).", valueName: "file"))
    var readFiles: [String] = []

    /// `-r` files, then the named ones.
    var files: [String] { readFiles + positionalFiles }

    @Option(name: .customLong("port"),
            help: ArgumentHelp("Also treat this TCP port as MQTT (repeatable). 1883 (MQTT) and 61613 (STOMP) are always known; content detection works on any port.", valueName: "n"))
    var ports: [UInt16] = []

    @Option(help: ArgumentHelp("Out-of-order bytes buffered per connection before the hole is declared a gap.", valueName: "bytes"))
    var maxBufferPerConnection: Int = 4 << 20

    @Option(help: ArgumentHelp("Out-of-order bytes buffered across all connections.", valueName: "bytes"))
    var maxBufferTotal: Int = 256 << 20

    @Option(help: ArgumentHelp("Delivered bytes kept, across all connections, to compare retransmissions with their first copy (the most recent ones; a retransmission of older bytes is reported as not comparable). 0 keeps none.", valueName: "bytes"))
    var overlapHistory: Int = 16 << 20

    @Option(help: ArgumentHelp("Connections tracked at once; beyond it the oldest idle one (first those that never carried payload) is closed as 'evicted' and counted in the file's notes. 0: no cap.", valueName: "n"))
    var maxConnections: Int = ReassemblyLimits().maxConnections

    @Option(help: ArgumentHelp("Close a connection that never carried payload (half-open, handshake only) after this many seconds of capture time without a segment ('idle'). 0: never.", valueName: "seconds"))
    var halfOpenTimeout: Int64 = ReassemblyLimits().halfOpenTimeoutSeconds

    @Option(help: ArgumentHelp("Close any other connection after this many seconds of capture time without a segment ('idle'); the default outlasts MQTT's longest keep-alive. 0: never.", valueName: "seconds"))
    var idleTimeout: Int64 = ReassemblyLimits().idleTimeoutSeconds

    @Option(name: .customLong("tls-keylog"),
            help: ArgumentHelp("TLS key log (NSS format: CLIENT_RANDOM, *_TRAFFIC_SECRET_*) to decrypt TLS connections (repeatable). SSLKEYLOGFILE is read too when set; pcapng Decryption Secrets Blocks are always used. Re-read when it grows.", valueName: "file"))
    var tlsKeyLogs: [String] = []

    /// The key log files: the options', then SSLKEYLOGFILE's.
    var keyLogPaths: [String] {
        var paths = tlsKeyLogs
        if let env = ProcessInfo.processInfo.environment["SSLKEYLOGFILE"], !env.isEmpty, !paths.contains(env) { paths.append(env) }
        return paths
    }

    func validate() throws {
        for path in tlsKeyLogs where !FileManager.default.isReadableFile(atPath: path) {
            throw ValidationError("Cannot read the TLS key log \(path).")
        }
        if maxConnections < 0 || halfOpenTimeout < 0 || idleTimeout < 0 {
            throw ValidationError("--max-connections, --half-open-timeout and --idle-timeout cannot be negative.")
        }
        if files.isEmpty { throw ValidationError("Give at least one capture file ('-' for standard input).") }
        if maxBufferPerConnection < 0 || maxBufferTotal < 0 || overlapHistory < 0 {
            throw ValidationError("Buffer limits cannot be negative.")
        }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input ('-') can be read only once.") }
    }

    var analysisOptions: AnalysisOptions {
        var o = AnalysisOptions()
        o.ports.mqtt.formUnion(ports)
        o.limits.perConnection = maxBufferPerConnection
        o.limits.total = maxBufferTotal
        o.limits.overlapHistory = overlapHistory
        o.limits.maxConnections = maxConnections
        o.limits.halfOpenTimeoutSeconds = halfOpenTimeout
        o.limits.idleTimeoutSeconds = idleTimeout
        o.tlsKeyLog = Self.loadKeyLog(keyLogPaths)
        return o
    }

    /// The key log of these files; nil when none is given (an unreadable SSLKEYLOGFILE counts as none).
    static func loadKeyLog(_ paths: [String]) -> TLSKeyLog? {
        var log = TLSKeyLog()
        var any = false
        for path in paths where (try? log.add(file: path)) != nil { any = true }
        return any ? log : nil
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
