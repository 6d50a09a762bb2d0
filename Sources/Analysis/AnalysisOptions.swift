public import TCPReassembly

/// Everything that shapes one analysis run.
public struct AnalysisOptions: Sendable {
    public var ports = PortMap()
    public var limits = ReassemblyLimits()
    public init() {}
}
