public import TCPReassembly
public import MQTTCodec
public import TLSCodec

/// Everything that shapes one analysis run.
public struct AnalysisOptions: Sendable {
    public var ports = PortMap()
    public var limits = ReassemblyLimits()
    /// Overrides the MQTT version of every connection (otherwise: its CONNECT, or inferred).
    public var mqttVersion: MQTTVersion?
    /// Larger MQTT packets are not buffered: their header is decoded and their body skipped.
    public var maxPDUSize = 16 << 20
    /// TLS secrets (`--tls-keylog`, `SSLKEYLOGFILE`); nil when none was given. Each capture file's
    /// pcapng Decryption Secrets Blocks are added to it when the file is read.
    public var tlsKeyLog: TLSKeyLog?
    public init() {}
}
