public import WireCore

/// What reassembly reports about a stream, as rules of its own (`mqscope rules` lists them).
public enum TCPRule: String, CaseIterable, Sendable {
    case gap = "TCP-GAP"
    case overlapConflict = "TCP-OVERLAP-MISMATCH"

    public var id: RuleID { RuleID(rawValue) }

    public var severity: Severity {
        switch self {
        case .gap: .info
        case .overlapConflict: .warning
        }
    }

    public var title: String {
        switch self {
        case .gap: "Bytes missing from the capture (state rules after it are unverifiable)"
        case .overlapConflict: "Retransmitted bytes differ from the first copy"
        }
    }

    public var section: String { "capture" }
}
