public import TCPReassembly
public import MQTTCodec

/// Everything that shapes one analysis run.
public struct AnalysisOptions: Sendable {
    public var ports = PortMap()
    public var limits = ReassemblyLimits()
    /// Overrides the MQTT version of every connection (otherwise: its CONNECT, or inferred).
    public var mqttVersion: MQTTVersion?
    /// Larger MQTT packets are not buffered: their header is decoded and their body skipped.
    public var maxPDUSize = 16 << 20
    public init() {}
}
