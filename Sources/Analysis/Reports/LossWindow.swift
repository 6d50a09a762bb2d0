public import WireCore
import MQTTCodec
import TCPReassembly
import WebSocketCodec

/// Honesty after lost bytes (issue 12), one connection's part, shared by `read` and `check`: after a
/// gap, a packet lost in one, conflicting retransmissions or bytes skipped to resynchronise, a framer
/// may have landed inside payload bytes. Until `evidence` units in a row of that direction decode
/// without a violation, a violation on the connection is only unverifiable (info).
struct LossWindow {
    /// Units in a row that must decode without a violation after lost bytes before a violation
    /// there counts again.
    static let evidence = 3
    /// Per direction: the end of the last lost bytes while the stream has not yet shown it is back
    /// on unit boundaries; nil once `evidence` units in a row decoded cleanly.
    var lostUpTo: PerDirection<UInt64?> = [nil, nil]
    var cleanSinceLoss: PerDirection<Int> = [0, 0]

    /// Whether a stream event says bytes of its direction were lost.
    static func isLoss(_ rule: RuleID) -> Bool {
        rule == TCPRule.gap.id || rule == TCPRule.overlapConflict.id
            || rule == MQTTRule.pduLostInGap.id || rule == MQTTRule.resyncSkipped.id
            || rule == WebSocketRule.gap.id
    }

    /// Where the unverifiable stretch of the connection ends so far (either direction), if any.
    var lost: UInt64? { lostUpTo[0] ?? lostUpTo[1] }
    var isOpen: Bool { lostUpTo[0] != nil || lostUpTo[1] != nil }

    mutating func lose(_ direction: Direction, upTo: UInt64) {
        let d = Int(direction.rawValue)
        lostUpTo[d] = Swift.max(lostUpTo[d] ?? 0, upTo)
        cleanSinceLoss[d] = 0
    }

    /// A unit of `direction` decoded with these (original) diagnostics: evidence for or against
    /// being back on unit boundaries.
    mutating func unit(_ direction: Direction, _ diagnostics: [Diagnostic]) {
        let d = Int(direction.rawValue)
        guard lostUpTo[d] != nil else { return }
        let clean = !diagnostics.contains { Self.isViolation($0.verdict, $0.severity) }
        cleanSinceLoss[d] = clean ? cleanSinceLoss[d] + 1 : 0
        if cleanSinceLoss[d] >= Self.evidence { lostUpTo[d] = nil }
    }

    static func isViolation(_ verdict: Verdict, _ severity: Severity) -> Bool {
        verdict == .violation && severity >= .warning
    }

    /// The note a violation made unverifiable carries.
    static func note(_ lost: UInt64) -> String {
        " (unverifiable: decoded after bytes lost up to stream offset \(lost), before \(evidence) units in a row decoded cleanly)"
    }

    /// `diagnostics` with each error or warning violation made an unverifiable info while the
    /// stretch is open; nil (nothing allocated) when nothing changes.
    func judged(_ diagnostics: [Diagnostic]) -> [Diagnostic]? {
        guard let lost, diagnostics.contains(where: { Self.isViolation($0.verdict, $0.severity) }) else { return nil }
        var out = diagnostics
        for i in out.indices where Self.isViolation(out[i].verdict, out[i].severity) {
            out[i].verdict = .unverifiable
            out[i].severity = .info
            out[i].message += Self.note(lost)
        }
        return out
    }
}

/// `LossWindow`s of the connections that lost bytes (the others have none: no entry, no cost).
struct LossWindows {
    private var open: [ConnectionID: LossWindow] = [:]

    mutating func streamEvent(_ e: StreamEventReport) {
        guard LossWindow.isLoss(e.rule) else { return }
        open[e.connection.id, default: LossWindow()].lose(e.direction, upTo: e.range.upper)
    }

    /// The unit as it is to be shown (nil: unchanged), its evidence counted.
    mutating func judged<U: LossJudgedUnit>(_ u: U) -> U? {
        guard !open.isEmpty, let d = unit(u.connection.id, u.direction, u.diagnostics) else { return nil }
        var u = u
        u.diagnostics = d
        return u
    }

    /// A unit's diagnostics as they are to be shown (nil: unchanged), its evidence counted.
    mutating func unit(_ connection: ConnectionID, _ direction: Direction, _ diagnostics: [Diagnostic]) -> [Diagnostic]? {
        guard !open.isEmpty, let i = open.index(forKey: connection) else { return nil }
        let judged = open.values[i].judged(diagnostics)
        open.values[i].unit(direction, diagnostics)
        if !open.values[i].isOpen { open.remove(at: i) }
        return judged
    }

    mutating func finished(_ connection: ConnectionID) { open.removeValue(forKey: connection) }
}

/// A decoded unit whose findings `LossWindows` judges.
protocol LossJudgedUnit {
    var connection: ConnectionInfo { get }
    var direction: Direction { get }
    var diagnostics: [Diagnostic] { get set }
}

extension MQTTPacketEvent: LossJudgedUnit {}
extension STOMPFrameEvent: LossJudgedUnit {}
extension WebSocketEventReport: LossJudgedUnit {}
