
/// Receives what the analysis finds, in capture order. Generic (no existentials): each command
/// supplies its own sink type.
public protocol AnalysisSink {
    /// A connection ended (closed, reset, or still open when the capture ended).
    mutating func connectionFinished(_ connection: ConnectionSummary)
    /// A note about the capture file itself.
    mutating func fileNote(_ note: FileNote)
}

extension AnalysisSink {
    public mutating func connectionFinished(_ connection: ConnectionSummary) {}
    public mutating func fileNote(_ note: FileNote) {}
}
